import { formatSpecErrors, loadJobSpecFile } from '../job/index.js';
import { EXIT_INVALID, EXIT_OK } from './exit-codes.js';

export function validateCommand(file: string, overrides: string[]): number {
  const r = loadJobSpecFile(file, overrides);
  if (!r.ok) {
    process.stderr.write(`${file}: invalid job spec\n`);
    process.stdout.write(formatSpecErrors(r.errors) + '\n');
    return EXIT_INVALID;
  }
  const s = r.spec;
  process.stdout.write(
    `${file}: valid — job "${s.name}", ${s.mode} mode, parallelism ${s.parallelism}, source ${s.source.type}, ` +
      `${s.pipeline.length} step(s), sink ${s.sink.type}, guarantee ${s.guarantee}\n`,
  );
  return EXIT_OK;
}
