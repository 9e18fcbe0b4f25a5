/**
 * Steady-state checks (Gremlin's health checks, Chaos Mesh's StatusCheck): evaluated on
 * every timeline sample while the job runs, before the first fault (baseline) and during
 * the drill. A check violated for longer than its `for` aborts the drill.
 */
import type { GuardSpec } from './spec.js';

export interface GuardReport {
  check: string;
  metric: GuardSpec['metric'];
  phase: GuardSpec['phase'];
  threshold: string;
  /** Samples evaluated, and how many violated the threshold. */
  evaluated: number;
  violations: number;
  /** Worst value seen (lowest for `above`, highest for `below`); null when never evaluated. */
  worst: number | null;
  ok: boolean;
}

export interface GuardViolation {
  check: string;
  value: number;
  atMs: number;
  message: string;
}

const UNITS: Record<GuardSpec['metric'], string> = { throughput: 'records/s', lag: 'ms', checkpointDuration: 'ms' };

export function describeGuard(g: GuardSpec): string {
  return g.above !== null ? `${g.metric} above ${g.above} ${UNITS[g.metric]}` : `${g.metric} below ${g.below} ${UNITS[g.metric]}`;
}

export class SteadyStateGuards {
  private readonly state: { spec: GuardSpec; report: GuardReport; since: number | null }[];

  constructor(specs: readonly GuardSpec[]) {
    this.state = specs.map((spec) => ({
      spec,
      since: null,
      report: {
        check: describeGuard(spec),
        metric: spec.metric,
        phase: spec.phase,
        threshold: spec.above !== null ? `> ${spec.above}` : `< ${spec.below}`,
        evaluated: 0,
        violations: 0,
        worst: null,
        ok: true,
      },
    }));
  }

  /**
   * Evaluates `metric` = `value` at drill time `atMs`; `inDrill` is false before the first
   * fault. Returns the violation that aborts the drill, if any.
   */
  observe(metric: GuardSpec['metric'], value: number | null, atMs: number, inDrill: boolean): GuardViolation | null {
    if (value === null) return null;
    for (const g of this.state) {
      if (g.spec.metric !== metric) continue;
      if ((g.spec.phase === 'baseline' && inDrill) || (g.spec.phase === 'drill' && !inDrill)) continue;
      const r = g.report;
      r.evaluated++;
      const above = g.spec.above;
      const bad = above !== null ? !(value > above) : !(value < (g.spec.below as number));
      r.worst = r.worst === null ? value : above !== null ? Math.min(r.worst, value) : Math.max(r.worst, value);
      if (!bad) {
        g.since = null;
        continue;
      }
      r.violations++;
      g.since ??= atMs;
      if (atMs - g.since >= g.spec.forMs) {
        r.ok = false;
        const phase = inDrill ? 'during the drill' : 'before the faults (baseline)';
        return { check: r.check, value, atMs, message: `steady-state check "${r.check}" violated ${phase} at ${(atMs / 1000).toFixed(1)} s: ${metric} was ${value}${g.spec.forMs > 0 ? ` for ≥ ${g.spec.forMs} ms` : ''}` };
      }
    }
    return null;
  }

  reports(): GuardReport[] {
    return this.state.map((g) => ({ ...g.report }));
  }
}
