/**
 * How Sluice describes a Kafka cluster connection, independent of the client library.
 * The console's connection list, the job spec's source/sink and the CLI all map onto it.
 */
export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaConnectionConfig {
  /** `host:port` bootstrap servers. */
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** true: TLS with the system CAs; an object: explicit CA / client cert (PEM) and verification. */
  readonly ssl?: boolean | { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly rejectUnauthorized?: boolean };
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string } | null;
  /** TCP connect timeout per broker (default 3000 ms). */
  readonly connectionTimeoutMs?: number;
  /** Per request (default 15000 ms). */
  readonly requestTimeoutMs?: number;
  /** Retries of retriable requests (default 3); the source's fetch loop retries on its own. */
  readonly retries?: number;
}

export const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** `a:1,b:2` or a list → trimmed list; throws on an entry without a port. */
export function parseBrokers(brokers: string | readonly string[]): string[] {
  const list = (typeof brokers === 'string' ? brokers.split(',') : [...brokers]).map((b) => b.trim()).filter((b) => b.length > 0);
  if (list.length === 0) throw new Error('no Kafka brokers given (expected host:port[,host:port…])');
  for (const b of list) {
    const m = /^(.+):(\d{1,5})$/.exec(b);
    if (m === null || Number(m[2]) > 65535) throw new Error(`broker "${b}" is not host:port`);
  }
  return list;
}
