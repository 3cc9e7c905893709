/**
 * The book's own undo journal, hooked into the engine's UndoLog.
 *
 * Why not write every cell through UndoLog.at()? It works (an earlier version
 * did), but UndoLog keeps (target, key, old) in three generic JS arrays, and
 * at ~25 writes per book operation that cost ~70% of the time of a
 * place/cancel. This journal keeps the same (column, index, old value)
 * records in typed arrays: no allocation, no write barriers.
 *
 *   entries:  [ c0 i0 old0 ][ c1 i1 old1 ] … [ cN iN oldN ]     c ≥ 0: a cell of column c
 *                                                              c = CLOSURE: run fns[i]
 *                                                              c < CLOSURE: handler(c, i, old)
 *   marks:    [ (journal length, UndoLog position) per pending operation ]
 *
 * Each book mutation calls begin() before its first write. begin() pushes a
 * mark and registers ONE rollback action in the UndoLog (the same
 * preallocated function every time). When the UndoLog rolls back past it,
 * the action pops the newest mark and replays the journal down to it, newest
 * entry first, so the book returns to exactly the state it had at begin().
 * Rollbacks are LIFO, so the action invoked is always the newest mark's.
 *
 * Forgetting: the UndoLog's commit() is invisible here. A mark whose UndoLog
 * position p is still on the stack was not rolled back (that would have
 * popped it); so if the UndoLog is now no longer than p, it was committed —
 * and commit drops everything — so begin() clears the journal. (If the log
 * has since grown past p again, the stale entries stay until a later
 * begin() sees that; they are never replayed, since no action refers to
 * them, and their number is bounded by the longest command.)
 *
 * Columns are named by id and resolved to their CURRENT array at replay,
 * because growth replaces arrays; growth itself is journaled as a closure
 * that puts the old arrays back, so replay order keeps every write on the
 * array it was made on.
 */
import type { UndoLog } from '../undo.ts';

export type Column = Float64Array | Int32Array | Uint8Array;

/** Entry kind: run a rollback function. Codes below it are the owner's custom entries. */
export const CLOSURE = -1;

const INITIAL_ENTRIES = 1024;
const INITIAL_MARKS = 64;

export class Journal {
  private col = new Int32Array(INITIAL_ENTRIES);
  private idx = new Int32Array(INITIAL_ENTRIES);
  private old = new Float64Array(INITIAL_ENTRIES);
  private length = 0;
  private readonly fns: (() => void)[] = [];
  private readonly resolvers: (() => Column)[] = [];
  private markLength = new Float64Array(INITIAL_MARKS);
  private markUndoPos = new Float64Array(INITIAL_MARKS);
  private marks = 0;
  private readonly rollbackNewest = (): void => this.rollbackToNewestMark();

  constructor(
    private readonly undo: UndoLog,
    /** Replays a custom entry (code < CLOSURE). */
    private readonly custom: (code: number, a: number, b: number) => void,
  ) {}

  /** Names a column; `resolve` returns its current array. Call at construction only. */
  register(resolve: () => Column): number {
    this.resolvers.push(resolve);
    return this.resolvers.length - 1;
  }

  /** Starts a mutation: call before its first write, and only once it will write (a rejection must not). */
  begin(): void {
    const pos = this.undo.position;
    if (this.marks > 0 && pos <= this.markUndoPos[this.marks - 1]) this.marks = 0;
    if (this.marks === 0) {
      this.length = 0;
      if (this.fns.length > 0) this.fns.length = 0; // setting length is a slow runtime call: only when needed
    }
    if (this.marks === this.markLength.length) this.growMarks();
    this.markLength[this.marks] = this.length;
    this.markUndoPos[this.marks] = pos;
    this.marks++;
    this.undo.onRollback(this.rollbackNewest);
  }

  /** Writes arr[i] = v, remembering the old value. `c` is arr's column id. */
  at(c: number, arr: Column, i: number, v: number): void {
    const n = this.length;
    if (n === this.col.length) this.grow();
    this.col[n] = c;
    this.idx[n] = i;
    this.old[n] = arr[i];
    arr[i] = v;
    this.length = n + 1;
  }

  /** Records a custom entry, replayed by the owner's handler. */
  op(code: number, a: number, b: number): void {
    const n = this.length;
    if (n === this.col.length) this.grow();
    this.col[n] = code;
    this.idx[n] = a;
    this.old[n] = b;
    this.length = n + 1;
  }

  /** Records a rollback function (rare structural changes such as growth). */
  closure(fn: () => void): void {
    const n = this.length;
    if (n === this.col.length) this.grow();
    this.col[n] = CLOSURE;
    this.idx[n] = this.fns.length;
    this.fns.push(fn);
    this.length = n + 1;
  }

  /** Entries held (tests check the journal forgets committed work). */
  get size(): number {
    return this.length;
  }

  private rollbackToNewestMark(): void {
    const m = --this.marks;
    const to = this.markLength[m];
    const { col, idx, old } = this;
    for (let n = this.length - 1; n >= to; n--) {
      const c = col[n];
      if (c >= 0) this.resolvers[c]()[idx[n]] = old[n];
      else if (c === CLOSURE) {
        this.fns[idx[n]]();
        this.fns.length = idx[n];
      } else this.custom(c, idx[n], old[n]);
    }
    this.length = to;
  }

  private grow(): void {
    const n = this.col.length * 2;
    const col = new Int32Array(n);
    col.set(this.col);
    const idx = new Int32Array(n);
    idx.set(this.idx);
    const old = new Float64Array(n);
    old.set(this.old);
    this.col = col;
    this.idx = idx;
    this.old = old;
  }

  private growMarks(): void {
    const n = this.markLength.length * 2;
    const a = new Float64Array(n);
    a.set(this.markLength);
    const b = new Float64Array(n);
    b.set(this.markUndoPos);
    this.markLength = a;
    this.markUndoPos = b;
  }
}
