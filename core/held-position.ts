/**
 * An account's position in one market, and the collateral that pays for it,
 * held in locals while a fill (or a whole sweep) works on it, and written
 * back once (store). The arithmetic is the columns' own, step for step:
 * settleFunding, fillPosition + applyFill, settlePnl, and the fee and rebate
 * moves of matching, so the state and the events are exactly those of
 * writing each step through the undo log. What it saves is the log: a book
 * fill wrote the maker's PnL and collateral two or three times each, and a
 * sweep wrote the taker's base, entry, PnL and collateral at every level.
 *
 * The market's own fields (the PnL and fee pools, open interest) are
 * written as each step happens, as before, since the other side of the
 * fill settles against them in between. Between load and store nothing may
 * read or write these columns of the account except through this object.
 */
import { type Rejection, reject, safe } from './errors.ts';
import { type Market, MF } from './market.ts';
import { portfolioRowChanged } from './portfolio/row.ts';
import { moveOpenInterest, opensSide, type PositionAfter, positionAfter } from './position.ts';
import { fundingOwed, payingColumn, settleAmount, sideIndex } from './settle.ts';
import type { EngineState } from './state.ts';

export class HeldPosition {
  account = -1;
  // Doubles from the start, so the fields keep one representation whatever is written later.
  base = 0.5;
  quoteEntry = 0.5;
  fundingIndex = 0.5;
  pnl = 0.5;
  /** The collateral that pays: the account's, or the isolated position's. */
  collateral = 0.5;
  paying: Float64Array = new Float64Array(0);
  /** A portfolio-margin cross position: each fill bounds its charge (portfolioRowChanged). */
  portfolio = false;
  /** Scratch for the position arithmetic (read at once). */
  private readonly after: PositionAfter = { base: 0, quoteEntry: 0, realised: 0 };

  load(s: EngineState, m: Market, account: number): void {
    const pos = m.positions;
    this.account = account;
    this.base = pos.base[account];
    this.quoteEntry = pos.quoteEntry[account];
    this.fundingIndex = pos.fundingIndex[account];
    this.pnl = pos.pnl[account];
    this.paying = payingColumn(s, m, account);
    this.collateral = this.paying[account];
    this.portfolio = s.accounts.portfolio[account] === 1 && pos.isolated[account] !== 1;
  }

  /** Write the held values back to the columns, logging only those that changed. */
  store(s: EngineState, m: Market): void {
    const u = s.undo;
    const pos = m.positions;
    const a = this.account;
    if (pos.base[a] !== this.base) u.at(pos.base, a, this.base);
    if (pos.quoteEntry[a] !== this.quoteEntry) u.at(pos.quoteEntry, a, this.quoteEntry);
    if (pos.fundingIndex[a] !== this.fundingIndex) u.at(pos.fundingIndex, a, this.fundingIndex);
    if (pos.pnl[a] !== this.pnl) u.at(pos.pnl, a, this.pnl);
    if (this.paying[a] !== this.collateral) u.at(this.paying, a, this.collateral);
  }

  /**
   * settleFunding: pending funding into the unsettled PnL (its event as settleFunding's).
   * The common case, nothing pending, is kept small enough for the compiler to inline into
   * every fill (its budget is counted in bytecode); the settlement itself is fundingMoved.
   */
  settleFunding(s: EngineState, m: Market): void {
    const base = this.base;
    if (base !== 0 && this.fundingIndex !== sideIndex(m, base)) this.fundingMoved(s, m);
  }

  private fundingMoved(s: EngineState, m: Market): void {
    const base = this.base;
    const index = sideIndex(m, base);
    const owed = fundingOwed(base, index, this.fundingIndex);
    this.fundingIndex = index;
    if (owed !== 0) {
      this.pnl = safe(this.pnl - owed, 'unsettled pnl after funding');
      s.events.push({ type: 'fundingSettled', account: this.account, market: m.id, amount: -owed });
    }
  }

  /** applyFill: the position moves by `deltaBase` for `quoteFlow`; returns the realised PnL. */
  trade(s: EngineState, m: Market, deltaBase: number, quoteFlow: number): number {
    const b0 = this.base;
    const after = this.after;
    positionAfter(b0, this.quoteEntry, deltaBase, quoteFlow, after);
    const b1 = after.base;
    moveOpenInterest(s, m, b0, b1);
    this.base = b1;
    this.quoteEntry = after.quoteEntry;
    if (opensSide(b0, b1)) this.fundingIndex = sideIndex(m, b1);
    if (this.portfolio) portfolioRowChanged(s, this.account, m.id, deltaBase, m.markPrice);
    const realised = after.realised;
    if (realised !== 0) this.pnl = safe(this.pnl + realised, 'unsettled pnl');
    return realised;
  }

  /** settlePnl without its event: returns the amount moved into the collateral. */
  settle(s: EngineState, m: Market): number {
    const pnl = this.pnl;
    if (pnl === 0) return 0;
    const moved = settleAmount(pnl, this.collateral, m.pnlPool);
    if (moved === 0) return 0;
    s.undo.atField(m, MF.pnlPool, m.pnlPool - moved);
    this.collateral += moved;
    this.pnl = pnl - moved;
    return moved;
  }

  /** A fee into the fee pool; with `mustPay` (a taker adding risk) it must be paid in full. */
  pay(s: EngineState, m: Market, fee: number, mustPay: boolean): Rejection | null {
    if (fee <= 0) return null;
    const col = this.collateral;
    if (mustPay && col < fee) return feesExceed(fee, col);
    const paid = Math.min(fee, col);
    if (paid > 0) {
      this.collateral = col - paid;
      s.undo.atField(m, MF.feePool, m.feePool + paid);
    }
    return null;
  }

  /** A maker rebate out of the fee pool, never more than it holds; returns what was paid. */
  receiveRebate(s: EngineState, m: Market, rebate: number): number {
    const paid = Math.min(rebate, m.feePool);
    if (paid <= 0) return 0;
    s.undo.atField(m, MF.feePool, m.feePool - paid);
    this.collateral += paid;
    return paid;
  }
}

/** The rejection of a fee the collateral cannot pay (out of line: the fee paths stay small enough to inline). */
function feesExceed(fee: number, collateral: number): Rejection {
  return reject('INSUFFICIENT_COLLATERAL', `fees ${fee} > collateral ${collateral}`);
}
