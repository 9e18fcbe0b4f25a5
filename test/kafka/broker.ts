/**
 * Helpers for tests that talk to a real Apache Kafka broker.
 *
 * Start one with `npm run kafka:up` (scripts/kafka/up.sh: KRaft broker on 127.0.0.1:9092),
 * stop it with `npm run kafka:down`. Kafka's own CLI tools run through scripts/kafka/tool.sh
 * and serve as the independent reference (`runKafkaTool`).
 *
 *   const broker = await requireBroker();          // throws under CI=true if missing
 *   describe.skipIf(!broker.available)('…', () => { … });
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type KafkaConfig, type logCreator } from 'kafkajs';

export const DEFAULT_BROKERS = process.env.SLUICE_KAFKA_BROKERS ?? '127.0.0.1:9092';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');
export const KAFKA_TOOL_SH = path.join(REPO_ROOT, 'scripts', 'kafka', 'tool.sh');

// kafkajs warns about its v2 default partitioner change on every producer; not useful in tests.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

export interface BrokerStatus {
  available: boolean;
  reason?: string;
  brokers?: string[];
  clusterId?: string;
}

function isCI(): boolean {
  const ci = (process.env.CI ?? '').toLowerCase();
  return ci === 'true' || ci === '1';
}

function splitBrokers(brokers: string | string[]): string[] {
  return (Array.isArray(brokers) ? brokers : brokers.split(','))
    .map((b) => b.trim())
    .filter(Boolean);
}

/**
 * Checks that a Kafka broker answers (kafkajs admin describeCluster, short timeouts).
 * Missing broker: under CI=true this throws (the test must fail, not silently skip);
 * otherwise it prints a loud message and returns { available: false } so the caller can skip.
 */
export async function requireBroker(
  brokers: string | string[] = DEFAULT_BROKERS,
  opts: { timeoutMs?: number } = {},
): Promise<BrokerStatus> {
  const list = splitBrokers(brokers);
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const kafka = new Kafka({
    clientId: 'sluice-require-broker',
    brokers: list,
    connectionTimeout: Math.min(2_000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  let reason: string | undefined;
  try {
    const cluster = await withTimeout(
      (async () => {
        await admin.connect();
        return admin.describeCluster();
      })(),
      timeoutMs,
      `describeCluster on ${list.join(',')} timed out after ${timeoutMs} ms`,
    );
    return {
      available: true,
      clusterId: cluster.clusterId,
      brokers: cluster.brokers.map((b) => `${b.host}:${b.port}`),
    };
  } catch (err) {
    reason = `no Kafka broker answers on ${list.join(',')}: ${errorMessage(err)}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (isCI()) {
    throw new Error(`${reason}\nCI=true: Kafka tests must not be skipped. Start the broker first: npm run kafka:up`);
  }
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\n!! SKIPPING Kafka tests — ${reason}\n!! Start a local broker with:  npm run kafka:up   (stop: npm run kafka:down)\n${bar}\n`,
  );
  return { available: false, reason };
}

/** `prefix-<time>-<random>`: unique topic / group / transactional ids per test run. */
export function randomName(prefix = 'sluice-test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

const TRANSIENT_RESPONSE_ERRORS = [
  /coordinator is not available/i,
  /coordinator is loading/i,
  /not the correct coordinator/i,
  /another concurrent operation on the same transaction/i,
  /leadership election/i,
];

/**
 * kafkajs logger that only prints ERROR entries (kafkajs is very chatty at INFO/WARN)
 * and records them, so a test can assert on or ignore errors it provoked on purpose.
 */
export function errorOnlyLogger(sink: string[] = [], print = true): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      if (level > logLevel.ERROR) return;
      const { message, ...extra } = log;
      // kafkajs logs every error *response* at ERROR, even the transient ones it then retries
      // (coordinator loading / moving, concurrent transactions). Real failures still surface as
      // rejected promises and as the other ERROR lines.
      if (namespace === 'Connection' && TRANSIENT_RESPONSE_ERRORS.some((re) => re.test(String(extra.error ?? '')))) return;
      if (namespace === 'Producer' && Number(extra.retryCount) === 0 && TRANSIENT_RESPONSE_ERRORS.some((re) => re.test(message))) return;
      const line = `[kafkajs ${namespace}] ${message} ${JSON.stringify(extra)}`;
      sink.push(line);
      if (print) console.error(line);
    };
}

/** A kafkajs client for tests: ERROR-level logging, modest timeouts. */
export function testKafka(clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: splitBrokers(DEFAULT_BROKERS),
    connectionTimeout: 3_000,
    requestTimeout: 15_000,
    logLevel: logLevel.ERROR,
    logCreator: errorOnlyLogger(),
    ...overrides,
  });
}

