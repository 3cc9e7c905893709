/**
 * The one-pass MessagePack decoder for untrusted frames (codec/msgpack-scan.ts):
 * on plain values it decodes exactly what msgpackr decodes; on hostile bytes it
 * refuses with a reason and never throws.
 */
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeAck } from '../../gateway/codec/codec.ts';
import { decodeMsgpack } from '../../gateway/codec/msgpack-scan.ts';

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const SEED = Number(process.env.FC_SEED ?? Date.now() % 1_000_000);

const key = fc.string({ maxLength: 20 }).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(key, tie('v'), { maxKeys: 5 }),
  ),
})).v;

describe('decodeMsgpack', () => {
  it(`decodes what msgpackr decodes (seed ${SEED})`, () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = packr.pack(v);
        const r = decodeMsgpack(bytes, 64, 1_000_000);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value).toStrictEqual(unpackr.unpack(bytes));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it(`refuses, never throws, on truncated or corrupted frames (seed ${SEED})`, () => {
    fc.assert(
      fc.property(value, fc.nat(), fc.integer({ min: 0, max: 255 }), (v, at, byte) => {
        const bytes = Buffer.from(packr.pack(v));
        const cut = bytes.subarray(0, at % (bytes.length + 1));
        const r1 = decodeMsgpack(cut, 8, 4_096);
        if (cut.length < bytes.length) expect(r1.ok).toBe(false);
        const flipped = Buffer.from(bytes);
        flipped[at % flipped.length] = byte;
        decodeMsgpack(flipped, 8, 4_096);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('refuses the hostile shapes with their reasons', () => {
    const reason = (b: number[]) => {
      const r = decodeMsgpack(new Uint8Array(b), 8, 100);
      return r.ok ? null : r.reason;
    };
    expect(reason([0xdb, 0xff, 0xff, 0xff, 0xff])).toMatch(/exceeds the frame/);
    expect(reason([0xdd, 0xff, 0xff, 0xff, 0xff])).toMatch(/exceeds the frame/);
    expect(reason([0xd6, 0xff, 0, 0, 0, 0])).toMatch(/extension type/);
    expect(reason([0xc1])).toMatch(/reserved/);
    expect(reason([0x81, 0x01, 0x01])).toMatch(/keys must be strings/);
    expect(reason([0x81, 0xa9, ...Buffer.from('__proto__'), 0x01])).toMatch(/forbidden key __proto__/);
    expect(reason([0x81, 0xab, ...Buffer.from('constructor'), 0x01])).toMatch(/forbidden key/);
    expect(reason([0xa2, 0xc3, 0x28])).toMatch(/UTF-8/);
    expect(reason(new Array(9).fill(0x91).concat([0x01]))).toMatch(/nesting deeper than 8/);
    expect(reason([0x01, 0x02])).toMatch(/trailing/);
    const ok = decodeMsgpack(new Uint8Array(new Array(8).fill(0x91).concat([0x01])), 8, 100);
    expect(ok.ok).toBe(true);
  });
});

describe('encodeAck', () => {
  it(`decodes to the reply msgpackr and JSON.stringify encode (seed ${SEED})`, () => {
    const id = fc.oneof(fc.maxSafeNat(), fc.string({ minLength: 1, maxLength: 64 }), fc.constant(null));
    fc.assert(
      fc.property(id, fc.maxSafeNat(), (i, seq) => {
        const reply = { id: i, ok: true, result: { seq } };
        expect(unpackr.unpack(encodeAck(i, seq, 'msgpack') as Uint8Array)).toStrictEqual(reply);
        expect(encodeAck(i, seq, 'json')).toBe(JSON.stringify(reply));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
