/**
 * Kafka client errors in words an operator can act on. kafkajs wraps the cause of a failed
 * request in retry errors; we unwrap, classify and name the brokers involved.
 */
export type KafkaErrorKind = 'unreachable' | 'timeout' | 'auth' | 'tls' | 'unknown-topic' | 'group-active' | 'invalid' | 'other';

export class KafkaError extends Error {
  override readonly name = 'KafkaError';
  constructor(
    readonly kind: KafkaErrorKind,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

interface ErrorLike {
  name?: string;
  message?: string;
  type?: string;
  code?: string;
  originalError?: unknown;
  cause?: unknown;
}

/** The innermost error of a kafkajs retry / wrapper chain. */
export function rootCause(e: unknown): unknown {
  let cur = e;
  for (let i = 0; i < 10; i++) {
    const o = cur as ErrorLike | null;
    if (o === null || typeof o !== 'object') break;
    const next = o.originalError ?? (o.name === 'KafkaJSNumberOfRetriesExceeded' || o.name === 'KafkaError' ? o.cause : undefined);
    if (next === undefined || next === null) break;
    cur = next;
  }
  return cur;
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e !== null && typeof e === 'object' && typeof (e as ErrorLike).message === 'string') return (e as ErrorLike).message!;
  return String(e);
}

const TLS_PATTERNS = [/TLS/i, /SSL/i, /certificate/i, /self[- ]signed/i, /wrong version number/i, /EPROTO/, /UNABLE_TO_VERIFY/, /ERR_TLS/, /DEPTH_ZERO/];

/** Classifies any error from a Kafka call; `what` says what we were doing (`connect to 127.0.0.1:9092`). */
export function describeKafkaError(e: unknown, what: string): KafkaError {
  if (e instanceof KafkaError) return e;
  const root = rootCause(e);
  const r = (root ?? {}) as ErrorLike;
  const msg = messageOf(root);
  const outer = messageOf(e);
  const name = r.name ?? '';
  if (name === 'KafkaJSSASLAuthenticationError' || /SASL|authentication failed|Authentication/i.test(msg) || r.type === 'SASL_AUTHENTICATION_FAILED' || r.type === 'ILLEGAL_SASL_STATE' || r.type === 'UNSUPPORTED_SASL_MECHANISM') {
    return new KafkaError('auth', `${what}: authentication refused (${msg})`, e);
  }
  if (TLS_PATTERNS.some((p) => p.test(msg) || p.test(r.code ?? ''))) {
    return new KafkaError('tls', `${what}: TLS handshake failed (${msg})`, e);
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ECONNRESET|Connection error|Closed connection|connection closed/i.test(msg) || name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError' || name === 'KafkaJSBrokerNotFound') {
    return new KafkaError('unreachable', `${what}: broker unreachable (${msg})`, e);
  }
  if (name === 'KafkaJSRequestTimeoutError' || /timed? ?out|timeout/i.test(msg)) {
    return new KafkaError('timeout', `${what}: timed out (${msg})`, e);
  }
  if (r.type === 'UNKNOWN_TOPIC_OR_PARTITION' || /does not host this topic-partition|unknown topic/i.test(msg)) {
    return new KafkaError('unknown-topic', `${what}: unknown topic or partition (${msg})`, e);
  }
  return new KafkaError('other', `${what}: ${msg === outer ? msg : `${outer} (${msg})`}`, e);
}

/** Rejects with a timeout KafkaError when `p` takes longer than `ms`. */
export async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new KafkaError('timeout', `${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Errors after which a fetch loop should refresh metadata / reconnect and try again. */
export function isRetriableFetchError(e: unknown): boolean {
  const r = rootCause(e) as ErrorLike;
  const t = r?.type ?? '';
  if (['LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'REQUEST_TIMED_OUT', 'NETWORK_EXCEPTION', 'KAFKA_STORAGE_ERROR', 'REPLICA_NOT_AVAILABLE', 'OFFSET_NOT_AVAILABLE'].includes(t)) return true;
  const name = r?.name ?? '';
  if (['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError', 'KafkaJSTopicMetadataNotLoaded', 'KafkaJSMetadataNotLoaded', 'KafkaJSLockTimeout'].includes(name)) return true;
  return /ECONNREFUSED|ECONNRESET|EPIPE|Connection error|Closed connection|socket hang up|not connected/i.test(messageOf(r));
}
