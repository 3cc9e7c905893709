/**
 * vamm/repeg.ts — repeg and k changes, priced as the change of terminalValue,
 * rounded against the fee pool (> 0 the pool pays, < 0 the pool receives).
 *
 * Fixture A: 1e15 base / 1e15 quote reserve units, peg $100 (price $100).
 * Traders net long 10,000 base ⇒ ammNetBase = −1e13. Their terminal value:
 *   closing sells 1e13 into the curve: quote reserve 1e15 → 1e30 / 1.01e15,
 *   Δ = 1e15 / 101 = 9,900,990,099,009.9 reserve units = 9,900.990099… quote assets;
 *   × $100 = 990,099,009,900.99 quote units.
 * So each unit of peg (1e-6 USD per quote asset) is worth 9,900.990099… quote units.
 * Traders net short 10,000 base ⇒ ammNetBase = +1e13: closing buys 1e13,
 *   Δ = 1e30 / 9.9e14 − 1e15 = 1e15 / 99 = 10,101,010,101,010.1 reserve units,
 *   terminal value −10,101.0101… × peg.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Curve, curvePriceE6, makeCurve, swapBase, terminalValue } from '../../vamm/curve.ts';
import {
  curveChangeCost,
  divergenceE6,
  formulaicK,
  pegForPrice,
  repegToward,
  scaleK,
  withPeg,
} from '../../vamm/repeg.ts';
import { between, curveArb, fcSeed, int, unit } from './arbitraries.ts';

const seed = fcSeed('test/vamm/repeg');

const A = makeCurve(1e15, 1e15, 100e6);
const TRADERS_LONG = -1e13;
const TRADERS_SHORT = 1e13;

function expectNear(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance);
}

/** A curve, an open interest that fits it (|ammNetBase| < half the base reserve), and a peg change of up to ±10%. */
const changeCase = fc.tuple(curveArb, unit, fc.boolean(), between(-0.1, 0.1)).map(([c, f, tradersLong, step]) => {
  const oi = Math.floor((f * c.baseReserve) / 2);
  const ammNetBase = tradersLong ? -oi : oi;
  const peg = Math.max(1, Math.round(c.pegE6 * (1 + step)));
  return { c, ammNetBase, to: withPeg(c, peg) };
});

describe('curveChangeCost', () => {
  it('raising the peg $100 → $101 with traders net long costs the pool ceil(9,900,990,099.0099) = 9,900,990,100', () => {
    // Δ terminal value = 1e6 peg units × 9,900.990099… = 9,900,990,099.0099 → rounded up (pool pays).
    expect(curveChangeCost(A, withPeg(A, 101e6), TRADERS_LONG)).toBe(9_900_990_100);
  });

  it('raising the peg $100 → $101 with traders net short earns the pool, truncated: −10,101,010,101.0101 → −10,101,010,101', () => {
    // Δ terminal value = −1e6 × 10,101.0101… = −10,101,010,101.0101. Against the pool, the pool
    // receives the amount rounded down: 10,101,010,101 (cost −10,101,010,101), never more than Δ.
    expect(curveChangeCost(A, withPeg(A, 101e6), TRADERS_SHORT)).toBe(-10_101_010_101);
  });

  it('a dust change that costs the pool (Δ ≈ +1e-9) rounds up to 1', () => {
    // Traders long 1 unit, peg +1: Δ = 1 reserve unit × 1 / 1e9 ≈ 1e-9 quote units.
    expect(curveChangeCost(A, withPeg(A, 100e6 + 1), -1)).toBe(1);
  });

  it('a dust change that pays the pool (Δ ≈ −1e-9) pays it nothing, not a whole unit', () => {
    // Traders short 1 unit, peg +1: Δ ≈ −1e-9; rounded against the pool → 0.
    expect(curveChangeCost(A, withPeg(A, 100e6 + 1), 1)).toBe(0);
  });

  it('replacing a curve by itself costs exactly +0 (not −0)', () => {
    expect(Object.is(curveChangeCost(A, A, TRADERS_SHORT), 0)).toBe(true);
  });

  it('with no open interest any peg change costs nothing', () => {
    expect(curveChangeCost(A, withPeg(A, 150e6), 0)).toBe(0);
  });

  it('a target curve the traders’ position cannot be closed on costs +Infinity', () => {
    // The AMM is long 1e13, but the target curve only holds 1e12 base.
    expect(curveChangeCost(A, makeCurve(1e12, 1e12, 100e6), TRADERS_SHORT)).toBe(Number.POSITIVE_INFINITY);
  });

  it('when the pool pays (Δ > 0), the cost is Δ rounded up', () => {
    fc.assert(
      fc.property(changeCase, ({ c, ammNetBase, to }) => {
        const delta = terminalValue(to, ammNetBase) - terminalValue(c, ammNetBase);
        fc.pre(delta > 0);
        return curveChangeCost(c, to, ammNetBase) === Math.ceil(delta);
      }),
      { seed, verbose: true },
    );
  });

  it('when the pool receives (Δ < 0), the cost is Δ rounded toward zero (the pool never receives more than Δ)', () => {
    fc.assert(
      fc.property(changeCase, ({ c, ammNetBase, to }) => {
        const delta = terminalValue(to, ammNetBase) - terminalValue(c, ammNetBase);
        fc.pre(delta < 0);
        return curveChangeCost(c, to, ammNetBase) === Math.ceil(delta) + 0;
      }),
      { seed, verbose: true },
    );
  });
});

