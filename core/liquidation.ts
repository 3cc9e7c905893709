/**
 * Liquidation. A unit of risk is either an account's cross pool or one of
 * its isolated positions. A unit below maintenance:
 *   1. has the account's open orders cancelled and enters liquidation;
 *   2. is open to external liquidators, who take over part or all of a
 *      position at the mark and receive a share of the penalty (the first
 *      valid takeover in sequence order wins);
 *   3. after `liquidatorWindowTicks`, whatever is left is closed by the
 *      backstop on the vAMM.
 * Either way only enough is closed to restore maintenance + buffer (Drift's
 * shape), or everything when the position is small or the unit is deep under
 * water. The penalty is split between liquidator and insurance fund.
 * A flat unit whose PnL debt exceeds its collateral is bankrupt: its other
 * collateral is sold to the insurance fund, the insurance fund covers the
 * rest, and what it cannot is socialised across the opposite side's open
 * interest through the funding index (docs/RISK.md says why).
 */
import { baseToReachPrice, type Direction, swapBase } from '../vamm/curve.ts';
import { bandLimitPriceE6, maxFillBase } from '../vamm/guards.ts';
import { BASE_PRECISION, RATIO_PRECISION } from '../vamm/precision.ts';
import type { Liquidate } from './commands.ts';
import { type Rejection, reject } from './errors.ts';
import {
  assetValue,
  belowMaintenance,
  crossHealth,
  type Health,
  healthFor,
  isolatedHealth,
  maintenanceRatioFor,
  meetsInitial,
} from './margin/health.ts';
import { refreshMark } from './mark.ts';
import { type Market, MF } from './market.ts';
import { checkOracleForMargin } from './oracle.ts';
import { applyFill } from './position.ts';
import { settleAccount, settleFunding, settlePnl } from './settle.ts';
import type { EngineState } from './state.ts';

/** Base units to close in `m` to restore maintenance + buffer for the unit whose health is `h`. */
export function closeSize(m: Market, account: number, h: Health): number {
  const p = m.params;
  const b = Math.abs(m.positions.base[account]);
  if (b === 0) return 0;
  const mark = m.markPrice;
  const notional = (b * mark) / BASE_PRECISION;
  if (notional < p.fullLiquidationNotional) return b;
  if (h.equityMaintenance < (h.maintenanceRequirement * p.deepUnderwaterE6) / RATIO_PRECISION) return b;
  const rho = maintenanceRatioFor(m, b) / RATIO_PRECISION;
  const beta = p.liquidationBufferE6 / RATIO_PRECISION;
  const penalty = p.liquidationPenaltyE6 / RATIO_PRECISION;
  const need = h.maintenanceRequirement + beta * h.notional - h.equityMaintenance;
  if (need <= 0) return 0;
  const size = Math.ceil((need * BASE_PRECISION) / (mark * (rho + beta - penalty)));
  return size >= b || b - size < p.minOrderSize ? b : size;
}

/** Collateral column that pays for the position in `m` (isolated or cross). */
function payingColumn(s: EngineState, m: Market, account: number): Float64Array {
  return m.positions.isolated[account] === 1 ? m.positions.isolatedCollateral : s.accounts.collateral;
}

/** Take the penalty from the liquidated unit (as far as it holds) and split it. */
function chargePenalty(
  s: EngineState,
  m: Market,
  account: number,
  base: number,
  liquidator: number,
): [number, number, number] {
  const u = s.undo;
  const col = payingColumn(s, m, account);
  const due = Math.ceil((((base * m.markPrice) / BASE_PRECISION) * m.params.liquidationPenaltyE6) / RATIO_PRECISION);
  const paid = Math.min(due, col[account]);
  if (paid <= 0) return [0, 0, 0];
  u.at(col, account, col[account] - paid);
  const reward = liquidator < 0 ? 0 : Math.floor((paid * m.params.liquidatorShareE6) / RATIO_PRECISION);
  if (reward > 0) u.at(s.accounts.collateral, liquidator, s.accounts.collateral[liquidator] + reward);
  u.set(s, 'insuranceFund', s.insuranceFund + paid - reward);
  return [paid, reward, paid - reward];
}

