import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32c } from './crc32c.js';
import { crc32c as kafkajsCrc32c } from './kafkajs-internals.js';

describe('crc32c', () => {
  it('matches the published check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, of 0xff, and ascending bytes
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
  });

  it('covers only buf[start, end)', () => {
    const b = Buffer.from('xx123456789yyy');
    expect(crc32c(b, 2, 11)).toBe(0xe3069283);
  });

  it('equals kafkajs CRC32C on random buffers of every length mod 8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(7), (bytes, skip) => {
        const buf = Buffer.from(bytes);
        const start = Math.min(skip, buf.length);
        expect(crc32c(buf, start)).toBe(kafkajsCrc32c(buf.subarray(start)));
      }),
      { numRuns: 300 },
    );
  });
});
