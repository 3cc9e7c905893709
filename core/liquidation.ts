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
import { baseToReachPrice, type Direction, type MutableSwap, swapBaseInto } from '../vamm/curve.ts';
import { bandLimitPriceE6, maxFillBase } from '../vamm/guards.ts';
import { BASE_PRECISION, RATIO_PRECISION } from '../vamm/precision.ts';
import type { Liquidate, LiquidateCollateral } from './commands.ts';
import { type Rejection, reject, safe } from './errors.ts';
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
import { crossPoolMeetsInitial, meetsPortfolioInitial } from './portfolio/check.ts';
import { collateralChanged, refreshCharge } from './portfolio/row.ts';
import { applyFill, fillPosition } from './position.ts';
import { payingColumn, settleAccount, settleAmount, settleFunding, settlePnl } from './settle.ts';
import type { EngineState } from './state.ts';

/**
 * Over-sizing of the backstop's follow-up steps against the linear estimate:
 * closing moves the curve (and with it the mark) against the position, so an
 * exact estimate only creeps toward the target; a margin lands on it. The
 * first step is exact, so without slippage a backstop closes exactly what a
 * takeover would.
 */
export const CLOSE_SIZE_FOLLOW_UP_MARGIN = 1.1;

/**
 * Base units to close in `m` to restore maintenance + buffer for the unit
 * whose health is `h`, when each unit closes at `execPriceE6` (the mark for a
 * takeover; the curve's price for the backstop, whose distance from the mark
 * is a loss per unit closed that the size must cover).
 */
export function closeSize(m: Market, account: number, h: Health, execPriceE6 = m.markPrice, margin = 1): number {
  const p = m.params;
  const b = Math.abs(m.positions.base[account]);
  if (b === 0) return 0;
  const mark = m.markPrice;
  const notional = (b * mark) / BASE_PRECISION;
  if (notional < p.fullLiquidationNotional) return b;
  if (h.equityMaintenance < (h.maintenanceRequirement * p.deepUnderwaterE6) / RATIO_PRECISION) return b;
  const rho = maintenanceRatioFor(m, b) / RATIO_PRECISION;
  const beta = h.notional > 0 ? h.bufferRequirement / h.notional : 0;
  const penalty = p.liquidationPenaltyE6 / RATIO_PRECISION;
  const need = h.maintenanceRequirement + h.bufferRequirement - h.equityMaintenance;
  if (need <= 0) return 0;
  const base = m.positions.base[account];
  const slippage = base > 0 ? Math.max(0, mark - execPriceE6) : Math.max(0, execPriceE6 - mark);
  const perUnit = mark * (rho + beta - penalty) - slippage;
  if (!(perUnit > 0)) return b; // closing does not restore margin at this price: close it all
  const size = Math.ceil((need * BASE_PRECISION * margin) / perUnit);
  return size >= b || b - size < p.minOrderSize ? b : size;
}

/** The penalty due on closing `base` units of a position in `m` (at the mark): rounded up, in the protocol's favour. */
function penaltyDue(m: Market, base: number): number {
  return Math.ceil((((base * m.markPrice) / BASE_PRECISION) * m.params.liquidationPenaltyE6) / RATIO_PRECISION);
}

/** Take the penalty from the liquidated unit (as far as it holds) and split it. */
function chargePenalty(s: EngineState, m: Market, account: number, base: number, liquidator: number): void {
  const u = s.undo;
  const col = payingColumn(s, m, account);
  const due = penaltyDue(m, base);
  const paid = Math.min(due, col[account]);
  penalty.paid = 0;
  penalty.reward = 0;
  if (paid <= 0) return;
  u.at(col, account, col[account] - paid);
  const reward = liquidator < 0 ? 0 : Math.floor((paid * m.params.liquidatorShareE6) / RATIO_PRECISION);
  if (reward > 0) u.at(s.accounts.collateral, liquidator, s.accounts.collateral[liquidator] + reward);
  u.set(s, 'insuranceFund', s.insuranceFund + paid - reward);
  penalty.paid = paid;
  penalty.reward = reward;
}

/** What the last chargePenalty took (paid) and gave the liquidator (reward); the rest went to insurance. */
const penalty = { paid: 0, reward: 0 };

/** The backstop's swap (scratch, read before the next backstopClose refills it). */
const backstopSwap: MutableSwap = { baseReserve: 0, quoteReserve: 0, base: 0, quote: 0, avgPriceE6: 0, postPriceE6: 0 };

