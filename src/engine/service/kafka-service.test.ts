import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, ApiError } from '../../shared/api.js';
import { invoke } from '../../shared/rpc.js';
import { EngineService } from './engine-service.js';

describe('Kafka calls of the console API (no broker needed)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-svc-'));
  const service = new EngineService({ dataDir, examplesDir: null });
  afterAll(async () => {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never sends a SASL password back; an edit without a password keeps it', async () => {
    const saved = await invoke(service, 'kafkaSaveConnection', { name: 'secure', brokers: ['127.0.0.1:1'], ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 's3cret-pw' }, replace: false });
    expect(JSON.stringify(saved)).not.toContain('s3cret-pw');
    expect(api.kafkaSaveConnection.result.parse(saved).sasl).toEqual({ mechanism: 'scram-sha-512', username: 'alice', hasPassword: true });
    await invoke(service, 'kafkaSaveConnection', { name: 'secure', brokers: ['127.0.0.1:2'], ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'alice' }, replace: true });
    const list = await invoke(service, 'kafkaListConnections', {});
    expect(JSON.stringify(list)).not.toContain('s3cret-pw');
    expect(api.kafkaListConnections.result.parse(list)).toEqual([{ name: 'secure', brokers: ['127.0.0.1:2'], clientId: 'sluice-console', ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'alice', hasPassword: true } }]);
    // A password field in a result would be rejected by the strict schema.
    expect(api.kafkaListConnections.result.safeParse([{ name: 'x', brokers: ['a:1'], clientId: 'c', ssl: false, sasl: { mechanism: 'plain', username: 'u', hasPassword: true, password: 'p' } }]).success).toBe(false);
  });

  it('refuses a duplicate name, unknown connections and bad params', async () => {
    await expect(invoke(service, 'kafkaSaveConnection', { name: 'secure', brokers: ['127.0.0.1:1'], ssl: false, sasl: null, replace: false })).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
    await expect(invoke(service, 'kafkaTopics', { connection: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(invoke(service, 'kafkaSaveConnection', { name: 'bad name', brokers: ['nohost'], ssl: false, sasl: null, replace: false })).rejects.toBeInstanceOf(ApiError);
    await expect(invoke(service, 'kafkaBrowse', { connection: 'secure', topic: 't', from: 'earliest', limit: 100_000 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('a connection test against a closed port answers ok: false with the reason', async () => {
    await invoke(service, 'kafkaSaveConnection', { name: 'closed', brokers: ['127.0.0.1:1'], ssl: false, sasl: null, replace: false });
    const r = api.kafkaTestConnection.result.parse(await invoke(service, 'kafkaTestConnection', { connection: 'closed' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/127\.0\.0\.1:1/);
  }, 30_000);
});
