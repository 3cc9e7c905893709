/**
 * What agents and metrics may read of the engine: a read-only view, in one
 * place, so that the rest of the simulator does not depend on the engine's
 * internal layout. Everything here is something a client could learn from
 * public market data or its own account (positions are public on-chain in
 * the vAMM exchanges this one follows). Nothing here writes state.
 */
import type { Engine } from '../core/engine.ts';
import {
  belowMaintenance,
  crossHealth,
  crossHealthInto,
  type Health,
  healthFor,
  isolatedHealth,
} from '../core/margin/health.ts';
import type { Market } from '../core/market.ts';
import { confidenceE6, volatilityE6 } from '../core/oracle.ts';
import { pendingFunding } from '../core/settle.ts';
import { curvePriceE6 } from '../vamm/curve.ts';
import { maxFillBase } from '../vamm/guards.ts';
import { computeSpreads, type SpreadInputs } from '../vamm/spread.ts';
import { BASE_PRECISION, RATIO_PRECISION } from './units.ts';

export function market(e: Engine, id: number): Market {
  return e.markets[id];
}

/** The vAMM's marginal price (no spread), 1e-6 USD. */
export function ammPrice(m: Market): number {
  return curvePriceE6(m);
}

/** What a market order pays now at the margin: the vAMM price with each side's spread (1e-6 USD). */
export interface AmmQuotes {
  ask: number;
  bid: number;
}

/** The engine's spread inputs (core/spreads.ts), refilled for each ammQuotesInto call. */
const spreadInputs: { -readonly [K in keyof SpreadInputs]: number } = {
  ammNetBase: 0,
  baseReserve: 0,
  volatilityE6: 0,
  oracleConfidenceE6: 0,
};

/** The vAMM's ask and bid now, written into `out` (agents ask every step: no allocation). */
export function ammQuotesInto(m: Market, out: AmmQuotes): AmmQuotes {
  const p = curvePriceE6(m);
  // The engine's spread inputs (core/spreads.ts), from the pure spread maths.
  spreadInputs.ammNetBase = m.ammNetBase;
  spreadInputs.baseReserve = m.baseReserve;
  spreadInputs.volatilityE6 = volatilityE6(m, m.params.fundingIntervalMs);
  spreadInputs.oracleConfidenceE6 = confidenceE6(m);
  const s = computeSpreads(m.params, spreadInputs);
  out.ask = p * (1 + s.longSpreadE6 / RATIO_PRECISION);
  out.bid = p * (1 - s.shortSpreadE6 / RATIO_PRECISION);
  return out;
}

export function positionBase(m: Market, account: number): number {
  return m.positions.base[account];
}

export function isIsolated(m: Market, account: number): boolean {
  return m.positions.isolated[account] === 1;
}

/** Largest base amount one fill may take right now. */
export function maxFill(m: Market): number {
  return maxFillBase(m.baseReserve, m.params.maxFillFractionE6);
}

/** Leverage the market allows right now (1 / initial ratio in force). */
export function maxLeverage(m: Market): number {
  return RATIO_PRECISION / m.initialRatioE6;
}

export function inLiquidation(e: Engine, account: number): boolean {
  return e.accounts.liquidationSince[account] !== 0;
}

export function cross(e: Engine, account: number): Health {
  return crossHealth(e, account);
}

/** A Health to pass to crossInto() again and again. */
export function scratchHealth(): Health {
  return {
    equityInitial: 0,
    equityMaintenance: 0,
    equityLossesOnly: 0,
    initialRequirement: 0,
    maintenanceRequirement: 0,
    bufferRequirement: 0,
    notional: 0,
  };
}

/** cross() written into `out` (the engine's own arithmetic, crossHealthInto): no Health allocated. */
export function crossInto(e: Engine, account: number, out: Health): Health {
  return crossHealthInto(e, account, out);
}

/**
 * Is any risk unit of the account below maintenance? The answer of
 * core/liquidation.ts distressedUnits(e, account).length > 0 (the same
 * units, the same health arithmetic) without building its list: the cross
 * pool is computed into `scratch`, and it stops at the first unit below.
 */
export function anyBelowMaintenance(e: Engine, account: number, scratch: Health): boolean {
  if (belowMaintenance(crossHealthInto(e, account, scratch))) return true;
  for (const m of e.markets) {
    const pos = m.positions;
    if (pos.isolated[account] !== 1 || (pos.base[account] === 0 && pos.pnl[account] >= 0)) continue;
    if (belowMaintenance(isolatedHealth(m, account))) return true;
  }
  return false;
}

/** Health of whatever backs the account's position in `m`. */
export function health(e: Engine, m: Market, account: number): Health {
  return healthFor(e, m, account);
}

/** health(), written into `scratch` when the cross pool backs it (an isolated pool still gets a fresh Health). */
export function healthInto(e: Engine, m: Market, account: number, scratch: Health): Health {
  return m.positions.isolated[account] === 1 ? isolatedHealth(m, account) : crossHealthInto(e, account, scratch);
}

/** Value of a position at the oracle (not the mark): unsettled + unrealised PnL − pending funding. */
export function positionValueAtOracle(m: Market, account: number): number {
  const pos = m.positions;
  const base = pos.base[account];
  if (base === 0) return pos.pnl[account];
  return (
    pos.pnl[account] + (base * m.oraclePrice) / BASE_PRECISION + pos.quoteEntry[account] - pendingFunding(m, account)
  );
}

/** Everything the account would own if all its positions closed at the oracle (quote units, float). */
export function accountValue(e: Engine, account: number): number {
  let v = e.accounts.collateral[account];
  for (const m of e.markets) v += m.positions.isolatedCollateral[account] + positionValueAtOracle(m, account);
  return v;
}

/** Unrealised + unsettled profit of the account at the mark (what an exploit would like to borrow against). */
export function markProfit(e: Engine, account: number): number {
  let v = 0;
  for (const m of e.markets) {
    const pos = m.positions;
    const base = pos.base[account];
    v += pos.pnl[account] + (base === 0 ? 0 : (base * m.markPrice) / BASE_PRECISION + pos.quoteEntry[account]);
  }
  return v;
}
