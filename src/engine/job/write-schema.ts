/** Regenerate resources/schema/job.schema.json: `npx tsx src/engine/job/write-schema.ts`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { JOB_SCHEMA_FILE, jobSpecJsonSchemaText } from './json-schema.js';

mkdirSync(dirname(JOB_SCHEMA_FILE), { recursive: true });
writeFileSync(JOB_SCHEMA_FILE, jobSpecJsonSchemaText());
console.log(`wrote ${JOB_SCHEMA_FILE}`);
