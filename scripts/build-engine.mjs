// Builds the plain-Node engine entry points (CLI, worker) into dist/ with esbuild.
// Runs from `prepare`, so `npx sluice` works right after `npm install` on a fresh clone.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entries = ['src/engine/cli.ts', 'src/engine/runtime/worker-main.ts']
  .filter((p) => existsSync(path.join(root, p)));

await build({
  absWorkingDir: root,
  entryPoints: entries,
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  packages: 'external',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
});
