/**
 * Properties of the portfolio requirement over random histories, configs and
 * books: it never falls below its floor; a hedge never costs more than its
 * legs charged apart (expected shortfall and the grid's worst case are both
 * subadditive); scaling the book scales the charge (exactly for powers of
 * two); the hot loop's O(1) bound after a trade is never below the exact
 * charge. Reproduce a failure with FC_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chargeAfterTradeBound, unitCharges } from '../../core/risk/bounds.ts';
import { DEFAULT_SCENARIO_CONFIG, type ScenarioConfig } from '../../core/risk/config.ts';
import { portfolioLoss, portfolioRequirement, scratchFor } from '../../core/risk/portfolio.ts';
import { buildScenarioSet, type ScenarioSet } from '../../core/risk/scenarios.ts';
import { PRICE_USD, syntheticHistory, UNIT } from './fixtures.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.log('fast-check seed', seed);
const NUM_RUNS = 150;

interface Case {
  set: ScenarioSet;
  prices: Float64Array;
  a: Float64Array;
  b: Float64Array;
  floorE6: number;
}

const configArb: fc.Arbitrary<ScenarioConfig> = fc.record({
  ...Object.fromEntries(Object.entries(DEFAULT_SCENARIO_CONFIG).map(([k, v]) => [k, fc.constant(v)])),
  rangeZE6: fc.integer({ min: 0, max: 5_000_000 }),
  minRangeE6: fc.integer({ min: 0, max: 20_000 }),
  fractionsE6: fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 3 }),
  volShiftE6: fc.integer({ min: 0, max: 500_000 }),
  extremeWeightE6: fc.integer({ min: 0, max: 1_000_000 }),
  pruneDominated: fc.boolean(),
  historicalObservations: fc.integer({ min: 0, max: 120 }),
  confidenceE6: fc.integer({ min: 500_000, max: 999_900 }),
}) as fc.Arbitrary<ScenarioConfig>;

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    markets: fc.integer({ min: 1, max: 5 }),
    observations: fc.integer({ min: 2, max: 150 }),
    historySeed: fc.integer({ min: 1, max: 2 ** 30 }),
    loading: fc.double({ min: -0.99, max: 0.99, noNaN: true }),
    config: configArb,
    floorE6: fc.integer({ min: 0, max: 1_000_000 }),
  })
  .chain((r) => {
    const row = fc
      .array(fc.oneof(fc.constant(0), fc.integer({ min: -1_000_000, max: 1_000_000 })), {
        minLength: r.markets,
        maxLength: r.markets,
      })
      .map((units) => Float64Array.from(units, (u) => u * (UNIT / 1_000)));
    const prices = fc
      .array(fc.integer({ min: 1, max: 100_000 }), { minLength: r.markets, maxLength: r.markets })
      .map((ps) => Float64Array.from(ps, (p) => p * PRICE_USD));
    return fc.record({
      set: fc.constant(
        buildScenarioSet(syntheticHistory(r.markets, r.observations, r.historySeed, r.loading), r.config, 1),
      ),
      prices,
      a: row,
      b: row,
      floorE6: fc.constant(r.floorE6),
    });
  });

/** Cross requirement, linear in |notional| (10%): subadditive, as the engine's is without IMF. */
function crossOf(row: Float64Array, prices: Float64Array): number {
  let sum = 0;
  for (let m = 0; m < row.length; m++) sum += ((Math.abs(row[m]) * prices[m]) / UNIT) * 0.1;
  return sum;
}

/** Σ |exposure| of the rows, quote units. */
function grossOf(rows: Float64Array[], prices: Float64Array): number {
  let gross = 0;
  for (const row of rows) for (let m = 0; m < row.length; m++) gross += (Math.abs(row[m]) * prices[m]) / UNIT;
  return gross;
}

/**
 * Float slack for comparing a charge of a sum with a sum of charges: relative
 * to the gross exposure, plus the one unit each ⌈⌉ may add.
 */
function slack(rows: Float64Array[], prices: Float64Array): number {
  return 1e-9 * grossOf(rows, prices) + 1;
}

describe('portfolio requirement properties', () => {
  it('never falls below the floor nor below the charge', () => {
    fc.assert(
      fc.property(caseArb, ({ set, prices, a, floorE6 }) => {
        const charge = portfolioLoss(a, prices, set);
        const cross = crossOf(a, prices);
        const req = portfolioRequirement(charge, cross, floorE6);
        expect(charge).toBeGreaterThanOrEqual(0);
        expect(req).toBeGreaterThanOrEqual((cross * floorE6) / 1_000_000);
        expect(req).toBeGreaterThanOrEqual(charge);
        expect(Number.isInteger(req)).toBe(true);
      }),
      { seed, numRuns: NUM_RUNS },
    );
  });

  it('never charges a hedge more than its legs apart (expected shortfall)', () => {
    fc.assert(
      fc.property(caseArb, ({ set, prices, a, b, floorE6 }) => {
        const sum = a.map((x, i) => x + b[i]);
        const scratch = scratchFor(set);
        const whole = portfolioLoss(sum, prices, set, scratch);
        const legs = portfolioLoss(a, prices, set, scratch) + portfolioLoss(b, prices, set, scratch);
        const tol = slack([a, b], prices);
        expect(whole).toBeLessThanOrEqual(legs + tol);
        const reqWhole = portfolioRequirement(whole, crossOf(sum, prices), floorE6);
        const reqLegs =
          portfolioRequirement(portfolioLoss(a, prices, set), crossOf(a, prices), floorE6) +
          portfolioRequirement(portfolioLoss(b, prices, set), crossOf(b, prices), floorE6);
        expect(reqWhole).toBeLessThanOrEqual(reqLegs + tol);
      }),
      { seed, numRuns: NUM_RUNS },
    );
  });

  it('scales the charge with the book: exactly for powers of two, to rounding otherwise', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 0, max: 12 }), fc.integer({ min: 2, max: 1_000 }), (c, k, n) => {
        const { set, prices, a } = c;
        const base = portfolioLoss(a, prices, set);
        const pow = 2 ** k;
        expect(
          portfolioLoss(
            a.map((x) => x * pow),
            prices,
            set,
          ),
        ).toBe(base * pow);
        const scaled = portfolioLoss(
          a.map((x) => x * n),
          prices,
          set,
        );
        expect(Math.abs(scaled - base * n)).toBeLessThanOrEqual(1e-12 * n * (grossOf([a], prices) + 1));
        expect(
          portfolioLoss(
            a.map((x) => -x * 0),
            prices,
            set,
          ),
        ).toBe(0);
      }),
      { seed, numRuns: NUM_RUNS },
    );
  });

  it('bounds the charge after a one-market trade from the charge before, in O(1)', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.integer({ min: -1_000_000, max: 1_000_000 }), (c, pick, tradeUnits) => {
        const { set, prices, a } = c;
        const market = pick % set.markets;
        const delta = tradeUnits * (UNIT / 1_000);
        const after = Float64Array.from(a);
        after[market] += delta;
        const bound = chargeAfterTradeBound(
          portfolioLoss(a, prices, set),
          unitCharges(set),
          market,
          delta,
          prices[market],
        );
        expect(portfolioLoss(after, prices, set)).toBeLessThanOrEqual(bound);
      }),
      { seed, numRuns: NUM_RUNS },
    );
  });
});
