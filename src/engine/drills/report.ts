/**
 * The drill report, schema `sluice.drill-report/1` (documented in resources/drills/README.md).
 * Versioned: fields are only added within a version; a removal or change of meaning bumps
 * it. The contract fields (CONTRACTS.md) are `verdict`, `guarantee`, `records`, `faults[]`
 * (`type`, `atMs`, `detectMs`, `restoreMs`, `caughtUpMs`) and `checkpoints`. Every number
 * comes from the run; a measurement that did not happen is null, never a made-up 0.
 */
import type { CheckpointAdvice } from '../advisor/checkpoint-advisor.js';
import type { GuardReport } from './guards.js';
import type { TimelineMarker, TimelineSample } from './timeline.js';
import type { RecordCounts, ResultExample } from './verifier.js';

export const REPORT_SCHEMA = 'sluice.drill-report/1';

export interface FaultOutcome {
  seq: number;
  type: string;
  origin: 'fixed' | 'random' | 'unplanned';
  description: string;
  /** When the fault was injected (ms since the drill started); null when skipped. */
  atMs: number | null;
  worker: number | null;
  skipped: string | null;
  /** Kill → the job manager saw the worker's death. */
  detectMs: number | null;
  /** Teardown + respawn until every worker runs again. */
  restartMs: number | null;
  /** Slowest worker's state restore. */
  restoreMs: number | null;
  restoreBytes: number | null;
  restoredKeys: number | null;
  restoredFrom: number | null;
  /** From the fault until the job had read again what it had read before (kills), or until lag returned to its baseline (slow sink, stalled source). */
  caughtUpMs: number | null;
  recordsReplayed: number | null;
  /** Failures the job manager recorded for this fault (a failed restart adds one). */
  failures: string[];
  /** corrupt-checkpoint: the checkpoint whose files were corrupted and the fallback lines the job manager logged. */
  corrupted: { checkpoint: number; files: string[] } | null;
  fallback: string[];
}

export interface CheckpointSummary {
  completed: number;
  failed: number;
  durationMs: { p50: number | null; p99: number | null; max: number | null };
  sizeBytes: { p50: number | null; max: number | null };
  history: { id: number; status: string; triggerMs: number; durationMs: number | null; bytes: number | null; failureReason: string | null }[];
}

export interface DrillReport {
  schema: typeof REPORT_SCHEMA;
  runId: string;
  drill: { name: string; description: string | null; file: string | null; seed: number };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  verdict: 'PASS' | 'FAIL';
  verdictReasons: string[];
  guarantee: 'exactly-once' | 'at-least-once';
  /** Non-null when the test-only broken sink replaced the job's sink (verifier proof). */
  testOnlySink: string | null;
  job: { name: string; state: string; error: string | null; parallelism: number; document: Record<string, unknown> };
  /** kafka: the generated records went through the drill's input topic on `brokers` (and its output topic when the job writes to Kafka). */
  workload: { type: 'generator' | 'kafka'; seed: number; rate: number; keys: number; count: number; kafka?: { brokers: string[]; managed: boolean; inputTopic: string; outputTopic: string | null } };
  records: RecordCounts & { input: number };
  examples: { lost: ResultExample[]; duplicated: ResultExample[]; mismatched: ResultExample[] };
  verificationMs: number;
  aborted: { check: string; atMs: number; message: string } | null;
  guards: GuardReport[];
  baseline: { throughput: number | null; lagMs: number | null };
  faults: FaultOutcome[];
  checkpoints: CheckpointSummary;
  /** The checkpoint advisor over this run (its faults are the failure history); null without a completed checkpoint. Absent in reports written before it. */
  checkpointAdvice?: CheckpointAdvice | null;
  timeline: { samples: TimelineSample[]; markers: TimelineMarker[] };
  drillSpec: Record<string, unknown>;
  environment: { sluice: string; node: string; platform: string; arch: string; cpus: number; cpuModel: string; memoryMb: number; sqlite: string; echarts: string };
}

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const SECRET_KEY = /pass(word)?|secret|token|credential|sasl|api[-_]?key/i;

/** A copy of `v` with values under secret-looking keys replaced (a report never carries secrets). */
export function redactSecrets<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => redactSecrets(x) as unknown) as T;
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = SECRET_KEY.test(k) ? '(redacted)' : redactSecrets(x);
    return o as T;
  }
  return v;
}
