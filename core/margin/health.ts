/**
 * Account health. Cross positions share one pool: USDC collateral, other
 * collateral assets at their oracle price times a weight (initial weight for
 * the initial check, maintenance weight for the maintenance check), and the
 * value of every cross position (unsettled + unrealised PnL − pending
 * funding). An isolated position is judged alone, on its own collateral.
 * Requirements use the ratios in force (volatility-indexed, see
 * volatility.ts), raised with size (IMF × √size, as Drift does).
 * Comparisons round against the trader: equity down, requirements up.
 */
import { BASE_PRECISION, RATIO_PRECISION } from '../../vamm/precision.ts';
import type { Market } from '../market.ts';
import { applyPortfolioRequirements } from '../portfolio/requirement.ts';
import { pendingFunding } from '../settle.ts';
import type { EngineState } from '../state.ts';

export interface Health {
  /** Equity for the initial check (initial collateral weights), float. */
  equityInitial: number;
  /** Equity for the maintenance check (maintenance collateral weights), float. */
  equityMaintenance: number;
  /** Equity counting only losses (unsettled or unrealised profit never backs a withdrawal). */
  equityLossesOnly: number;
  initialRequirement: number;
  maintenanceRequirement: number;
  /** What a liquidation adds on top of maintenance before it stops: Σ notional × buffer. */
  bufferRequirement: number;
  /** Σ |notional| of the positions counted. */
  notional: number;
}

/** Initial ratio (E6) in force for a position of `absBase` units. */
export function initialRatioFor(m: Market, absBase: number): number {
  const initial = m.initialRatioE6;
  const imf = m.params.imfFactorE6;
  if (imf === 0) return initial;
  return Math.min(RATIO_PRECISION, Math.max(initial, imf * Math.sqrt(absBase / BASE_PRECISION)));
}

/** Maintenance ratio (E6) in force for a position of `absBase` units: the IMF scaling keeps MM/IM. */
export function maintenanceRatioFor(m: Market, absBase: number): number {
  const maintenance = m.maintenanceRatioE6;
  const imf = m.params.imfFactorE6;
  if (imf === 0) return maintenance;
  const sized = (imf * Math.sqrt(absBase / BASE_PRECISION) * maintenance) / m.initialRatioE6;
  return Math.min(RATIO_PRECISION, Math.max(maintenance, sized));
}

/** Value of a position to its owner: unsettled + unrealised PnL − pending funding (float). */
export function positionValue(m: Market, account: number): number {
  const pos = m.positions;
  const base = pos.base[account];
  if (base === 0) return pos.pnl[account];
  return (
    pos.pnl[account] + (base * m.markPrice) / BASE_PRECISION + pos.quoteEntry[account] - pendingFunding(m, account)
  );
}

function addPosition(h: Health, m: Market, account: number): void {
  const pos = m.positions;
  const base = pos.base[account];
  const value = positionValue(m, account);
  h.equityInitial += value;
  h.equityMaintenance += value;
  h.equityLossesOnly += Math.min(0, value);
  const bids = pos.openBids[account];
  const asks = pos.openAsks[account];
  if (base === 0 && bids === 0 && asks === 0) return;
  const abs = Math.abs(base);
  const notional = (abs * m.markPrice) / BASE_PRECISION;
  h.notional += notional;
  h.maintenanceRequirement += (notional * maintenanceRatioFor(m, abs)) / RATIO_PRECISION;
  h.bufferRequirement += (notional * m.params.liquidationBufferE6) / RATIO_PRECISION;
  // Initial margin counts open orders as if their worst side filled.
  const worst = bids === 0 && asks === 0 ? abs : Math.max(Math.abs(base + bids), Math.abs(base - asks));
  h.initialRequirement += (((worst * m.markPrice) / BASE_PRECISION) * initialRatioFor(m, worst)) / RATIO_PRECISION;
}

/** Oracle value of `units` of collateral asset `asset` (float, quote units); 0 without a price. */
export function assetValue(s: EngineState, asset: number, units: number): number {
  const a = s.assets[asset];
  if (a.priceMarket < 0) return units;
  const m = s.markets[a.priceMarket];
  if (m === undefined || m.oraclePublishTs < 0) return 0;
  return (units * m.oraclePrice) / BASE_PRECISION;
}

/**
 * Health of the account's cross pool: the cross requirements, or for a
 * portfolio account the portfolio ones while its charge is in force
 * (portfolio/requirement.ts). Everyone else pays one column lookup for it.
 */
export function crossHealth(s: EngineState, account: number): Health {
  // Two call sites on purpose: on the common path the Health never escapes, so an optimising
  // compiler that inlines this can keep it in registers instead of allocating it.
  if (s.accounts.portfolio[account] !== 1) return crossMarginHealth(s, account);
  const h = crossMarginHealth(s, account);
  applyPortfolioRequirements(s, account, h);
  return h;
}

/**
 * crossHealth written into `out` (the tick's scratch: a sweep over 100,000
 * accounts allocates no Health). Same arithmetic in the same order.
 */
export function crossHealthInto(s: EngineState, account: number, out: Health): Health {
  fillCrossMargin(s, account, out);
  if (s.accounts.portfolio[account] === 1) applyPortfolioRequirements(s, account, out);
  return out;
}

/** Health of the account's cross pool under cross-margin rules, whatever its margin mode. */
export function crossMarginHealth(s: EngineState, account: number): Health {
  const usdc = s.accounts.collateral[account];
  const h: Health = {
    equityInitial: usdc,
    equityMaintenance: usdc,
    equityLossesOnly: usdc,
    initialRequirement: 0,
    maintenanceRequirement: 0,
    bufferRequirement: 0,
    notional: 0,
  };
  return addCrossTerms(s, account, h);
}