describe('withPeg', () => {
  it('changes only the peg', () => {
    expect(withPeg(A, 123e6)).toEqual({ baseReserve: 1e15, quoteReserve: 1e15, k: A.k, pegE6: 123e6 });
  });

  it('does not mutate its input', () => {
    withPeg(A, 123e6);
    expect(A.pegE6).toBe(100e6);
  });

  it('moves the price in proportion: peg $100 → $150 moves the price $100 → $150', () => {
    expectNear(curvePriceE6(withPeg(A, 150e6)), 150e6, 1e-6);
  });
});

describe('pegForPrice', () => {
  it('on a balanced curve the peg is the price: $120 → 120e6', () => {
    expect(pegForPrice(A, 120e6)).toBe(120e6);
  });

  it('with twice as much base as quote: $50 needs peg 50e6 × 2e15 / 1e15 = 100e6', () => {
    expectNear(pegForPrice(makeCurve(2e15, 1e15, 1e6), 50e6), 100e6, 1e-6);
  });

  it('is zero for a zero target', () => {
    expect(pegForPrice(A, 0)).toBe(0);
  });

  it('puts the curve price on the target', () => {
    fc.assert(
      fc.property(curveArb, int(1, 1e12), (c, target) => {
        const p = curvePriceE6(withPeg(c, pegForPrice(c, target)));
        return Math.abs(p - target) <= target * 1e-12;
      }),
      { seed, verbose: true },
    );
  });
});

describe('repegToward: sign of the cost', () => {
  it('raising the peg with traders net long costs the fee pool (cost > 0)', () => {
    expect(repegToward(A, TRADERS_LONG, 101e6, 50_000, 1e15)?.cost).toBeGreaterThan(0);
  });

  it('raising the peg with traders net short earns the fee pool (cost < 0)', () => {
    expect(repegToward(A, TRADERS_SHORT, 101e6, 50_000, 1e15)?.cost).toBeLessThan(0);
  });

  it('lowering the peg with traders net long earns the fee pool (cost < 0)', () => {
    expect(repegToward(A, TRADERS_LONG, 99e6, 50_000, 1e15)?.cost).toBeLessThan(0);
  });

  it('lowering the peg with traders net short costs the fee pool (cost > 0)', () => {
    expect(repegToward(A, TRADERS_SHORT, 99e6, 50_000, 1e15)?.cost).toBeGreaterThan(0);
  });
});

