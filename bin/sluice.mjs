#!/usr/bin/env node
// The `sluice` command: runs the engine CLI built into dist/ by `npm install` (prepare).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'engine', 'cli.js');
if (!existsSync(built)) {
  process.stderr.write(`sluice: ${built} is missing. Run \`npm install\` (or \`npm run build:engine\`) in the project first.\n`);
  process.exit(2);
}
await import(pathToFileURL(built).href);
