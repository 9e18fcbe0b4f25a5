import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionStore, type SecretBox } from './connection-store.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-conn-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A reversible stand-in for the OS keychain (safeStorage cannot run outside Electron). */
const box: SecretBox = {
  available: () => true,
  encrypt: (s) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)).toString('base64'),
  decrypt: (c) => Buffer.from([...Buffer.from(c, 'base64')].map((b) => b ^ 0x5a)).toString(),
};

const conn = (password: string) => ({
  name: 'prod',
  brokers: ['kafka-1:9093'],
  clientId: 'sluice-console',
  ssl: true,
  sasl: { mechanism: 'scram-sha-512' as const, username: 'ops', password },
  connectionTimeoutMs: 3000,
  requestTimeoutMs: 15000,
  retries: 1,
});

describe('saved Kafka connections', () => {
  it('survive a restart; the password is on disk only encrypted', () => {
    const dir = tmp();
    new ConnectionStore(dir, box).save([conn('s3cret-pass')]);
    const text = fs.readFileSync(path.join(dir, 'kafka-connections.json'), 'utf8');
    expect(text).not.toContain('s3cret-pass');
    expect(text).toContain('ops');
    expect(new ConnectionStore(dir, box).load()).toEqual([conn('s3cret-pass')]);
  });

  it('without a keychain the password is not written at all', () => {
    const dir = tmp();
    new ConnectionStore(dir, null).save([conn('s3cret-pass')]);
    expect(fs.readFileSync(path.join(dir, 'kafka-connections.json'), 'utf8')).not.toContain('s3cret');
    expect(new ConnectionStore(dir, null).load()[0]!.sasl!.password).toBe('');
  });

  it('an unreadable file is a clear error naming it', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'kafka-connections.json'), '{oops');
    expect(() => new ConnectionStore(dir, box).load()).toThrow(/kafka-connections\.json are unreadable/);
  });
});
