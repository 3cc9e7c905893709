/**
 * A taker's fills, in columns. A sweep used to push one object of twenty
 * fields per level it took and one per curve leg; allocating and collecting
 * those objects cost the walk about a tenth of its time (BENCHMARKS.md,
 * book.crossing). The walk now writes each fill, against a resting order or
 * the curve, as one row of MATCH_CELLS numbers into a buffer the engine
 * reuses, and publishes the fills a taker makes in a row as one
 * `takerMatches` event that names its rows. classicEvents
 * (classic-events.ts) expands them into the classic events they stand for;
 * the gateway's router expands them as it routes.
 *
 * Lifetime. The buffer starts over at the first fill of a command, so a
 * command's rows are valid until the engine's next command that fills. A
 * caller that reads the outcomes of several commands together (the loop: a
 * whole turn is applied, committed and only then published) holds the rows
 * for the turn with `Engine.holdMatchRows()` and lets go with
 * `releaseMatchRows()`. Growing the buffer keeps every row where it was. Reading a batch whose rows have
 * been reused throws (matchRows) instead of answering with another
 * command's fills.
 */
import { grown } from './columns.ts';
import type { Event } from './events.ts';

/** Numbers per row. */
export const MATCH_CELLS = 16;
/** A row's kind (cell M_KIND): a fill against a resting order, or a curve leg. */
export const ROW_BOOK = 0;
export const ROW_AMM = 1;
// A row's cells. A curve leg uses the taker's cells and M_SPREAD_FEE; its price is its average, rounded.
export const M_PRICE = 0;
export const M_BASE = 1;
export const M_QUOTE = 2;
export const M_TAKER_FEE = 3;
export const M_TAKER_REALISED = 4;
export const M_TAKER_POSITION = 5;
/** Moved into the taker's collateral by the fill's settlement (0: nothing moved, no pnlSettled). */
export const M_TAKER_SETTLED = 6;
export const M_TAKER_UNSETTLED = 7;
export const M_MAKER = 8;
export const M_MAKER_ORDER = 9;
/** Negative: a rebate. */
export const M_MAKER_FEE = 10;
export const M_MAKER_REALISED = 11;
export const M_MAKER_POSITION = 12;
export const M_MAKER_SETTLED = 13;
export const M_MAKER_UNSETTLED = 14;
export const M_KIND = 15;
/** A curve leg's spread fee (the cell a book fill's maker fee takes). */
export const M_SPREAD_FEE = M_MAKER_FEE;

const INITIAL_ROWS = 256;

export type TakerMatches = Extract<Event, { type: 'takerMatches' }>;

export class MatchRows {
  /** Rows written since the buffer last started over. */
  count = 0;
  /** Bumped each time the buffer starts over: a batch is valid while its epoch equals this. */
  epoch = 0;
  /** Row r occupies cells [r · MATCH_CELLS, (r + 1) · MATCH_CELLS). */
  cells = new Float64Array(INITIAL_ROWS * MATCH_CELLS);
  /** Kept for the turn: the next command's first fill does not start over (Engine.holdMatchRows). */
  held = false;
  /** The current command has written rows (or started over for them). */
  inUse = false;

  /** A new command: its first row starts the buffer over unless the rows are held. */
  newCommand(): void {
    this.inUse = false;
  }

  /** Start over: every earlier batch becomes stale. */
  clear(): void {
    this.count = 0;
    this.epoch++;
  }

  /** The first cell of a new row (the caller writes its MATCH_CELLS numbers at once). */
  append(): number {
    if (!this.inUse) {
      this.inUse = true;
      if (!this.held) this.clear();
    }
    const r = this.count;
    const at = r * MATCH_CELLS;
    if (at + MATCH_CELLS > this.cells.length) this.cells = grown(this.cells, at + MATCH_CELLS);
    this.count = r + 1;
    return at;
  }

  /** What JSON shows of the buffer (not its cells): read a batch's rows with matchRows, or classicEvents. */
  toJSON(): { rows: number; epoch: number } {
    return { rows: this.count, epoch: this.epoch };
  }

  /** Forget the rows after the first `count` (a rolled-back command's). */
  truncate(count: number): void {
    if (count < this.count) this.count = count;
  }
}

/** The cells of a batch's rows (its rows start at cell `e.first · MATCH_CELLS`), or an error when a later command has reused them. */
export function matchRows(e: TakerMatches): Float64Array {
  if (e.rows.epoch !== e.epoch) {
    throw new Error(
      'taker matches read after the engine reused their rows (read them before the next command, or hold them)',
    );
  }
  return e.rows.cells;
}