/** Close `size` of the position on the vAMM (the backstop). Returns the base closed. */
export function backstopClose(s: EngineState, m: Market, account: number, size: number, ts: number): number {
  const u = s.undo;
  const pos = m.positions;
  const b0 = pos.base[account];
  const direction: Direction = b0 > 0 ? 'short' : 'long';
  // Price protection: the backstop never pushes the curve past the band around the oracle.
  const edge = bandLimitPriceE6(m.oraclePrice, m.params.priceBandE6, direction);
  const fill = Math.min(
    size,
    Math.abs(b0),
    maxFillBase(m.baseReserve, m.params.maxFillFractionE6),
    baseToReachPrice(m, direction, edge),
  );
  if (fill <= 0) return 0;
  const swap = swapBase(m, direction, fill);
  if (swap === null) return 0;
  settleFunding(s, m, account);
  const sign = direction === 'long' ? 1 : -1;
  u.at(m.f, MF.baseReserve, swap.baseReserve);
  u.at(m.f, MF.quoteReserve, swap.quoteReserve);
  u.at(m.f, MF.ammNetBase, m.ammNetBase - sign * fill);
  applyFill(s, m, account, sign * fill, direction === 'long' ? -swap.quote : swap.quote);
  settlePnl(s, m, account);
  const [penalty, , insuranceShare] = chargePenalty(s, m, account, fill, -1);
  refreshMark(s, m, ts);
  s.touch(account);
  s.events.push({
    type: 'liquidation',
    account,
    market: m.id,
    liquidator: -1,
    side: direction === 'long' ? 'buy' : 'sell',
    base: fill,
    price: Math.round(swap.avgPriceE6),
    penalty,
    liquidatorReward: 0,
    insuranceShare,
  });
  return fill;
}

/** External takeover: the liquidator takes part or all of the position at the mark. */
export function takeover(s: EngineState, m: Market, cmd: Liquidate, ts: number): Rejection | null {
  const u = s.undo;
  const a = cmd.account;
  const l = cmd.liquidator;
  if (a === l) return reject('SELF_LIQUIDATION');
  const pos = m.positions;
  if (pos.base[a] === 0) return reject('NOTHING_TO_LIQUIDATE', `account ${a} market ${m.id}`);
  const stale = checkOracleForMargin(m, ts);
  if (stale !== null) return stale;
  settleFunding(s, m, a);
  const h = healthFor(s, m, a);
  if (!belowMaintenance(h)) return reject('ACCOUNT_HEALTHY', `account ${a}`);
  const size = Math.min(cmd.size, closeSize(m, a, h));
  if (size <= 0) return reject('ACCOUNT_HEALTHY', `account ${a} needs no reduction in market ${m.id}`);
  settleFunding(s, m, l);
  const b0 = pos.base[a];
  const sign = b0 > 0 ? -1 : 1; // the liquidated account's trade direction
  const quote = Math.round((size * m.markPrice) / BASE_PRECISION);
  // Liquidated side: sells a long (receives quote) or buys back a short (pays quote); the liquidator mirrors it.
  applyFill(s, m, a, sign * size, sign < 0 ? quote : -quote);
  applyFill(s, m, l, -sign * size, sign < 0 ? -quote : quote);
  settlePnl(s, m, a);
  settlePnl(s, m, l);
  const [penalty, reward, insuranceShare] = chargePenalty(s, m, a, size, l);
  if (!meetsInitial(healthFor(s, m, l))) return reject('LIQUIDATOR_MARGIN', `liquidator ${l}`);
  s.touch(a);
  s.touch(l);
  s.events.push({
    type: 'liquidation',
    account: a,
    market: m.id,
    liquidator: l,
    side: sign > 0 ? 'buy' : 'sell',
    base: size,
    price: m.markPrice,
    penalty,
    liquidatorReward: reward,
    insuranceShare,
  });
  resolveBankruptcy(s, a, m.positions.isolated[a] === 1 ? m : null, m, b0 > 0);
  return null;
}

/**
 * If the unit (the cross pool, or the isolated position `iso`) is flat and
 * its PnL debts exceed its collateral, cover them: other collateral sold to
 * the insurance fund, then the insurance fund, then socialised loss.
 * `lastMarket`/`wasLong` say which side the bankrupt position was on.
 */
