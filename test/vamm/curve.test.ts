/**
 * vamm/curve.ts — constant product with peg.
 *
 * Fixture A: 1,000,000 whole base (1e15 units) against 1,000,000 quote-asset
 * units (1e15 reserve units), peg $100 (100e6) ⇒ price $100 (100e6).
 * Note that k = 1e30 and 1e15 × 1e8 = 1e23 are not exact in float64, so the
 * float price of A is 99_999_999.99999999, not exactly 100e6: price-like
 * floats are compared with an explicit tolerance, integer results exactly.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  baseToReachPrice,
  type Curve,
  curvePriceE6,
  type Direction,
  makeCurve,
  quoteReserveToQuote,
  swapBase,
  swapQuote,
  terminalValue,
} from '../../vamm/curve.ts';
import { BASE_PRECISION, RESERVE_PRECISION } from '../../vamm/precision.ts';
import { curveArb, deepCurveArb, fcSeed, int, quoteReserveValue, unit } from './arbitraries.ts';

const seed = fcSeed('test/vamm/curve');

const A = makeCurve(1e15, 1e15, 100e6);

function expectNear(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance);
}

/** The curve a swap leaves behind (same k and peg). */
function curveAfter(c: Curve, r: { baseReserve: number; quoteReserve: number }): Curve {
  return { baseReserve: r.baseReserve, quoteReserve: r.quoteReserve, k: c.k, pegE6: c.pegE6 };
}

/** Float value of the quote-reserve change, before any rounding (quote units). */
function floatValue(c: Curve, newQuoteReserve: number, direction: Direction): number {
  const delta = direction === 'long' ? newQuoteReserve - c.quoteReserve : c.quoteReserve - newQuoteReserve;
  return (delta * c.pegE6) / RESERVE_PRECISION;
}

/** Quote values above this cannot be settled exactly: swaps refuse them (DESIGN.md, Numbers). */
const SAFE_QUOTE = 2 ** 52;

/**
 * A curve plus a base amount that keeps the base reserve ≥ 1 on a long and
 * whose long quote stays in the safe range (larger swaps are refused; see
 * the boundary tests).
 */
const curveAndBase = fc
  .tuple(curveArb, unit)
  .map(([c, f]) => ({ c, base: Math.floor(f * (c.baseReserve - 1)) }))
  .filter(({ c, base }) => floatValue(c, c.k / (c.baseReserve - base), 'long') < SAFE_QUOTE);

describe('makeCurve', () => {
  it('keeps the reserves and peg and sets k = base × quote', () => {
    expect(A).toEqual({ baseReserve: 1e15, quoteReserve: 1e15, k: 1e15 * 1e15, pegE6: 100e6 });
  });

  it('derives the quote reserve as k / baseReserve exactly (the round-trip invariant)', () => {
    fc.assert(
      fc.property(curveArb, (c) => c.quoteReserve === c.k / c.baseReserve),
      { seed, verbose: true },
    );
  });

  it('accepts dust reserves of one unit each', () => {
    expect(makeCurve(1, 1, 1)).toEqual({ baseReserve: 1, quoteReserve: 1, k: 1, pegE6: 1 });
  });
});

describe('curvePriceE6', () => {
  it('prices A at $100: 1e15 × 100e6 / 1e15 = 100e6', () => {
    expectNear(curvePriceE6(A), 100e6, 1e-6);
  });

  it('halves the price when the base reserve is twice the quote reserve: 1e15 × 100e6 / 2e15 = 50e6', () => {
    expectNear(curvePriceE6(makeCurve(2e15, 1e15, 100e6)), 50e6, 1e-6);
  });

  it('prices a dust curve (1, 1, peg 1) at one price unit', () => {
    expect(curvePriceE6(makeCurve(1, 1, 1))).toBe(1);
  });

  it('scales linearly with the peg', () => {
    expectNear(curvePriceE6(makeCurve(1e15, 1e15, 250e6)), 250e6, 1e-6);
  });
});

