/**
 * A Set of account ids with a membership byte per id beside it. The engine
 * adds every account it touches to these sets after each command (most are
 * already members), and at 10k+ members a Set lookup is a hash probe that
 * misses the cache. The byte answers has(), a repeated add() and a delete()
 * of a non-member without touching the Set. The Set stays underneath, so
 * iteration order (insertion order, which the tick's checks follow) is
 * exactly that of a plain Set: a repeated add never reorders a Set either.
 *
 * Ids that are not small non-negative integers (never account ids) skip the
 * bytes and go straight to the Set.
 */

/** Ids below this get a membership byte. */
const MAX_FLAGGED = 1 << 28;

function flagged(a: number): boolean {
  return a >>> 0 === a && a < MAX_FLAGGED;
}

export class AccountSet extends Set<number> {
  private flags = new Uint8Array(0);

  override has(a: number): boolean {
    if (!flagged(a)) return super.has(a);
    return a < this.flags.length && this.flags[a] === 1;
  }

  override add(a: number): this {
    if (!flagged(a)) return super.add(a);
    let f = this.flags;
    if (a < f.length && f[a] === 1) return this;
    super.add(a);
    if (a >= f.length) {
      const grown = new Uint8Array(Math.max(64, f.length * 2, a + 1));
      grown.set(f);
      this.flags = f = grown;
    }
    f[a] = 1;
    return this;
  }

  override delete(a: number): boolean {
    if (!flagged(a)) return super.delete(a);
    const f = this.flags;
    if (a >= f.length || f[a] === 0) return false;
    f[a] = 0;
    return super.delete(a);
  }

  override clear(): void {
    const f = this.flags;
    // A few members of a large id range: reset their bytes alone.
    if (this.size * 16 < f.length) {
      for (const a of this) if (flagged(a)) f[a] = 0;
    } else f.fill(0);
    super.clear();
  }
}

/**
 * An insertion-ordered set of account ids that is emptied wholesale (the
 * tick's recheck list): add, has and clear are O(1) on typed arrays (a
 * stamp per id marks membership; clear moves the stamp), and iteration
 * walks the ids in the order they were first added since the last clear,
 * the order a Set would give. A Set emptied every tick re-grows its hash
 * table from scratch each time: at thousands of adds per tick that was a
 * tenth of journal replay. No delete: nothing removes a single member.
 */
export class AccountQueue {
  private ids = new Int32Array(64);
  private stamps = new Uint32Array(0);
  private stamp = 1;
  private length = 0;

  get size(): number {
    return this.length;
  }

  /** The i-th member in insertion order (i < size). */
  at(i: number): number {
    return this.ids[i];
  }

  has(a: number): boolean {
    return a < this.stamps.length && this.stamps[a] === this.stamp;
  }

  add(a: number): this {
    if (a >>> 0 !== a) throw new RangeError(`account id ${a}`);
    let st = this.stamps;
    if (a < st.length && st[a] === this.stamp) return this;
    if (a >= st.length) {
      const grown = new Uint32Array(Math.max(64, st.length * 2, a + 1));
      grown.set(st);
      this.stamps = st = grown;
    }
    st[a] = this.stamp;
    if (this.length === this.ids.length) {
      const grown = new Int32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.length++] = a;
    return this;
  }

  clear(): void {
    this.length = 0;
    if (this.stamp === 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    } else this.stamp++;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = 0; i < this.length; i++) yield this.ids[i];
  }
}
