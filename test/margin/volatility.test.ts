/**
 * zScore (core/margin/volatility.ts) remembers its last answer, since every
 * market asks for its fixed confidence every tick. Whatever order the
 * confidences come in, repeated or alternating, each answer must be the
 * table's: the z at a table point, linear in between, 0 at or below 50%,
 * the last z above the table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Z_TABLE, zScore } from '../../core/margin/volatility.ts';
import { fcSeed } from './helpers.ts';

const seed = fcSeed();

/** The reference the memo must agree with: the table read afresh on every call. */
const TABLE = Z_TABLE;

function reference(c: number): number {
  if (c <= TABLE[0][0]) return 0;
  for (let i = 1; i < TABLE.length; i++) {
    const [c1, z1] = TABLE[i];
    if (c <= c1) {
      const [c0, z0] = TABLE[i - 1];
      return z0 + ((z1 - z0) * (c - c0)) / (c1 - c0);
    }
  }
  return TABLE[TABLE.length - 1][1];
}

describe('zScore', () => {
  it('gives the table z at its points, 0 at or below 50%, the last z above the table', () => {
    for (const [c, z] of TABLE) expect(zScore(c)).toBe(z);
    expect(zScore(0)).toBe(0);
    expect(zScore(-1)).toBe(0);
    expect(zScore(1_000_000)).toBe(3.7190164855);
    expect(zScore(875_000)).toBe((1.0364333895 + 1.2815515655) / 2);
  });

  it('answers every sequence of confidences, repeated or alternating, as the table does', () => {
    const confidence = fc.oneof(
      fc.constantFrom(...TABLE.map(([c]) => c), 990_000, 995_000, 0, 1_000_000),
      fc.integer({ min: 400_000, max: 1_000_000 }),
    );
    fc.assert(
      fc.property(fc.array(confidence, { minLength: 1, maxLength: 30 }), (cs) => {
        for (const c of cs) {
          expect(zScore(c)).toBe(reference(c));
          expect(zScore(c)).toBe(reference(c));
        }
      }),
      { seed, numRuns: 300 },
    );
  });
});