describe('quoteReserveToQuote', () => {
  it('values one whole quote-asset unit (1e9 reserve units) at the peg: 1e9 × 100e6 / 1e9 = 100e6', () => {
    expect(quoteReserveToQuote(1e9, 100e6)).toBe(100e6);
  });

  it('values a zero change at zero', () => {
    expect(quoteReserveToQuote(0, 100e6)).toBe(0);
  });

  it('is unrounded for dust: 1 reserve unit at peg 1e6 is 1e6 / 1e9 = 0.001 quote units', () => {
    expect(quoteReserveToQuote(1, 1e6)).toBe(0.001);
  });

  it('keeps the sign of a negative change', () => {
    expect(quoteReserveToQuote(-2e9, 100e6)).toBe(-200e6);
  });
});

describe('swapBase: hand-computed fills on A', () => {
  it('long of 10,000 base: pays ceil(1,010,101,010,101.01) = 1,010,101,010,102', () => {
    // Quote reserve goes to 1e6² / 990,000 = 1,010,101.0101… quote-asset units:
    // 10,101.0101… × $100 = $1,010,101.0101… = 1,010,101,010,101.01 units → ceil (trader pays).
    const r = swapBase(A, 'long', 1e13);
    expect(r?.quote).toBe(1_010_101_010_102);
  });

  it('long of 10,000 base moves the reserves to 9.9e14 base and 1e30 / 9.9e14 quote', () => {
    const r = swapBase(A, 'long', 1e13);
    expect(r?.baseReserve).toBe(9.9e14);
    expectNear(r?.quoteReserve ?? Number.NaN, 1_010_101_010_101_010.1, 0.5);
  });

  it('long of 10,000 base: average $101.0101… (quote × 1e9 / base) and post price $102.0304… (100 / 0.99²)', () => {
    const r = swapBase(A, 'long', 1e13);
    expectNear(r?.avgPriceE6 ?? Number.NaN, (1_010_101_010_102 * 1e9) / 1e13, 1e-6); // 101,010,101.0102
    expectNear(r?.postPriceE6 ?? Number.NaN, 102_030_405.060708, 1e-5); // 100e6 / 0.9801
  });

  it('short of 10,000 base: receives floor(990,099,009,900.99) = 990,099,009,900', () => {
    // Quote reserve goes to 1e6² / 1,010,000 = 990,099.0099… quote-asset units:
    // 9,900.990099… × $100 = $990,099.0099… = 990,099,009,900.99 units → floor (trader receives).
    const r = swapBase(A, 'short', 1e13);
    expect(r?.quote).toBe(990_099_009_900);
  });

  it('short of 10,000 base: post price $98.0296… (100 / 1.01²)', () => {
    const r = swapBase(A, 'short', 1e13);
    expect(r?.baseReserve).toBe(1.01e15);
    expectNear(r?.postPriceE6 ?? Number.NaN, 98_029_604.940692, 1e-5);
  });

  it('short of 10,000 base: average price is quote × BASE_PRECISION / base = 990,099,009,900 × 1e9 / 1e13 = 99,009,900.99', () => {
    const r = swapBase(A, 'short', 1e13);
    expect(r?.avgPriceE6).toBe((990_099_009_900 * BASE_PRECISION) / 1e13);
  });
});

describe('swapBase: boundaries', () => {
  it.each<Direction>(['long', 'short'])(
    'a zero %s exchanges nothing and leaves the reserves and price as they were',
    (d) => {
      const r = swapBase(A, d, 0);
      expect(r).toEqual({
        baseReserve: A.baseReserve,
        quoteReserve: A.quoteReserve,
        base: 0,
        quote: 0,
        avgPriceE6: curvePriceE6(A),
        postPriceE6: curvePriceE6(A),
      });
    },
  );

  it('a dust long (1 unit, worth $100 × 1e-9 = 0.1 quote units) costs 1 unit (rounded up)', () => {
    expect(swapBase(A, 'long', 1)?.quote).toBe(1);
  });

  it('a dust short (1 unit, worth 0.1 quote units) pays 0 (rounded down)', () => {
    expect(swapBase(A, 'short', 1)?.quote).toBe(0);
  });

  it('a long of exactly the whole base reserve would empty it: null', () => {
    expect(swapBase(A, 'long', A.baseReserve)).toBeNull();
  });

  it('a long of more than the base reserve: null', () => {
    expect(swapBase(A, 'long', A.baseReserve + 1)).toBeNull();
  });

  it('refuses a long whose quote would leave the safe-integer range (all but one unit of A costs ~1e29)', () => {
    expect(swapBase(A, 'long', A.baseReserve - 1)).toBeNull();
  });

  it('a long of the base reserve minus one unit leaves one unit in the reserve when its quote is safe', () => {
    // A tiny curve: 1,000 units each side at peg 1e6: the last unit costs 1000 × 1e6 / 1e9 × (1000 − 1) ≈ 999 units.
    expect(swapBase(makeCurve(1_000, 1_000, 1e6), 'long', 999)?.baseReserve).toBe(1);
  });

  it('a dust curve (1 base unit) cannot be longed at all', () => {
    expect(swapBase(makeCurve(1, 1, 1e6), 'long', 1)).toBeNull();
  });

  it('a very large short is still a valid swap (the base reserve only grows)', () => {
    expect(swapBase(A, 'short', 9e15)?.baseReserve).toBe(1e16);
  });

  it.each<[Direction, number]>([
    ['long', -1],
    ['short', -1],
    ['long', Number.NaN],
    ['short', Number.NaN],
    ['long', Number.POSITIVE_INFINITY],
    ['short', Number.POSITIVE_INFINITY],
    ['short', Number.NEGATIVE_INFINITY],
  ])('rejects a %s of %s base with null', (d, base) => {
    expect(swapBase(A, d, base)).toBeNull();
  });
});

