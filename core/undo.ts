/**
 * The undo log. Every write an apply() makes to engine state goes through
 * `set` or `at`, which remember the old value; a rejection (or a bug that
 * throws) rolls the writes back in reverse order, so a rejected command
 * leaves the state exactly as it found it. Works for object fields and
 * typed-array slots alike (both are `target[key]`).
 *
 * Old numbers are kept in a Float64Array, so logging a write allocates
 * nothing (a generic array would box every double); other old values
 * (objects, booleans, restore callbacks) go to a side array.
 *
 * A slot of a small typed array (a market's field vector, at most
 * SMALL_ARRAY long) is logged once per generation: a liquidation sweep
 * writes the same reserves, open interest and pools once per account, and
 * rolling back to the first logged old value restores them all the same.
 * A generation ends at every commit, rollback and mark(), so a rollback to
 * a mark still finds every slot written after it logged after it. The same
 * holds for the last object field set() logged (the insurance fund, written
 * once per liquidated account). `atField` does the same for a vector whose
 * owner keeps a stamp per slot (a market's `fStamps`), without searching
 * the recent small arrays; every log draws its generations from one
 * counter, so a stamp never matches a generation of another log. Restore callbacks (onRollback) undo
 * structural changes and never read such slots, so they need no value of
 * a slot as of their own entry.
 */
import { grown } from './columns.ts';

// biome-ignore lint/suspicious/noExplicitAny: the log stores heterogeneous targets.
type Target = any;

/** A typed-array slot: target[index[n]] = numbers[n]. */
const KIND_SLOT = 0;
/** An object field holding a number: target[keys[n]] = numbers[n]. */
const KIND_NUMBER = 1;
/** An object field holding anything else: target[keys[n]] = values[n]. */
const KIND_VALUE = 2;
const KIND_CALLBACK = 3;

/** Typed arrays up to this long get their slots logged once per generation. */
const SMALL_ARRAY = 64;
/** Small arrays remembered at once (round robin; one forgotten is only logged again). */
const SMALL_ARRAYS = 8;

/** The last generation handed out, by any log (so no two logs share one). */
let generations = 0;

/** An owner of a small vector of fields with a stamp per slot (see `atField`). */
export interface StampedFields {
  readonly f: Float64Array;
  readonly fStamps: Float64Array;
}

export class UndoLog {
  private targets: Target[] = [];
  /** Field names of object-field entries (typed-array slots keep their index in `index`). */
  private keys: (string | number)[] = [];
  private kinds = new Uint8Array(1024);
  private index = new Int32Array(1024);
  private numbers = new Float64Array(1024);
  private values: unknown[] = [];
  private length = 0;
  /** Current generation (never repeats, across logs too). */
  private generation = ++generations;
  /** Small arrays seen recently and, per slot, the generation it was last logged in. */
  private smallArrays: (Float64Array | Int32Array | Uint8Array | null)[] = new Array(SMALL_ARRAYS).fill(null);
  private smallStamps: Float64Array[] = [];
  private smallNext = 0;
  /** The last object field set() logged, and its generation. */
  private lastTarget: object | null = null;
  private lastKey: string | number = '';
  private lastGeneration = 0;

  private grow(): void {
    this.resize(this.kinds.length + 1);
  }

  /** Entries the log holds before it must grow. */
  get capacity(): number {
    return this.kinds.length;
  }

  /**
   * Room for `entries` entries, written through once so the memory is the
   * process's before a command needs it: a crash tick logs a few entries per
   * liquidated account, and growing (copying, and first touches of fresh
   * pages, ~15 µs per 4 KiB page on the benchmark VM) inside it cost more than the writes.
   */
  reserve(entries: number): void {
    if (entries <= this.kinds.length) return;
    this.resize(entries);
    const n = this.kinds.length;
    this.kinds.fill(0, this.length);
    this.index.fill(0, this.length);
    this.numbers.fill(0, this.length);
    // The pointer array too, appended to (a far write would turn it into a dictionary).
    const targets = this.targets;
    while (targets.length < n) targets.push(undefined);
  }

  /** The entry columns grown (by doubling) to hold at least `n` entries, what is held kept. */
  private resize(n: number): void {
    this.kinds = grown(this.kinds, n);
    this.index = grown(this.index, n);
    this.numbers = grown(this.numbers, n);
  }

