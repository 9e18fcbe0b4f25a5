import { jobSpecJsonSchema } from '../job/index.js';

export function schemaCommand(): number {
  process.stdout.write(JSON.stringify(jobSpecJsonSchema(), null, 2) + '\n');
  return 0;
}