/**
 * Close `size` of the position on the vAMM (the backstop). Returns the base closed.
 *
 * The same steps as a fill followed by settlePnl and chargePenalty, with the
 * same results and events (fundingSettled; pnlSettled and liquidation as rows of the tick's batch), but the
 * unit's PnL and collateral are computed in locals and written once each: a
 * crash closes one position per distressed account, and every write is an
 * undo-log entry.
 */
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
  const swap = backstopSwap;
  if (!swapBaseInto(m, direction, fill, swap)) return 0;
  settleFunding(s, m, account);
  const sign = direction === 'long' ? 1 : -1;
  u.atField(m, MF.baseReserve, swap.baseReserve);
  u.atField(m, MF.quoteReserve, swap.quoteReserve);
  u.atField(m, MF.ammNetBase, m.ammNetBase - sign * fill);
  const realised = fillPosition(s, m, account, sign * fill, direction === 'long' ? -swap.quote : swap.quote);
  const pnl0 = pos.pnl[account];
  const pnl = realised === 0 ? pnl0 : safe(pnl0 + realised, 'unsettled pnl');
  // settlePnl, on the locals.
  const col = payingColumn(s, m, account);
  const col0 = col[account];
  let c = col0;
  const moved = settleAmount(pnl, c, m.pnlPool);
  if (moved !== 0) {
    c += moved;
    u.atField(m, MF.pnlPool, m.pnlPool - moved);
  }
  if (pnl - moved !== pnl0) u.at(pos.pnl, account, pnl - moved);
  const rows = s.liquidationRows();
  if (moved !== 0) rows.settled(account, m.id, moved, pnl - moved);
  // chargePenalty (no liquidator: the insurance fund keeps all of it), on the locals.
  const paid = Math.max(0, Math.min(penaltyDue(m, fill), c));
  if (paid > 0) {
    c -= paid;
    u.set(s, 'insuranceFund', s.insuranceFund + paid);
  }
  if (c !== col0) u.at(col, account, c);
  refreshMark(s, m, ts);
  s.touch(account);
  rows.liquidation(
    account,
    m.id,
    -1,
    direction === 'long' ? 'buy' : 'sell',
    fill,
    Math.round(swap.avgPriceE6),
    paid,
    0,
    paid,
  );
  return fill;
}

/** External takeover: the liquidator takes part or all of the position at the mark. */
export function takeover(s: EngineState, m: Market, cmd: Liquidate, ts: number): Rejection | null {
  const a = cmd.account;
  const l = cmd.liquidator;
  if (a === l) return reject('SELF_LIQUIDATION');
  const pos = m.positions;
  if (pos.base[a] === 0) return reject('NOTHING_TO_LIQUIDATE', `account ${a} market ${m.id}`);
  const stale = checkOracleForMargin(m, ts);
  if (stale !== null) return stale;
  settleFunding(s, m, a);
  // A portfolio account is liquidated on its exact charge, never on a stored bound.
  if (s.accounts.portfolio[a] === 1 && pos.isolated[a] !== 1) refreshCharge(s, a);
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
  chargePenalty(s, m, a, size, l);
  const paid = penalty.paid;
  const reward = penalty.reward;
  const liquidatorMet =
    s.accounts.portfolio[l] === 1 && pos.isolated[l] !== 1
      ? meetsPortfolioInitial(s, l, false)
      : meetsInitial(healthFor(s, m, l));
  if (!liquidatorMet) return reject('LIQUIDATOR_MARGIN', `liquidator ${l}`);
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
    penalty: paid,
    liquidatorReward: reward,
    insuranceShare: paid - reward,
  });
  resolveBankruptcy(s, a, m.positions.isolated[a] === 1 ? m : null, m, b0 > 0);
  return null;
}

/**
 * If the unit (the cross pool, or the isolated position `iso`) is flat and
 * its PnL debts exceed its collateral, cover them: other collateral sold to
 * the insurance fund, then the insurance fund, then socialised loss.
 * `lastMarket`/`wasLong` say which side the bankrupt position was on.
 * Returns true when it changed anything (a settlement included), so a
 * caller holding the unit's health knows whether it is still current.
 */
