/**
 * A Kappa deployment: one serving name whose versions are runs of a job spec, each
 * writing its own table in the serving database; the serving name is a SQL view that
 * points at exactly one version's table.
 *
 * ```yaml
 * kappa:
 *   name: clicks_per_user      # the serving name (a SQL view in the serving database)
 *   serving: out/serving.db    # relative to this file
 *   job: clicks-per-user.yaml  # the job; its sink becomes table <name>_<version> of the serving database
 * ```
 *
 * A version's job is the deployment's job (or another spec given on the command line)
 * with its sink replaced by the version's table (two-phase commit, exactly-once), its
 * source rewound to the beginning (or a timestamp, Kafka) and its name suffixed with the
 * version, so it can run beside the served version.
 */
import path from 'node:path';
import { z } from 'zod';
import { checkJobSpec, formatSpecErrors, loadJobSpecFile, type JobSpec, type SpecError } from '../job/index.js';
import { readYamlFile } from '../job/yaml-input.js';

export interface Deployment {
  name: string;
  /** Absolute path of the serving database. */
  serving: string;
  /** Absolute path of the default job spec. */
  job: string;
}

export type StartPosition = { from: 'earliest' } | { from: 'timestamp'; timestamp: number };

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
export const VERSION = /^[A-Za-z0-9_]{1,32}$/;

const deploymentSchema = z.strictObject({
  kappa: z.strictObject({
    name: z.string().regex(NAME, 'a serving name is a letter or _ then letters, digits or _ (at most 63): it becomes a SQL view name'),
    serving: z.string().min(1),
    job: z.string().min(1),
  }),
});

export type DeploymentResult = { ok: true; deployment: Deployment } | { ok: false; errors: SpecError[] };

export function loadDeploymentFile(file: string): DeploymentResult {
  const abs = path.resolve(file);
  const raw = readYamlFile(abs, 'kappa deployment');
  if (!raw.ok) return raw;
  const r = deploymentSchema.safeParse(raw.value);
  if (!r.success) return { ok: false, errors: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  const dir = path.dirname(abs);
  const k = r.data.kappa;
  return { ok: true, deployment: { name: k.name, serving: path.resolve(dir, k.serving), job: path.resolve(dir, k.job) } };
}

export const versionTable = (d: Deployment, version: string): string => `${d.name}_${version}`;

/** The job of one version (see the file comment). Throws with every problem listed. */
export function versionJobSpec(d: Deployment, version: string, opts: { job?: string; overrides?: readonly string[]; start: StartPosition }): JobSpec {
  if (!VERSION.test(version)) throw new Error(`version ${JSON.stringify(version)}: use 1–32 letters, digits or _ (it becomes part of a table name)`);
  const file = opts.job ?? d.job;
  const r = loadJobSpecFile(file, opts.overrides ?? []);
  if (!r.ok) throw new Error(`${file}: invalid job spec\n${formatSpecErrors(r.errors)}`);
  const base = r.spec;
  if (base.mode !== 'stream') throw new Error(`${file}: a Kappa version is a stream job (mode: stream), got mode: ${base.mode}`);
  const source = base.source;
  let rewound: JobSpec['source'];
  if (source.type === 'log') {
    if (opts.start.from === 'timestamp') {
      throw new Error('the built-in log source starts from the earliest or latest offset only; reprocessing from a timestamp needs a Kafka source (or start from the beginning)');
    }
    rewound = { ...source, startFrom: 'earliest' };
  } else if (source.type === 'kafka') {
    rewound = {
      ...source,
      startFrom: opts.start.from === 'timestamp' ? { timestamp: opts.start.timestamp } : 'earliest',
      // The group only mirrors committed positions; two versions must not report into one group.
      groupId: source.groupId === null ? null : `${source.groupId}-${version}`,
    };
  } else {
    throw new Error(`reprocessing replays a log: the job's source must be "log" (the built-in partitioned log) or "kafka", not "${source.type}"`);
  }
  const spec: JobSpec = {
    ...base,
    name: `${base.name}-${version}`,
    source: rewound,
    sink: { type: 'sqlite', path: d.serving, table: versionTable(d, version), mode: 'transactional', key: null },
  };
  const errors = checkJobSpec(spec);
  if (errors.length > 0) throw new Error(`the ${version} job is invalid:\n${formatSpecErrors(errors)}`);
  return spec;
}