describe('repegToward: hand-computed', () => {
  it('a move inside the max step goes all the way: oracle $102 → peg 102e6, cost ceil(2e6 × 9,900.990099…) = 19,801,980,199', () => {
    expect(repegToward(A, TRADERS_LONG, 102e6, 50_000, 1e15)).toEqual({
      curve: withPeg(A, 102e6),
      cost: 19_801_980_199,
    });
  });

  it('a move beyond the max step is clamped to it: oracle $110, step 5% → peg 105e6, cost ceil(5e6 × 9,900.990099…) = 49,504,950,496', () => {
    expect(repegToward(A, TRADERS_LONG, 110e6, 50_000, 1e15)).toEqual({
      curve: withPeg(A, 105e6),
      cost: 49_504_950_496,
    });
  });

  it('a downward move is clamped to the max step too: oracle $90, step 5% → peg 95e6', () => {
    expect(repegToward(A, TRADERS_LONG, 90e6, 50_000, 1e15)?.curve.pegE6).toBe(95e6);
  });

  it('partial repeg: budget 123,456,789 buys floor(123,456,789 / 9,900.990099…) = 12,469 peg units → peg 100,012,469', () => {
    // 123,456,789 / 9,900.990099 = 12,469.1357 → 12,469; cost ceil(12,469 × 9,900.990099) = ceil(123,455,445.54) = 123,455,446.
    expect(repegToward(A, TRADERS_LONG, 110e6, 50_000, 123_456_789)).toEqual({
      curve: withPeg(A, 100_012_469),
      cost: 123_455_446,
    });
  });

  it('partial repeg goes as far as the budget reaches: one more peg unit (12,470 × 9,900.990099 = 123,465,346.5) exceeds it', () => {
    expect(curveChangeCost(A, withPeg(A, 100_012_470), TRADERS_LONG)).toBeGreaterThan(123_456_789);
  });

  it('a repeg that earns the pool is taken in full even with an empty budget', () => {
    expect(repegToward(A, TRADERS_SHORT, 110e6, 50_000, 0)?.curve.pegE6).toBe(105e6);
  });

  it('with no open interest a repeg is free and goes to the full step', () => {
    expect(repegToward(A, 0, 110e6, 50_000, 0)).toEqual({ curve: withPeg(A, 105e6), cost: 0 });
  });
});

describe('repegToward: boundaries', () => {
  it('is null when the curve is already on the oracle price', () => {
    expect(repegToward(A, TRADERS_LONG, curvePriceE6(A), 50_000, 1e15)).toBeNull();
  });

  it('is null with a zero max step', () => {
    expect(repegToward(A, TRADERS_LONG, 110e6, 0, 1e15)).toBeNull();
  });

  it('is null when a costly move meets an empty budget', () => {
    expect(repegToward(A, TRADERS_LONG, 110e6, 50_000, 0)).toBeNull();
  });

  it('is null when a costly move meets a negative budget', () => {
    expect(repegToward(A, TRADERS_LONG, 110e6, 50_000, -1)).toBeNull();
  });

  it('is null when the budget does not cover even one peg unit (9,000 < 9,900.99)', () => {
    expect(repegToward(A, TRADERS_LONG, 110e6, 50_000, 9_000)).toBeNull();
  });

  it('with a budget of exactly one peg unit rounded up (9,901) moves the peg by one', () => {
    expect(repegToward(A, TRADERS_LONG, 110e6, 50_000, 9_901)).toEqual({ curve: withPeg(A, 100e6 + 1), cost: 9_901 });
  });

  it('a dust move of one peg unit is taken when the clamped target rounds to it', () => {
    // max step 1e-6 of 100e6 = 100 peg units; oracle just above the price by 0.6 unit → peg rounds to +1.
    expect(repegToward(A, 0, 100e6 + 0.6, 1, 0)?.curve.pegE6).toBe(100e6 + 1);
  });

  it('never repegs to zero: peg 1 toward a zero oracle with a 100% step is null', () => {
    expect(repegToward(makeCurve(1e15, 1e15, 1), 0, 0, 1_000_000, 1e15)).toBeNull();
  });
});