export function resolveBankruptcy(
  s: EngineState,
  account: number,
  iso: Market | null,
  lastMarket: Market | null,
  wasLong: boolean,
): boolean {
  // Not flat: not bankrupt yet (checked before anything allocates: the common case).
  if (iso !== null && iso.positions.base[account] !== 0) return false;
  if (iso === null) {
    // Flat in every cross market, and nothing settleAccount below would touch (no isolated
    // position, no unsettled PnL anywhere): no debt, nothing to do — the backstop's common case.
    let untouched = true;
    for (const m of s.markets) {
      const pos = m.positions;
      if (pos.base[account] !== 0) {
        if (pos.isolated[account] === 0) return false;
        untouched = false;
      } else if (pos.pnl[account] !== 0) untouched = false;
    }
    if (untouched) return false;
  }
  // The units: the isolated position, or every cross market (in market order; no arrays allocated,
  // a crash resolves tens of thousands of these in one tick).
  const markets = s.markets;
  let changed = false;
  if (iso === null) {
    changed = settleAccount(s, account);
    let inDebt = false;
    for (let i = 0; i < markets.length && !inDebt; i++) {
      const pos = markets[i].positions;
      if (pos.isolated[account] === 0 && pos.pnl[account] < 0) inDebt = true;
    }
    if (!inDebt) return changed;
    changed = true; // conservatively: the debt is resolved below, or kept as secured
    sellCollateralToInsurance(s, account);
    settleAccount(s, account);
  } else {
    changed = settlePnl(s, iso, account) !== 0;
  }
  // Debt the account's other collateral still secures (at its maintenance weight) stays with
  // the account, to be paid when that collateral is sold (liquidateCollateral, or the insurance
  // fund once it can buy): nobody else pays for an account that can pay itself.
  let secured = iso === null ? otherCollateralValue(s, account) : 0;
  for (let i = 0; i < markets.length; i++) {
    const m = markets[i];
    if (iso !== null ? m !== iso : m.positions.isolated[account] !== 0) continue;
    const debt = -m.positions.pnl[account];
    if (debt <= 0) continue;
    const keep = Math.min(debt, Math.floor(secured));
    secured -= keep;
    if (debt - keep > 0) {
      coverDebt(s, m, account, debt - keep, m === lastMarket ? wasLong : m.openInterestShort >= m.openInterestLong);
      changed = true;
    }
  }
  return changed;
}

/**
 * After an account's own fill (taker or maker): a unit it closed into debt is
 * resolved at once (bankruptcy).
 *
 * A unit the fill left below maintenance needs nothing here: every account a
 * command touched has its thresholds refreshed after it (refreshAccount),
 * and that queues for an exact check at the next tick every account that
 * could be near or below maintenance (a crossed threshold, or a complex
 * account), whether or not a mark moves.
 */
export function afterFill(s: EngineState, m: Market, account: number, wasLong: boolean): void {
  const pos = m.positions;
  if (pos.base[account] === 0 && pos.pnl[account] < 0) {
    const iso = pos.isolated[account] === 1;
    const col = payingColumn(s, m, account);
    if (col[account] === 0) resolveBankruptcy(s, account, iso ? m : null, m, wasLong);
  }
}

/** Maintenance-weighted value of an account's non-USDC collateral (quote units, float). */
export function otherCollateralValue(s: EngineState, account: number): number {
  let v = 0;
  const balances = s.accounts.balances;
  for (let i = 1; i < balances.length; i++) {
    const units = balances[i][account];
    if (units !== 0) v += (assetValue(s, i, units) * s.assets[i].maintenanceWeightE6) / RATIO_PRECISION;
  }
  return v;
}

/**
 * An external liquidator buys an indebted account's non-USDC collateral at
 * its maintenance-weighted oracle value (the haircut is the liquidator's
 * reward); the USDC pays the account's debts. Allowed only while the account
 * owes a PnL pool and has no USDC left to pay it.
 */
export function liquidateCollateral(s: EngineState, cmd: LiquidateCollateral, ts: number): Rejection | null {
  const u = s.undo;
  const a = cmd.account;
  const l = cmd.liquidator;
  if (a === l) return reject('SELF_LIQUIDATION');
  const asset = s.assets[cmd.asset];
  if (asset === undefined || cmd.asset === 0) return reject('UNKNOWN_ASSET', `asset ${cmd.asset}`);
  const stale = checkOracleForMargin(s.markets[asset.priceMarket], ts);
  if (stale !== null) return stale;
  settleAccount(s, a);
  let debt = 0;
  for (const m of s.markets) if (m.positions.isolated[a] === 0 && m.positions.pnl[a] < 0) debt -= m.positions.pnl[a];
  if (debt <= 0 || s.accounts.collateral[a] > 0)
    return reject('ACCOUNT_HEALTHY', `account ${a} owes nothing it cannot pay`);
  const bal = s.accounts.balances[cmd.asset];
  const price = (assetValue(s, cmd.asset, BASE_PRECISION) * asset.maintenanceWeightE6) / RATIO_PRECISION;
  if (!(price > 0)) return reject('ORACLE_STALE', 'no price for the collateral');
  // No more units than the debt needs, nor than the account holds or the liquidator asked for.
  const needed = Math.ceil((debt * BASE_PRECISION) / price);
  const units = Math.min(cmd.units, bal[a], needed);
  if (units <= 0) return reject('NOTHING_TO_LIQUIDATE', `account ${a} holds no ${asset.symbol}`);
  const usdc = Math.floor((units * price) / BASE_PRECISION);
  const col = s.accounts.collateral;
  if (col[l] < usdc) return reject('INSUFFICIENT_COLLATERAL', `liquidator holds ${col[l]} < ${usdc}`);
  u.at(col, l, col[l] - usdc);
  u.at(bal, l, bal[l] + units);
  u.at(bal, a, bal[a] - units);
  u.at(col, a, col[a] + usdc);
  collateralChanged(s, l, cmd.asset, units);
  collateralChanged(s, a, cmd.asset, -units);
  settleAccount(s, a);
  if (!crossPoolMeetsInitial(s, l, false)) return reject('LIQUIDATOR_MARGIN', `liquidator ${l}`);
  s.touch(a);
  s.touch(l);
  s.events.push({ type: 'collateralLiquidated', account: a, asset: cmd.asset, units, usdc, liquidator: l });
  return null;
}

