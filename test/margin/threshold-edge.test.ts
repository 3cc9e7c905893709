/**
 * Thresholds beyond the column's range (core/margin/thresholds.ts). A rich
 * account with a small position has a line far beyond any price: it is
 * written at the range's edge on its safe side, so the scan passes it
 * earlier than its true line, never later, and the account stays simple
 * (no exact check every tick, no churn in the complex set). A line beyond
 * the range on the unsafe side still makes the position complex.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thresholdFor } from '../../core/margin/thresholds.ts';
import { fcSeed, PRICE, Scenario, UNIT } from './helpers.ts';

const C = 2 ** 50;
const MAX = 2 ** 48;

/** The scan's test for one threshold at market-wide terms (scanMarket's comparison). */
function passes(x: number, mark: number, rho: number, idxLong: number, idxShort: number): boolean {
  const p1 = mark * (1 - rho) - idxLong + C;
  const np2 = -(mark * (1 + rho) - idxShort + C);
  return x > np2 && (x > p1 || x < 0);
}

describe('threshold edge', () => {
  it('a line beyond the range on the safe side is written at the edge, which the scan passes no later than the line', () => {
    const seed = fcSeed();
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.double({ min: 1e12, max: 1e17, noNaN: true }), // equity constant: $1M to $100B
        fc.integer({ min: 1, max: 1_000_000_000 }), // |base|: up to one unit
        fc.double({ min: -1e9, max: 1e9, noNaN: true }), // the position's funding index
        fc.double({ min: 1, max: 1e12, noNaN: true }), // mark
        fc.double({ min: 0, max: 0.5, noNaN: true }), // watch ratio
        fc.double({ min: -1e15, max: 1e15, noNaN: true }), // the side's funding index now
        (long, k0, abs, fi, mark, rho, idx) => {
          const b = long ? abs : -abs;
          // The true line, as thresholdFor computes it before the range check.
          const line = long ? ((4 - k0) * 1e9) / b - fi : ((k0 - 4) * 1e9) / -b - fi;
          const x = thresholdFor(k0, b, fi);
          expect(Number.isNaN(x)).toBe(false);
          if (long ? line > -MAX : line < MAX) return; // inside the range: written as before
          expect(long ? x > 0 : x < 0).toBe(true); // the side survives the edge
          // Wherever the true line needs attention, the edge passes the scan too.
          const needs = long ? mark * (1 - rho) - idx < line : mark * (1 + rho) - idx > line;
          if (needs) expect(passes(x, mark, rho, long ? idx : 0, long ? 0 : idx)).toBe(true);
        },
      ),
      { seed, numRuns: 2_000 },
    );
  });

  it('a line beyond the range on the unsafe side still makes the position complex (NaN)', () => {
    // A long whose equity constant is hugely negative needs attention at any price.
    expect(thresholdFor(-1e17, 1, 0)).toBeNaN();
    expect(thresholdFor(1e17, -1, 0)).not.toBeNaN();
    expect(thresholdFor(-1e17, -1, 0)).toBeNaN();
  });

  it('a rich account with a small position keeps a threshold and stays out of the complex set', () => {
    const s = new Scenario();
    const btc = s.market('BTC', 60_000, 10_000);
    s.oracle(btc, 60_000 * PRICE);
    const rich = s.account(10_000_000);
    s.order(rich, btc, 'buy', UNIT / 100);
    const x = s.m(btc).positions.threshold[rich];
    expect(x).toBeGreaterThan(0);
    expect(s.e.complexAccounts.has(rich)).toBe(false);
    s.order(rich, btc, 'sell', UNIT / 50); // now short 0.01
    expect(s.m(btc).positions.threshold[rich]).toBeLessThan(0);
    expect(s.e.complexAccounts.has(rich)).toBe(false);
  });
});
