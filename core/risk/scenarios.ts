/**
 * Scenario sets for portfolio margin (pure; only + − × ÷ and Math.sqrt).
 *
 * A set is one matrix of joint simple returns, scenario-major
 * (scenarios[s × markets + m]), in two families:
 *
 *   [0, gridCount)                 SPAN-like grid, charged at the worst weighted loss
 *   [gridCount, gridCount + N)     historical joint returns, charged by their tail
 *
 * Grid. Each market has a range R = clamp(rangeZ × σ, minRange, maxRange).
 * Scaled by the ranges, the correlation matrix C defines the range ellipsoid
 * {x : x'C⁻¹x ≤ 1}. The grid moves along 2M directions on its surface:
 *   principal:    d_k = R ∘ √λ_k · v_k      (eigenpairs of C; the hedged spreads)
 *   conditional:  c_i = R ∘ C[·, i]         (market i moves by its full range,
 *                                             the others by their expected co-move)
 * each with both signs, at every fraction of the range, with volatility up and
 * down (range × (1 ± volShift)), plus the extreme move (extremeMultiple × range)
 * at its partial weight. Because every point lies on (a scaling of) the
 * ellipsoid, a single position is charged exactly its range (times the
 * largest weighted scale), and no linear portfolio of exposures e more than
 * √(e'·RCR·e) — the delta-normal bound with the ranges for σ — times that
 * scale; hedges in correlated markets offset.
 *
 * Historical charge. The N historical losses L are ranked worst first,
 * L(1) ≥ L(2) ≥ … ≥ L(N), and k = max(1, ⌊(1 − c)·N⌋) (integer arithmetic on
 * confidenceE6). measure 'var' charges L(k): at most a (1 − c) share of the
 * history lost more (conservative: for N = 1000 at 99%, the 10th worst).
 * measure 'es' (the default) charges (L(1) + … + L(k)) / k, the expected
 * shortfall: never below 'var', and subadditive, so a hedge never costs more
 * than its legs — VaR does not promise that.
 */
import { RATIO_PRECISION } from '../../vamm/precision.ts';
import { checkScenarioConfig, type HistoricalMeasure, type ScenarioConfig } from './config.ts';
import { symmetricEigen } from './eigen.ts';
import { checkHistory, estimate, jointReturns, type PriceHistory, RiskInputError } from './history.ts';

export interface ScenarioSet {
  /** Monotonic, assigned by whoever asked for the rebuild. */
  readonly version: number;
  readonly markets: number;
  readonly gridCount: number;
  readonly historicalCount: number;
  /** k: how many of the worst historical losses are charged (0 when there is no history). */
  readonly tailCount: number;
  readonly measure: HistoricalMeasure;
  /** (gridCount + historicalCount) × markets simple returns, scenario-major. */
  readonly scenarios: Float64Array;
  /** The same returns market-major, byMarket[m × count + s]: the layout the kernel streams (derived). */
  readonly byMarket: Float64Array;
  /** Per scenario: the share of its loss charged (grid: 1, or the extreme weight; historical: 1). */
  readonly weights: Float64Array;
  /** Reporting and grid inputs: σ per observation, correlations (M × M), ranges. */
  readonly volatilities: Float64Array;
  readonly correlations: Float64Array;
  readonly ranges: Float64Array;
}

const E6 = RATIO_PRECISION;

/** k for N historical scenarios at confidence `confidenceE6`. */
export function tailCountFor(n: number, confidenceE6: number): number {
  if (n === 0) return 0;
  return Math.max(1, Math.floor(((E6 - confidenceE6) * n) / E6));
}

/** Grid directions (principal, then conditional), each `markets` long, concatenated. */
function gridDirections(markets: number, ranges: Float64Array, correlations: Float64Array): Float64Array {
  const eig = symmetricEigen(correlations, markets);
  const out = new Float64Array(2 * markets * markets);
  for (let k = 0; k < markets; k++) {
    const root = Math.sqrt(eig.values[k]);
    for (let i = 0; i < markets; i++) out[k * markets + i] = ranges[i] * (root * eig.vectors[i * markets + k]);
  }
  for (let i = 0; i < markets; i++) {
    const at = (markets + i) * markets;
    for (let j = 0; j < markets; j++) out[at + j] = ranges[j] * correlations[j * markets + i];
  }
  return out;
}

interface GridPoint {
  readonly scale: number;
  readonly weight: number;
}

/** The (scale, weight) points along each direction and sign, in a fixed order. */
function gridPoints(c: ScenarioConfig): GridPoint[] {
  const points: GridPoint[] = [];
  const vols = c.volShiftE6 > 0 ? [(E6 + c.volShiftE6) / E6, (E6 - c.volShiftE6) / E6] : [1];
  for (const vol of vols) for (const f of c.fractionsE6) points.push({ scale: (f / E6) * vol, weight: 1 });
  if (c.extremeWeightE6 > 0 && c.extremeMultipleE6 > 0) {
    points.push({ scale: c.extremeMultipleE6 / E6, weight: c.extremeWeightE6 / E6 });
  }
  if (!c.pruneDominated) return points;
  // Linear instruments: along a ray the weighted loss is weight × scale × loss(direction); keep the largest.
  let best = points[0];
  for (const p of points) if (p.weight * p.scale > best.weight * best.scale) best = p;
  return [best];
}

