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
