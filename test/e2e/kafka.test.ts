/**
 * The Kafka view in a browser against `sluice serve` and the real local broker: add a
 * connection in the form and test it, see a random topic with the message counts we
 * produced, browse it with a filter, see a consumer group's lag per partition equal to
 * what we produced and committed (kafkajs), preview an offset reset and apply it.
 * Screenshots 14-kafka-topics.png and 15-kafka-group-lag.png; fails on console errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Admin as KafkaAdmin, Producer } from 'kafkajs';
import { createTopic, DEFAULT_BROKERS, randomName, requireBroker, testKafka } from '../kafka/broker.js';
import { chromiumAvailable, openConsole, SCREENSHOTS, type Served } from './serve-harness.js';

const run = chromiumAvailable();
const broker = run ? await requireBroker() : { available: false };

/** Records produced per partition and offsets the group commits. */
const PRODUCED = [7, 5, 3];
const COMMITTED = [4, 5, 0];

describe.skipIf(!run || !broker.available)(`Kafka view e2e (Chromium, sluice serve, broker ${DEFAULT_BROKERS})`, () => {
  let served: Served;
  let close: (() => Promise<void>) | undefined;
  let page: Page;
  let admin: KafkaAdmin;
  let producer: Producer;
  const topic = randomName('sluice-e2e');
  const group = randomName('sluice-e2e-group');
  const conn = `e2e-${Math.random().toString(36).slice(2, 8)}`;
  const consoleErrors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    const kafka = testKafka('sluice-e2e-kafka');
    admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topic, PRODUCED.length);
    producer = kafka.producer();
    await producer.connect();
    // Record i carries timestamp base + i s, so lag in time is (newest − first unconsumed) in whole seconds.
    const base = Date.now() - 60_000;
    for (const [partition, n] of PRODUCED.entries()) {
      await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ partition, key: `k${partition}-${i}`, timestamp: String(base + i * 1000), value: JSON.stringify({ partition, i, amount: i * 10 }) })) });
    }
    await admin.setOffsets({ groupId: group, topic, partitions: COMMITTED.map((offset, partition) => ({ partition, offset: String(offset) })) });
    ({ served, page, close } = await openConsole(consoleErrors));
  }, 90_000);

  afterAll(async () => {
    await close?.();
    await producer?.disconnect().catch(() => undefined);
    await admin?.deleteGroups([group]).catch(() => undefined);
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
  }, 60_000);

  it('adds a connection with the form and tests it', async () => {
    await page.goto(`${served.url}#/kafka`);
    await page.getByText('engine connected').waitFor();
    const form = page.locator('[data-test=connection-form]');
    await form.waitFor();
    await page.locator('[data-test=conn-name]').fill(conn);
    await page.locator('[data-test=conn-brokers]').fill(DEFAULT_BROKERS);
    await page.locator('[data-test=save-connection]').click();
    const row = page.locator(`[data-connection="${conn}"]`);
    await row.waitFor();
    await expect.poll(() => row.locator('[data-test=connection-test]').textContent(), { timeout: 20_000 }).toMatch(/OK cluster/);
  });

  it('lists the topic with the produced message counts and browses it with a filter', async () => {
    await page.locator(`[data-connection="${conn}"] a`).click();
    const row = page.locator(`[data-test=topics] tr[data-topic="${topic}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.locator('[data-test=topic-messages]').textContent()).toBe(String(PRODUCED.reduce((a, b) => a + b, 0)));
    expect(await row.locator('td').nth(1).textContent()).toBe(String(PRODUCED.length));
    await shot('14-kafka-topics');
    await row.locator('a').click();
    await page.locator('[data-test=messages] tbody tr').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-test=messages] tbody tr').count()).toBe(PRODUCED.reduce((a, b) => a + b, 0));
    await page.locator('[data-test=browse-filter]').fill('value.amount >= 40');
    await page.locator('[data-test=browse]').click();
    // amount = i*10 ≥ 40 ⇔ i ≥ 4: partition 0 has i = 4..6, partition 1 has i = 4.
    await expect.poll(() => page.locator('[data-test=messages] tbody tr').count(), { timeout: 10_000 }).toBe(4);
  });

  it('shows the group with its lag, and the per-partition lag equal to produced − committed', async () => {
    const expectedLag = PRODUCED.map((n, p) => n - COMMITTED[p]!);
    await page.locator('[data-tab=kafka-groups]').click();
    const row = page.locator(`[data-test=groups] tr[data-group="${group}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('[data-test=group-lag]').textContent()).toBe(String(expectedLag.reduce((a, b) => a + b, 0)));
    await row.locator('a').click();
    const table = page.locator('[data-test=lag-table]');
    await table.waitFor({ timeout: 20_000 });
    for (const [p, n] of PRODUCED.entries()) {
      const tr = table.locator(`tr[data-partition="${topic}/${p}"]`);
      expect(await tr.locator('[data-col=committed]').textContent()).toBe(String(COMMITTED[p]));
      expect(await tr.locator('[data-col=log-end]').textContent()).toBe(String(n));
      expect(await tr.locator('[data-col=lag]').textContent()).toBe(String(expectedLag[p]));
      // Committed record COMMITTED[p] vs newest record n − 1, one second apart each.
      const timeLagS = expectedLag[p] === 0 ? 0 : n - 1 - COMMITTED[p]!;
      expect(await tr.locator('[data-col=time-lag]').textContent()).toBe(timeLagS === 0 ? '0 ms' : `${timeLagS.toFixed(2)} s`);
    }
    expect(await page.locator('[data-test=total-lag]').textContent()).toBe(String(expectedLag.reduce((a, b) => a + b, 0)));
    // A few samples for the history chart (one every 2 s while the page is open).
    await page.waitForTimeout(5000);
    await shot('15-kafka-group-lag');
  });

  it('previews an offset reset to earliest, then applies it after a confirmation', async () => {
    await page.locator('[data-test=reset-to]').selectOption('earliest');
    await page.locator('[data-test=reset-preview]').click();
    const plan = page.locator('[data-test=reset-plan] tbody tr');
    await plan.first().waitFor({ timeout: 20_000 });
    expect(await plan.count()).toBe(PRODUCED.length);
    // Dry run: nothing changed yet.
    const before = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(before[0]!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset))).toEqual(COMMITTED);
    await page.locator('[data-test=reset-apply]').click();
    await page.locator('[data-test=confirm]').click();
    await expect.poll(() => page.locator('[data-test=total-lag]').textContent(), { timeout: 20_000 }).toBe(String(PRODUCED.reduce((a, b) => a + b, 0)));
    const after = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(after[0]!.partitions.map((p) => Number(p.offset))).toEqual([0, 0, 0]);
  });

  it('produces a message from the topic page and browses it back', async () => {
    await page.locator('[data-tab=kafka-topics]').click();
    await page.locator(`[data-test=topics] tr[data-topic="${topic}"] a`).click();
    await page.locator('[data-test=messages] tbody tr').first().waitFor({ timeout: 20_000 });
    const marker = `e2e-${Math.random().toString(36).slice(2, 10)}`;
    await page.locator('[data-test=produce-key]').fill('k-e2e');
    await page.locator('[data-test=produce-value]').fill(JSON.stringify({ marker }));
    await page.locator('[data-test=produce] button[type=submit]').click();
    await page.locator('.toast', { hasText: `Produced to ${topic}` }).waitFor({ timeout: 20_000 });
    await page.locator('[data-test=browse-filter]').fill(`value.marker == '${marker}'`);
    await page.locator('[data-test=browse]').click();
    await expect.poll(() => page.locator('[data-test=messages] tbody tr').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('[data-test=messages] tbody tr').first().textContent()).toContain(marker);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(PRODUCED.reduce((a, b) => a + b, 0) + 1);
    await shot('16-kafka-topic-messages');
  });

  it('shows the connection with its status on the overview', async () => {
    await page.goto(`${served.url}#/`);
    const card = page.locator('[data-test=overview-kafka]');
    await card.waitFor();
    const line = card.locator('tr', { hasText: conn });
    await expect.poll(() => line.textContent(), { timeout: 20_000 }).toMatch(/OK.*broker/);
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