describe('repegToward: properties', () => {
  const repegCase = fc
    .tuple(curveArb, unit, fc.boolean(), between(0.5, 2), int(1, 100_000), int(0, 1e12))
    .map(([c, f, tradersLong, ratio, maxStepE6, budget]) => {
      const oi = Math.floor((f * c.baseReserve) / 2);
      return { c, ammNetBase: tradersLong ? -oi : oi, oracle: curvePriceE6(c) * ratio, maxStepE6, budget };
    });

  it('never spends more than the budget', () => {
    fc.assert(
      fc.property(repegCase, ({ c, ammNetBase, oracle, maxStepE6, budget }) => {
        const r = repegToward(c, ammNetBase, oracle, maxStepE6, budget);
        return r === null || r.cost <= budget;
      }),
      { seed, verbose: true, numRuns: 500 },
    );
  });

  it('returns a cost that is the cost of the curve it returns', () => {
    fc.assert(
      fc.property(repegCase, ({ c, ammNetBase, oracle, maxStepE6, budget }) => {
        const r = repegToward(c, ammNetBase, oracle, maxStepE6, budget);
        return r === null || r.cost === curveChangeCost(c, r.curve, ammNetBase);
      }),
      { seed, verbose: true, numRuns: 500 },
    );
  });

  it('moves the peg toward the oracle, by at most the max step (± rounding), to an integer peg', () => {
    fc.assert(
      fc.property(repegCase, ({ c, ammNetBase, oracle, maxStepE6, budget }) => {
        const r = repegToward(c, ammNetBase, oracle, maxStepE6, budget);
        if (r === null) return true;
        const target = pegForPrice(c, oracle);
        const moved = r.curve.pegE6 - c.pegE6;
        const maxDelta = (c.pegE6 * maxStepE6) / 1e6;
        return (
          Number.isInteger(r.curve.pegE6) &&
          Math.sign(moved) === Math.sign(target - c.pegE6) &&
          Math.abs(moved) <= maxDelta + 0.5
        );
      }),
      { seed, verbose: true, numRuns: 500 },
    );
  });

  it('a repeg cut short by the budget moves strictly less than the full step it could not afford', () => {
    fc.assert(
      fc.property(repegCase, ({ c, ammNetBase, oracle, maxStepE6, budget }) => {
        const full = repegToward(c, ammNetBase, oracle, maxStepE6, Number.MAX_SAFE_INTEGER);
        if (full === null || full.cost <= budget) return true; // affordable: not a partial case
        const part = repegToward(c, ammNetBase, oracle, maxStepE6, budget);
        if (part === null) return true;
        return Math.abs(part.curve.pegE6 - c.pegE6) < Math.abs(full.curve.pegE6 - c.pegE6) && part.cost <= budget;
      }),
      { seed, verbose: true, numRuns: 500 },
    );
  });

  it('keeps the reserves and k', () => {
    fc.assert(
      fc.property(repegCase, ({ c, ammNetBase, oracle, maxStepE6, budget }) => {
        const r = repegToward(c, ammNetBase, oracle, maxStepE6, budget);
        return (
          r === null ||
          (r.curve.baseReserve === c.baseReserve && r.curve.quoteReserve === c.quoteReserve && r.curve.k === c.k)
        );
      }),
      { seed, verbose: true },
    );
  });
});

