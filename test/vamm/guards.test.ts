/**
 * vamm/guards.ts — per-fill guards: the max-fill fraction of the base reserve
 * and the price band around the oracle (the band edge itself is inside).
 *
 * Hand values: reserve 1e15 with max fill 100,000 (10%) → 1e15 × 100,000 / 1e6 = 1e14;
 * oracle $100 (100e6) with band 50,000 (5%) → edges 105e6 (long) and 95e6 (short).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bandLimitPriceE6, maxFillBase, withinPriceBand } from '../../vamm/guards.ts';
import { fcSeed, int } from './arbitraries.ts';

const seed = fcSeed('test/vamm/guards');

describe('maxFillBase', () => {
  it('10% of a 1e15 reserve: 1e15 × 100,000 / 1e6 = 1e14', () => {
    expect(maxFillBase(1e15, 100_000)).toBe(1e14);
  });

  it('a fill exactly at the limit is allowed (1e14 ≤ max)', () => {
    expect(1e14 <= maxFillBase(1e15, 100_000)).toBe(true);
  });

  it('a fill one unit over the limit is refused (1e14 + 1 > max)', () => {
    expect(1e14 + 1 <= maxFillBase(1e15, 100_000)).toBe(false);
  });

  it('rounds down (against the trader): 999 × 1,000 / 1e6 = 0.999 → 0', () => {
    expect(maxFillBase(999, 1_000)).toBe(0);
  });

  it('rounds down: 1,999 × 500,000 / 1e6 = 999.5 → 999', () => {
    expect(maxFillBase(1_999, 500_000)).toBe(999);
  });

  it('dust: a one-unit reserve at 100% allows one unit', () => {
    expect(maxFillBase(1, 1_000_000)).toBe(1);
  });

  it('a zero reserve allows nothing', () => {
    expect(maxFillBase(0, 100_000)).toBe(0);
  });

  it('a zero fraction allows nothing', () => {
    expect(maxFillBase(1e15, 0)).toBe(0);
  });

  it('an odd fraction does not let a fill one unit over the exact limit through: 999,999,999,999,992 × 250,001 / 1e6 = 250,000,999,999,997.999992 → 250,000,999,999,997', () => {
    // Exact product 250,000,999,999,997,999,992 (BigInt); 250,000,999,999,998 would exceed 25.0001% of the reserve.
    expect(maxFillBase(999_999_999_999_992, 250_001)).toBe(250_000_999_999_997);
  });

  it('an odd fraction allows a fill exactly at the exact limit: 1e15 × 333,333 / 1e6 = 333,333,000,000,000', () => {
    expect(maxFillBase(1e15, 333_333)).toBe(333_333_000_000_000);
  });

  it('is the largest integer fill within the fraction: max × 1e6 ≤ reserve × f < (max + 1) × 1e6 (exact BigInt check)', () => {
    fc.assert(
      fc.property(int(0, 1e15), int(0, 1_000_000), (reserve, f) => {
        const m = maxFillBase(reserve, f);
        const lhs = BigInt(reserve) * BigInt(f);
        return Number.isSafeInteger(m) && BigInt(m) * 1_000_000n <= lhs && lhs < BigInt(m + 1) * 1_000_000n;
      }),
      { seed, verbose: true, numRuns: 1_000 },
    );
  });
});

describe('withinPriceBand', () => {
  it('the oracle price itself is inside', () => {
    expect(withinPriceBand(100e6, 100e6, 50_000)).toBe(true);
  });

  it('the upper edge exactly (105e6 for 5% around 100e6) is inside', () => {
    expect(withinPriceBand(105e6, 100e6, 50_000)).toBe(true);
  });

  it('one price unit above the upper edge (105,000,001) is outside', () => {
    expect(withinPriceBand(105_000_001, 100e6, 50_000)).toBe(false);
  });

  it('the lower edge exactly (95e6) is inside', () => {
    expect(withinPriceBand(95e6, 100e6, 50_000)).toBe(true);
  });

  it('one price unit below the lower edge (94,999,999) is outside', () => {
    expect(withinPriceBand(94_999_999, 100e6, 50_000)).toBe(false);
  });

  it('a zero band admits only the oracle price', () => {
    expect([99_999_999, 100e6, 100_000_001].map((p) => withinPriceBand(p, 100e6, 0))).toEqual([false, true, false]);
  });

  it('dust band of 1 (1e-6) around $1: 1,000,001 is the edge (inside), 1,000,002 is outside', () => {
    expect([withinPriceBand(1_000_001, 1e6, 1), withinPriceBand(1_000_002, 1e6, 1)]).toEqual([true, false]);
  });

  it('is symmetric around the oracle', () => {
    fc.assert(
      fc.property(int(1, 1e10), int(0, 1e9), int(0, 1_000_000), (o, d, band) => {
        return withinPriceBand(o + d, o, band) === withinPriceBand(o - d, o, band);
      }),
      { seed, verbose: true },
    );
  });
});

describe('bandLimitPriceE6', () => {
  it('long edge for 5% around $100: 100e6 × 1,050,000 / 1e6 = 105e6', () => {
    expect(bandLimitPriceE6(100e6, 50_000, 'long')).toBe(105e6);
  });

  it('short edge for 5% around $100: 100e6 × 950,000 / 1e6 = 95e6', () => {
    expect(bandLimitPriceE6(100e6, 50_000, 'short')).toBe(95e6);
  });

  it.each<'long' | 'short'>(['long', 'short'])('a zero band puts the %s edge on the oracle', (d) => {
    expect(bandLimitPriceE6(100e6, 0, d)).toBe(100e6);
  });

  it('a 100% band puts the short edge at zero', () => {
    expect(bandLimitPriceE6(100e6, 1_000_000, 'short')).toBe(0);
  });

  it('the edges it returns for round values are inside withinPriceBand, and one unit beyond is outside', () => {
    const o = 100e6;
    const band = 50_000;
    expect([
      withinPriceBand(bandLimitPriceE6(o, band, 'long'), o, band),
      withinPriceBand(bandLimitPriceE6(o, band, 'long') + 1, o, band),
      withinPriceBand(bandLimitPriceE6(o, band, 'short'), o, band),
      withinPriceBand(bandLimitPriceE6(o, band, 'short') - 1, o, band),
    ]).toEqual([true, false, true, false]);
  });

  it('the edge it returns for a non-round oracle ($1.234567, band 1e-6) is inside withinPriceBand', () => {
    // Exact long edge: 1,234,567 × 1,000,001 / 1e6 = 1,234,568.234567; the band docs say the edge
    // itself is inside, so withinPriceBand(edge) must be true in both directions.
    const o = 1_234_567;
    expect([
      withinPriceBand(bandLimitPriceE6(o, 1, 'long'), o, 1),
      withinPriceBand(bandLimitPriceE6(o, 1, 'short'), o, 1),
    ]).toEqual([true, true]);
  });

  it('one price unit inside the edge is always inside the band', () => {
    fc.assert(
      fc.property(int(2, 1e10), int(0, 999_999), fc.constantFrom<'long' | 'short'>('long', 'short'), (o, band, d) => {
        const edge = bandLimitPriceE6(o, band, d);
        const inside = d === 'long' ? Math.max(o, edge - 1) : Math.min(o, edge + 1);
        return withinPriceBand(inside, o, band);
      }),
      { seed, verbose: true },
    );
  });

  it('one price unit beyond the edge is always outside the band', () => {
    fc.assert(
      fc.property(int(1, 1e10), int(0, 999_999), fc.constantFrom<'long' | 'short'>('long', 'short'), (o, band, d) => {
        const edge = bandLimitPriceE6(o, band, d);
        return !withinPriceBand(d === 'long' ? edge + 1 : edge - 1, o, band);
      }),
      { seed, verbose: true },
    );
  });

  it('the long edge is at or above the oracle and the short edge at or below it', () => {
    fc.assert(
      fc.property(int(1, 1e10), int(0, 1_000_000), (o, band) => {
        return bandLimitPriceE6(o, band, 'long') >= o && bandLimitPriceE6(o, band, 'short') <= o;
      }),
      { seed, verbose: true },
    );
  });
});