/** Creates a topic and waits until every partition has a leader. */
export async function createTopic(
  admin: Admin,
  name: string,
  partitions = 1,
  opts: { replicationFactor?: number; configEntries?: { name: string; value: string }[]; timeoutMs?: number } = {},
): Promise<void> {
  // kafkajs's own leader wait gives up with UNKNOWN_TOPIC_OR_PARTITION on a broker that
  // has just started (its metadata lags the controller); the wait below covers it.
  const created = await admin
    .createTopics({
      waitForLeaders: true,
      timeout: opts.timeoutMs ?? 15_000,
      topics: [
        {
          topic: name,
          numPartitions: partitions,
          replicationFactor: opts.replicationFactor ?? 1,
          // Tests write records with old event timestamps (1970); the broker's time-based
          // retention check would delete those segments in the middle of a test.
          configEntries: [{ name: 'retention.ms', value: '-1' }, ...(opts.configEntries ?? [])],
        },
      ],
    })
    .catch((e: unknown) => {
      if ((e as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
      throw e;
    });
  if (!created) throw new Error(`topic ${name} already exists`);
  await waitFor(
    async () => {
      const md = await admin.fetchTopicMetadata({ topics: [name] });
      const t = md.topics.find((x) => x.name === name);
      return !!t && t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0);
    },
    { timeoutMs: opts.timeoutMs ?? 15_000, intervalMs: 100, message: `topic ${name} has leaders for ${partitions} partitions` },
  );
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  message?: string;
}

/**
 * Polls `predicate` until it returns a truthy value (returned) or the timeout passes (throws,
 * with the last value / error seen). Exceptions from the predicate count as "not yet".
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 100, message = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      last = await predicate();
      lastError = undefined;
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError !== undefined ? `last error: ${errorMessage(lastError)}` : `last value: ${safeJson(last)}`;
      throw new Error(`waitFor timed out after ${timeoutMs} ms: ${message} (${detail})`);
    }
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}

/**
 * Runs one of Kafka's own CLI tools (scripts/kafka/tool.sh) and returns its stdout.
 * Rejects on a non-zero exit or after `timeoutMs`, with stderr in the message.
 */
export function runKafkaTool(
  tool: string,
  args: string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = execFile(
      'bash',
      [KAFKA_TOOL_SH, tool, ...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 32 * 1024 * 1024, cwd: REPO_ROOT },
      (err, stdout, stderr) => {
        if (err) {
          const why = err.killed ? `timed out after ${timeoutMs} ms` : `exit ${String(err.code)}`;
          reject(new Error(`${tool} ${args.join(' ')}: ${why}\n${stderr}${stdout}`));
        } else {
          resolve(stdout);
        }
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Parses a whitespace-aligned table with an upper-case header row (e.g. kafka-consumer-groups --describe). */
export function parseToolTable(output: string, firstHeader = 'GROUP'): Record<string, string>[] {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const rows: Record<string, string>[] = [];
  let header: string[] | undefined;
  for (const line of lines) {
    const cells = line.split(/\s+/);
    if (cells[0] === firstHeader) {
      header = cells;
      continue;
    }
    if (!header || cells.length < header.length) continue;
    rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
  }
  return rows;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Whether kcat (librdkafka's CLI; `apt-get install kcat`, installed by .ci/run) can run here. */
export function kcatWorks(): boolean {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}
