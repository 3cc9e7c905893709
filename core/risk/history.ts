/**
 * Oracle price history → simple returns, volatilities and correlations
 * (pure; only + − × ÷ and Math.sqrt, so every thread and platform computes
 * the same bits). Returns are simple, (p₁ − p₀)/p₀, never logarithmic, as the
 * engine's own variance EWMA (oracle.ts).
 */
import { MAX_RISK_MARKETS } from './config.ts';

/**
 * Oracle prices sampled at a common interval (the margin horizon), oldest
 * first, observation-major: prices[t × markets + m]. The caller (outside
 * core/) samples them; every price must be finite and positive.
 */
export interface PriceHistory {
  readonly markets: number;
  readonly prices: Float64Array;
}

export interface Estimates {
  /** σ per observation and market. */
  readonly volatilities: Float64Array;
  /** markets × markets, row-major, unit diagonal, every entry in [−1, 1]. */
  readonly correlations: Float64Array;
}

/** A problem with the inputs of a risk computation; `code` is stable. */
export class RiskInputError extends RangeError {
  constructor(
    readonly code: 'BAD_HISTORY' | 'BAD_CONFIG' | 'BAD_SNAPSHOT' | 'BAD_SCENARIOS',
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'RiskInputError';
  }
}

export function observationsOf(h: PriceHistory): number {
  return h.markets > 0 ? Math.floor(h.prices.length / h.markets) : 0;
}

/** Throws RiskInputError('BAD_HISTORY') on a malformed history. */
export function checkHistory(h: PriceHistory): void {
  if (!Number.isSafeInteger(h.markets) || h.markets < 1 || h.markets > MAX_RISK_MARKETS) {
    throw new RiskInputError('BAD_HISTORY', `markets must be within [1, ${MAX_RISK_MARKETS}]`);
  }
  if (h.prices.length % h.markets !== 0) {
    throw new RiskInputError(
      'BAD_HISTORY',
      `prices length ${h.prices.length} is not a multiple of ${h.markets} markets`,
    );
  }
  for (let i = 0; i < h.prices.length; i++) {
    const p = h.prices[i];
    if (!(p > 0) || p === Number.POSITIVE_INFINITY) {
      throw new RiskInputError(
        'BAD_HISTORY',
        `observation ${Math.floor(i / h.markets)} of market ${i % h.markets} is not a positive price`,
      );
    }
  }
}

/** The last `count` joint returns (or all there are), oldest first: returns[t × markets + m]. */
export function jointReturns(h: PriceHistory, count: number): Float64Array {
  const m = h.markets;
  const available = Math.max(0, observationsOf(h) - 1);
  const n = Math.min(count, available);
  const out = new Float64Array(n * m);
  const first = available - n; // index of the first return's starting observation
  for (let t = 0; t < n; t++) {
    const p0 = (first + t) * m;
    const p1 = p0 + m;
    for (let i = 0; i < m; i++) out[t * m + i] = (h.prices[p1 + i] - h.prices[p0 + i]) / h.prices[p0 + i];
  }
  return out;
}

/**
 * EWMA estimates, zero mean (the RiskMetrics convention): the newest return
 * has weight 1, each older one λ times the next. λ = 1 weighs all equally.
 * A market with no variance is uncorrelated with every other.
 */
export function estimate(returns: Float64Array, markets: number, lambda: number): Estimates {
  const n = returns.length / markets;
  const cov = new Float64Array(markets * markets);
  let weightSum = 0;
  let w = 1;
  for (let t = n - 1; t >= 0; t--) {
    const row = t * markets;
    for (let i = 0; i < markets; i++) {
      const wi = w * returns[row + i];
      for (let j = 0; j <= i; j++) cov[i * markets + j] += wi * returns[row + j];
    }
    weightSum += w;
    w *= lambda;
  }
  const volatilities = new Float64Array(markets);
  const correlations = new Float64Array(markets * markets);
  for (let i = 0; i < markets; i++) {
    const vi = cov[i * markets + i];
    volatilities[i] = weightSum > 0 ? Math.sqrt(vi / weightSum) : 0;
    correlations[i * markets + i] = 1;
    for (let j = 0; j < i; j++) {
      const vj = cov[j * markets + j];
      let r = 0;
      if (vi > 0 && vj > 0) r = Math.min(1, Math.max(-1, cov[i * markets + j] / Math.sqrt(vi * vj)));
      correlations[i * markets + j] = r;
      correlations[j * markets + i] = r;
    }
  }
  return { volatilities, correlations };
}
