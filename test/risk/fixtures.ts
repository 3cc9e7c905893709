/**
 * Shared fixtures for the portfolio-margin suites: units, histories built
 * from chosen returns, seeded synthetic markets, and a naive reference charge
 * (scenario by scenario, row by row) to check the optimised kernel against.
 */
import { DEFAULT_SCENARIO_CONFIG, type ScenarioConfig } from '../../core/risk/config.ts';
import type { PriceHistory } from '../../core/risk/history.ts';
import type { ScenarioSet } from '../../core/risk/scenarios.ts';

/** Quote units per USD; base units per whole asset; price units per USD. */
export const USD = 1_000_000;
export const UNIT = 1_000_000_000;
export const PRICE_USD = 1_000_000;
export const E6 = 1_000_000;

/** A history whose returns are `returns[t][m]`, starting at `start[m]` (prices in price units). */
export function historyFromReturns(start: number[], returns: number[][]): PriceHistory {
  const m = start.length;
  const prices = new Float64Array((returns.length + 1) * m);
  for (let i = 0; i < m; i++) prices[i] = start[i];
  returns.forEach((row, t) => {
    for (let i = 0; i < m; i++) prices[(t + 1) * m + i] = prices[t * m + i] * (1 + row[i]);
  });
  return { markets: m, prices };
}

/** Grid without the options a linear book never needs: one fraction, no vol shift, no extremes, k = 1 at N = 4. */
export const PLAIN_CONFIG: ScenarioConfig = {
  ...DEFAULT_SCENARIO_CONFIG,
  rangeZE6: 3_000_000,
  minRangeE6: 0,
  maxRangeE6: 300_000,
  fractionsE6: [1_000_000],
  volShiftE6: 0,
  extremeWeightE6: 0,
  historicalObservations: 1_000,
  confidenceE6: 900_000,
  measure: 'es',
  volLambdaE6: 1_000_000,
};

/** xorshift32: deterministic streams for synthetic data (tests and benches only). */
export function xorshift(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** `observations` + 1 prices per market from a one-factor model (correlation ≈ loading²). */
export function syntheticHistory(markets: number, observations: number, seed: number, loading = 0.8): PriceHistory {
  const rnd = xorshift(seed);
  const gauss = () => {
    let s = 0;
    for (let i = 0; i < 12; i++) s += rnd();
    return s - 6;
  };
  const idio = Math.sqrt(1 - loading * loading);
  const prices = new Float64Array((observations + 1) * markets);
  for (let m = 0; m < markets; m++) prices[m] = 1_000 * PRICE_USD * (m + 1);
  for (let t = 1; t <= observations; t++) {
    const f = gauss();
    for (let m = 0; m < markets; m++) {
      prices[t * markets + m] = prices[(t - 1) * markets + m] * (1 + 0.01 * (loading * f + idio * gauss()));
    }
  }
  return { markets, prices };
}

/** Random rows: base in ±maxUnits whole units, each market empty with probability `emptyShare`. */
export function randomRows(rows: number, markets: number, seed: number, emptyShare = 0.3, maxUnits = 100) {
  const rnd = xorshift(seed);
  const out = new Float64Array(rows * markets);
  for (let i = 0; i < out.length; i++) {
    out[i] = rnd() < emptyShare ? 0 : Math.round((rnd() - 0.5) * 2 * maxUnits * UNIT);
  }
  return out;
}

/** Loss of `row` in scenario s, the plain way: −Σ_m base·price/1e9 · r[s, m], markets in order. */
export function naiveLoss(set: ScenarioSet, row: Float64Array, prices: Float64Array, s: number): number {
  let pnl = 0;
  for (let m = 0; m < set.markets; m++) {
    if (row[m] === 0) continue;
    pnl += ((row[m] * prices[m]) / UNIT) * set.scenarios[s * set.markets + m];
  }
  return -pnl;
}

/** The charge the plain way: worst weighted grid loss vs. sorted historical tail, ≥ 0. */
export function naiveCharge(set: ScenarioSet, row: Float64Array, prices: Float64Array): number {
  let grid = 0;
  for (let s = 0; s < set.gridCount; s++) grid = Math.max(grid, naiveLoss(set, row, prices, s) * set.weights[s]);
  const losses: number[] = [];
  for (let s = set.gridCount; s < set.gridCount + set.historicalCount; s++) losses.push(naiveLoss(set, row, prices, s));
  losses.sort((a, b) => b - a);
  let hist = 0;
  if (set.tailCount > 0) {
    if (set.measure === 'var') hist = losses[set.tailCount - 1];
    else {
      let sum = 0;
      for (let i = 0; i < set.tailCount; i++) sum += losses[i];
      hist = sum / set.tailCount;
    }
  }
  return Math.max(grid, hist, 0);
}

/** Bytes of a typed array, for bit-for-bit comparison. */
export function bytesOf(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
