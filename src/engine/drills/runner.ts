/**
 * Runs one drill against the real engine: starts the job under a JobManager (real worker
 * processes), samples a timeline, evaluates the steady-state checks, injects the fault
 * schedule, waits for the bounded workload to drain, then verifies the sink's output
 * against a batch recomputation and builds the report.
 *
 * A drill's lifecycle is a table, like the job's: PREPARED → RUNNING → (ABORTING) →
 * VERIFYING → DONE.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { JobManager, type FailureRecord, type JobResult } from '../runtime/job-manager.js';
import type { TestOnlySinkKind } from '../runtime/messages.js';
import type { CheckpointRecord } from '../checkpoint/types.js';
import type { ResolvedJob } from './load.js';
import type { DrillDocument, DrillSpec } from './spec.js';
import { describeFault, planFaults, type PlannedFault } from './schedule.js';
import { SteadyStateGuards, type GuardViolation } from './guards.js';
import { Timeline } from './timeline.js';
import { guaranteeHolds, verifyRun } from './verifier.js';
import { KafkaDrillEnvironment } from './kafka-workload.js';
import { adviseCheckpoints, type CheckpointAdvice } from '../advisor/checkpoint-advisor.js';
import { percentile, redactSecrets, REPORT_SCHEMA, type CheckpointSummary, type DrillReport, type FaultOutcome } from './report.js';

export interface RunDrillOptions {
  /** The drill file (shown in the report). */
  readonly drillFile?: string;
  /** TEST-ONLY: replace the job's sink by a deliberately broken one (the verifier proof). Not reachable from a drill spec or the CLI. */
  readonly testOnlySink?: TestOnlySinkKind;
  readonly onProgress?: (line: string) => void;
  readonly sampleIntervalMs?: number;
}

