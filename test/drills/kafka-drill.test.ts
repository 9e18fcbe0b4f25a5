/**
 * The Kafka example drill against real brokers: the drill starts a broker of its own, writes
 * the workload to its input topic, SIGKILLs two workers and restarts the broker while the
 * job runs Kafka → window count → Kafka exactly-once; the verdict compares a read_committed
 * read of the output topic with the batch recomputation.
 */
import { describe, expect, it } from 'vitest';
import { requireBroker } from '../kafka/broker.js';
import { explain, runExample } from './helpers.js';

// The managed broker runs from the same cached Kafka jars as the shared test broker.
const shared = await requireBroker();

describe.skipIf(!shared.available)('Kafka drill', () => {
  it('kafka-exactly-once: two kills and a broker restart, PASS with nothing lost or duplicated', async () => {
    const { report, log } = await runExample('kafka-exactly-once.yaml');
    expect(report.verdict, explain(report, log)).toBe('PASS');
    expect(report.workload).toMatchObject({ type: 'kafka', kafka: { managed: true } });
    expect(report.records).toMatchObject({ lost: 0, duplicated: 0, mismatched: 0 });
    expect(report.records.expected).toBeGreaterThan(1000);
    const restart = report.faults.find((f) => f.type === 'broker-restart')!;
    expect(restart.skipped, explain(report, log)).toBeNull();
    // The broker really went down and came back. Whether the job failed over (a fetch or a
    // commit met the dead broker) or rode the 2 s outage out on the client's retries depends
    // on timing; both are correct, and the verdict above is what must hold either way.
    const brokerMarks = report.timeline.markers.filter((m) => m.kind === 'fault' && /broker (stopped|started)/.test(m.label));
    expect(brokerMarks.map((m) => m.label.replace(/^\d+: /, '')), explain(report, log)).toEqual(['broker stopped', 'broker started']);
    expect(brokerMarks[1]!.t - brokerMarks[0]!.t).toBeGreaterThanOrEqual(2000);
    expect(report.faults.filter((f) => f.type === 'kill-worker' && f.skipped === null)).toHaveLength(2);
  }, 400_000);
});
