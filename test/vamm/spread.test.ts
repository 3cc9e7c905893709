/**
 * vamm/spread.ts — per-side dynamic spreads, the spread-adjusted price and the
 * spread charge. Spreads are E6 ratios (1e6 = 100%), rounded up (against the
 * trader) and capped per side at maxSpreadE6.
 *
 * Parameters P used throughout:
 *   base 1,000 (0.1%) → half 500 per side
 *   volatility scale 500,000: vol 20,000 (2%) → 500,000 × 20,000 / 1e6 / 2 = 5,000 per side
 *   confidence scale 1,000,000: conf 2,000 (0.2%) → 1e6 × 2,000 / 1e6 / 2 = 1,000 per side
 *   inventory scale 100,000: |ammNetBase| / baseReserve = 1e13 / 1e15 = 1% → 100,000 × 0.01 = 1,000
 *   (inventory widens only the side that grows the AMM's inventory)
 *   max 50,000 (5%)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeSpreads,
  priceWithSpreadE6,
  type SpreadInputs,
  type SpreadParams,
  spreadCharge,
} from '../../vamm/spread.ts';
import { fcSeed, int } from './arbitraries.ts';

const seed = fcSeed('test/vamm/spread');

const P: SpreadParams = {
  baseSpreadE6: 1_000,
  maxSpreadE6: 50_000,
  inventorySpreadScaleE6: 100_000,
  volatilitySpreadScaleE6: 500_000,
  confidenceSpreadScaleE6: 1_000_000,
};

const FLAT: SpreadInputs = { ammNetBase: 0, baseReserve: 1e15, volatilityE6: 0, oracleConfidenceE6: 0 };

describe('computeSpreads: hand-computed', () => {
  it('with no volatility, confidence or inventory each side is half the base spread: 1,000 / 2 = 500', () => {
    expect(computeSpreads(P, FLAT)).toEqual({ longSpreadE6: 500, shortSpreadE6: 500 });
  });

  it('an odd base spread rounds each half up (against the trader): 1,001 / 2 = 500.5 → 501', () => {
    expect(computeSpreads({ ...P, baseSpreadE6: 1_001 }, FLAT)).toEqual({ longSpreadE6: 501, shortSpreadE6: 501 });
  });

  it('volatility and confidence widen both sides: 500 + 5,000 + 1,000 = 6,500', () => {
    const s = computeSpreads(P, { ...FLAT, volatilityE6: 20_000, oracleConfidenceE6: 2_000 });
    expect(s).toEqual({ longSpreadE6: 6_500, shortSpreadE6: 6_500 });
  });

  it('AMM net short 1% (traders long): the long side widens by 1,000 → long 1,500, short 500', () => {
    const s = computeSpreads(P, { ...FLAT, ammNetBase: -1e13 });
    expect(s).toEqual({ longSpreadE6: 1_500, shortSpreadE6: 500 });
  });

  it('AMM net long 1% (traders short): the short side widens by 1,000 → long 500, short 1,500', () => {
    const s = computeSpreads(P, { ...FLAT, ammNetBase: 1e13 });
    expect(s).toEqual({ longSpreadE6: 500, shortSpreadE6: 1_500 });
  });

  it('everything at once, AMM short: long 500 + 5,000 + 1,000 + 1,000 = 7,500, short 6,500', () => {
    const s = computeSpreads(P, {
      ammNetBase: -1e13,
      baseReserve: 1e15,
      volatilityE6: 20_000,
      oracleConfidenceE6: 2_000,
    });
    expect(s).toEqual({ longSpreadE6: 7_500, shortSpreadE6: 6_500 });
  });

  it('dust inventory (1 unit of 1e15) still rounds the widened side up: ceil(500 + 1e-10) = 501', () => {
    const s = computeSpreads(P, { ...FLAT, ammNetBase: -1 });
    expect(s).toEqual({ longSpreadE6: 501, shortSpreadE6: 500 });
  });
});

describe('computeSpreads: the max-spread cap', () => {
  const wide = { ammNetBase: -1e13, baseReserve: 1e15, volatilityE6: 20_000, oracleConfidenceE6: 2_000 }; // 7,500 / 6,500

  it('a side exactly at the cap is left as it is (long 7,500 with max 7,500)', () => {
    expect(computeSpreads({ ...P, maxSpreadE6: 7_500 }, wide)).toEqual({ longSpreadE6: 7_500, shortSpreadE6: 6_500 });
  });

  it('a side one over the cap is cut to it (long 7,500 with max 7,499)', () => {
    expect(computeSpreads({ ...P, maxSpreadE6: 7_499 }, wide)).toEqual({ longSpreadE6: 7_499, shortSpreadE6: 6_500 });
  });

  it('caps both sides independently (max 1,000: long 7,500 → 1,000, short 6,500 → 1,000)', () => {
    expect(computeSpreads({ ...P, maxSpreadE6: 1_000 }, wide)).toEqual({ longSpreadE6: 1_000, shortSpreadE6: 1_000 });
  });

  it('a cap of zero zeroes both sides', () => {
    expect(computeSpreads({ ...P, maxSpreadE6: 0 }, wide)).toEqual({ longSpreadE6: 0, shortSpreadE6: 0 });
  });
});

describe('computeSpreads: guarded inputs', () => {
  it('treats negative volatility as zero', () => {
    expect(computeSpreads(P, { ...FLAT, volatilityE6: -20_000 })).toEqual({ longSpreadE6: 500, shortSpreadE6: 500 });
  });

  it('treats negative oracle confidence as zero', () => {
    expect(computeSpreads(P, { ...FLAT, oracleConfidenceE6: -2_000 })).toEqual({
      longSpreadE6: 500,
      shortSpreadE6: 500,
    });
  });

  it.each([0, -1e15])('ignores inventory when the base reserve is %s (no ratio to take)', (baseReserve) => {
    expect(computeSpreads(P, { ...FLAT, ammNetBase: -1e13, baseReserve })).toEqual({
      longSpreadE6: 500,
      shortSpreadE6: 500,
    });
  });

  it('a zero base spread with nothing else gives zero on both sides', () => {
    expect(computeSpreads({ ...P, baseSpreadE6: 0 }, FLAT)).toEqual({ longSpreadE6: 0, shortSpreadE6: 0 });
  });
});

describe('computeSpreads: properties', () => {
  const paramsArb = fc.record({
    baseSpreadE6: int(0, 100_000),
    maxSpreadE6: int(0, 200_000),
    inventorySpreadScaleE6: int(0, 1_000_000),
    volatilitySpreadScaleE6: int(0, 2_000_000),
    confidenceSpreadScaleE6: int(0, 2_000_000),
  });
  const inputsArb = fc.record({
    ammNetBase: int(-1e15, 1e15),
    baseReserve: int(1e9, 1e15),
    volatilityE6: int(-100_000, 500_000),
    oracleConfidenceE6: int(-100_000, 100_000),
  });

  it('both sides are integers in [0, maxSpreadE6]', () => {
    fc.assert(
      fc.property(paramsArb, inputsArb, (p, x) => {
        const s = computeSpreads(p, x);
        return [s.longSpreadE6, s.shortSpreadE6].every((v) => Number.isInteger(v) && v >= 0 && v <= p.maxSpreadE6);
      }),
      { seed, verbose: true },
    );
  });

  it('the side that grows the AMM inventory is never narrower than the other side', () => {
    fc.assert(
      fc.property(paramsArb, inputsArb, (p, x) => {
        const s = computeSpreads(p, x);
        if (x.ammNetBase < 0) return s.longSpreadE6 >= s.shortSpreadE6;
        if (x.ammNetBase > 0) return s.shortSpreadE6 >= s.longSpreadE6;
        return s.longSpreadE6 === s.shortSpreadE6;
      }),
      { seed, verbose: true },
    );
  });

  it('flipping the sign of the AMM inventory swaps the two sides', () => {
    fc.assert(
      fc.property(paramsArb, inputsArb, (p, x) => {
        const s = computeSpreads(p, x);
        const m = computeSpreads(p, { ...x, ammNetBase: -x.ammNetBase });
        return s.longSpreadE6 === m.shortSpreadE6 && s.shortSpreadE6 === m.longSpreadE6;
      }),
      { seed, verbose: true },
    );
  });

  it('below the cap, each side is at least half the base spread, rounded up', () => {
    fc.assert(
      fc.property(paramsArb, inputsArb, (p, x) => {
        const s = computeSpreads(p, x);
        const floor = Math.min(p.maxSpreadE6, Math.ceil(p.baseSpreadE6 / 2));
        return s.longSpreadE6 >= floor && s.shortSpreadE6 >= floor;
      }),
      { seed, verbose: true },
    );
  });
});

describe('priceWithSpreadE6', () => {
  it('long at $100 with 1,500 (0.15%): 100e6 × 1,001,500 / 1e6 = 100,150,000', () => {
    expect(priceWithSpreadE6(100e6, 'long', 1_500)).toBe(100_150_000);
  });

  it('short at $100 with 1,500 (0.15%): 100e6 × 998,500 / 1e6 = 99,850,000', () => {
    expect(priceWithSpreadE6(100e6, 'short', 1_500)).toBe(99_850_000);
  });

  it.each<'long' | 'short'>(['long', 'short'])('a zero spread leaves the %s price unchanged', (d) => {
    expect(priceWithSpreadE6(100e6, d, 0)).toBe(100e6);
  });

  it('a dust spread of 1 (1e-6) moves $100 by one price unit: 100e6 × 1,000,001 / 1e6 = 100,000,100', () => {
    expect(priceWithSpreadE6(100e6, 'long', 1)).toBe(100_000_100);
  });

  it('a 100% short spread prices at zero', () => {
    expect(priceWithSpreadE6(100e6, 'short', 1_000_000)).toBe(0);
  });

  it('with any non-zero spread, a long sees a higher price than the curve and a short a lower one', () => {
    // s ≥ 1: at s = 0 and prices above ~$9,000 (p × 1e6 > 2^53) the float result may differ
    // from p by one ulp in either direction, which is float noise, not a spread.
    fc.assert(
      fc.property(int(1, 1e12), int(1, 1_000_000), (p, s) => {
        return priceWithSpreadE6(p, 'long', s) > p && priceWithSpreadE6(p, 'short', s) < p;
      }),
      { seed, verbose: true },
    );
  });
});

describe('spreadCharge', () => {
  it('$1 (1e6) at 1,500 (0.15%): 1e6 × 1,500 / 1e6 = 1,500', () => {
    expect(spreadCharge(1_000_000, 1_500)).toBe(1_500);
  });

  it('rounds a fractional charge up: 1,000,001 × 1,000 / 1e6 = 1,000.001 → 1,001', () => {
    expect(spreadCharge(1_000_001, 1_000)).toBe(1_001);
  });

  it('dust: one quote unit at the smallest spread (1e-6 of a unit) still charges 1', () => {
    expect(spreadCharge(1, 1)).toBe(1);
  });

  it('a zero fill charges nothing', () => {
    expect(spreadCharge(0, 1_500)).toBe(0);
  });

  it('a zero spread charges nothing', () => {
    expect(spreadCharge(1_000_000, 0)).toBe(0);
  });

  it('charges the exact float value rounded up: value ≤ charge < value + 1', () => {
    fc.assert(
      fc.property(int(0, 1e15), int(0, 1_000_000), (q, s) => {
        const v = (q * s) / 1_000_000;
        const c = spreadCharge(q, s);
        return Number.isInteger(c) && c >= v && c - v < 1;
      }),
      { seed, verbose: true },
    );
  });
});