describe('swapBase: properties', () => {
  it('a long pays the float value rounded up: value ≤ quote < value + 1', () => {
    fc.assert(
      fc.property(curveAndBase, ({ c, base }) => {
        const r = swapBase(c, 'long', base);
        if (r === null) return false;
        const v = floatValue(c, r.quoteReserve, 'long');
        // (quote - v < 1 rather than quote < v + 1: above 2^53, v + 1 rounds back to v)
        return Number.isInteger(r.quote) && r.quote >= v && r.quote - v < 1;
      }),
      { seed, verbose: true },
    );
  });

  it('a short receives the float value rounded down: value - 1 < quote ≤ value', () => {
    fc.assert(
      fc.property(curveAndBase, ({ c, base }) => {
        const r = swapBase(c, 'short', base);
        if (r === null) return false;
        const v = floatValue(c, r.quoteReserve, 'short');
        return Number.isInteger(r.quote) && r.quote <= v && v - r.quote < 1 && r.quote >= 0;
      }),
      { seed, verbose: true },
    );
  });

  it('a long of b then a short of b restores the reserves exactly, and the trader gets back no more than paid', () => {
    fc.assert(
      fc.property(curveAndBase, ({ c, base }) => {
        const open = swapBase(c, 'long', base);
        if (open === null) return false;
        const close = swapBase(curveAfter(c, open), 'short', base);
        if (close === null) return false;
        return (
          close.baseReserve === c.baseReserve && close.quoteReserve === c.quoteReserve && close.quote <= open.quote
        );
      }),
      { seed, verbose: true },
    );
  });

  it('a short of b then a long of b restores the reserves exactly, and the trader pays back no less than received', () => {
    fc.assert(
      fc.property(curveAndBase, ({ c, base }) => {
        const open = swapBase(c, 'short', base);
        if (open === null) return false;
        const close = swapBase(curveAfter(c, open), 'long', base);
        if (close === null) return false;
        return (
          close.baseReserve === c.baseReserve && close.quoteReserve === c.quoteReserve && close.quote >= open.quote
        );
      }),
      { seed, verbose: true },
    );
  });

  it('a long never lowers the price and a short never raises it', () => {
    fc.assert(
      fc.property(curveAndBase, ({ c, base }) => {
        const long = swapBase(c, 'long', base);
        const short = swapBase(c, 'short', base);
        if (long === null || short === null) return false;
        const p = curvePriceE6(c);
        return long.postPriceE6 >= p * (1 - 1e-12) && short.postPriceE6 <= p * (1 + 1e-12);
      }),
      { seed, verbose: true },
    );
  });

  it('a bigger long never costs less than a smaller one', () => {
    fc.assert(
      fc.property(curveAndBase, unit, ({ c, base }, f) => {
        const smaller = Math.floor(base * f);
        const big = swapBase(c, 'long', base);
        const small = swapBase(c, 'long', smaller);
        if (big === null || small === null) return false;
        return big.quote >= small.quote;
      }),
      { seed, verbose: true },
    );
  });
});

