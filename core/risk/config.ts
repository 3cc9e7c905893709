/**
 * Portfolio-margin scenario configuration: every field a number with a named
 * unit (E6 ratios, counts), range-checked with a precise message, as
 * params.ts checks market parameters.
 */
import { RATIO_PRECISION } from '../../vamm/precision.ts';

/** How the historical family is charged (see scenarios.ts, "Historical charge"). */
export type HistoricalMeasure = 'es' | 'var';

export interface ScenarioConfig {
  // ─── SPAN-like grid ───
  /** Range of a market = rangeZ × σ (σ per observation), E6: 3_000_000 = 3σ. */
  rangeZE6: number;
  /** Floor and cap of every market's range, E6 of the price. */
  minRangeE6: number;
  maxRangeE6: number;
  /** Moves along each grid direction, as fractions of the range (E6), e.g. ⅓, ⅔, 1. */
  fractionsE6: number[];
  /** Volatility up / down scales the range by (1 ± volShift), E6; 0 disables the pair. */
  volShiftE6: number;
  /** Extreme moves: extremeMultiple × range (E6), charged at extremeWeight of their loss (E6). */
  extremeMultipleE6: number;
  extremeWeightE6: number;
  /**
   * Drop grid scenarios that cannot bind: every instrument here is linear in
   * price, so along one direction and sign the loss is proportional to the
   * weighted scale, and only the largest weighted scale can be the worst.
   */
  pruneDominated: boolean;
  // ─── Historical family ───
  /** N: the last N joint returns are the historical scenarios (≤ MAX_HISTORICAL_OBSERVATIONS). */
  historicalObservations: number;
  /** VaR confidence, E6: the tail charged is the k = max(1, ⌊(1 − c)·N⌋) worst losses. */
  confidenceE6: number;
  measure: HistoricalMeasure;
  // ─── Estimates ───
  /** EWMA decay per observation for volatilities and correlations, E6; 1_000_000 = equal weights. */
  volLambdaE6: number;
}

export const MAX_HISTORICAL_OBSERVATIONS = 1_000;
export const MAX_RISK_MARKETS = 64;
export const MAX_GRID_FRACTIONS = 8;

export const DEFAULT_SCENARIO_CONFIG: Readonly<ScenarioConfig> = Object.freeze({
  rangeZE6: 3_000_000,
  minRangeE6: 10_000,
  maxRangeE6: 250_000,
  fractionsE6: [333_333, 666_667, 1_000_000],
  volShiftE6: 250_000,
  extremeMultipleE6: 3_000_000,
  extremeWeightE6: 350_000,
  pruneDominated: true,
  historicalObservations: 1_000,
  confidenceE6: 990_000,
  measure: 'es' as HistoricalMeasure,
  volLambdaE6: 1_000_000,
});

const E6 = RATIO_PRECISION;

function intIn(c: Record<string, unknown>, name: string, min: number, max: number): string | null {
  const v = c[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) return `${name} must be an integer`;
  if (v < min || v > max) return `${name} must be within [${min}, ${max}], got ${v}`;
  return null;
}

/** Null when valid; otherwise a message naming the first bad field. */
export function checkScenarioConfig(config: unknown): string | null {
  if (typeof config !== 'object' || config === null) return 'scenario config must be an object';
  const c = config as Record<string, unknown>;
  const bad =
    intIn(c, 'rangeZE6', 0, 20 * E6) ??
    intIn(c, 'minRangeE6', 0, E6) ??
    intIn(c, 'maxRangeE6', 1, E6) ??
    intIn(c, 'volShiftE6', 0, E6 - 1) ??
    intIn(c, 'extremeMultipleE6', 0, 20 * E6) ??
    intIn(c, 'extremeWeightE6', 0, E6) ??
    intIn(c, 'historicalObservations', 0, MAX_HISTORICAL_OBSERVATIONS) ??
    intIn(c, 'confidenceE6', E6 / 2, 999_900) ??
    intIn(c, 'volLambdaE6', 1, E6);
  if (bad !== null) return bad;
  const fractions = c.fractionsE6;
  if (!Array.isArray(fractions) || fractions.length === 0 || fractions.length > MAX_GRID_FRACTIONS) {
    return `fractionsE6 must hold 1 to ${MAX_GRID_FRACTIONS} fractions`;
  }
  for (const f of fractions) {
    if (typeof f !== 'number' || !Number.isSafeInteger(f) || f <= 0 || f > E6) {
      return `fractionsE6 must hold integers within [1, ${E6}], got ${String(f)}`;
    }
  }
  if (typeof c.pruneDominated !== 'boolean') return 'pruneDominated must be a boolean';
  if (c.measure !== 'es' && c.measure !== 'var') return `measure must be 'es' or 'var', got ${String(c.measure)}`;
  const q = config as ScenarioConfig;
  if (q.minRangeE6 > q.maxRangeE6) return 'minRangeE6 must not exceed maxRangeE6';
  // No grid move may take a price to or below zero: then every move is linear in its scale (see pruneDominated).
  const largest = Math.max(
    (Math.max(...q.fractionsE6) * (E6 + q.volShiftE6)) / E6,
    q.extremeWeightE6 > 0 ? q.extremeMultipleE6 : 0,
  );
  if (largest * q.maxRangeE6 >= E6 * E6) {
    return 'the largest grid move (maxRangeE6 × largest fraction × (1 + volShiftE6), or × extremeMultipleE6) must stay below 100%';
  }
  for (const key of Object.keys(c)) {
    if (!(key in DEFAULT_SCENARIO_CONFIG)) return `unknown scenario parameter ${key}`;
  }
  return null;
}

/** Defaults overlaid with `overrides`, validated. */
export function resolveScenarioConfig(overrides: Partial<ScenarioConfig> | undefined): ScenarioConfig | string {
  const merged = { ...DEFAULT_SCENARIO_CONFIG, ...(overrides ?? {}) };
  const err = checkScenarioConfig(merged);
  return err === null ? (merged as ScenarioConfig) : err;
}
