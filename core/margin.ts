/**
 * Account health at its simplest: cross margin over every market, marked at
 * the mark price. Equity counts unsettled PnL, unrealised PnL and pending
 * funding; requirements grow with size (IMF × √size, as Drift does).
 * Comparisons round against the trader: equity down, requirements up.
 */
import { BASE_PRECISION, RATIO_PRECISION } from '../vamm/precision.ts';
import type { Market } from './market.ts';
import type { MarketParams } from './params.ts';
import { pendingFunding } from './settle.ts';
import type { EngineState } from './state.ts';

export interface Health {
  /** Collateral + unsettled + unrealised − pending funding (float). */
  equity: number;
  /** Equity counting only losses (profits not yet settled cannot back a withdrawal). */
  equityLossesOnly: number;
  initialRequirement: number;
  maintenanceRequirement: number;
}

/** Initial and maintenance margin ratios (E6) for a position of `absBase` units. */
export function marginRatiosE6(p: MarketParams, absBase: number): { initial: number; maintenance: number } {
  if (p.imfFactorE6 === 0) return { initial: p.initialMarginE6, maintenance: p.maintenanceMarginE6 };
  const sized = p.imfFactorE6 * Math.sqrt(absBase / BASE_PRECISION);
  return {
    initial: Math.max(p.initialMarginE6, sized),
    maintenance: Math.max(p.maintenanceMarginE6, (sized * p.maintenanceMarginE6) / p.initialMarginE6),
  };
}

/** Unrealised PnL of a position at `priceE6` (float). */
export function unrealisedPnl(m: Market, account: number, priceE6: number): number {
  const base = m.positions.base[account];
  return (base * priceE6) / BASE_PRECISION + m.positions.quoteEntry[account];
}

export function accountHealth(s: EngineState, account: number): Health {
  let equity = s.accounts.collateral[account];
  let losses = equity;
  let initial = 0;
  let maintenance = 0;
  for (const m of s.markets) {
    const pos = m.positions;
    const base = pos.base[account];
    const pnl = pos.pnl[account];
    if (base === 0) {
      equity += pnl;
      losses += Math.min(0, pnl);
      continue;
    }
    const value = pnl + unrealisedPnl(m, account, m.markPrice) - pendingFunding(m, account);
    equity += value;
    losses += Math.min(0, value);
    const abs = Math.abs(base);
    const notional = (abs * m.markPrice) / BASE_PRECISION;
    const r = marginRatiosE6(m.params, abs);
    initial += (notional * r.initial) / RATIO_PRECISION;
    maintenance += (notional * r.maintenance) / RATIO_PRECISION;
  }
  return { equity, equityLossesOnly: losses, initialRequirement: initial, maintenanceRequirement: maintenance };
}

export function meetsInitial(h: Health): boolean {
  return Math.floor(h.equity) >= Math.ceil(h.initialRequirement);
}

export function hasOpenPositions(s: EngineState, account: number): boolean {
  for (const m of s.markets) if (m.positions.base[account] !== 0) return true;
  return false;
}
