/**
 * vamm/twap.ts — TWAP accumulator over a piecewise-constant price, and the
 * funding rate (clamped premium, pro-rated by elapsed time). Times are ms.
 *
 * Price path used by the hand-computed tests:
 *   t=0    $100 (100e6)
 *   t=1000 $200 (200e6)
 *   t=3000 $50  (50e6)
 * cumulative(4000) = 100e6 × 1000 + 200e6 × 2000 + 50e6 × 1000
 *                  = 1e11 + 4e11 + 5e10 = 5.5e11
 * average(0 → 4000) = 5.5e11 / 4000 = 137.5e6
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averageSince, cumulativeAt, fundingRateE6, makeTwap, observe, type Twap } from '../../vamm/twap.ts';
import { fcSeed, int } from './arbitraries.ts';

const seed = fcSeed('test/vamm/twap');

function path(): Twap {
  const t = makeTwap(100e6, 0);
  observe(t, 1_000, 200e6);
  observe(t, 3_000, 50e6);
  return t;
}

describe('makeTwap', () => {
  it('starts with an empty integral at the given time and price', () => {
    expect(makeTwap(100e6, 5_000)).toEqual({ cumulative: 0, lastTs: 5_000, lastPriceE6: 100e6 });
  });
});

describe('observe', () => {
  it('integrates the previous price over the elapsed time, then records the new price', () => {
    const t = makeTwap(100e6, 0);
    observe(t, 1_000, 200e6);
    // 100e6 × 1000 = 1e11
    expect(t).toEqual({ cumulative: 1e11, lastTs: 1_000, lastPriceE6: 200e6 });
  });

  it('follows the three-step path: cumulative 100e6 × 1000 + 200e6 × 2000 = 5e11 at t=3000', () => {
    expect(path()).toEqual({ cumulative: 5e11, lastTs: 3_000, lastPriceE6: 50e6 });
  });

  it('at the same timestamp adds nothing and replaces the price', () => {
    const t = makeTwap(100e6, 1_000);
    observe(t, 1_000, 120e6);
    expect(t).toEqual({ cumulative: 0, lastTs: 1_000, lastPriceE6: 120e6 });
  });

  it('with time going backwards leaves the integral and the clock alone (the price is still recorded)', () => {
    const t = makeTwap(100e6, 1_000);
    observe(t, 500, 120e6);
    expect(t).toEqual({ cumulative: 0, lastTs: 1_000, lastPriceE6: 120e6 });
  });

  it('dust: one ms at one price unit adds exactly 1', () => {
    const t = makeTwap(1, 0);
    observe(t, 1, 1);
    expect(t.cumulative).toBe(1);
  });
});

describe('cumulativeAt', () => {
  it('runs the current price on to the query time: 5e11 + 50e6 × 1000 = 5.5e11 at t=4000', () => {
    expect(cumulativeAt(path(), 4_000)).toBe(5.5e11);
  });

  it('does not mutate the accumulator', () => {
    const t = path();
    cumulativeAt(t, 4_000);
    expect(t).toEqual(path());
  });

  it('at the last observation time is the stored cumulative', () => {
    expect(cumulativeAt(path(), 3_000)).toBe(5e11);
  });

  it('before the last observation time is the stored cumulative (never runs backwards)', () => {
    expect(cumulativeAt(path(), 2_000)).toBe(5e11);
  });
});

describe('averageSince', () => {
  it('averages the piecewise-constant path: 5.5e11 / 4000 = 137.5e6', () => {
    expect(averageSince(path(), 0, 0, 4_000)).toBe(137.5e6);
  });

  it('from a mid-path mark (cum 1e11 at t=1000) to t=3000: (5e11 − 1e11) / 2000 = 200e6', () => {
    expect(averageSince(path(), 1e11, 1_000, 3_000)).toBe(200e6);
  });

  it('from t=1000 to t=4000: (5.5e11 − 1e11) / 3000 = 150e6', () => {
    expect(averageSince(path(), 1e11, 1_000, 4_000)).toBe(150e6);
  });

  it('over a single ms is the price in force during it', () => {
    expect(averageSince(path(), 5e11, 3_000, 3_001)).toBe(50e6);
  });

  it('with no time elapsed returns the last price', () => {
    expect(averageSince(path(), 5e11, 3_000, 3_000)).toBe(50e6);
  });

  it('with a window ending before it starts returns the last price', () => {
    expect(averageSince(path(), 5e11, 3_000, 2_000)).toBe(50e6);
  });

  it('of a constant price is that price, whatever the observations', () => {
    fc.assert(
      fc.property(int(1, 1e10), fc.array(int(1, 100_000), { maxLength: 20 }), int(1, 100_000), (p, steps, tail) => {
        const t = makeTwap(p, 0);
        let ts = 0;
        for (const s of steps) {
          ts += s;
          observe(t, ts, p);
        }
        return averageSince(t, 0, 0, ts + tail) === p;
      }),
      { seed, verbose: true },
    );
  });

  it('lies between the lowest and highest price of the window', () => {
    fc.assert(
      fc.property(
        int(1, 1e10),
        fc.array(fc.tuple(int(1, 100_000), int(1, 1e10)), { minLength: 1, maxLength: 20 }),
        int(1, 100_000),
        (p0, steps, tail) => {
          const t = makeTwap(p0, 0);
          let ts = 0;
          let lo = p0;
          let hi = p0;
          for (const [dt, p] of steps) {
            ts += dt;
            observe(t, ts, p);
            lo = Math.min(lo, p);
            hi = Math.max(hi, p);
          }
          const avg = averageSince(t, 0, 0, ts + tail);
          return avg >= lo * (1 - 1e-12) && avg <= hi * (1 + 1e-12);
        },
      ),
      { seed, verbose: true },
    );
  });

  it('equals the hand sum Σ price × duration / total for any piecewise-constant path', () => {
    fc.assert(
      fc.property(
        int(1, 1e9),
        fc.array(fc.tuple(int(1, 10_000), int(1, 1e9)), { maxLength: 20 }),
        int(1, 10_000),
        (p0, steps, tail) => {
          const t = makeTwap(p0, 0);
          let ts = 0;
          let sum = 0;
          let price = p0;
          for (const [dt, p] of steps) {
            sum += price * dt;
            ts += dt;
            observe(t, ts, p);
            price = p;
          }
          sum += price * tail;
          // All terms are integers below 2^53 here, so the sums are exact.
          return averageSince(t, 0, 0, ts + tail) === sum / (ts + tail);
        },
      ),
      { seed, verbose: true },
    );
  });
});

describe('fundingRateE6', () => {
  const HOUR = 3_600_000;

  it('under the cap: mark $100.20 vs oracle $100 → (0.2 / 100) × 1e6 = 2,000 for a full interval', () => {
    expect(fundingRateE6(100_200_000, 100e6, 5_000, HOUR, HOUR)).toBeCloseTo(2_000, 6);
  });

  it('exactly at the cap: mark $100.50 vs $100 → 5,000 with cap 5,000', () => {
    expect(fundingRateE6(100_500_000, 100e6, 5_000, HOUR, HOUR)).toBeCloseTo(5_000, 6);
  });

  it('clamped at +cap: mark $101 vs $100 → raw 10,000, cap 5,000 → 5,000', () => {
    expect(fundingRateE6(101e6, 100e6, 5_000, HOUR, HOUR)).toBe(5_000);
  });

  it('clamped at −cap: mark $99 vs $100 → raw −10,000, cap 5,000 → −5,000', () => {
    expect(fundingRateE6(99e6, 100e6, 5_000, HOUR, HOUR)).toBe(-5_000);
  });

  it('pro-rated by elapsed time: half an interval of a clamped +5,000 → 2,500', () => {
    expect(fundingRateE6(101e6, 100e6, 5_000, HOUR / 2, HOUR)).toBe(2_500);
  });

  it('pro-rated by elapsed time: a quarter interval of −5,000 → −1,250', () => {
    expect(fundingRateE6(99e6, 100e6, 5_000, HOUR / 4, HOUR)).toBe(-1_250);
  });

  it('capped at one interval: two intervals elapsed still pay one interval’s rate', () => {
    expect(fundingRateE6(101e6, 100e6, 5_000, 2 * HOUR, HOUR)).toBe(5_000);
  });

  it('dust: one ms of a 1-hour interval at +5,000 → 5,000 / 3,600,000', () => {
    expect(fundingRateE6(101e6, 100e6, 5_000, 1, HOUR)).toBeCloseTo(5_000 / 3_600_000, 12);
  });

  it('is zero when mark equals oracle', () => {
    expect(fundingRateE6(100e6, 100e6, 5_000, HOUR, HOUR)).toBe(0);
  });

  it.each([
    ['oracle 0', 100e6, 0, HOUR, HOUR],
    ['oracle negative', 100e6, -1, HOUR, HOUR],
    ['oracle NaN', 100e6, Number.NaN, HOUR, HOUR],
    ['elapsed 0', 101e6, 100e6, 0, HOUR],
    ['elapsed negative', 101e6, 100e6, -1, HOUR],
    ['elapsed NaN', 101e6, 100e6, Number.NaN, HOUR],
    ['interval 0', 101e6, 100e6, HOUR, 0],
    ['interval negative', 101e6, 100e6, HOUR, -1],
    ['interval NaN', 101e6, 100e6, HOUR, Number.NaN],
  ])('is zero for a guarded input (%s)', (_label, mark, oracle, elapsed, interval) => {
    expect(fundingRateE6(mark, oracle, 5_000, elapsed, interval)).toBe(0);
  });

  it('never exceeds the cap in magnitude and has the sign of mark − oracle', () => {
    fc.assert(
      fc.property(
        int(1, 1e12),
        int(1, 1e12),
        int(0, 1_000_000),
        int(1, 10 * HOUR),
        int(1, 10 * HOUR),
        (mark, oracle, cap, elapsed, interval) => {
          const r = fundingRateE6(mark, oracle, cap, elapsed, interval);
          return Math.abs(r) <= cap && (r === 0 || Math.sign(r) === Math.sign(mark - oracle));
        },
      ),
      { seed, verbose: true },
    );
  });

  it('is linear in elapsed time up to one interval', () => {
    fc.assert(
      fc.property(int(1, 1e12), int(1, 1e12), int(0, 1_000_000), int(1, HOUR), (mark, oracle, cap, elapsed) => {
        const full = fundingRateE6(mark, oracle, cap, HOUR, HOUR);
        const part = fundingRateE6(mark, oracle, cap, elapsed, HOUR);
        return Math.abs(part - (full * elapsed) / HOUR) <= Math.abs(full) * 1e-12;
      }),
      { seed, verbose: true },
    );
  });
});
