/**
 * The journal's fast MessagePack reader decodes exactly what msgpackr
 * decodes, or gives up: over random values of every MessagePack type, and
 * over damaged bytes (flips, cuts, trailing bytes), its result is GIVE_UP or
 * deep-equal (key order and prototypes included) to msgpackr's, and it never
 * returns a value where msgpackr throws.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encodeTurn, packr } from '../../persistence/codec.ts';
import { fastUnpack, GIVE_UP } from '../../persistence/fast-unpack.ts';
import { commandStream, rng } from './command-stream.ts';

const KEYS = [
  'type',
  'account',
  'market',
  'side',
  'size',
  '0',
  '7',
  '__proto__',
  'constructor',
  'é',
  'a'.repeat(40),
  '',
];
const STRINGS = ['buy', 'sell', 'marketOrder', '', 'x'.repeat(30), 'x'.repeat(300), 'ünïcode', '\u2028'];

function randomValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 0 && r < 0.2) {
    const o: Record<string, unknown> = {};
    const n = Math.floor(next() * 6);
    for (let i = 0; i < n; i++) {
      // defineProperty: an own `__proto__` key, as a decoder would produce, not a prototype change.
      const value = randomValue(next, depth - 1);
      Object.defineProperty(o, KEYS[Math.floor(next() * KEYS.length)], {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return o;
  }
  if (depth > 0 && r < 0.3) return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth - 1));
  if (r < 0.45) return STRINGS[Math.floor(next() * STRINGS.length)];
  if (r < 0.6) {
    const scale = [1, 200, 70_000, 2 ** 31, 2 ** 40, 2 ** 53][Math.floor(next() * 6)];
    return Math.floor((next() - 0.5) * 2 * scale);
  }
  if (r < 0.7) return [0.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e-300, 3.14][Math.floor(next() * 6)];
  if (r < 0.8) return [null, true, false, undefined][Math.floor(next() * 4)];
  if (r < 0.85) return new Uint8Array([1, 2, 3]);
  return { type: 'marketOrder', account: Math.floor(next() * 1e6), market: 1, side: 'buy', size: 5 };
}

/** fast agrees with msgpackr on `blob`: gives up, or returns what msgpackr returns. */
function agrees(blob: Uint8Array): boolean {
  const fast = fastUnpack(blob);
  let slow: unknown;
  try {
    slow = packr.unpack(blob);
  } catch {
    return fast === GIVE_UP;
  }
  return fast === GIVE_UP || isDeepStrictEqual(fast, slow);
}

describe('fastUnpack', () => {
  it('decodes journal turns itself, equal to msgpackr', () => {
    let seq = 1;
    for (const turn of commandStream({ seed: 21, turns: 30, maxCommandsPerTurn: 60, markets: 3, maxAccounts: 30 })) {
      const blob = encodeTurn(turn.cmds.map((cmd, i) => ({ seq: seq + i, ts: turn.ts, cmd })));
      seq += turn.cmds.length;
      const fast = fastUnpack(blob);
      expect(fast).not.toBe(GIVE_UP);
      expect(isDeepStrictEqual(fast, packr.unpack(blob))).toBe(true);
    }
  });

  it('agrees with msgpackr on random values and on damaged bytes', () => {
    const seed = 0xfa57;
    const next = rng(seed);
    let decoded = 0;
    for (let t = 0; t < 3000; t++) {
      const blob = packr.pack(randomValue(next, 4));
      expect(agrees(blob), `seed ${seed}, case ${t}`).toBe(true);
      if (fastUnpack(blob) !== GIVE_UP) decoded++;
      const flipped = Uint8Array.from(blob);
      flipped[Math.floor(next() * blob.length)] ^= 1 << Math.floor(next() * 8);
      expect(agrees(flipped), `seed ${seed}, case ${t} flipped`).toBe(true);
      expect(agrees(blob.subarray(0, Math.floor(next() * blob.length))), `seed ${seed}, case ${t} cut`).toBe(true);
      expect(fastUnpack(Uint8Array.from([...blob, 0xc0])), `seed ${seed}, case ${t} trailing`).toBe(GIVE_UP);
    }
    // The fast path must actually be taken for most values, or this test proves nothing.
    expect(decoded).toBeGreaterThan(1000);
  });
});