type DrillPhase = 'PREPARED' | 'RUNNING' | 'ABORTING' | 'VERIFYING' | 'DONE';
const TRANSITIONS: Record<DrillPhase, readonly DrillPhase[]> = {
  PREPARED: ['RUNNING', 'VERIFYING'],
  RUNNING: ['ABORTING', 'VERIFYING'],
  ABORTING: ['VERIFYING'],
  VERIFYING: ['DONE'],
  DONE: [],
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function blankOutcome(f: { seq: number; type: string; origin: FaultOutcome['origin']; description: string }): FaultOutcome {
  return {
    ...f,
    atMs: null,
    worker: null,
    skipped: null,
    detectMs: null,
    restartMs: null,
    restoreMs: null,
    restoreBytes: null,
    restoredKeys: null,
    restoredFrom: null,
    caughtUpMs: null,
    recordsReplayed: null,
    failures: [],
    corrupted: null,
    fallback: [],
  };
}

/** Overwrites the SQLite header of checkpoint `id`'s part files (same size: only the content check can tell). */
function corruptCheckpoint(stateDir: string, id: number): string[] {
  const dir = path.join(stateDir, 'checkpoints', 'parts');
  const re = /^ckpt-0*(\d+)-w\d+\.db$/;
  const files = fs.readdirSync(dir).filter((f) => Number(re.exec(f)?.[1]) === id);
  for (const f of files) {
    const fd = fs.openSync(path.join(dir, f), 'r+');
    try {
      fs.writeSync(fd, Buffer.alloc(100, 0xa5), 0, 100, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  return files;
}

export class DrillRun {
  private phase: DrillPhase = 'PREPARED';
  readonly runId = randomUUID();
  private jm!: JobManager;
  private kafkaEnv: KafkaDrillEnvironment | null = null;
  /** A broker outage under way: every failure until the job runs again belongs to it. */
  private outage: FaultOutcome | null = null;
  private readonly plan: PlannedFault[];
  private readonly outcomes: FaultOutcome[] = [];
  private readonly failureOwner = new Map<FailureRecord, FaultOutcome>();
  private readonly failuresSeen: FailureRecord[] = [];
  private expecting: FaultOutcome | null = null;
  private crashOutcome: FaultOutcome | null = null;
  private lastFallbackOwner: FaultOutcome | null = null;
  private timeline!: Timeline;
  private readonly guards: SteadyStateGuards;
  private aborted: GuardViolation | null = null;
  private timedOut = false;
  private firstFaultAt: number | null = null;
  private activeSinkDelay = 0;
  private sourcePaused = false;
  private readonly checkpointRecords = new Map<number, CheckpointRecord>();
  private readonly progress: (line: string) => void;

  constructor(
    private readonly drill: DrillSpec,
    private readonly document: DrillDocument,
    private job: ResolvedJob,
    private readonly runDir: string,
    private readonly opts: RunDrillOptions = {},
  ) {
    this.plan = planFaults(drill, job.spec.parallelism);
    this.guards = new SteadyStateGuards(drill.guards);
    this.progress = opts.onProgress ?? (() => undefined);
    // A Kafka workload's job is created once its topics (and broker) exist, in run().
    if (job.kafka === null) this.jm = this.createJobManager();
  }

  private createJobManager(): JobManager {
    const crash = this.plan.find((f) => f.type === 'kill-during-checkpoint');
    return new JobManager(this.job.spec, {
      stateDir: path.join(this.runDir, 'state'),
      ...(crash?.type === 'kill-during-checkpoint' ? { crashPoint: { worker: crash.worker, checkpoint: crash.checkpoint, point: crash.point } } : {}),
      ...(this.opts.testOnlySink !== undefined ? { testOnlySink: this.opts.testOnlySink } : {}),
    });
  }

  private to(next: DrillPhase): void {
    if (!TRANSITIONS[this.phase].includes(next)) throw new Error(`drill is ${this.phase}: cannot go to ${next}`);
    this.phase = next;
  }

  private now(): number {
    return this.timeline.now();
  }

  async run(): Promise<DrillReport> {
    if (this.job.kafka === null) return this.runJob();
    const prepared = await KafkaDrillEnvironment.prepare(this.drill, this.job, this.progress);
    this.kafkaEnv = prepared.env;
    try {
      this.job = prepared.job;
      this.jm = this.createJobManager();
      return await this.runJob();
    } finally {
      await prepared.env.dispose().catch((e: unknown) => this.progress(`could not clean up the drill's Kafka topics/broker: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  private async runJob(): Promise<DrillReport> {
    const startedAt = new Date();
    const jm = this.jm;
    const spec = this.job.spec;
    this.timeline = new Timeline(Date.now(), this.drill.workload.rate, this.job.source.startTs);
    this.wireEvents();
    this.progress(`drill "${this.drill.name}": ${spec.parallelism} worker(s), ${this.drill.workload.count.toLocaleString('en-US')} records at ${this.drill.workload.rate.toLocaleString('en-US')}/s, ${this.plan.length} fault(s), seed ${this.drill.seed}`);
    for (const f of this.plan) this.progress(`  fault ${f.seq}: ${f.type} ${describeFault(f)}`);
    let result: JobResult;
    try {
      await jm.start();
    } catch (e) {
      await jm.cancel().catch(() => undefined);
      throw new Error(`job "${spec.name}" could not start: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.to('RUNNING');
    this.timeline = new Timeline(Date.now(), this.drill.workload.rate, this.job.source.startTs);
    this.progress(`job running, pids ${jm.workers().map((w) => w.pid).join(', ')}`);
    const sampler = setInterval(() => this.onSample(), this.opts.sampleIntervalMs ?? 1000);
    const timeout = setTimeout(() => {
      this.timedOut = true;
      this.progress(`timeout: the job did not finish within ${this.drill.timeoutMs} ms; cancelling`);
      void jm.cancel();
    }, this.drill.timeoutMs);
    const faults = this.injectFaults().catch((e: unknown) => {
      this.progress(`fault injection stopped: ${e instanceof Error ? e.message : String(e)}`);
    });
    try {
      result = await jm.done;
    } finally {
      clearInterval(sampler);
      clearTimeout(timeout);
    }
    await faults;
    this.onSample();
    this.to('VERIFYING');
    this.progress(`job ${result.state.toLowerCase()}${result.error ? `: ${result.error}` : ''}; verifying against a batch recomputation…`);
    const verification = await verifyRun(spec, this.job.source, this.job.output);
    this.to('DONE');
    return this.buildReport(startedAt, result, verification);
  }

  private wireEvents(): void {
    const jm = this.jm;
    jm.on('metrics', (m) => this.timeline.onMetrics(m));
    jm.on('checkpoint', (c) => {
      this.checkpointRecords.set(c.id, c);
      if (c.status === 'completed') {
        const d = c.stats?.durationMs ?? null;
        this.timeline.mark('checkpoint', `checkpoint ${c.id}`, d ?? undefined, c.completedTs ?? Date.now());
        this.checkGuard('checkpointDuration', d);
      } else if (c.status === 'failed' && !(c.failureReason ?? '').startsWith('final sink commit')) {
        this.timeline.mark('checkpoint-failed', `checkpoint ${c.id} failed: ${c.failureReason ?? ''}`);
      }
    });
    jm.on('failure', (f) => this.onFailure(f));
    jm.on('recovered', (f) => {
      if (f.caughtUpMs === null) {
        this.timeline.mark('restart', `restarted from ${f.restoredFrom === null ? 'the beginning' : `checkpoint ${f.restoredFrom}`} in ${f.restartMs} ms`, f.restartMs ?? undefined);
        this.progress(`  restarted from ${f.restoredFrom === null ? 'the beginning (no checkpoint yet)' : `checkpoint ${f.restoredFrom}`}: restart ${f.restartMs} ms, restore ${Math.round(f.restoreMs ?? 0)} ms (${f.restoreBytes} bytes)`);
        if (this.activeSinkDelay > 0) jm.setSinkDelay(this.activeSinkDelay);
        if (this.sourcePaused) jm.setSourcePaused(true);
      } else {
        this.timeline.mark('caught-up', `caught up ${f.caughtUpMs} ms after the failure`, f.caughtUpMs);
        this.progress(`  caught up ${f.caughtUpMs} ms after the failure (${f.recordsReplayed} records replayed)`);
      }
    });
    jm.on('log', (line) => {
      if (line.startsWith('checkpoint fallback:')) {
        this.timeline.mark('fallback', line);
        this.lastFallbackOwner?.fallback.push(line);
        this.progress(`  ${line}`);
      }
    });
  }

  private onFailure(f: FailureRecord): void {
    this.timeline.resetWorkers();
    this.failuresSeen.push(f);
    this.timeline.mark('failure', f.reason);
    this.progress(`  failure: ${f.reason}`);
    let owner = this.expecting ?? this.outage;
    this.expecting = null;
    if (owner === null && this.crashOutcome !== null && this.crashOutcome.failures.length === 0 && f.attempt === 1) owner = this.crashOutcome;
    if (owner === null && f.reason.startsWith('restart after') && this.lastFallbackOwner !== null) owner = this.lastFallbackOwner;
    if (owner === null) {
      owner = blankOutcome({ seq: this.outcomes.length + 1, type: 'unplanned-failure', origin: 'unplanned', description: f.reason });
      owner.atMs = f.at - this.timeline.startedAt;
      owner.worker = f.worker;
      this.outcomes.push(owner);
    }
    if (owner === this.crashOutcome && owner.atMs === null) owner.atMs = f.at - this.timeline.startedAt;
    owner.failures.push(f.reason);
    this.firstFaultAt ??= f.at - this.timeline.startedAt;
    if (!this.failureOwner.has(f) && owner.failures.length === 1) this.failureOwner.set(f, owner);
    this.lastFallbackOwner = owner;
  }

  private checkGuard(metric: 'throughput' | 'lag' | 'checkpointDuration', value: number | null): void {
    if (this.phase !== 'RUNNING' || this.jm.state !== 'RUNNING') return;
    const t = this.now();
    if (t < this.drill.warmupMs) return;
    const v = this.guards.observe(metric, value, t, this.firstFaultAt !== null && t >= this.firstFaultAt);
    if (v !== null && this.aborted === null) {
      this.aborted = v;
      this.to('ABORTING');
      this.timeline.mark('guard', v.message);
      this.progress(`ABORT: ${v.message}`);
      void this.jm.cancel();
    }
  }

  private onSample(): void {
    const s = this.timeline.sample(this.jm.state);
    const done = [...this.checkpointRecords.values()].filter((c) => c.status === 'completed').length;
    this.progress(
      `t=${(s.t / 1000).toFixed(1)}s ${s.state.toLowerCase()} · ${(s.throughput ?? 0).toLocaleString('en-US')} rec/s · lag ${s.lagMs ?? '–'} ms · backpressure ${s.backpressureMsPerSec} ms/s · ${done} checkpoints · ${this.failuresSeen.length} failures`,
    );
    if (s.state !== 'RUNNING') return;
    this.checkGuard('throughput', s.throughput);
    this.checkGuard('lag', s.lagMs);
  }

  private stopped(): boolean {
    return this.aborted !== null || this.timedOut || ['FINISHED', 'FAILED', 'CANCELED', 'CANCELLING'].includes(this.jm.state);
  }

  /** Waits until the job runs (a restart may be under way); false when it ended. */
  private async untilRunning(): Promise<boolean> {
    const end = Date.now() + 60_000;
    while (this.jm.state !== 'RUNNING') {
      if (this.stopped() || Date.now() > end) return false;
      await sleep(20);
    }
    return !this.stopped();
  }

  private async injectFaults(): Promise<void> {
    for (const f of this.plan) {
      const o = blankOutcome({ seq: f.seq, type: f.type, origin: f.origin, description: describeFault(f) });
      this.outcomes.push(o);
      if (f.type === 'kill-during-checkpoint') {
        o.worker = f.worker;
        this.crashOutcome = o;
        continue;
      }
      while (this.now() < f.atMs && !this.stopped()) await sleep(Math.min(50, f.atMs - this.now()));
      if (!(await this.untilRunning())) {
        o.skipped = `the job was ${this.jm.state.toLowerCase()} at ${(this.now() / 1000).toFixed(1)} s`;
        continue;
      }
      this.firstFaultAt ??= this.now();
      o.atMs = this.now();
      this.timeline.mark('fault', `${f.seq}: ${f.type}`);
      this.progress(`  inject fault ${f.seq}: ${describeFault(f)}`);
      switch (f.type) {
        case 'kill-worker':
          o.worker = f.workers[0]!;
          this.kill(o, o.worker);
          break;
        case 'kill-burst': {
          o.worker = f.workers[0]!;
          this.kill(o, o.worker);
          for (let k = 1; k < f.workers.length; k++) {
            await this.pause(f.intervalMs);
            if (!(await this.untilRunning())) break;
            const sub = blankOutcome({ seq: f.seq, type: f.type, origin: f.origin, description: `${describeFault(f)} — kill ${k + 1} of ${f.kills}` });
            sub.atMs = this.now();
            sub.worker = f.workers[k]!;
            this.outcomes.push(sub);
            this.timeline.mark('fault', `${f.seq}: kill ${k + 1}/${f.kills}`);
            this.kill(sub, sub.worker);
          }
          break;
        }
        case 'slow-sink':
          this.activeSinkDelay = f.delayPerRecordMs;
          this.jm.setSinkDelay(f.delayPerRecordMs);
          await this.pause(f.forMs);
          this.activeSinkDelay = 0;
          if (!this.stopped()) this.jm.setSinkDelay(0);
          this.timeline.mark('fault', `${f.seq}: sink delay off`);
          break;
        case 'stall-source':
          this.sourcePaused = true;
          this.jm.setSourcePaused(true);
          await this.pause(f.forMs);
          this.sourcePaused = false;
          if (!this.stopped()) this.jm.setSourcePaused(false);
          this.timeline.mark('fault', `${f.seq}: source resumed`);
          break;
        case 'corrupt-checkpoint': {
          const newestCompleted = () =>
            this.jm
              .checkpoints()
              .filter((c) => c.status === 'completed' && c.retainedAsBase !== true)
              .sort((a, b) => b.id - a.id)[0];
          if (newestCompleted() === undefined) {
            o.skipped = 'no checkpoint had completed yet';
            break;
          }
          // Corrupt once the failed attempt is torn down and before the restore is planned
          // (RESTARTING): no newer checkpoint can complete in between, so the corrupted one is
          // the newest the restore sees, and no worker of the old attempt still has its files
          // open (corrupting under a live worker made it fail with "disk I/O error").
          const off = this.jm.on('state', (to) => {
            if (to !== 'RESTARTING') return;
            off();
            const newest = newestCompleted();
            if (newest === undefined) return;
            o.corrupted = { checkpoint: newest.id, files: corruptCheckpoint(this.jm.stateDir, newest.id) };
            this.progress(`  corrupted checkpoint ${newest.id}: ${o.corrupted.files.join(', ')}`);
          });
          o.worker = f.workers[0]!;
          this.kill(o, o.worker);
          if (o.skipped !== null) off();
          break;
        }
        case 'broker-restart': {
          const env = this.kafkaEnv;
          if (env === null || !env.hasManagedBroker) {
            o.skipped = 'no managed Kafka broker';
            break;
          }
          this.outage = o;
          await env.stopBroker();
          this.timeline.mark('fault', `${f.seq}: broker stopped`);
          this.progress('  broker stopped');
          await this.pause(f.downForMs);
          await env.startBroker();
          this.timeline.mark('fault', `${f.seq}: broker started`);
          this.progress('  broker started again');
          // Failures until the job runs again (restarts that found the broker down) are this fault's.
          await this.untilRunning();
          this.outage = null;
          break;
        }
        case 'deliver-twice': {
          const oldest = this.jm
            .checkpoints()
            .filter((c) => c.status === 'completed' && c.retainedAsBase !== true)
            .sort((a, b) => a.id - b.id)[0];
          if (oldest === undefined) {
            o.skipped = 'no checkpoint had completed yet';
            break;
          }
          this.expecting = o;
          this.jm.restoreFromCheckpoint(oldest.id);
          break;
        }
      }
    }
  }

  /** Sleeps `ms`, or less when the drill stops. */
  private async pause(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end && !this.stopped()) await sleep(Math.min(50, end - Date.now()));
  }

  private kill(o: FaultOutcome, worker: number): void {
    this.expecting = o;
    try {
      this.jm.killWorker(worker);
    } catch (e) {
      this.expecting = null;
      o.skipped = e instanceof Error ? e.message : String(e);
    }
  }

  private buildReport(startedAt: Date, result: JobResult, v: Awaited<ReturnType<typeof verifyRun>>): DrillReport {
    const t0 = this.timeline.startedAt;
    for (const [f, o] of this.failureOwner) {
      o.detectMs = f.detectMs;
      o.restartMs = f.restartMs;
      o.restoreMs = f.restoreMs === null ? null : Math.round(f.restoreMs);
      o.restoreBytes = f.restoreBytes;
      o.restoredKeys = f.restoredKeys;
      o.restoredFrom = f.restoredFrom;
      o.caughtUpMs = f.caughtUpMs;
      o.recordsReplayed = f.recordsReplayed;
      if (o.atMs === null) o.atMs = f.at - t0;
    }
    const samples = this.timeline.samples;
    const firstFault = this.firstFaultAt ?? Infinity;
    const base = samples.filter((s) => s.state === 'RUNNING' && s.t >= this.drill.warmupMs && s.t < firstFault);
    const median = (xs: number[]): number | null => percentile([...xs].sort((a, b) => a - b), 50);
    const baseLag = median(base.map((s) => s.lagMs).filter((x): x is number => x !== null));
    const baseline = { throughput: median(base.map((s) => s.throughput).filter((x): x is number => x !== null)), lagMs: baseLag };
    for (const o of this.outcomes) {
      if ((o.type === 'slow-sink' || o.type === 'stall-source') && o.atMs !== null) {
        const f = this.plan.find((p) => p.seq === o.seq);
        const end = o.atMs + (f !== undefined && 'forMs' in f ? f.forMs : 0);
        const back = samples.find((s) => s.t >= end && s.lagMs !== null && s.lagMs <= (baseLag ?? 0) + 250);
        o.caughtUpMs = back === undefined ? null : back.t - o.atMs;
      }
    }
    // The store keeps only retained checkpoints; the events saw every one of them.
    const seen = new Map(this.checkpointRecords);
    for (const c of result.checkpoints) seen.set(c.id, c);
    const checkpoints = summariseCheckpoints([...seen.values()], t0);
    const verdictReasons: string[] = [];
    if (this.aborted !== null) verdictReasons.push(`aborted: ${this.aborted.message}`);
    if (this.timedOut) verdictReasons.push(`timed out after ${this.drill.timeoutMs} ms`);
    if (result.state !== 'FINISHED') verdictReasons.push(`the job ended ${result.state}${result.error ? `: ${result.error}` : ''}`);
    // A kill that landed while the job was already failing over has no failure of its own
    // (the job manager reports one failover); say so instead of leaving its times blank.
    for (const o of this.outcomes) {
      if (o.type.startsWith('kill') && o.atMs !== null && o.skipped === null && o.failures.length === 0) {
        o.skipped = 'no failure of its own: the job was already failing over when this kill landed, so it merged into that recovery';
      }
    }
    const g = guaranteeHolds(this.job.spec.guarantee, v.records);
    verdictReasons.push(...g.reasons);
    verdictReasons.push(...v.unreadableOutput);
    const verdict = verdictReasons.length === 0 ? 'PASS' : 'FAIL';
    if (verdict === 'PASS' && v.records.duplicated > 0) verdictReasons.push(`${v.records.duplicated} duplicated result(s), allowed under at-least-once`);
    const finishedAt = new Date();
    return redactSecrets({
      schema: REPORT_SCHEMA,
      runId: this.runId,
      drill: { name: this.drill.name, description: this.drill.description, file: this.opts.drillFile ?? null, seed: this.drill.seed },
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      verdict,
      verdictReasons,
      guarantee: this.job.spec.guarantee,
      testOnlySink: this.opts.testOnlySink ?? null,
      job: { name: this.job.spec.name, state: result.state, error: result.error, parallelism: this.job.spec.parallelism, document: this.job.document },
      workload: {
        type: this.drill.workload.type,
        seed: this.drill.seed,
        rate: this.drill.workload.rate,
        keys: this.drill.workload.keys,
        count: this.drill.workload.count,
        ...(this.job.kafka !== null && this.kafkaEnv !== null
          ? { kafka: { brokers: this.kafkaEnv.brokers, managed: this.kafkaEnv.hasManagedBroker, inputTopic: this.job.kafka.inputTopic, outputTopic: this.job.kafka.outputTopic } }
          : {}),
      },
      records: { ...v.records, input: v.inputRecords },
      examples: v.examples,
      verificationMs: v.durationMs,
      aborted: this.aborted === null ? null : { check: this.aborted.check, atMs: this.aborted.atMs, message: this.aborted.message },
      guards: this.guards.reports(),
      baseline,
      faults: this.outcomes,
      checkpoints,
      checkpointAdvice: this.advice([...seen.values()], samples, result, finishedAt.getTime() - startedAt.getTime()),
      timeline: { samples, markers: this.timeline.markers },
      drillSpec: this.document as unknown as Record<string, unknown>,
      environment: environment(),
    } satisfies DrillReport);
  }

  /** The checkpoint advisor over this run: the drill's faults are its failure history. */
  private advice(checkpoints: readonly CheckpointRecord[], samples: readonly { state: string; throughput: number | null }[], result: JobResult, runMs: number): CheckpointAdvice | null {
    const rates = samples.filter((s) => s.state === 'RUNNING' && (s.throughput ?? 0) > 0).map((s) => s.throughput!);
    const completed = checkpoints
      .filter((c) => c.status === 'completed' && c.kind === 'checkpoint' && c.stats !== undefined)
      .sort((a, b) => a.id - b.id)
      .map((c) => ({ durationMs: c.stats!.durationMs, syncMs: c.stats!.syncMs, alignmentMs: c.stats!.alignmentMs, fullSizeBytes: c.stats!.fullSizeBytes }));
    return adviseCheckpoints({
      intervalMs: this.job.spec.checkpoint.interval,
      minPauseMs: this.job.spec.checkpoint.minPause,
      checkpoints: completed,
      // The offered rate is what the job must keep up with; the samples show what it reached.
      inputRatePerSec: this.drill.workload.rate,
      peakRatePerSec: rates.length === 0 ? null : Math.max(...rates),
      failures: result.failures,
      runMs,
      // The drill's generator (and its Kafka workload's source) read at the workload's rate.
      sourceRateLimited: true,
    });
  }
}

export function summariseCheckpoints(all: readonly CheckpointRecord[], t0: number): CheckpointSummary {
  // The job manager records the final sink commit as a failed pseudo-checkpoint: not a checkpoint failure.
  const real = all.filter((c) => !(c.failureReason ?? '').startsWith('final sink commit')).sort((a, b) => a.id - b.id);
  const completed = real.filter((c) => c.status === 'completed');
  const durations = completed.map((c) => c.stats?.durationMs).filter((d): d is number => d !== undefined).sort((a, b) => a - b);
  const sizes = completed.map((c) => c.stats?.checkpointedSizeBytes).filter((d): d is number => d !== undefined).sort((a, b) => a - b);
  return {
    completed: completed.length,
    failed: real.filter((c) => c.status === 'failed').length,
    durationMs: { p50: percentile(durations, 50), p99: percentile(durations, 99), max: durations.length ? durations[durations.length - 1]! : null },
    sizeBytes: { p50: percentile(sizes, 50), max: sizes.length ? sizes[sizes.length - 1]! : null },
    history: real.map((c) => ({
      id: c.id,
      status: c.status,
      triggerMs: c.triggerTs - t0,
      durationMs: c.stats?.durationMs ?? null,
      bytes: c.stats?.checkpointedSizeBytes ?? null,
      failureReason: c.failureReason ?? null,
    })),
  };
}

function sluiceVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sluice') return pkg.version ?? 'unknown';
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

function environment(): DrillReport['environment'] {
  const require = createRequire(import.meta.url);
  let echarts = 'unknown';
  try {
    echarts = (require('echarts/package.json') as { version: string }).version;
  } catch {
    /* not installed */
  }
  const db = new Database(':memory:');
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  const cpus = os.cpus();
  return {
    sluice: sluiceVersion(),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    sqlite,
    echarts,
  };
}
