/**
 * The `sluice` command. Exit codes: 0 done (or a drill passed), 1 the job (or drill)
 * failed, 2 invalid input (a broken spec, a bad flag).
 */
import { Command, CommanderError } from 'commander';
import { validateCommand } from './cli/validate.js';
import { runCommand } from './cli/run.js';
import { schemaCommand } from './cli/schema.js';
import { registerKafkaCommands } from './cli/kafka.js';
import { serveCommand } from './cli/serve.js';
import { drillCommand } from './cli/drill.js';
import { queryCommand, registerLambdaCommands } from './cli/lambda.js';
import { reprocessCommand } from './cli/reprocess.js';
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

program
  .command('serve')
  .description('serve the console in a browser on 127.0.0.1 (prints the URL with its access token)')
  .option('--port <n>', 'port to listen on (0: any free port)', '7878')
  .option('--data-dir <dir>', 'where the console keeps history and job runs (default: the app data folder)')
  .option('--renderer <dir>', 'the built console (default: out/renderer)')
  .action(async (o: { port: string; dataDir?: string; renderer?: string }) => {
    process.exitCode = await serveCommand(o);
  });

registerKafkaCommands(
  program.command('kafka').description('explore a Kafka cluster: topics, groups, lag with Burrow status, offset resets'),
  (code) => (process.exitCode = code),
);

program
  .command('drill')
  .description('run a chaos/recovery drill and verify the output (exit 0 PASS, 1 FAIL, 2 invalid input)')
  .argument('<drill>', 'drill spec file (YAML or JSON)')
  .option('--report <file.html>', 'write the self-contained HTML report')
  .option('--json <file.json>', 'write the JSON report (schema sluice.drill-report/1)')
  .option('--markdown <file.md>', 'write the Markdown summary')
  .option('--pdf <file.pdf>', 'write a PDF of the HTML report (needs Chromium)')
  .option('--seed <n>', 'seed of the workload and the random fault schedule (overrides the drill\'s)')
  .option('--run-dir <dir>', 'where the run keeps its output and checkpoints')
  .option('--history <file.db>', 'drill run history (default: <drill dir>/.sluice/drill-history.db)')
  .option('-q, --quiet', 'no progress output')
  .action(async (drill: string, o: { report?: string; json?: string; markdown?: string; pdf?: string; seed?: string; runDir?: string; history?: string; quiet?: boolean }) => {
    process.exitCode = await drillCommand(drill, o);
  });

registerLambdaCommands(
  program.command('lambda').description('Lambda serving views: run the speed layer, advance the batch layer'),
  (code) => (process.exitCode = code),
);

program
  .command('query')
  .description("a view's merged answer: batch layer below the cut-off + speed layer from it")
  .argument('<view>', 'view file (YAML or JSON)')
  .option('--key <key>', 'one key only (exit 1 when absent)')
  .option('--json', 'print JSON: {view, cutoff, horizon, batchRuns, rows: [{key, value}]}')
  .action((view: string, o: { key?: string; json?: boolean }) => {
    process.exitCode = queryCommand(view, o);
  });

program
  .command('reprocess')
  .description('Kappa: replay the log into a new version beside the served one, diff, switch the serving name (exit 1 when not switched)')
  .argument('<deployment>', 'Kappa deployment file (YAML): serving name, serving database, job spec')
  .argument('<version>', 'the new version (letters, digits, _): its output goes to table <name>_<version>')
  .option('--job <spec>', "this version's job spec (default: the deployment's)")
  .option('--set <path=value>', "override a field of this version's job (repeatable)", collect, [])
  .option('--from-timestamp <ms|ISO date>', 'replay from this record time instead of the beginning (Kafka sources)')
  .option('--force', 'switch even when the diff is not clean')
  .option('-q, --quiet', 'no progress output')
  .action(async (file: string, version: string, o: { job?: string; set: string[]; fromTimestamp?: string; force?: boolean; quiet?: boolean }) => {
    process.exitCode = await reprocessCommand(file, { ...o, version });
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
