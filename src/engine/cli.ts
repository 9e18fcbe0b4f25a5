/**
 * The `sluice` command. Exit codes: 0 done (or a drill passed), 1 the job (or drill)
 * failed, 2 invalid input (a broken spec, a bad flag).
 */
import { Command, CommanderError } from 'commander';
import { validateCommand } from './cli/validate.js';
import { runCommand } from './cli/run.js';
import { schemaCommand } from './cli/schema.js';
import { EXIT_INVALID } from './cli/exit-codes.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

const program = new Command();
program
  .name('sluice')
  .description('Run, break and verify stream and batch jobs on your machine.')
  .version(process.env['npm_package_version'] ?? '0.1.0')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program
  .command('validate')
  .description('check a job spec; prints each problem as "path: message" (exit 2 when invalid)')
  .argument('<spec>', 'job spec file (YAML or JSON)')
  .option('--set <path=value>', 'override a field before validation (repeatable)', collect, [])
  .action(async (spec: string, o: { set: string[] }) => {
    process.exitCode = validateCommand(spec, o.set);
  });

program
  .command('run')
  .description('run a job: bounded jobs run to completion, unbounded ones until Ctrl-C')
  .argument('<spec>', 'job spec file (YAML or JSON)')
  .option('--set <path=value>', 'override a field, e.g. --set parallelism=2 (repeatable)', collect, [])
  .option('--from-savepoint <dir[#id]>', 'start from a savepoint or checkpoint folder (any parallelism)')
  .option('--keep-checkpoints', 'keep the checkpoint folder after the job finishes')
  .option('--state-dir <dir>', 'where this run keeps its checkpoints')
  .option('-q, --quiet', 'no progress output')
  .action(async (spec: string, o: { set: string[]; fromSavepoint?: string; keepCheckpoints?: boolean; stateDir?: string; quiet?: boolean }) => {
    process.exitCode = await runCommand(spec, o);
  });

program
  .command('schema')
  .description('print the JSON Schema of job specs (for editor autocompletion)')
  .action(() => {
    process.exitCode = schemaCommand();
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_INVALID;
  } else {
    process.stderr.write(`sluice: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
