/**
 * Scenario-set construction: config limits (under, at, over), the tail size
 * k per confidence, the grid's shape with and without pruning, the
 * eigen-decomposition it rests on, input errors, and determinism.
 */
import { describe, expect, it } from 'vitest';
import { checkScenarioConfig, DEFAULT_SCENARIO_CONFIG, resolveScenarioConfig } from '../../core/risk/config.ts';
import { symmetricEigen } from '../../core/risk/eigen.ts';
import { jointReturns, RiskInputError } from '../../core/risk/history.ts';
import { buildScenarioSet, checkScenarioSet, tailCountFor, withMarketMajor } from '../../core/risk/scenarios.ts';
import { bytesOf, E6, PLAIN_CONFIG, PRICE_USD, syntheticHistory } from './fixtures.ts';

describe('scenario config', () => {
  it('accepts the defaults', () => {
    expect(checkScenarioConfig(DEFAULT_SCENARIO_CONFIG)).toBeNull();
  });

  it('names the first bad field', () => {
    expect(resolveScenarioConfig({ historicalObservations: 1_001 })).toBe(
      'historicalObservations must be within [0, 1000], got 1001',
    );
    expect(resolveScenarioConfig({ historicalObservations: 1_000 })).not.toBeTypeOf('string');
    expect(resolveScenarioConfig({ confidenceE6: 999_901 })).toBe(
      'confidenceE6 must be within [500000, 999900], got 999901',
    );
    expect(resolveScenarioConfig({ confidenceE6: 499_999 })).toBe(
      'confidenceE6 must be within [500000, 999900], got 499999',
    );
    expect(resolveScenarioConfig({ fractionsE6: [] })).toBe('fractionsE6 must hold 1 to 8 fractions');
    expect(resolveScenarioConfig({ fractionsE6: [0] })).toBe(
      'fractionsE6 must hold integers within [1, 1000000], got 0',
    );
    expect(resolveScenarioConfig({ measure: 'mean' as 'es' })).toBe("measure must be 'es' or 'var', got mean");
    expect(resolveScenarioConfig({ minRangeE6: 300_000 })).toBe('minRangeE6 must not exceed maxRangeE6');
    expect(resolveScenarioConfig({ volLambdaE6: 0 })).toBe('volLambdaE6 must be within [1, 1000000], got 0');
    expect(checkScenarioConfig({ ...DEFAULT_SCENARIO_CONFIG, extra: 1 })).toBe('unknown scenario parameter extra');
  });

  it('refuses a grid that could move a price to zero or below', () => {
    // 3 × 333,333 < 1e6 passes; 3 × 333,334 ≥ 1e6 does not.
    expect(resolveScenarioConfig({ maxRangeE6: 333_333, extremeMultipleE6: 3_000_000 })).not.toBeTypeOf('string');
    expect(resolveScenarioConfig({ maxRangeE6: 333_334, extremeMultipleE6: 3_000_000 })).toMatch(
      /must stay below 100%/,
    );
  });
});

describe('tail size k = max(1, ⌊(1 − c)·N⌋)', () => {
  it.each([
    [1_000, 990_000, 10],
    [1_000, 999_000, 1],
    [1_000, 999_900, 1],
    [999, 990_000, 9],
    [4, 900_000, 1],
    [250, 950_000, 12],
    [1, 500_000, 1],
    [0, 990_000, 0],
  ])('N = %i at c = %i → k = %i', (n, c, k) => {
    expect(tailCountFor(n, c)).toBe(k);
  });
});

describe('symmetric eigen-decomposition', () => {
  it('finds 1 ± ρ for a 2 × 2 correlation matrix', () => {
    const e = symmetricEigen(new Float64Array([1, 0.6, 0.6, 1]), 2);
    expect(e.values[0]).toBeCloseTo(1.6, 14);
    expect(e.values[1]).toBeCloseTo(0.4, 14);
    expect(Math.abs(e.vectors[0])).toBeCloseTo(Math.SQRT1_2, 14);
  });

  it('reconstructs a random correlation matrix', () => {
    const set = buildScenarioSet(syntheticHistory(6, 400, 3), PLAIN_CONFIG, 1);
    const c = set.correlations;
    const { values, vectors } = symmetricEigen(c, 6);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        let sum = 0;
        for (let k = 0; k < 6; k++) sum += vectors[i * 6 + k] * values[k] * vectors[j * 6 + k];
        expect(sum).toBeCloseTo(c[i * 6 + j], 12);
      }
    }
    for (let k = 1; k < 6; k++) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
  });
});

