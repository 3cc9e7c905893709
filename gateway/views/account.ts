/**
 * Read-only views of an account: collateral, health (crossHealth, rounded as
 * the engine compares: equity down, requirements up) and positions.
 */
import type { Engine } from '../../core/engine.ts';
import { crossHealth, isolatedHealth } from '../../core/margin/health.ts';
import type { Market } from '../../core/market.ts';
import { pendingFunding } from '../../core/settle.ts';
import { BASE_PRECISION } from '../../vamm/precision.ts';

export interface PositionView {
  market: number;
  symbol: string;
  /** Signed base units (positive: long). */
  base: number;
  quoteEntry: number;
  /** Average entry price (1e-6 USD), 0 when flat. */
  entryPrice: number;
  markPrice: number;
  /** Unrealised PnL at mark, quote units (rounded down). */
  unrealisedPnl: number;
  /** Settled-later PnL held in the market (quote units). */
  unsettledPnl: number;
  /** Funding owed since the last settlement (positive: the position pays). */
  pendingFunding: number;
  isolated: boolean;
  isolatedCollateral: number;
  /** For isolated positions: their own equity and maintenance requirement. */
  isolatedEquity?: number;
  isolatedMaintenance?: number;
}

export interface AccountView {
  account: number;
  collateral: number;
  balances: { asset: number; symbol: string; amount: number }[];
  equity: number;
  initialRequirement: number;
  maintenanceRequirement: number;
  notional: number;
  inLiquidation: boolean;
  warned: boolean;
  positions: PositionView[];
}

export function positionView(m: Market, account: number): PositionView | null {
  const pos = m.positions;
  const base = pos.base[account];
  const isolated = pos.isolated[account] === 1;
  if (base === 0 && pos.pnl[account] === 0 && !isolated) return null;
  const quoteEntry = pos.quoteEntry[account];
  const view: PositionView = {
    market: m.id,
    symbol: m.symbol,
    base,
    quoteEntry,
    entryPrice: base === 0 ? 0 : Math.round((Math.abs(quoteEntry) * BASE_PRECISION) / Math.abs(base)),
    markPrice: m.markPrice,
    unrealisedPnl: base === 0 ? 0 : Math.floor((base * m.markPrice) / BASE_PRECISION + quoteEntry),
    unsettledPnl: pos.pnl[account],
    pendingFunding: Math.ceil(pendingFunding(m, account)),
    isolated,
    isolatedCollateral: pos.isolatedCollateral[account],
  };
  if (isolated) {
    const h = isolatedHealth(m, account);
    view.isolatedEquity = Math.floor(h.equityMaintenance);
    view.isolatedMaintenance = Math.ceil(h.maintenanceRequirement);
  }
  return view;
}

export function positionsOf(engine: Engine, account: number): PositionView[] {
  const out: PositionView[] = [];
  for (const m of engine.markets) {
    const v = positionView(m, account);
    if (v !== null) out.push(v);
  }
  return out;
}

export function accountView(engine: Engine, account: number): AccountView {
  const a = engine.accounts;
  const h = crossHealth(engine, account);
  const balances = [];
  for (let i = 1; i < engine.assets.length; i++) {
    const amount = a.balances[i][account];
    if (amount !== 0) balances.push({ asset: i, symbol: engine.assets[i].symbol, amount });
  }
  return {
    account,
    collateral: a.collateral[account],
    balances,
    equity: Math.floor(h.equityMaintenance),
    initialRequirement: Math.ceil(h.initialRequirement),
    maintenanceRequirement: Math.ceil(h.maintenanceRequirement),
    notional: Math.round(h.notional),
    inLiquidation: a.liquidationSince[account] !== 0,
    warned: a.warned[account] === 1,
    positions: positionsOf(engine, account),
  };
}
