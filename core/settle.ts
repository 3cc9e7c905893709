/**
 * Settlement between an account and a market's PnL pool, and lazy funding.
 *
 * Realised PnL, fees-on-PnL and funding accumulate in the position's
 * unsettled `pnl`. Settling moves real money: a debt is paid from collateral
 * into the pool (as far as collateral reaches); a claim is paid from the pool
 * into collateral (as far as the pool holds). The pool never pays money it
 * does not hold, and collateral never goes negative.
 */
import { BASE_PRECISION } from '../vamm/precision.ts';
import { safe } from './errors.ts';
import type { Market } from './market.ts';
import { MF } from './market.ts';
import type { EngineState } from './state.ts';

/** Funding index of the side a signed base sits on. */
export function sideIndex(m: Market, base: number): number {
  return base > 0 ? m.cumFundingLong : m.cumFundingShort;
}

/** Funding the position owes since its last settlement (float; positive: it pays). */
export function pendingFunding(m: Market, account: number): number {
  const base = m.positions.base[account];
  if (base === 0) return 0;
  return (base * (sideIndex(m, base) - m.positions.fundingIndex[account])) / BASE_PRECISION;
}

/** Funding a position of `base` owes for its side's index moving from `from` to `to`, rounded against the trader. */
export function fundingOwed(base: number, to: number, from: number): number {
  return Math.ceil((base * (to - from)) / BASE_PRECISION) + 0;
}

/** Settle funding lazily into the position's unsettled PnL, rounded against the trader. Returns true when anything changed. */
export function settleFunding(s: EngineState, m: Market, account: number): boolean {
  const pos = m.positions;
  const base = pos.base[account];
  if (base === 0) return false;
  const index = sideIndex(m, base);
  if (pos.fundingIndex[account] === index) return false;
  const owed = fundingOwed(base, index, pos.fundingIndex[account]);
  s.undo.at(pos.fundingIndex, account, index);
  if (owed !== 0) {
    s.undo.at(pos.pnl, account, safe(pos.pnl[account] - owed, 'unsettled pnl after funding'));
    s.events.push({ type: 'fundingSettled', account, market: m.id, amount: -owed });
  }
  return true;
}

/** The collateral column that pays for (and is paid by) the position in `m`: its own if isolated, else the account's. */
export function payingColumn(s: EngineState, m: Market, account: number): Float64Array {
  return m.positions.isolated[account] === 1 ? m.positions.isolatedCollateral : s.accounts.collateral;
}

/**
 * What settling moves for a position whose unsettled PnL is `pnl` (positive:
 * into the collateral), given the collateral that pays and the pool's
 * balance: a debt is paid as far as the collateral reaches, a claim as far
 * as the pool holds. Zero: nothing moves.
 */
export function settleAmount(pnl: number, collateral: number, pool: number): number {
  if (pnl < 0) return -Math.min(-pnl, collateral);
  if (pnl > 0) return Math.min(pnl, pool);
  return 0;
}

/** Move money between the account's collateral and the market's PnL pool. Returns the amount moved into the collateral. */
export function settlePnl(s: EngineState, m: Market, account: number): number {
  const pos = m.positions;
  const pnl = pos.pnl[account];
  if (pnl === 0) return 0;
  const col = payingColumn(s, m, account);
  const moved = settleAmount(pnl, col[account], m.pnlPool);
  if (moved === 0) return 0;
  const u = s.undo;
  if (pnl < 0) {
    u.at(col, account, col[account] + moved);
    u.atField(m, MF.pnlPool, m.pnlPool - moved);
  } else {
    u.atField(m, MF.pnlPool, m.pnlPool - moved);
    u.at(col, account, col[account] + moved);
  }
  u.at(pos.pnl, account, pnl - moved);
  s.events.push({ type: 'pnlSettled', account, market: m.id, amount: moved, unsettled: pnl - moved });
  return moved;
}

/** Settle funding and PnL of one account in every market where it has anything. Returns true when anything changed. */
export function settleAccount(s: EngineState, account: number): boolean {
  let changed = false;
  for (const m of s.markets) {
    const pos = m.positions;
    if (pos.base[account] === 0 && pos.pnl[account] === 0) continue;
    if (settleFunding(s, m, account)) changed = true;
    if (settlePnl(s, m, account) !== 0) changed = true;
  }
  return changed;
}
