/**
 * Portfolio margin by hand. Two markets A and B, both at $100, with four
 * joint returns (equal weights, zero mean):
 *
 *   A: +2%, −2%, +2%, −2%       σ_A = 2%
 *   B: +2%, −2%, +1%, −1%       σ_B = √0.00025 ≈ 1.5811%
 *   ρ = 0.0012 / (4·σ_A·σ_B) = 3/√10 ≈ 0.948683
 *
 * Ranges at 3σ: R_A = 6%, R_B = 3·√0.00025 ≈ 4.7434%. Grid (one fraction, no
 * vol shift, no extremes), ± each of:
 *   principal 1:  (R_A, R_B)·√((1+ρ)/2)
 *   principal 2:  (R_A, −R_B)·√((1−ρ)/2)
 *   conditional A: (R_A, ρ·R_B) = (6%, 4.5%)
 *   conditional B: (ρ·R_A, R_B)
 * Historical: N = 4 at 90% → k = max(1, ⌊0.4⌋) = 1, the worst loss.
 */
import { describe, expect, it } from 'vitest';
import { chargeAfterTradeBound, unitCharges } from '../../core/risk/bounds.ts';
import {
  chargeBatch,
  portfolioLoss,
  portfolioRequirement,
  requirementBatch,
  scratchFor,
} from '../../core/risk/portfolio.ts';
import { buildScenarioSet, type ScenarioSet } from '../../core/risk/scenarios.ts';
import {
  bytesOf,
  E6,
  historyFromReturns,
  naiveCharge,
  naiveLoss,
  PLAIN_CONFIG,
  PRICE_USD,
  randomRows,
  syntheticHistory,
  UNIT,
  USD,
} from './fixtures.ts';

const PRICES = new Float64Array([100 * PRICE_USD, 100 * PRICE_USD]);
const RHO = 3 / Math.sqrt(10);
const R_A = 0.06;
const R_B = 3 * Math.sqrt(0.00025);
/** Cross requirement at 10% initial margin of |notional|, quote units. */
const crossOf = (row: Float64Array) =>
  (Math.abs(row[0]) / UNIT) * 100 * USD * 0.1 + (Math.abs(row[1]) / UNIT) * 100 * USD * 0.1;

function correlatedSet(): ScenarioSet {
  const h = historyFromReturns(
    [100 * PRICE_USD, 100 * PRICE_USD],
    [
      [0.02, 0.02],
      [-0.02, -0.02],
      [0.02, 0.01],
      [-0.02, -0.01],
    ],
  );
  return buildScenarioSet(h, PLAIN_CONFIG, 1);
}

describe('scenario set from a hand-made history', () => {
  it('estimates σ, ρ and the ranges as computed by hand', () => {
    const set = correlatedSet();
    expect(set.volatilities[0]).toBeCloseTo(0.02, 12);
    expect(set.volatilities[1]).toBeCloseTo(Math.sqrt(0.00025), 12);
    expect(set.correlations[1]).toBeCloseTo(RHO, 12);
    expect(set.ranges[0]).toBeCloseTo(R_A, 12);
    expect(set.ranges[1]).toBeCloseTo(R_B, 12);
    expect(set.gridCount).toBe(8); // 4 directions × 2 signs
    expect(set.historicalCount).toBe(4);
    expect(set.tailCount).toBe(1);
  });
});

describe('portfolio requirement, hand-computed', () => {
  it('charges a long and a short in two highly correlated markets clearly less than cross margin', () => {
    const set = correlatedSet();
    const hedge = new Float64Array([10 * UNIT, -10 * UNIT]); // +$1,000 of A, −$1,000 of B
    // Worst |r_A − r_B| over the grid is principal 2: (R_A + R_B)·√((1−ρ)/2) ≈ 1.7209%; history's worst is 1%.
    const expected = 1_000 * USD * (R_A + R_B) * Math.sqrt((1 - RHO) / 2);
    const loss = portfolioLoss(hedge, PRICES, set);
    expect(loss / USD).toBeCloseTo(expected / USD, 6);
    expect(loss / USD).toBeCloseTo(17.209, 2);
    const cross = crossOf(hedge); // $200
    const requirement = portfolioRequirement(loss, cross, 50_000);
    expect(requirement).toBe(Math.ceil(loss)); // the charge binds over a 5% floor ($10)
    expect(requirement).toBeLessThan(cross / 10);
  });

  it('charges an unhedged position at least its loss in every scenario: its full range', () => {
    const set = correlatedSet();
    const long = new Float64Array([10 * UNIT, 0]);
    const loss = portfolioLoss(long, PRICES, set);
    // Conditional A moves A by its full range: 6% of $1,000; the history's worst is 2%.
    expect(loss / USD).toBeCloseTo(60, 6);
    for (let s = 0; s < set.gridCount + set.historicalCount; s++) {
      const w = s < set.gridCount ? set.weights[s] : 1;
      expect(loss).toBeGreaterThanOrEqual(naiveLoss(set, long, PRICES, s) * w);
    }
    expect(portfolioRequirement(loss, crossOf(long), 100_000)).toBeGreaterThanOrEqual(Math.ceil(loss));
  });

  it('lets the floor bind for a perfect hedge', () => {
    const same = [0.02, -0.03, 0.01, -0.005];
    const h = historyFromReturns(
      [100 * PRICE_USD, 100 * PRICE_USD],
      same.map((r) => [r, r]),
    );
    const set = buildScenarioSet(h, PLAIN_CONFIG, 1);
    expect(set.correlations[1]).toBe(1);
    const hedge = new Float64Array([10 * UNIT, -10 * UNIT]);
    // Every scenario moves A and B alike: the legs cancel, up to float rounding in the grid directions.
    const loss = portfolioLoss(hedge, PRICES, set);
    expect(loss).toBeLessThan(1); // below one quote unit (1e-6 USD)
    const cross = crossOf(hedge); // $200
    expect(portfolioRequirement(loss, cross, 100_000)).toBe(20 * USD);
  });

  it('charges the k worst historical losses: VaR the k-th, ES their mean', () => {
    const h = syntheticHistory(2, 200, 5);
    const es = buildScenarioSet(h, { ...PLAIN_CONFIG, confidenceE6: 950_000, rangeZE6: 0, minRangeE6: 0 }, 1);
    const v = buildScenarioSet(
      h,
      { ...PLAIN_CONFIG, confidenceE6: 950_000, rangeZE6: 0, minRangeE6: 0, measure: 'var' },
      1,
    );
    expect(es.tailCount).toBe(10); // ⌊0.05 × 200⌋
    const row = new Float64Array([3 * UNIT, -1 * UNIT]);
    const losses: number[] = [];
    for (let s = es.gridCount; s < es.gridCount + es.historicalCount; s++) losses.push(naiveLoss(es, row, PRICES, s));
    losses.sort((a, b) => b - a);
    const mean = losses.slice(0, 10).reduce((a, b) => a + b, 0) / 10;
    expect(portfolioLoss(row, PRICES, es)).toBeCloseTo(Math.max(0, mean), 6);
    expect(portfolioLoss(row, PRICES, v)).toBeCloseTo(Math.max(0, losses[9]), 6);
  });
});