export function resolveBankruptcy(
  s: EngineState,
  account: number,
  iso: Market | null,
  lastMarket: Market,
  wasLong: boolean,
): void {
  // Not flat: not bankrupt yet (checked before anything allocates: the common case).
  if (iso !== null && iso.positions.base[account] !== 0) return;
  if (iso === null) {
    for (const m of s.markets) if (m.positions.isolated[account] === 0 && m.positions.base[account] !== 0) return;
  }
  const units = iso === null ? s.markets.filter((m) => m.positions.isolated[account] === 0) : [iso];
  if (iso === null) {
    settleAccount(s, account);
    if (!units.some((m) => m.positions.pnl[account] < 0)) return;
    sellCollateralToInsurance(s, account);
    settleAccount(s, account);
  } else {
    settlePnl(s, iso, account);
  }
  for (const m of units) {
    const debt = -m.positions.pnl[account];
    if (debt <= 0) continue;
    coverDebt(s, m, account, debt, m === lastMarket ? wasLong : m.openInterestShort >= m.openInterestLong);
  }
}

function sellCollateralToInsurance(s: EngineState, account: number): void {
  const u = s.undo;
  const balances = s.accounts.balances;
  for (let i = 1; i < balances.length; i++) {
    const units = balances[i][account];
    if (units === 0) continue;
    const asset = s.assets[i];
    const usdc = Math.floor((assetValue(s, i, units) * asset.maintenanceWeightE6) / RATIO_PRECISION);
    if (usdc <= 0 || usdc > s.insuranceFund) continue;
    u.at(balances[i], account, 0);
    u.set(asset, 'insuranceHoldings', asset.insuranceHoldings + units);
    u.set(s, 'insuranceFund', s.insuranceFund - usdc);
    u.at(s.accounts.collateral, account, s.accounts.collateral[account] + usdc);
    s.events.push({ type: 'collateralLiquidated', account, asset: i, units, usdc });
  }
}

function coverDebt(s: EngineState, m: Market, account: number, debt: number, bankruptWasLong: boolean): void {
  const u = s.undo;
  const insurance = Math.min(debt, s.insuranceFund);
  if (insurance > 0) {
    u.set(s, 'insuranceFund', s.insuranceFund - insurance);
    u.at(m.f, MF.pnlPool, m.pnlPool + insurance);
  }
  let rest = debt - insurance;
  let socialised = 0;
  let feePoolCovered = 0;
  if (rest > 0) {
    // The winners of this market are the opposite side; they receive less.
    const opposite = bankruptWasLong ? m.openInterestShort : m.openInterestLong;
    if (opposite > 0) {
      const perBase = (rest * BASE_PRECISION) / opposite;
      if (bankruptWasLong) u.at(m.f, MF.cumFundingShort, m.cumFundingShort - perBase);
      else u.at(m.f, MF.cumFundingLong, m.cumFundingLong + perBase);
      socialised = rest;
    } else {
      // No trader on the other side: the AMM was the counterparty; its fee pool pays.
      feePoolCovered = Math.min(rest, m.feePool);
      if (feePoolCovered > 0) {
        u.at(m.f, MF.feePool, m.feePool - feePoolCovered);
        u.at(m.f, MF.pnlPool, m.pnlPool + feePoolCovered);
      }
      socialised = rest - feePoolCovered;
    }
    rest = 0;
  }
  u.at(m.positions.pnl, account, 0);
  s.touch(account);
  s.events.push({
    type: 'bankruptcy',
    account,
    market: m.id,
    shortfall: debt,
    insuranceCovered: insurance,
    socialised,
    feePoolCovered,
  });
}

/** Health of each distressed unit of an account: cross first, then isolated positions by market id. */
export function distressedUnits(s: EngineState, account: number): { market: Market | null; health: Health }[] {
  const out: { market: Market | null; health: Health }[] = [];
  const cross = crossHealth(s, account);
  if (cross.maintenanceRequirement > 0 || cross.equityMaintenance < 0) {
    if (belowMaintenance(cross)) out.push({ market: null, health: cross });
  }
  for (const m of s.markets) {
    if (m.positions.isolated[account] !== 1 || m.positions.base[account] === 0) continue;
    const h = isolatedHealth(m, account);
    if (belowMaintenance(h)) out.push({ market: m, health: h });
  }
  return out;
}
