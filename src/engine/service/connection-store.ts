/**
 * Saved Kafka connections (name, brokers, TLS, SASL user) in the app data folder, so they
 * survive a restart. A SASL password is written only encrypted by the platform keychain
 * (Electron's safeStorage, passed in as a {@link SecretBox}); without one (browser mode,
 * or no keychain), the password is not written at all and the user enters it again after
 * a restart. A password never appears in plain text on disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NamedConnection } from '../kafka/explorer.js';

export interface SecretBox {
  /** Whether encryption is available (e.g. safeStorage.isEncryptionAvailable()). */
  available(): boolean;
  encrypt(plain: string): string;
  decrypt(cipher: string): string;
}

interface StoredConnection {
  name: string;
  brokers: string[];
  ssl: boolean;
  sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; encryptedPassword: string | null } | null;
}

const FILE = 'kafka-connections.json';

export class ConnectionStore {
  private readonly file: string;

  constructor(
    dataDir: string,
    private readonly secrets: SecretBox | null,
  ) {
    this.file = path.join(dataDir, FILE);
  }

  /** Saved connections; a password that cannot be decrypted (or was not saved) is empty. */
  load(): NamedConnection[] {
    if (!fs.existsSync(this.file)) return [];
    let stored: StoredConnection[];
    try {
      stored = JSON.parse(fs.readFileSync(this.file, 'utf8')) as StoredConnection[];
      if (!Array.isArray(stored)) throw new Error('not a list');
    } catch (e) {
      throw new Error(`saved Kafka connections in ${this.file} are unreadable (${e instanceof Error ? e.message : String(e)}); move the file away to start over`);
    }
    return stored.map((s) => ({
      name: s.name,
      brokers: s.brokers,
      clientId: 'sluice-console',
      ssl: s.ssl,
      sasl: s.sasl === null ? null : { mechanism: s.sasl.mechanism, username: s.sasl.username, password: this.reveal(s.sasl.encryptedPassword) },
      connectionTimeoutMs: 3_000,
      requestTimeoutMs: 15_000,
      retries: 1,
    }));
  }

  private reveal(cipher: string | null): string {
    if (cipher === null || this.secrets === null || !this.secrets.available()) return '';
    try {
      return this.secrets.decrypt(cipher);
    } catch {
      return ''; // another machine's or user's keychain: the user enters it again
    }
  }

  save(connections: readonly NamedConnection[]): void {
    const canEncrypt = this.secrets !== null && this.secrets.available();
    const stored: StoredConnection[] = connections.map((c) => ({
      name: c.name,
      brokers: [...c.brokers],
      ssl: c.ssl === true,
      sasl:
        c.sasl === null || c.sasl === undefined
          ? null
          : { mechanism: c.sasl.mechanism, username: c.sasl.username, encryptedPassword: canEncrypt && c.sasl.password !== '' ? this.secrets!.encrypt(c.sasl.password) : null },
    }));
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
