/**
 * Flink's restart strategies: whether a failed job restarts, and after how long.
 * - none: never
 * - fixed-delay {attempts, delay}: up to `attempts` restarts in total
 * - failure-rate {maxFailures, interval, delay}: give up when more than `maxFailures`
 *   failures happened within the last `interval`
 */
import type { RestartSpec } from '../job/spec.js';

export class RestartStrategy {
  private restarts = 0;
  private readonly failureTimes: number[] = [];

  constructor(private readonly spec: RestartSpec) {}

  /** Records a failure at `now`; returns the delay before restarting, or null to give up. */
  onFailure(now: number): number | null {
    switch (this.spec.strategy) {
      case 'none':
        return null;
      case 'fixed-delay':
        if (this.restarts >= this.spec.attempts) return null;
        this.restarts++;
        return this.spec.delay;
      case 'failure-rate': {
        this.failureTimes.push(now);
        const since = now - this.spec.interval;
        while (this.failureTimes.length > 0 && this.failureTimes[0]! < since) this.failureTimes.shift();
        if (this.failureTimes.length > this.spec.maxFailures) return null;
        this.restarts++;
        return this.spec.delay;
      }
    }
  }

  get restartCount(): number {
    return this.restarts;
  }

  describe(): string {
    switch (this.spec.strategy) {
      case 'none':
        return 'restart strategy "none"';
      case 'fixed-delay':
        return `fixed-delay restart strategy (${this.spec.attempts} attempts) exhausted`;
      case 'failure-rate':
        return `failure-rate restart strategy: more than ${this.spec.maxFailures} failures within ${this.spec.interval} ms`;
    }
  }
}
