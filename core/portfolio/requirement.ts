/**
 * The requirements a portfolio account is held to (reads state only).
 *
 *   maintenance = ⌈max(charge, floor × cross maintenance)⌉        (chooseRequirement)
 *   initial     = ⌈max((charge + orders) × initialMultiplier, floor × cross initial)⌉
 *
 * while its stored charge is in force (freshness.ts: present, over the set in
 * force, younger than maxChargeAgeMs); otherwise both are the cross
 * requirements. `orders` charges the worst side of each market's open orders
 * as a lone position (unit charge × |exposure|): by subadditivity
 * (bounds.ts) the charge after any of them fill is at most charge + orders,
 * so resting orders never get hedge credit they may not keep.
 * The buffer keeps its proportion to maintenance (cross buffer × portfolio
 * maintenance / cross maintenance): a tight hedge is not asked for a buffer
 * sized to its gross notional. Notional stays cross. Liquidation sizing
 * (closeSize, portfolio/backstop.ts) works on these figures.
 */
import { BASE_PRECISION, RATIO_PRECISION } from '../../vamm/precision.ts';
import type { Health } from '../margin/health.ts';
import { type FallbackReason, fallbackReason } from '../risk/freshness.ts';
import { portfolioRequirement } from '../risk/portfolio.ts';
import type { EngineState } from '../state.ts';
import { versionInForce } from './state.ts';

/** Why the portfolio account `a` is held to cross margin now; null while its charge is in force. */
export function fallbackOf(s: EngineState, a: number): FallbackReason | null {
  const acc = s.accounts;
  return fallbackReason(
    { charge: acc.portfolioCharge[a], ts: acc.portfolioChargeTs[a], version: acc.portfolioChargeVersion[a] },
    versionInForce(s),
    s.lastTs,
    s.portfolio.params.maxChargeAgeMs,
  );
}

/** Charge of the worst side of the account's open cross orders, each market alone (float quote units). */
export function openOrdersCharge(s: EngineState, a: number): number {
  const units = s.portfolio.units;
  if (units === null) return 0;
  let total = 0;
  for (const m of s.markets) {
    const pos = m.positions;
    const bids = pos.openBids[a];
    const asks = pos.openAsks[a];
    if ((bids === 0 && asks === 0) || pos.isolated[a] === 1) continue;
    const long = ((bids * m.markPrice) / BASE_PRECISION) * units.long[m.id];
    const short = ((asks * m.markPrice) / BASE_PRECISION) * units.short[m.id];
    total += Math.max(long, short);
  }
  return total;
}

/**
 * `h` is the cross health of a portfolio account: when its charge is in
 * force, replace the cross requirements with the portfolio ones.
 */
export function applyPortfolioRequirements(s: EngineState, a: number, h: Health): void {
  if (fallbackOf(s, a) !== null) return;
  const p = s.portfolio.params;
  const charge = s.accounts.portfolioCharge[a];
  const cross = h.maintenanceRequirement;
  h.maintenanceRequirement = portfolioRequirement(charge, cross, p.floorE6);
  if (cross > 0) h.bufferRequirement = (h.bufferRequirement * h.maintenanceRequirement) / cross;
  const scenario = ((charge + openOrdersCharge(s, a)) * p.initialMultiplierE6) / RATIO_PRECISION;
  h.initialRequirement = Math.ceil(Math.max(scenario, (h.initialRequirement * p.floorE6) / RATIO_PRECISION));
}
