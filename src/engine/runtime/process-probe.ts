/**
 * What a worker reports about its own process each second: heap, RSS, CPU time, the time
 * spent in garbage collection and the event loop's delay. Owns the GC observer and the
 * loop-delay histogram, which must be stopped when the worker shuts down.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

export type ProcessSample = Pick<WorkerMetrics, 'heapUsedBytes' | 'rssBytes' | 'cpuMs' | 'gcTimeMs' | 'eventLoopDelayMs'>;

export class ProcessProbe {
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private gcObserver: PerformanceObserver | null = null;
  private gcMs = 0;

  start(): void {
    this.loopDelay.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcMs += e.duration;
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  sample(): ProcessSample {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      heapUsedBytes: mem.heapUsed,
      rssBytes: mem.rss,
      cpuMs: (cpu.user + cpu.system) / 1000,
      gcTimeMs: this.gcMs,
      eventLoopDelayMs: {
        p50: this.loopDelay.percentile(50) / 1e6,
        p99: this.loopDelay.percentile(99) / 1e6,
        max: this.loopDelay.max / 1e6,
      },
    };
  }

  stop(): void {
    this.loopDelay.disable();
    this.gcObserver?.disconnect();
    this.gcObserver = null;
  }
}
