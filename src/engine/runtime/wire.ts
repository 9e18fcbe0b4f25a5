/**
 * Frames on an exchange socket between two workers. One frame:
 *
 *   u32 length (of what follows) | u8 kind | u8 exchange | payload
 *
 * kinds: DATA (a batch encoded by record-codec.ts: by column, or JSON when columns cannot carry it),
 * WATERMARK (f64), BARRIER (u32 checkpoint id), END (end of input), CREDIT (u32 frames
 * the receiver grants back, sent in the opposite direction), HELLO (u32 sender worker),
 * LATENCY_MARKER (f64: wall-clock ms when the source read the records before it).
 * Records are batched: one frame carries hundreds of records, never one.
 */
import type { Batch } from '../operators/operator.js';
import { decodeBatch, encodeBatch } from './record-codec.js';

export const enum FrameKind {
  Data = 1,
  Watermark = 2,
  Barrier = 3,
  End = 4,
  Credit = 5,
  Hello = 6,
  LatencyMarker = 7,
}

export type Frame =
  | { kind: FrameKind.Data; exchange: number; batch: Batch; bytes: number }
  | { kind: FrameKind.Watermark; exchange: number; watermark: number }
  | { kind: FrameKind.Barrier; exchange: number; checkpoint: number }
  | { kind: FrameKind.End; exchange: number }
  | { kind: FrameKind.Credit; exchange: number; credits: number }
  | { kind: FrameKind.Hello; exchange: number; worker: number }
  | { kind: FrameKind.LatencyMarker; exchange: number; stamp: number };

const HEADER = 6;

/** Writes the frame header into the first HEADER bytes of `b`, a whole frame. */
function writeHeader(b: Buffer, kind: FrameKind, exchange: number): Buffer {
  b.writeUInt32LE(b.length - 4, 0);
  b.writeUInt8(kind, 4);
  b.writeUInt8(exchange, 5);
  return b;
}

function header(len: number, kind: FrameKind, exchange: number): Buffer {
  return writeHeader(Buffer.allocUnsafe(HEADER + len), kind, exchange);
}

export function encodeData(exchange: number, batch: Batch): Buffer {
  return writeHeader(encodeBatch(batch, HEADER), FrameKind.Data, exchange);
}

export function encodeNumber(kind: FrameKind.Watermark | FrameKind.LatencyMarker, exchange: number, value: number): Buffer {
  const b = header(8, kind, exchange);
  b.writeDoubleLE(value, HEADER);
  return b;
}

export function encodeU32(kind: FrameKind.Barrier | FrameKind.Credit | FrameKind.Hello, exchange: number, value: number): Buffer {
  const b = header(4, kind, exchange);
  b.writeUInt32LE(value, HEADER);
  return b;
}

export function encodeEnd(exchange: number): Buffer {
  return header(0, FrameKind.End, exchange);
}

function decodeFrame(buf: Buffer, start: number, end: number): Frame {
  const kind = buf.readUInt8(start) as FrameKind;
  const exchange = buf.readUInt8(start + 1);
  const p = start + 2;
  switch (kind) {
    case FrameKind.Data:
      return { kind, exchange, batch: decodeBatch(buf, p, end), bytes: end - start };
    case FrameKind.Watermark:
      return { kind, exchange, watermark: buf.readDoubleLE(p) };
    case FrameKind.Barrier:
      return { kind, exchange, checkpoint: buf.readUInt32LE(p) };
    case FrameKind.End:
      return { kind, exchange };
    case FrameKind.Credit:
      return { kind, exchange, credits: buf.readUInt32LE(p) };
    case FrameKind.Hello:
      return { kind, exchange, worker: buf.readUInt32LE(p) };
    case FrameKind.LatencyMarker:
      return { kind, exchange, stamp: buf.readDoubleLE(p) };
    default:
      throw new Error(`exchange protocol error: unknown frame kind ${kind as number}`);
  }
}

/** Reassembles frames from socket chunks. */
export class FrameDecoder {
  private pending: Buffer | null = null;

  push(chunk: Buffer, onFrame: (f: Frame) => void): void {
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32LE(off);
      if (buf.length - off - 4 < len) break;
      onFrame(decodeFrame(buf, off + 4, off + 4 + len));
      off += 4 + len;
    }
    this.pending = off === buf.length ? null : buf.subarray(off);
    if (this.pending !== null && off > 0) this.pending = Buffer.from(this.pending);
    buf = Buffer.alloc(0);
  }
}
