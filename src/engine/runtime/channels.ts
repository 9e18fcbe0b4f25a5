/**
 * Exchange channels with credit-based flow control (Flink's network stack in miniature).
 *
 * Worker i sends to worker j over an {@link OutboundLink}: a Unix socket, or a loopback
 * when i = j. For every exchange the receiver grants `INITIAL_CREDITS` data frames; a
 * sender without credit keeps frames queued (the producing stage then stops taking
 * input: backpressure) and the receiver grants one credit back per data frame it has
 * processed. Control frames (watermark, barrier, end) need no credit but stay in order
 * behind the data queued before them. Memory per channel is therefore bounded by
 * credits × batch size, whatever the speed difference.
 */
import type { Socket } from 'node:net';
import type { Batch } from '../operators/operator.js';
import { encodeData, encodeEnd, encodeNumber, encodeU32, FrameKind } from './wire.js';

export const INITIAL_CREDITS = 16;

export type ChannelFrame =
  | { readonly kind: 'data'; readonly batch: Batch; readonly bytes: number }
  | { readonly kind: 'watermark'; readonly watermark: number }
  | { readonly kind: 'barrier'; readonly checkpoint: number }
  /** Flink-style latency marker: travels behind the records read before `stamp`, never overtakes them. */
  | { readonly kind: 'latency-marker'; readonly stamp: number }
  | { readonly kind: 'end' };

export interface OutboundLink {
  readonly target: number;
  send(exchange: number, frame: ChannelFrame): void;
  /** Frames queued on `exchange` waiting for credit. */
  queued(exchange: number): number;
  /** Bytes sent so far (data frames). */
  readonly bytesSent: number;
  close(): void;
}

class ExchangeQueue {
  credits = INITIAL_CREDITS;
  readonly frames: ChannelFrame[] = [];
}

abstract class CreditedLink implements OutboundLink {
  private readonly queues = new Map<number, ExchangeQueue>();
  bytesSent = 0;
  constructor(
    readonly target: number,
    private readonly onDrain: () => void,
  ) {}

  private queue(exchange: number): ExchangeQueue {
    let q = this.queues.get(exchange);
    if (q === undefined) {
      q = new ExchangeQueue();
      this.queues.set(exchange, q);
    }
    return q;
  }

  send(exchange: number, frame: ChannelFrame): void {
    const q = this.queue(exchange);
    q.frames.push(frame);
    this.pump(exchange, q);
  }

  queued(exchange: number): number {
    return this.queues.get(exchange)?.frames.length ?? 0;
  }

  /** The receiver processed `n` data frames of `exchange`. */
  grant(exchange: number, n: number): void {
    const q = this.queue(exchange);
    q.credits += n;
    this.pump(exchange, q);
    this.onDrain();
  }

  private pump(exchange: number, q: ExchangeQueue): void {
    while (q.frames.length > 0) {
      const f = q.frames[0]!;
      if (f.kind === 'data') {
        if (q.credits === 0) return;
        q.credits--;
        this.bytesSent += f.bytes;
      }
      q.frames.shift();
      this.deliver(exchange, f);
    }
  }

  protected abstract deliver(exchange: number, frame: ChannelFrame): void;
  abstract close(): void;
}

/** i = j: frames go straight into the local input gate, same credits. */
export class LoopbackLink extends CreditedLink {
  constructor(
    target: number,
    onDrain: () => void,
    private readonly receive: (exchange: number, frame: ChannelFrame) => void,
  ) {
    super(target, onDrain);
  }
  protected deliver(exchange: number, frame: ChannelFrame): void {
    this.receive(exchange, frame);
  }
  close(): void {}
}

/** i ≠ j: frames are encoded onto a Unix socket; credits come back on the same socket. */
export class SocketLink extends CreditedLink {
  constructor(
    target: number,
    onDrain: () => void,
    private readonly socket: Socket,
  ) {
    super(target, onDrain);
  }
  protected deliver(exchange: number, frame: ChannelFrame): void {
    switch (frame.kind) {
      case 'data':
        // Keys are not sent: the receiver recomputes them with the same keyBy (cheaper than
        // encoding and decoding every key a second time).
        this.socket.write(encodeData(exchange, { records: frame.batch.records, timestamps: frame.batch.timestamps, keys: null }));
        break;
      case 'watermark':
        this.socket.write(encodeNumber(FrameKind.Watermark, exchange, frame.watermark));
        break;
      case 'barrier':
        this.socket.write(encodeU32(FrameKind.Barrier, exchange, frame.checkpoint));
        break;
      case 'latency-marker':
        this.socket.write(encodeNumber(FrameKind.LatencyMarker, exchange, frame.stamp));
        break;
      case 'end':
        this.socket.write(encodeEnd(exchange));
        break;
    }
  }
  close(): void {
    this.socket.destroy();
  }
}

/**
 * The receiving side of one exchange in one worker: a queue per sending worker.
 * A channel can be blocked (barrier alignment): its frames wait until unblocked.
 */
export class InputGate {
  private readonly queues: ChannelFrame[][];
  private readonly blocked: boolean[];
  private next = 0;
  /** Frames waiting, over all channels. */
  pending = 0;
  /** Data bytes waiting (input buffer usage). */
  pendingBytes = 0;

  constructor(
    readonly channels: number,
    /** Give one credit back to `channel`'s sender (after a data frame was processed). */
    private readonly returnCredit: (channel: number) => void,
  ) {
    this.queues = Array.from({ length: channels }, () => []);
    this.blocked = new Array<boolean>(channels).fill(false);
  }

  enqueue(channel: number, frame: ChannelFrame): void {
    this.queues[channel]!.push(frame);
    this.pending++;
    if (frame.kind === 'data') this.pendingBytes += frame.bytes;
  }

  /** The next frame from an unblocked channel, round-robin; null when none. */
  poll(): { channel: number; frame: ChannelFrame } | null {
    const n = this.channels;
    for (let k = 0; k < n; k++) {
      const c = (this.next + k) % n;
      if (this.blocked[c]) continue;
      const q = this.queues[c]!;
      if (q.length === 0) continue;
      const frame = q.shift()!;
      this.pending--;
      this.next = (c + 1) % n;
      if (frame.kind === 'data') {
        this.pendingBytes -= frame.bytes;
        this.returnCredit(c);
      }
      return { channel: c, frame };
    }
    return null;
  }

  block(channel: number): void {
    this.blocked[channel] = true;
  }

  unblockAll(): void {
    this.blocked.fill(false);
  }

  /** Frames that can be processed now (not counting blocked channels). */
  get ready(): boolean {
    for (let c = 0; c < this.channels; c++) if (!this.blocked[c] && this.queues[c]!.length > 0) return true;
    return false;
  }
}