describe('swapQuote: hand-computed fills on A', () => {
  it('long spending $1,000,000 (1e12) buys floor(9,900.990099009…) base = 9,900,990,099,009 units', () => {
    // $1e6 / $100 = 10,000 quote-asset units into the quote reserve → 1,010,000;
    // base reserve → 1e12 / 1.01e6 = 990,099.00990099…; base out 9,900.99009901 → floor.
    expect(swapQuote(A, 'long', 1e12)?.base).toBe(9_900_990_099_009);
  });

  it('long spending $1,000,000: the chosen base costs at most the budget, one more unit costs more', () => {
    const r = swapQuote(A, 'long', 1e12);
    expect(r?.quote).toBeLessThanOrEqual(1e12);
    expect(swapBase(A, 'long', (r?.base ?? 0) + 1)?.quote).toBeGreaterThan(1e12);
  });

  it('short receiving $1,000,000 sells ceil(10,101.0101010101) base = 10,101,010,101,011 units', () => {
    // The quote reserve must fall by 10,000 to 990,000 → base reserve 1e12 / 990,000
    // = 1,010,101.0101010101…; base in 10,101.0101010101 → ceil (against the trader).
    const r = swapQuote(A, 'short', 1e12);
    expect(r?.base).toBe(10_101_010_101_011);
  });

  it('short receiving $1,000,000 receives at least that', () => {
    expect(swapQuote(A, 'short', 1e12)?.quote).toBeGreaterThanOrEqual(1e12);
  });

  it('dust long: one quote unit ($1e-6) buys $1e-6 / $100 = 1e-8 base = 10 units for exactly 1', () => {
    const r = swapQuote(A, 'long', 1);
    expect({ base: r?.base, quote: r?.quote }).toEqual({ base: 10, quote: 1 });
  });

  it('dust short: receiving one quote unit sells 10 base units', () => {
    const r = swapQuote(A, 'short', 1);
    expect({ base: r?.base, quote: r?.quote }).toEqual({ base: 10, quote: 1 });
  });
});

describe('swapQuote: boundaries', () => {
  it.each<Direction>(['long', 'short'])('a zero-quote %s on A exchanges nothing', (d) => {
    const r = swapQuote(A, d, 0);
    expect({ base: r?.base, quote: r?.quote }).toEqual({ base: 0, quote: 0 });
  });

  it.each<[Direction, number]>([
    ['long', -1],
    ['short', -1],
    ['long', Number.NaN],
    ['short', Number.NaN],
    ['long', Number.POSITIVE_INFINITY],
    ['short', Number.POSITIVE_INFINITY],
  ])('rejects a %s for %s quote with null', (d, q) => {
    expect(swapQuote(A, d, q)).toBeNull();
  });

  it('a short asking for more than the whole quote reserve is worth (1e15 × 100e6 / 1e9 = 1e14) is null', () => {
    expect(swapQuote(A, 'short', 2e14)).toBeNull();
  });

  it('a short asking for exactly the whole quote reserve value (1e14) returns (null) instead of looping forever', () => {
    // Receiving the whole reserve needs an infinite base amount: the answer is null.
    // The call runs in a child process so that a non-terminating loop cannot hang
    // this suite; the kill timer is a liveness guard (the call should take µs),
    // not a speed assertion.
    const curveUrl = pathToFileURL(fileURLToPath(new URL('../../vamm/curve.ts', import.meta.url))).href;
    const script = [
      `import { makeCurve, swapQuote } from ${JSON.stringify(curveUrl)};`,
      `process.stdout.write(JSON.stringify(swapQuote(makeCurve(1e15, 1e15, 100e6), 'short', 1e14)));`,
    ].join('\n');
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 20_000,
      killSignal: 'SIGKILL',
    });
    expect({ signal: res.signal, stdout: res.stdout }).toEqual({ signal: null, stdout: 'null' });
  });

  it('refuses a budget whose swap cannot be settled exactly (1e20 units is past 2^53)', () => {
    expect(swapQuote(A, 'long', 1e20)).toBeNull();
  });

  it('a long may spend far more than the curve holds and still gets at most baseReserve - 1', () => {
    expect(swapQuote(A, 'long', SAFE_QUOTE)?.baseReserve).toBeGreaterThanOrEqual(1);
  });
});