describe('scaleK', () => {
  it('deepening A by 10% scales both reserves: 1.1e15 / 1.1e15, peg unchanged', () => {
    const s = scaleK(A, 1.1);
    expect({ b: s?.baseReserve, q: s?.quoteReserve, peg: s?.pegE6 }).toEqual({ b: 1.1e15, q: 1.1e15, peg: 100e6 });
  });

  it('deepening A by 10% multiplies k by 1.21: 1.1e15 × 1.1e15 = 1.21e30', () => {
    expectNear(scaleK(A, 1.1)?.k ?? Number.NaN, 1.21e30, 1.21e30 * 1e-15);
  });

  it('keeps the price of A ($100) when deepening by 10%', () => {
    expectNear(curvePriceE6(scaleK(A, 1.1) as Curve), 100e6, 1e-6);
  });

  it('a factor of 1 leaves the reserves as they were', () => {
    const s = scaleK(A, 1);
    expect({ b: s?.baseReserve, q: s?.quoteReserve }).toEqual({ b: A.baseReserve, q: A.quoteReserve });
  });

  it('rounds the base reserve to an integer and scales the quote reserve with it: (3, 3) × 0.5 → (2, 2)', () => {
    // round(1.5) = 2; quote = 3 × 2 / 3 = 2, so the price (peg × 2 / 2) is kept.
    expect(scaleK(makeCurve(3, 3, 1e6), 0.5)).toEqual({ baseReserve: 2, quoteReserve: 2, k: 4, pegE6: 1e6 });
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects a factor of %s with null', (f) => {
    expect(scaleK(A, f)).toBeNull();
  });

  it('is null when the base reserve would round to zero: round(1e15 × 1e-16) = 0', () => {
    expect(scaleK(A, 1e-16)).toBeNull();
  });

  it('keeps the price for any factor', () => {
    fc.assert(
      fc.property(curveArb, between(0.5, 2), (c, f) => {
        const s = scaleK(c, f);
        if (s === null) return false;
        const p = curvePriceE6(c);
        return Math.abs(curvePriceE6(s) - p) <= p * 1e-12;
      }),
      { seed, verbose: true },
    );
  });

  it('keeps quoteReserve === k / baseReserve (the invariant swaps rely on): A × 0.9', () => {
    // scaleK(A, 0.9) = { 9e14, 9e14, k = 8.1e29 }, but 8.1e29 / 9e14 = 900,000,000,000,000.1 in float.
    const s = scaleK(A, 0.9) as Curve;
    expect(s.k / s.baseReserve).toBe(s.quoteReserve);
  });

  it('a curve thinned by scaleK (A × 0.9) still prices a zero-size long at zero', () => {
    // On a makeCurve curve swapBase(c, 'long', 0).quote is always 0; on scaleK(A, 0.9) the
    // invariant gap of 0.1 reserve units is charged as ceil(0.1 × 100e6 / 1e9) = 1 unit.
    expect(swapBase(scaleK(A, 0.9) as Curve, 'long', 0)?.quote).toBe(0);
  });
});

