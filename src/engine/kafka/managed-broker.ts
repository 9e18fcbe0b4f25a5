/**
 * A Kafka broker Sluice starts and owns: a single KRaft broker on free 127.0.0.1 ports with
 * its own state directory, run by the same scripts as `npm run kafka:up` (the Apache Kafka
 * jars from Maven Central, Java 17). Drills that restart a broker use one of these: Sluice
 * never stops a broker it did not start.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** scripts/kafka of the Sluice checkout this module runs from (src/… or dist/…). */
export function kafkaScriptsDir(): string | null {
  let dir = import.meta.dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'scripts', 'kafka', 'up.sh');
    if (fs.existsSync(candidate)) return path.dirname(candidate);
    dir = path.dirname(dir);
  }
  return null;
}

export async function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ManagedBroker {
  readonly brokers: string[];
  readonly stateDir: string;
  /** Graceful stop (SIGTERM, then SIGKILL after 30 s), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data; resolves when it answers. */
  start(): Promise<void>;
  /** Stops it and deletes its state. */
  dispose(): Promise<void>;
}

export interface ManagedBrokerOptions {
  /** Where its data and logs go (default: a new temp dir, deleted by dispose). */
  readonly stateDir?: string;
  /** JVM heap flags (default -Xmx384m). */
  readonly heap?: string;
  readonly onLog?: (line: string) => void;
}

export async function startManagedBroker(opts: ManagedBrokerOptions = {}): Promise<ManagedBroker> {
  const scripts = kafkaScriptsDir();
  if (scripts === null) {
    throw new Error('a managed Kafka broker needs the scripts/kafka folder of a Sluice checkout (it starts Apache Kafka from its Maven Central jars with Java 17); none was found above ' + import.meta.dirname);
  }
  const ownsState = opts.stateDir === undefined;
  const state = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-managed-'));
  const port = await freeLocalPort();
  const controllerPort = await freeLocalPort();
  const env = {
    ...process.env,
    SLUICE_KAFKA_STATE: state,
    SLUICE_KAFKA_PORT: String(port),
    SLUICE_KAFKA_CONTROLLER_PORT: String(controllerPort),
    SLUICE_KAFKA_HEAP: opts.heap ?? '-Xmx384m -Xms128m',
    SLUICE_KAFKA_START_TIMEOUT: '150',
  };
  const script = (name: string, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      execFile('bash', [path.join(scripts, name)], { env, timeout: timeoutMs }, (err, stdout, stderr) => {
        for (const line of `${stdout}${stderr}`.split('\n')) if (line.trim() !== '') opts.onLog?.(line);
        if (err) reject(new Error(`${name} for the managed broker on 127.0.0.1:${port} failed: ${err.message.split('\n')[0]}${stderr.trim() ? `\n${stderr.trim()}` : ''}`));
        else resolve();
      });
    });
  const broker: ManagedBroker = {
    brokers: [`127.0.0.1:${port}`],
    stateDir: state,
    stop: () => script('down.sh', 60_000),
    start: () => script('up.sh', 200_000),
    dispose: async () => {
      await script('down.sh', 60_000).catch(() => undefined);
      if (ownsState) fs.rmSync(state, { recursive: true, force: true });
    },
  };
  try {
    await broker.start();
  } catch (e) {
    await broker.dispose();
    throw e;
  }
  return broker;
}