describe('the O(1) bound after a trade', () => {
  it('charges a lone unit of exposure its range, and stays above the exact charge', () => {
    const set = correlatedSet();
    const units = unitCharges(set);
    expect(units.long[0]).toBeCloseTo(R_A, 12);
    expect(units.short[1]).toBeCloseTo(R_B, 12);
    const long = new Float64Array([10 * UNIT, 0]);
    const before = portfolioLoss(long, PRICES, set); // $60
    // Selling $1,000 of B: the bound adds its lone charge, $47.43; the exact hedge costs $17.21.
    const bound = chargeAfterTradeBound(before, units, 1, -10 * UNIT, PRICES[1]);
    expect(bound / USD).toBeCloseTo(60 + 1_000 * R_B, 3);
    expect(portfolioLoss(new Float64Array([10 * UNIT, -10 * UNIT]), PRICES, set)).toBeLessThan(bound);
  });
});

describe('the optimised kernel', () => {
  it('agrees with the naive charge on random rows', () => {
    const set = buildScenarioSet(syntheticHistory(5, 300, 11), { ...PLAIN_CONFIG, fractionsE6: [500_000, E6] }, 3);
    const rows = randomRows(64, 5, 12);
    const prices = new Float64Array([1, 2, 3, 4, 5].map((p) => p * 1_000 * PRICE_USD));
    const scratch = scratchFor(set);
    for (let r = 0; r < 64; r++) {
      const row = rows.subarray(r * 5, r * 5 + 5);
      const fast = portfolioLoss(row, prices, set, scratch);
      expect(Math.abs(fast - naiveCharge(set, row, prices))).toBeLessThanOrEqual(1e-9 * Math.max(1, fast));
    }
  });

  it('charges pairs in the batch with exactly the bits of charging each row alone', () => {
    const set = buildScenarioSet(syntheticHistory(8, 1_000, 21), { ...PLAIN_CONFIG, historicalObservations: 500 }, 4);
    const n = 301; // odd: the last row goes alone
    const rows = randomRows(n, 8, 22, 0.5);
    const prices = new Float64Array(8).map((_, i) => (i + 1) * 777 * PRICE_USD);
    rows.fill(0, 10 * 8, 12 * 8); // an empty pair
    rows.fill(0, 20 * 8, 21 * 8); // an empty row beside a full one
    const batch = new Float64Array(n);
    chargeBatch(set, rows, prices, 0, n, batch);
    const alone = new Float64Array(n);
    const scratch = scratchFor(set);
    for (let r = 0; r < n; r++)
      alone[r] = Math.ceil(portfolioLoss(rows.subarray(r * 8, r * 8 + 8), prices, set, scratch));
    expect(bytesOf(batch).equals(bytesOf(alone))).toBe(true);
    expect(batch[10]).toBe(0);
    expect(batch[20]).toBe(0);
  });

  it('floors each row of a batch at its share of the cross requirement', () => {
    const set = correlatedSet();
    const rows = new Float64Array([10 * UNIT, -10 * UNIT, 10 * UNIT, 0, 0, 0]);
    const cross = new Float64Array([crossOf(rows.subarray(0, 2)), crossOf(rows.subarray(2, 4)), 0]);
    const charges = new Float64Array(3);
    const requirements = new Float64Array(3);
    requirementBatch(set, rows, PRICES, cross, 200_000, 0, 3, charges, requirements);
    expect(requirements[0]).toBe(40 * USD); // 20% of $200 beats the $17.21 charge
    expect(requirements[1]).toBe(60 * USD); // the $60 charge beats 20% of $100
    expect(requirements[2]).toBe(0);
  });
});