  set<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
    if (target === this.lastTarget && key === this.lastKey && this.lastGeneration === this.generation) {
      target[key] = value;
      return;
    }
    this.lastTarget = target;
    this.lastKey = key as string | number;
    this.lastGeneration = this.generation;
    const n = this.length;
    if (n === this.kinds.length) this.grow();
    this.length = n + 1;
    this.targets[n] = target;
    this.keys[n] = key as string | number;
    const old = target[key];
    if (typeof old === 'number') {
      this.kinds[n] = KIND_NUMBER;
      this.numbers[n] = old;
    } else {
      this.kinds[n] = KIND_VALUE;
      this.values[n] = old;
    }
    target[key] = value;
  }

  /** Typed-array slot write (the hot path: one pointer store, the rest typed). */
  at(array: Float64Array | Int32Array | Uint8Array, index: number, value: number): void {
    if (array.length <= SMALL_ARRAY && this.loggedBefore(array, index)) {
      array[index] = value;
      return;
    }
    const n = this.length;
    if (n === this.kinds.length) this.grow();
    this.length = n + 1;
    this.targets[n] = array;
    this.kinds[n] = KIND_SLOT;
    this.index[n] = index;
    this.numbers[n] = array[index];
    array[index] = value;
  }

  /**
   * `owner.f[index] = value`, logged once per generation by the owner's stamp for that slot. The
   * entry is written out here as in at(), not through a shared helper: this one only ever sees a
   * Float64Array, and a helper's loads would carry at()'s three array kinds into it.
   */
  atField(owner: StampedFields, index: number, value: number): void {
    const f = owner.f;
    const stamps = owner.fStamps;
    const g = this.generation;
    if (stamps[index] === g) {
      f[index] = value;
      return;
    }
    stamps[index] = g;
    const n = this.length;
    if (n === this.kinds.length) this.grow();
    this.length = n + 1;
    this.targets[n] = f;
    this.kinds[n] = KIND_SLOT;
    this.index[n] = index;
    this.numbers[n] = f[index];
    f[index] = value;
  }

  /** True when this slot of a small array was already logged in this generation (and marks it logged). */
  private loggedBefore(array: Float64Array | Int32Array | Uint8Array, index: number): boolean {
    const arrays = this.smallArrays;
    let k = 0;
    while (k < SMALL_ARRAYS && arrays[k] !== array) k++;
    if (k === SMALL_ARRAYS) {
      k = this.smallNext;
      this.smallNext = (k + 1) % SMALL_ARRAYS;
      arrays[k] = array;
      this.smallStamps[k] = new Float64Array(SMALL_ARRAY);
    }
    const stamps = this.smallStamps[k];
    if (stamps[index] === this.generation) return true;
    stamps[index] = this.generation;
    return false;
  }

  /** Record an arbitrary restore action (for structural changes such as array pushes). */
  onRollback(restore: () => void): void {
    const n = this.length;
    if (n === this.kinds.length) this.grow();
    this.length = n + 1;
    this.targets[n] = restore;
    this.kinds[n] = KIND_CALLBACK;
  }

  /**
   * A point to roll back to (rollback(mark)). It starts a new generation, so
   * a slot first logged before the mark and written again after it is logged
   * again, and the rollback restores it.
   */
  mark(): number {
    this.generation = ++generations;
    return this.length;
  }

  /**
   * Entries logged so far, without starting a generation: for a caller that
   * only compares positions (the book's journal tells a committed log from a
   * live one by it) and never rolls back to one. A fill opens a book mutation
   * per level it takes; with mark() there, every level logged the market's
   * pools and open interest again.
   */
  get position(): number {
    return this.length;
  }

  rollback(to = 0): void {
    for (let n = this.length - 1; n >= to; n--) {
      const t = this.targets[n];
      const kind = this.kinds[n];
      if (kind === KIND_SLOT) t[this.index[n]] = this.numbers[n];
      else if (kind === KIND_CALLBACK) t();
      else if (kind === KIND_NUMBER) t[this.keys[n]] = this.numbers[n];
      else t[this.keys[n]] = this.values[n];
      this.targets[n] = undefined;
      this.values[n] = undefined;
    }
    this.length = to;
    this.generation = ++generations;
  }

  /** Forget the log (the command committed). Targets are long-lived state; leaving them costs nothing. */
  commit(): void {
    this.length = 0;
    this.generation = ++generations;
  }
}