describe('scenario set', () => {
  const history = syntheticHistory(3, 300, 9);

  it('lays the grid out as directions × signs × vol × fractions, plus extremes, when nothing is pruned', () => {
    const config = { ...DEFAULT_SCENARIO_CONFIG, pruneDominated: false, historicalObservations: 100 };
    const set = buildScenarioSet(history, config, 7);
    // 2M = 6 directions × 2 signs × (2 vols × 3 fractions + 1 extreme)
    expect(set.gridCount).toBe(6 * 2 * 7);
    expect(set.historicalCount).toBe(100);
    expect(set.tailCount).toBe(1);
    expect(set.version).toBe(7);
    const extremes = Array.from(set.weights.subarray(0, set.gridCount)).filter((w) => w === 0.35);
    expect(extremes).toHaveLength(12);
    expect(checkScenarioSet(set)).toBeNull();
  });

  it('keeps one point per direction and sign when pruning: the largest weighted scale', () => {
    const full = buildScenarioSet(history, { ...DEFAULT_SCENARIO_CONFIG, pruneDominated: false }, 1);
    const pruned = buildScenarioSet(history, DEFAULT_SCENARIO_CONFIG, 1);
    expect(pruned.gridCount).toBe(6 * 2);
    // Range × (1 + 25%) beats 3 × range at 35% weight (1.05): the first pruned scenario is the vol-up full move.
    const m = 3;
    const fullIndex = 2; // direction 0, sign +, vol up, fraction 1
    for (let j = 0; j < m; j++) expect(pruned.scenarios[j]).toBe(full.scenarios[fullIndex * m + j]);
  });

  it('holds the last N joint returns, oldest first, after the grid', () => {
    const set = buildScenarioSet(history, { ...PLAIN_CONFIG, historicalObservations: 50 }, 1);
    const returns = jointReturns(history, 50);
    expect(bytesOf(set.scenarios.subarray(set.gridCount * 3)).equals(bytesOf(returns))).toBe(true);
    expect(set.byMarket[1 * (set.gridCount + 50) + set.gridCount]).toBe(returns[1]);
  });

  it('uses every return there is when the history is shorter than N', () => {
    const short = syntheticHistory(2, 30, 4);
    const set = buildScenarioSet(short, DEFAULT_SCENARIO_CONFIG, 1);
    expect(set.historicalCount).toBe(30);
    expect(set.tailCount).toBe(1);
  });

  it('clamps ranges to [minRange, maxRange]', () => {
    const flat = { markets: 1, prices: new Float64Array([PRICE_USD, PRICE_USD, PRICE_USD]) };
    expect(buildScenarioSet(flat, PLAIN_CONFIG, 1).ranges[0]).toBe(0);
    expect(buildScenarioSet(flat, { ...PLAIN_CONFIG, minRangeE6: 20_000 }, 1).ranges[0]).toBe(0.02);
    const wild = syntheticHistory(1, 100, 2);
    expect(buildScenarioSet(wild, { ...PLAIN_CONFIG, rangeZE6: 20 * E6, maxRangeE6: 50_000 }, 1).ranges[0]).toBe(0.05);
  });

  it('is the same bits every time', () => {
    const a = buildScenarioSet(history, DEFAULT_SCENARIO_CONFIG, 1);
    const b = buildScenarioSet(history, DEFAULT_SCENARIO_CONFIG, 1);
    expect(bytesOf(a.scenarios).equals(bytesOf(b.scenarios))).toBe(true);
    expect(bytesOf(a.correlations).equals(bytesOf(b.correlations))).toBe(true);
  });

  it('refuses bad input with a stable code', () => {
    const bad = { markets: 2, prices: new Float64Array([1, 1, 1, 0]) };
    expect(() => buildScenarioSet(bad, PLAIN_CONFIG, 1)).toThrow(RiskInputError);
    expect(() => buildScenarioSet(bad, PLAIN_CONFIG, 1)).toThrow(
      'BAD_HISTORY: observation 1 of market 1 is not a positive price',
    );
    expect(() => buildScenarioSet({ markets: 2, prices: new Float64Array(3) }, PLAIN_CONFIG, 1)).toThrow(
      'BAD_HISTORY: prices length 3 is not a multiple of 2 markets',
    );
    expect(() => buildScenarioSet(history, { ...PLAIN_CONFIG, fractionsE6: [] }, 1)).toThrow('BAD_CONFIG');
  });

  it('detects a set whose parts disagree', () => {
    const set = buildScenarioSet(history, DEFAULT_SCENARIO_CONFIG, 1);
    expect(checkScenarioSet({ ...set, tailCount: 0 })).toBe(
      'tailCount must be within [1, historicalCount] (0 without history)',
    );
    const scenarios = Float64Array.from(set.scenarios);
    scenarios[4] = -1;
    expect(checkScenarioSet(withMarketMajor({ ...set, scenarios }))).toBe('scenario 1 has a return out of range');
    expect(checkScenarioSet({ ...set, byMarket: set.scenarios })).toBe(
      'byMarket must be the market-major copy of scenarios',
    );
  });
});
