/**
 * The price ladder of one side: its price levels kept sorted so that the best
 * level is always the LAST element.
 *
 *   index:   0        1        2      …   length-1
 *   keys:   [k0   <   k1   <   k2   < … < kBest ]      key = +price (bids), −price (asks)
 *   levels: [l0       l1       l2     …   lBest ]      level ids (LevelColumns rows)
 *
 * Invariants:
 *   - keys[0..length) strictly increasing, so one ascending order serves both
 *     sides: the highest bid and the lowest ask are both the largest key;
 *   - levels[i] is the level whose price is |keys[i]|, and it is non-empty
 *     (a level is removed the moment its last order leaves);
 *   - cells at and beyond `length` are garbage.
 *
 * Costs: best level O(1); find a price O(log L) by binary search; insert or
 * remove a level O(log L) search plus a copyWithin shift of the levels
 * BETTER than it (they sit to its right). Book activity concentrates at the
 * touch, so the shift is usually a handful of elements; the worst case is a
 * memmove of L doubles, which for the few thousand levels a perp book holds
 * costs less than the cache misses of a pointer tree (B-tree, skiplist,
 * red-black tree) walk of the same depth. Level insert/remove are the rarest
 * operations (most orders join an existing level), so the ladder optimises
 * lookup and best-price reads.
 *
 * Undo: a shift is journaled as one entry whose replay performs the inverse
 * shift (the state it runs against is exactly the state right after the
 * shift, since replay is LIFO), not as one entry per moved element. The
 * owner's journal handler calls undoEntry() for the codes below.
 */
import { NIL } from './columns.ts';
import type { Journal } from './journal.ts';

/** Journal entry codes (below journal.CLOSURE): a level was inserted / removed at index a. */
export const J_LADDER_INSERTED = -2;
export const J_LADDER_REMOVED = -3;

export class PriceLadder {
  keys: Float64Array;
  levels: Int32Array;
  length = 0;

  constructor(
    private readonly j: Journal,
    /** Which ladder this is (BID or ASK): journal entries carry it so the owner can route the replay. */
    private readonly side: number,
    capacity: number,
  ) {
    this.keys = new Float64Array(capacity);
    this.levels = new Int32Array(capacity);
  }

  bestLevel(): number {
    return this.length === 0 ? NIL : this.levels[this.length - 1];
  }

  /** The index of `key`, or −(insertion point) − 1 when absent. Checks the best level first. */
  search(key: number): number {
    const keys = this.keys;
    let hi = this.length - 1;
    if (hi >= 0) {
      const top = keys[hi];
      if (top === key) return hi;
      if (top < key) return -(hi + 1) - 1;
    }
    let lo = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid];
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  /** Inserts at index i (from search); journals the inverse. */
  insertAt(i: number, key: number, level: number): void {
    if (this.length === this.keys.length) this.grow();
    this.insertRaw(i, key, level);
    this.j.op(J_LADDER_INSERTED, i, this.side);
  }

  /**
   * Removes index i; journals the inverse. The entry keeps the level id, and
   * the replay reads the key back from `keyOf(level)`: a removed level's row
   * is left as it was, and any later reuse of it is replayed first.
   */
  removeAt(i: number): void {
    const level = this.levels[i];
    this.removeRaw(i);
    this.j.op(J_LADDER_REMOVED, i, level * 2 + this.side);
  }

  /**
   * Removes index i WITHOUT journaling: for an owner that journals the whole
   * removal as one entry of its own and re-inserts the level on replay
   * (store.ts removeSlot, via restoreAt).
   */
  removeAtUnjournaled(i: number): void {
    this.removeRaw(i);
  }

  /** Re-inserts `level` under `key` where it belongs (the inverse of removeAtUnjournaled, for replay). */
  restoreLevel(key: number, level: number): void {
    this.insertRaw(-this.search(key) - 1, key, level);
  }

  /** Replays one of this ladder's journal entries. */
  undoEntry(code: number, i: number, level: number, key: number): void {
    if (code === J_LADDER_INSERTED) this.removeRaw(i);
    else this.insertRaw(i, key, level);
  }

  private insertRaw(i: number, key: number, level: number): void {
    const n = this.length;
    if (i < n) {
      this.keys.copyWithin(i + 1, i, n);
      this.levels.copyWithin(i + 1, i, n);
    }
    this.keys[i] = key;
    this.levels[i] = level;
    this.length = n + 1;
  }

  private removeRaw(i: number): void {
    const n = this.length;
    if (i < n - 1) {
      this.keys.copyWithin(i, i + 1, n);
      this.levels.copyWithin(i, i + 1, n);
    }
    this.length = n - 1;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldLevels = this.levels;
    const capacity = oldKeys.length * 2;
    this.keys = new Float64Array(capacity);
    this.keys.set(oldKeys);
    this.levels = new Int32Array(capacity);
    this.levels.set(oldLevels);
    this.j.closure(() => {
      this.keys = oldKeys;
      this.levels = oldLevels;
    });
  }
}
