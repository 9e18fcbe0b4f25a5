/**
 * The Kafka Streams peer for `kafka.q12.e2e`: builds the Java program once (build.sh,
 * Maven Central) and runs it against a pre-filled input topic. The program times itself
 * from `KafkaStreams.start()` until its committed offsets reach the input's end under
 * exactly_once_v2 (JVM start-up is not counted; group join and task start-up are).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const here = import.meta.dirname;

export interface KafkaStreamsRun {
  /** Input records the run processed (the input topic's end offsets). */
  records: number;
  /** start() → all input committed, ms. */
  elapsedMs: number;
  /** start() → first record seen by the topology, ms (group join, task and store start-up). */
  startupMs: number | null;
  guarantee: string;
  kafkaStreamsVersion: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const why = err.killed ? `timed out after ${timeoutMs} ms` : err.code !== undefined ? `exit ${String(err.code)}` : err.message;
        reject(new Error(`${path.basename(cmd)}: ${why}: ${lastLines(stderr || err.message, 6)}`));
      } else resolve({ stdout, stderr });
    });
  });
}

const lastLines = (s: string, n: number): string => s.trim().split('\n').slice(-n).join(' | ');

/** Builds the peer if its sources changed since the last build; returns the Java classpath. */
export async function buildKafkaStreamsPeer(timeoutMs = 900_000): Promise<string> {
  const { stdout } = await run('bash', [path.join(here, 'build.sh')], timeoutMs);
  const classpath = stdout.trim().split('\n').pop() ?? '';
  if (classpath === '') throw new Error('kafka-streams peer: build.sh printed no classpath');
  return classpath;
}

export async function runKafkaStreamsQ12(opts: {
  classpath: string;
  brokers: readonly string[];
  input: string;
  output: string;
  appId: string;
  windowMs: number;
  timeoutMs: number;
}): Promise<KafkaStreamsRun> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-kstreams-'));
  try {
    const { stdout } = await run(
      'java',
      [
        '-Xmx512m',
        '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
        '-cp',
        opts.classpath,
        'dev.sluice.bench.KafkaStreamsQ12',
        `brokers=${opts.brokers.join(',')}`,
        `input=${opts.input}`,
        `output=${opts.output}`,
        `appId=${opts.appId}`,
        `windowMs=${opts.windowMs}`,
        `stateDir=${stateDir}`,
        `timeoutMs=${opts.timeoutMs}`,
      ],
      opts.timeoutMs + 60_000,
    );
    const line = stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as KafkaStreamsRun;
    } catch {
      throw new Error(`kafka-streams peer printed no result line (stdout: ${lastLines(stdout, 3) || 'empty'})`);
    }
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