describe('swapQuote: properties', () => {
  /** Budgets from dust up to the value of the whole quote reserve. */
  const longCase = fc
    .tuple(deepCurveArb, unit, fc.boolean(), int(0, 1_000))
    .map(([c, f, dust, d]) => ({ c, q: dust ? d : Math.floor(f * quoteReserveValue(c)) }))
    // A budget past the safe range is refused (tested among the boundaries).
    .filter(({ q }) => q < SAFE_QUOTE);

  it('a long never spends more than its budget', () => {
    fc.assert(
      fc.property(longCase, ({ c, q }) => {
        const r = swapQuote(c, 'long', q);
        return r !== null && r.quote <= q;
      }),
      { seed, verbose: true, numRuns: 5_000 },
    );
  });

  it('a long buys the most base its budget covers: one more unit would cost more than the budget', () => {
    fc.assert(
      fc.property(longCase, ({ c, q }) => {
        const r = swapQuote(c, 'long', q);
        if (r === null) return false;
        const more = swapBase(c, 'long', r.base + 1);
        return more === null || more.quote > q;
      }),
      { seed, verbose: true, numRuns: 5_000 },
    );
  });

  it('at $0.10 a base (B = 1e15 base, 1e14 quote, peg $1), one quote unit buys the 10,000 base units swapBase prices at exactly 1', () => {
    // price = 1e14 × 1e6 / 1e15 = 1e5 ($0.10); $1e-6 / $0.10 = 1e-5 base = 10,000 units.
    // swapBase(B, long, 10_000).quote === 1 (quote reserve moves by exactly 1000.0 units,
    // × 1e6 / 1e9 = 1.0), so a budget of 1 covers 10,000 units.
    const B = makeCurve(1e15, 1e14, 1e6);
    expect(swapQuote(B, 'long', 1)?.base).toBe(10_000);
  });

  /**
   * Shorts asking for up to half the quote reserve's value: at most doubling the
   * base reserve, so every base amount stays inside the safe-integer range.
   */
  const shortCase = fc.tuple(curveArb, unit, fc.boolean(), int(0, 1_000)).map(([c, f, dust, d]) => {
    const half = Math.floor(quoteReserveValue(c) / 2);
    return { c, q: dust ? Math.min(d, half) : Math.floor(f * half) };
  });

  it('a short receives at least what it asked for', () => {
    fc.assert(
      fc.property(shortCase, ({ c, q }) => {
        const r = swapQuote(c, 'short', q);
        return r !== null && r.quote >= q;
      }),
      { seed, verbose: true, numRuns: 1_000 },
    );
  });

  it('the base of a quote swap is an integer and is priced exactly by swapBase', () => {
    fc.assert(
      fc.property(shortCase, fc.constantFrom<Direction>('long', 'short'), ({ c, q }, d) => {
        const r = swapQuote(c, d, q);
        if (r === null) return false;
        return Number.isSafeInteger(r.base) && swapBase(c, d, r.base)?.quote === r.quote;
      }),
      { seed, verbose: true },
    );
  });
});

describe('baseToReachPrice: hand-computed', () => {
  it('long to $121 on A: 1e15 - √(1e30 × 100e6 / 121e6) = 1e15 - 1e15/1.1 = 90,909,090,909,090.9 → 90,909,090,909,090 (±1 float)', () => {
    expectNear(baseToReachPrice(A, 'long', 121e6), 90_909_090_909_090, 1);
  });

  it('short to $81 on A: √(1e30 × 100e6 / 81e6) - 1e15 = 1e15/0.9 - 1e15 = 111,111,111,111,111.1 → 111,111,111,111,111', () => {
    expectNear(baseToReachPrice(A, 'short', 81e6), 111_111_111_111_111, 1);
  });

  it('returns an integer', () => {
    expect(Number.isInteger(baseToReachPrice(A, 'long', 121e6))).toBe(true);
  });
});