function fillCrossMargin(s: EngineState, account: number, h: Health): Health {
  return addCrossTerms(s, account, resetHealth(h, s.accounts.collateral[account]));
}

/** `h` set to a pool of `collateral` with nothing required yet (what every health computation starts from). */
function resetHealth(h: Health, collateral: number): Health {
  h.equityInitial = collateral;
  h.equityMaintenance = collateral;
  h.equityLossesOnly = collateral;
  h.initialRequirement = 0;
  h.maintenanceRequirement = 0;
  h.bufferRequirement = 0;
  h.notional = 0;
  return h;
}

/**
 * A Health to fill in place (scratch). Its fields start as doubles so the
 * object's shape keeps double fields whatever is written later.
 */
export function newHealth(): Health {
  return {
    equityInitial: 0.5,
    equityMaintenance: 0.5,
    equityLossesOnly: 0.5,
    initialRequirement: 0.5,
    maintenanceRequirement: 0.5,
    bufferRequirement: 0.5,
    notional: 0.5,
  };
}

/** Collateral assets and cross positions added to `h`, which holds the account's USDC. */
function addCrossTerms(s: EngineState, account: number, h: Health): Health {
  const balances = s.accounts.balances;
  for (let i = 1; i < balances.length; i++) {
    const units = balances[i][account];
    if (units === 0) continue;
    const value = assetValue(s, i, units);
    const a = s.assets[i];
    h.equityInitial += (value * a.initialWeightE6) / RATIO_PRECISION;
    h.equityMaintenance += (value * a.maintenanceWeightE6) / RATIO_PRECISION;
    h.equityLossesOnly += (value * a.initialWeightE6) / RATIO_PRECISION;
  }
  for (const m of s.markets) {
    const pos = m.positions;
    if (pos.isolated[account] === 1) continue;
    if (
      pos.base[account] === 0 &&
      pos.pnl[account] === 0 &&
      pos.openBids[account] === 0 &&
      pos.openAsks[account] === 0
    ) {
      continue;
    }
    addPosition(h, m, account);
  }
  return h;
}

export function isolatedHealth(m: Market, account: number): Health {
  const c = m.positions.isolatedCollateral[account];
  const h: Health = {
    equityInitial: c,
    equityMaintenance: c,
    equityLossesOnly: c,
    initialRequirement: 0,
    maintenanceRequirement: 0,
    bufferRequirement: 0,
    notional: 0,
  };
  addPosition(h, m, account);
  return h;
}

/** Health of whatever backs the position in `m`: its isolated pool, or the cross account. */
export function healthFor(s: EngineState, m: Market, account: number): Health {
  return m.positions.isolated[account] === 1 ? isolatedHealth(m, account) : crossHealth(s, account);
}

/** Scratch for the yes/no checks below: filled and read within one call, never kept (not state). */
const checkScratch: Health = newHealth();

/**
 * meetsInitial(healthFor(s, m, account)) without allocating a Health: the
 * order paths ask it once per accepted order. Same arithmetic, same order.
 */
export function meetsInitialFor(s: EngineState, m: Market, account: number): boolean {
  return meetsInitial(healthForInto(s, m, account, checkScratch));
}

/** healthFor written into `out`: same arithmetic, same order. */
function healthForInto(s: EngineState, m: Market, account: number, out: Health): Health {
  if (m.positions.isolated[account] !== 1) return crossHealthInto(s, account, out);
  addPosition(resetHealth(out, m.positions.isolatedCollateral[account]), m, account);
  return out;
}

export function meetsInitial(h: Health): boolean {
  return Math.floor(h.equityInitial) >= Math.ceil(h.initialRequirement);
}

export function belowMaintenance(h: Health): boolean {
  return Math.floor(h.equityMaintenance) < Math.ceil(h.maintenanceRequirement);
}

/** A liquidation goes on until equity reaches maintenance + buffer (or the position is closed). */
export function belowLiquidationTarget(h: Health): boolean {
  return Math.floor(h.equityMaintenance) < Math.ceil(h.maintenanceRequirement + h.bufferRequirement);
}

/** Withdrawals and transfers out: only losses count on the equity side. */
export function meetsInitialLossesOnly(h: Health): boolean {
  return Math.floor(h.equityLossesOnly) >= Math.ceil(h.initialRequirement);
}

/** Sink for touchAccount's loads (so the compiler keeps them). Not state. */
const touchSink = new Float64Array(1);

/**
 * Loads every margin input of the account (its collateral and flags, and
 * its position row in each market) in one burst. An order on a random one of
 * many accounts misses the cache on each of these; loaded together, the
 * misses overlap instead of stalling the order one at a time as its checks
 * reach them. Reads only: the result is the same with or without it.
 */
export function touchAccount(s: EngineState, account: number): void {
  const acc = s.accounts;
  let x = acc.collateral[account] + acc.warned[account] + acc.liquidationSince[account] + acc.portfolio[account];
  const markets = s.markets;
  for (let i = 0; i < markets.length; i++) {
    const p = markets[i].positions;
    x +=
      p.base[account] +
      p.quoteEntry[account] +
      p.fundingIndex[account] +
      p.pnl[account] +
      p.isolated[account] +
      p.openBids[account] +
      p.openAsks[account] +
      p.threshold[account];
  }
  touchSink[0] = x;
}

export function hasOpenPositions(s: EngineState, account: number): boolean {
  for (const m of s.markets) if (m.positions.base[account] !== 0) return true;
  return false;
}