function sellCollateralToInsurance(s: EngineState, account: number): void {
  const u = s.undo;
  const balances = s.accounts.balances;
  let debt = 0;
  for (const m of s.markets)
    if (m.positions.isolated[account] === 0 && m.positions.pnl[account] < 0) debt -= m.positions.pnl[account];
  for (let i = 1; i < balances.length && debt > 0; i++) {
    const held = balances[i][account];
    if (held === 0) continue;
    const asset = s.assets[i];
    const price = (assetValue(s, i, BASE_PRECISION) * asset.maintenanceWeightE6) / RATIO_PRECISION;
    if (!(price > 0)) continue;
    // The fund buys what the debt needs, as far as its USDC reaches.
    const affordable = Math.min(debt, s.insuranceFund);
    const units = Math.min(held, Math.floor((affordable * BASE_PRECISION) / price));
    if (units <= 0) continue;
    const usdc = Math.floor((units * price) / BASE_PRECISION);
    if (usdc <= 0) continue;
    u.at(balances[i], account, held - units);
    collateralChanged(s, account, i, -units);
    u.set(asset, 'insuranceHoldings', asset.insuranceHoldings + units);
    u.set(s, 'insuranceFund', s.insuranceFund - usdc);
    u.at(s.accounts.collateral, account, s.accounts.collateral[account] + usdc);
    debt -= usdc;
    s.events.push({ type: 'collateralLiquidated', account, asset: i, units, usdc, liquidator: -1 });
  }
}

function coverDebt(s: EngineState, m: Market, account: number, debt: number, bankruptWasLong: boolean): void {
  const u = s.undo;
  const insurance = Math.min(debt, s.insuranceFund);
  if (insurance > 0) {
    u.set(s, 'insuranceFund', s.insuranceFund - insurance);
    u.atField(m, MF.pnlPool, m.pnlPool + insurance);
  }
  let rest = debt - insurance;
  let socialised = 0;
  let feePoolCovered = 0;
  if (rest > 0) {
    // The winners of this market are the opposite side; they receive less.
    const opposite = bankruptWasLong ? m.openInterestShort : m.openInterestLong;
    if (opposite > 0) {
      const perBase = (rest * BASE_PRECISION) / opposite;
      if (bankruptWasLong) u.atField(m, MF.cumFundingShort, m.cumFundingShort - perBase);
      else u.atField(m, MF.cumFundingLong, m.cumFundingLong + perBase);
      socialised = rest;
    } else {
      // No trader on the other side: the AMM was the counterparty; its fee pool pays.
      feePoolCovered = Math.min(rest, m.feePool);
      if (feePoolCovered > 0) {
        u.atField(m, MF.feePool, m.feePool - feePoolCovered);
        u.atField(m, MF.pnlPool, m.pnlPool + feePoolCovered);
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

/** Each unit of the account (cross, then isolated positions by market) that is below maintenance, with its health. */
export function distressedUnits(s: EngineState, account: number): { market: Market | null; health: Health }[] {
  const out: { market: Market | null; health: Health }[] = [];
  const cross = crossHealth(s, account);
  if (belowMaintenance(cross)) out.push({ market: null, health: cross });
  for (const m of s.markets) {
    if (m.positions.isolated[account] !== 1 || (m.positions.base[account] === 0 && m.positions.pnl[account] >= 0))
      continue;
    const h = isolatedHealth(m, account);
    if (belowMaintenance(h)) out.push({ market: m, health: h });
  }
  return out;
}