describe('baseToReachPrice: boundaries', () => {
  it.each<Direction>(['long', 'short'])('a %s to the current price moves nothing: 0', (d) => {
    expect(baseToReachPrice(A, d, 100e6)).toBe(0);
  });

  it('a long to a price below the curve price: 0', () => {
    expect(baseToReachPrice(A, 'long', 99e6)).toBe(0);
  });

  it('a short to a price above the curve price: 0', () => {
    expect(baseToReachPrice(A, 'short', 101e6)).toBe(0);
  });

  it.each([0, -1, Number.NaN])('a long to a non-positive or NaN target (%s) moves nothing: 0', (t) => {
    expect(baseToReachPrice(A, 'long', t)).toBe(0);
  });

  it.each([0, -1, Number.NaN])('a short to a non-positive or NaN target (%s) is unbounded: +Infinity', (t) => {
    expect(baseToReachPrice(A, 'short', t)).toBe(Number.POSITIVE_INFINITY);
  });

  it('a long to a price far above the curve never returns the whole base reserve (which swapBase rejects)', () => {
    // Dust curve (1e6, 1e6, peg $1), target 1e40: targetBase = √(1e12 × 1e6 / 1e40) = 1e-11,
    // so the exact answer is floor(1e6 - 1e-11) = 999,999; 1e6 would empty the reserve.
    const c = makeCurve(1e6, 1e6, 1e6);
    expect(baseToReachPrice(c, 'long', 1e40)).toBe(999_999);
  });
});

describe('baseToReachPrice: properties', () => {
  /** A curve, a direction, and a target up to 50% away on that side. */
  const reachCase = fc.tuple(curveArb, fc.constantFrom<Direction>('long', 'short'), unit).map(([c, d, f]) => {
    const p = curvePriceE6(c);
    return { c, d, target: d === 'long' ? p * (1 + f / 2) : p * (1 - f / 2) };
  });

  function passes(c: Curve, d: Direction, base: number, target: number): boolean {
    if (base < 0) return false;
    const r = swapBase(c, d, base);
    if (r === null) return true; // cannot even be filled: beyond any target
    return d === 'long' ? r.postPriceE6 > target : r.postPriceE6 < target;
  }

  it('swapping the returned amount lands at or before the target (within one unit of float edge)', () => {
    fc.assert(
      fc.property(reachCase, ({ c, d, target }) => {
        const n = baseToReachPrice(c, d, target);
        return !passes(c, d, n, target) || !passes(c, d, Math.max(0, n - 1), target);
      }),
      { seed, verbose: true, numRuns: 1_000 },
    );
  });

  it('one more unit passes the target (within one unit of float edge)', () => {
    fc.assert(
      fc.property(reachCase, ({ c, d, target }) => {
        const n = baseToReachPrice(c, d, target);
        return passes(c, d, n + 2, target);
      }),
      { seed, verbose: true, numRuns: 1_000 },
    );
  });
});

describe('terminalValue', () => {
  it('is zero with no open interest', () => {
    expect(terminalValue(A, 0)).toBe(0);
  });

  it('traders net long 10,000 base (AMM −1e13): the curve owes 1e15 × 1e13 / 1.01e15 × $100 / 1e9 = 990,099,009,900.99', () => {
    // Closing sells 10,000 base into the curve: quote reserve 1e6 → 1e6/1.01 quote-asset units,
    // i.e. 9,900.990099… × $100 = $990,099.0099… = 990,099,009,900.99 units.
    expectNear(terminalValue(A, -1e13), 990_099_009_900.99, 0.01);
  });

  it('traders net short 10,000 base (AMM +1e13): traders owe 1e15 × 1e13 / 9.9e14 × $100 / 1e9 = −1,010,101,010,101.01', () => {
    expectNear(terminalValue(A, 1e13), -1_010_101_010_101.01, 0.01);
  });

  it('the AMM long the whole base reserve (traders could not close): +Infinity', () => {
    expect(terminalValue(A, A.baseReserve)).toBe(Number.POSITIVE_INFINITY);
  });

  it('the AMM long one unit less than the base reserve is still finite', () => {
    expect(Number.isFinite(terminalValue(A, A.baseReserve - 1))).toBe(true);
  });

  it('is what closing the traders’ net position on the curve exchanges, before rounding', () => {
    fc.assert(
      fc.property(curveAndBase, fc.boolean(), ({ c, base }, tradersLong) => {
        if (tradersLong) {
          // Traders long `base` (AMM short): closing is a short of `base`, receiving floor(TV).
          const close = swapBase(c, 'short', base);
          return close !== null && close.quote === Math.floor(terminalValue(c, -base));
        }
        // Traders short `base` (AMM long): closing is a long of `base`, paying ceil(−TV).
        const close = swapBase(c, 'long', base);
        return close !== null && close.quote === Math.ceil(-terminalValue(c, base));
      }),
      { seed, verbose: true },
    );
  });
});