describe('formulaicK', () => {
  it('with a large surplus deepens by the full step: 1% → 1.01e15 reserves, cost ceil(97,068,530.38) = 97,068,531', () => {
    // TV(f) = q·f·L / (b·f + L) × $100 / 1e9 with q = b = 1e15, L = 1e13:
    // TV(1.01) = 1.01e15 × 1e13 / 1.02e15 × 0.1 = 990,196,078,431.37; TV(1) = 990,099,009,900.99;
    // Δ = 97,068,530.38 → rounded up.
    expect(formulaicK(A, TRADERS_LONG, 1e12, 0, 10_000)).toEqual({
      curve: scaleK(A, 1.01),
      cost: 97_068_531,
    });
  });

  it('halves the step until affordable: surplus 60,000,000 < 97M → 0.5% step, cost ceil(48,773,350.24) = 48,773,351', () => {
    // TV(1.005) = 1.005e15 × 1e13 / 1.015e15 × 0.1 = 990,147,783,251.23; Δ = 48,773,350.24.
    expect(formulaicK(A, TRADERS_LONG, 60_000_000, 0, 10_000)).toEqual({
      curve: scaleK(A, 1.005),
      cost: 48_773_351,
    });
  });

  it('a deepening never costs more than the surplus over the target', () => {
    const r = formulaicK(A, TRADERS_LONG, 1e9 + 60_000_000, 1e9, 10_000);
    expect(r?.cost).toBeLessThanOrEqual(60_000_000);
  });

  it('is null when even the smallest halved step is unaffordable (surplus 1)', () => {
    expect(formulaicK(A, TRADERS_LONG, 1, 0, 10_000)).toBeNull();
  });

  it('with a short fee pool thins by the full step (0.99 → 9.9e14 reserves)', () => {
    expect(formulaicK(A, TRADERS_LONG, 0, 1e12, 10_000)?.curve.baseReserve).toBe(9.9e14);
  });

  it('thinning with a short fee pool returns value to it (cost < 0)', () => {
    expect(formulaicK(A, TRADERS_LONG, 0, 1e12, 10_000)?.cost).toBeLessThan(0);
  });

  it('thinning reports the cost of the curve it returns', () => {
    const r = formulaicK(A, TRADERS_SHORT, 0, 1e12, 10_000);
    expect(r?.cost).toBe(curveChangeCost(A, r?.curve as Curve, TRADERS_SHORT));
  });

  it('does not thin when the traders’ short would no longer fit the thinner curve (AMM long 9.95e14 > 9.9e14)', () => {
    expect(formulaicK(A, 9.95e14, 0, 1e12, 10_000)).toBeNull();
  });

  it('is null with no open interest', () => {
    expect(formulaicK(A, 0, 1e12, 0, 10_000)).toBeNull();
  });

  it.each([0, -1])('is null with a max step of %s', (step) => {
    expect(formulaicK(A, TRADERS_LONG, 1e12, 0, step)).toBeNull();
  });

  it('is null when the fee pool is exactly on target', () => {
    expect(formulaicK(A, TRADERS_LONG, 1e9, 1e9, 10_000)).toBeNull();
  });

  it('keeps the price when it changes k', () => {
    const r = formulaicK(A, TRADERS_LONG, 1e12, 0, 10_000);
    expectNear(curvePriceE6(r?.curve as Curve), curvePriceE6(A), 1e-6);
  });

  it('deepening: cost ≤ surplus and equal to the cost of the returned curve, for any curve', () => {
    fc.assert(
      fc.property(curveArb, unit, fc.boolean(), int(0, 1e12), int(1, 100_000), (c, f, tradersLong, surplus, step) => {
        const oi = Math.max(1, Math.floor((f * c.baseReserve) / 2));
        const net = tradersLong ? -oi : oi;
        const r = formulaicK(c, net, 1e9 + surplus, 1e9, step);
        return r === null || (r.cost <= surplus && r.cost === curveChangeCost(c, r.curve, net));
      }),
      { seed, verbose: true },
    );
  });

  it('deepening never pays the fee pool (cost ≥ 0): a deeper curve never owes the traders less', () => {
    // Pegs up to $1,000: terminalValue's float noise is about ulp(quoteReserve) × peg / 1e9
    // (≤ 0.125 × 1 quote units here), so a rounded-up cost cannot go negative through noise.
    const curveUpTo1000 = fc
      .record({ b: int(1e9, 1e15), q: int(1e9, 1e15), peg: int(1_000, 1_000_000_000) })
      .map(({ b, q, peg }) => makeCurve(b, q, peg));
    fc.assert(
      fc.property(
        curveUpTo1000,
        unit,
        fc.boolean(),
        int(0, 1e12),
        int(1, 100_000),
        (c, f, tradersLong, surplus, step) => {
          const oi = Math.max(1, Math.floor((f * c.baseReserve) / 2));
          const r = formulaicK(c, tradersLong ? -oi : oi, 1e9 + surplus, 1e9, step);
          return r === null || r.cost >= 0;
        },
      ),
      { seed, verbose: true },
    );
  });
});

describe('divergenceE6', () => {
  it('is zero at the curve price', () => {
    expect(divergenceE6(withPeg(A, 100e6), curvePriceE6(A))).toBe(0);
  });

  it('curve $100 vs reference $105: 5 / 105 × 1e6 = 47,619.047…', () => {
    expectNear(divergenceE6(A, 105e6), 47_619.047619, 1e-5);
  });

  it('curve $100 vs reference $95: 5 / 95 × 1e6 = 52,631.578…', () => {
    expectNear(divergenceE6(A, 95e6), 52_631.578947, 1e-5);
  });

  it('dust: one price unit off $1 is 1 / 1e6 × 1e6 = 1', () => {
    expect(divergenceE6(makeCurve(1e9, 1e9, 1e6), 1e6 + 1)).toBeCloseTo(1e6 / (1e6 + 1), 9);
  });
});
