/**
 * Applying a fill to a position. The quote entry is signed (−cost for
 * longs, +proceeds for shorts), so unrealised PnL is base × price + entry.
 * Reducing a position releases the matching share of the entry and realises
 * the difference into the position's unsettled PnL; the split of one fill's
 * quote between the closing and the opening part is exact (the two parts sum
 * to the fill), so no unit is created or lost. This is the one place a base
 * changes, so it also records the change for portfolio margin (portfolio/row.ts).
 */
import { safe } from './errors.ts';
import type { Market } from './market.ts';
import { MF } from './market.ts';
import { portfolioRowChanged } from './portfolio/row.ts';
import { sideIndex } from './settle.ts';
import type { EngineState } from './state.ts';

/**
 * `deltaBase` is signed (positive: buy); `quoteFlow` is the quote the trader
 * receives (positive) or pays (negative) for it. Funding must have been
 * settled first. Returns the realised PnL.
 */
export function applyFill(s: EngineState, m: Market, account: number, deltaBase: number, quoteFlow: number): number {
  const realised = fillPosition(s, m, account, deltaBase, quoteFlow);
  const pos = m.positions;
  if (realised !== 0) s.undo.at(pos.pnl, account, safe(pos.pnl[account] + realised, 'unsettled pnl'));
  return realised;
}

/** A position after a fill (positionAfter's answer, read by its caller at once; never nests). */
export interface PositionAfter {
  base: number;
  quoteEntry: number;
  realised: number;
}

/**
 * The arithmetic of a fill on a position of base `b0` and quote entry `q0`,
 * written into `out`: the new base, the new entry (0 once flat) and the PnL
 * the fill realises. Throws OutOfRange when the position leaves the safe range.
 */
export function positionAfter(b0: number, q0: number, deltaBase: number, quoteFlow: number, out: PositionAfter): void {
  let realised = 0;
  let q1: number;
  if (b0 === 0 || b0 > 0 === deltaBase > 0) {
    q1 = q0 + quoteFlow;
  } else {
    const absDelta = Math.abs(deltaBase);
    const absB0 = Math.abs(b0);
    const closed = Math.min(absDelta, absB0);
    const closeQuote = closed === absDelta ? quoteFlow : Math.floor((quoteFlow * closed) / absDelta);
    const releasedEntry = closed === absB0 ? q0 : Math.floor((q0 * closed) / absB0);
    realised = closeQuote + releasedEntry;
    q1 = q0 - releasedEntry + (quoteFlow - closeQuote);
  }
  const b1 = safe(b0 + deltaBase, 'position size');
  if (b1 === 0 && q1 !== 0) realised += q1; // rounding residue of a closed position is realised, never stranded
  out.base = b1;
  out.quoteEntry = b1 === 0 ? 0 : safe(q1, 'position quote entry');
  out.realised = realised;
}

/** Open interest moved by a position going from `b0` to `b1`. */
export function moveOpenInterest(s: EngineState, m: Market, b0: number, b1: number): void {
  const longDelta = Math.max(b1, 0) - Math.max(b0, 0);
  const shortDelta = Math.max(-b1, 0) - Math.max(-b0, 0);
  if (longDelta !== 0) s.undo.atField(m, MF.openInterestLong, m.openInterestLong + longDelta);
  if (shortDelta !== 0) s.undo.atField(m, MF.openInterestShort, m.openInterestShort + shortDelta);
}

/** True when a position going from `b0` to `b1` opens a side (from flat, or flipped), so takes that side's funding index. */
export function opensSide(b0: number, b1: number): boolean {
  return b1 !== 0 && (b0 === 0 || b0 > 0 !== b1 > 0);
}

/** Scratch for fillPosition's arithmetic (read at once). */
const moved: PositionAfter = { base: 0, quoteEntry: 0, realised: 0 };

/**
 * applyFill without its last write: everything but the unsettled PnL, to
 * which the caller must add the returned realised PnL (safe-checked as
 * applyFill does). The backstop settles and charges the penalty in the same
 * step, so it writes the PnL and the collateral once each instead of two or
 * three times (fewer undo entries per liquidation in a crash).
 */
export function fillPosition(s: EngineState, m: Market, account: number, deltaBase: number, quoteFlow: number): number {
  const u = s.undo;
  const pos = m.positions;
  const b0 = pos.base[account];
  positionAfter(b0, pos.quoteEntry[account], deltaBase, quoteFlow, moved);
  const b1 = moved.base;
  // Open interest moves with the position's sides.
  moveOpenInterest(s, m, b0, b1);
  u.at(pos.base, account, b1);
  u.at(pos.quoteEntry, account, moved.quoteEntry);
  if (opensSide(b0, b1)) u.at(pos.fundingIndex, account, sideIndex(m, b1));
  if (s.accounts.portfolio[account] === 1 && pos.isolated[account] !== 1) {
    portfolioRowChanged(s, account, m.id, deltaBase, m.markPrice);
  }
  return moved.realised;
}