function isZero(a: Float64Array, from: number, count: number): boolean {
  for (let i = from; i < from + count; i++) if (a[i] !== 0) return false;
  return true;
}

/**
 * Build a scenario set from the oracle price history: volatilities and
 * correlations over the whole history (EWMA λ), the grid from them, and the
 * last N joint returns as the historical family. Throws RiskInputError on a
 * bad history or config (callers validate at their boundary first).
 */
export function buildScenarioSet(history: PriceHistory, config: ScenarioConfig, version: number): ScenarioSet {
  const bad = checkScenarioConfig(config);
  if (bad !== null) throw new RiskInputError('BAD_CONFIG', bad);
  checkHistory(history);
  if (!Number.isSafeInteger(version) || version < 0) throw new RiskInputError('BAD_CONFIG', 'version must be ≥ 0');
  const m = history.markets;
  const all = jointReturns(history, Number.MAX_SAFE_INTEGER);
  const { volatilities, correlations } = estimate(all, m, config.volLambdaE6 / E6);
  const ranges = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const r = (config.rangeZE6 / E6) * volatilities[i];
    ranges[i] = Math.min(config.maxRangeE6 / E6, Math.max(config.minRangeE6 / E6, r));
  }

  const directions = gridDirections(m, ranges, correlations);
  const points = gridPoints(config);
  const historical = jointReturns(history, config.historicalObservations);
  const historicalCount = historical.length / m;
  const rows: { at: number; sign: number; point: GridPoint }[] = [];
  for (let d = 0; d < 2 * m; d++) {
    if (config.pruneDominated && isZero(directions, d * m, m)) continue;
    for (const sign of [1, -1]) for (const point of points) rows.push({ at: d * m, sign, point });
  }
  const gridCount = rows.length;
  const total = gridCount + historicalCount;
  const scenarios = new Float64Array(total * m);
  const weights = new Float64Array(total);
  rows.forEach((row, s) => {
    const scale = row.sign * row.point.scale;
    for (let j = 0; j < m; j++) scenarios[s * m + j] = scale * directions[row.at + j];
    weights[s] = row.point.weight;
  });
  scenarios.set(historical, gridCount * m);
  weights.fill(1, gridCount);
  return withMarketMajor({
    version,
    markets: m,
    gridCount,
    historicalCount,
    tailCount: tailCountFor(historicalCount, config.confidenceE6),
    measure: config.measure,
    scenarios,
    weights,
    volatilities,
    correlations,
    ranges,
  });
}

/** Complete a set (e.g. one decoded from a journaled command) with its market-major copy. */
export function withMarketMajor(set: Omit<ScenarioSet, 'byMarket'>): ScenarioSet {
  const m = set.markets;
  const count = set.gridCount + set.historicalCount;
  const byMarket = new Float64Array(count * m);
  for (let s = 0; s < count; s++) for (let j = 0; j < m; j++) byMarket[j * count + s] = set.scenarios[s * m + j];
  return { ...set, byMarket };
}

/**
 * Null when `set` is internally consistent (shapes, finite returns above −100%,
 * weights in [0, 1], a tail within the history); otherwise the first problem.
 * For a set that arrives from outside (a journaled command, a worker).
 */
export function checkScenarioSet(set: ScenarioSet): string | null {
  const m = set.markets;
  if (!Number.isSafeInteger(m) || m < 1) return 'markets must be ≥ 1';
  if (!Number.isSafeInteger(set.version) || set.version < 0) return 'version must be ≥ 0';
  const n = set.gridCount + set.historicalCount;
  if (!Number.isSafeInteger(set.gridCount) || set.gridCount < 0) return 'gridCount must be ≥ 0';
  if (!Number.isSafeInteger(set.historicalCount) || set.historicalCount < 0) return 'historicalCount must be ≥ 0';
  if (set.scenarios.length !== n * m) return `scenarios must hold ${n} × ${m} returns`;
  if (set.weights.length !== n) return `weights must hold ${n} entries`;
  if (set.byMarket.length !== n * m) return 'byMarket must be the market-major copy of scenarios';
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < m; j++) {
      if (!Object.is(set.byMarket[j * n + s], set.scenarios[s * m + j])) {
        return 'byMarket must be the market-major copy of scenarios';
      }
    }
  }
  const k = set.tailCount;
  if (set.historicalCount === 0 ? k !== 0 : !(Number.isSafeInteger(k) && k >= 1 && k <= set.historicalCount)) {
    return 'tailCount must be within [1, historicalCount] (0 without history)';
  }
  if (set.measure !== 'es' && set.measure !== 'var') return "measure must be 'es' or 'var'";
  for (let i = 0; i < set.scenarios.length; i++) {
    const r = set.scenarios[i];
    if (!(r > -1) || r === Number.POSITIVE_INFINITY) return `scenario ${Math.floor(i / m)} has a return out of range`;
  }
  for (let s = 0; s < n; s++) {
    const w = set.weights[s];
    if (!(w >= 0 && w <= 1)) return `scenario ${s} has a weight outside [0, 1]`;
    if (s >= set.gridCount && w !== 1) return `historical scenario ${s} must have weight 1`;
  }
  return null;
}
