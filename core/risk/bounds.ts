/**
 * An O(1) upper bound on the charge after a trade, for the hot loop's fast
 * accept (pure). Both charges are subadditive — the grid's is a maximum of
 * linear losses, the historical one a sum of the k largest — so
 *
 *   charge(book + trade) ≤ charge(book) + charge(trade alone),
 *
 * and a trade in one market is a single position whose charge is linear in
 * its exposure: |Δe| × the charge of one unit of exposure, long or short.
 * When the account's equity covers that bound it may be accepted without the
 * full scenario pass; otherwise the hot loop computes the exact charge. The
 * bound is only as good as the charge it starts from: that must price the
 * current positions at current prices (see freshness.ts for when it does).
 */
import { BASE_PRECISION } from '../../vamm/precision.ts';
import { portfolioLoss, scratchFor } from './portfolio.ts';
import type { ScenarioSet } from './scenarios.ts';

export interface UnitCharges {
  readonly version: number;
  /** Charge of +1 quote unit of exposure per unit of return in each market (a lone long). */
  readonly long: Float64Array;
  /** The same for a lone short. */
  readonly short: Float64Array;
}

/** Relative and absolute slack covering float rounding in the exact charges the bound stands above. */
const RELATIVE_SLACK = 1e-9;
const ABSOLUTE_SLACK_UNITS = 1;

/** Unit charges of every market over `set`: 2 × markets single-position charges, once per scenario set. */
export function unitCharges(set: ScenarioSet): UnitCharges {
  const m = set.markets;
  const long = new Float64Array(m);
  const short = new Float64Array(m);
  const row = new Float64Array(m);
  const prices = new Float64Array(m).fill(BASE_PRECISION); // exposure = base
  const scratch = scratchFor(set);
  for (let i = 0; i < m; i++) {
    row[i] = 1;
    long[i] = portfolioLoss(row, prices, set, scratch);
    row[i] = -1;
    short[i] = portfolioLoss(row, prices, set, scratch);
    row[i] = 0;
  }
  return { version: set.version, long, short };
}

/**
 * Upper bound (float quote units) on the charge after adding `deltaBase` in
 * `market` at `price`, given the charge before. Never below the true charge
 * (up to the slack it adds).
 */
export function chargeAfterTradeBound(
  chargeBefore: number,
  units: UnitCharges,
  market: number,
  deltaBase: number,
  price: number,
): number {
  const exposure = (deltaBase * price) / BASE_PRECISION;
  const unit = exposure >= 0 ? units.long[market] : units.short[market];
  const added = Math.abs(exposure) * unit;
  return (chargeBefore + added) * (1 + RELATIVE_SLACK) + ABSOLUTE_SLACK_UNITS;
}
