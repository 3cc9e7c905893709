/**
 * An open-addressing hash map from a pair of integer keys (a, b) to a slot.
 * The book keeps two: order id → slot (b = 0) and (account, clientId) → slot.
 *
 *   cell:   0     1     2     3     4     5     6     7      (capacity = 2^k)
 *   value:  s17   NIL   s3    s9    s40   NIL   NIL   s2
 *                       └─ home(key of s3) = 2; s9 and s40 probed on from 2 or 3
 *
 * Invariants:
 *   - linear probing: every key sits in the run of occupied cells starting at
 *     its home cell, at or after home (cyclically), with no NIL between;
 *   - load ≤ 1/2 (the table doubles before it would pass that), so a probe
 *     run is short and a NIL cell always exists;
 *   - deletion shifts later entries of the run back (Knuth's algorithm R)
 *     instead of leaving tombstones, so lookups never slow down with churn.
 * A cell is empty iff its value is NIL; the key cells of an empty cell are
 * garbage and never read. Every write goes through the journal.
 *
 * Why not Map<number, number>? It would do (and a rollback closure per
 * insert/delete would undo it), but these keys are pairs, ids can pass 2^31,
 * and a flat Float64Array/Int32Array table avoids boxing and allocation.
 */
import { NIL } from './columns.ts';
import type { Journal } from './journal.ts';

const MIN_CAPACITY = 16;
const TWO_POW_32 = 4294967296;

/** A deterministic integer mix of two safe integers (murmur3-style finaliser over their 32-bit halves). */
function mix(a: number, b: number): number {
  let h = Math.imul(a >>> 0, 0x9e3779b1) ^ Math.imul((a / TWO_POW_32) >>> 0, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
  h ^= Math.imul(b >>> 0, 0x27d4eb2f) ^ Math.imul((b / TWO_POW_32) >>> 0, 0x165667b1);
  h = Math.imul(h ^ (h >>> 13), 0x85ebca6b);
  return h ^ (h >>> 16);
}

export class SlotIndex {
  private keyA: Float64Array;
  private keyB: Float64Array;
  private slot: Int32Array;
  private mask: number;
  /** meta[0]: number of entries. A typed cell so the journal restores it cheaply. */
  private readonly meta = new Float64Array(1);
  private readonly cKeyA: number;
  private readonly cKeyB: number;
  private readonly cSlot: number;
  private readonly cMeta: number;

  constructor(
    private readonly j: Journal,
    expectedEntries = 0,
  ) {
    this.cKeyA = j.register(() => this.keyA);
    this.cKeyB = j.register(() => this.keyB);
    this.cSlot = j.register(() => this.slot);
    this.cMeta = j.register(() => this.meta);
    let capacity = MIN_CAPACITY;
    while (capacity < expectedEntries * 2) capacity *= 2;
    this.keyA = new Float64Array(capacity);
    this.keyB = new Float64Array(capacity);
    this.slot = new Int32Array(capacity).fill(NIL);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.meta[0];
  }

  get(a: number, b: number): number {
    const mask = this.mask;
    const slot = this.slot;
    let i = mix(a, b) & mask;
    for (;;) {
      const s = slot[i];
      if (s === NIL) return NIL;
      if (this.keyA[i] === a && this.keyB[i] === b) return s;
      i = (i + 1) & mask;
    }
  }

  /** Inserts a key that is not present (the caller checked). */
  insert(a: number, b: number, s: number): void {
    if ((this.meta[0] + 1) * 2 > this.mask + 1) this.grow();
    const j = this.j;
    const mask = this.mask;
    let i = mix(a, b) & mask;
    while (this.slot[i] !== NIL) i = (i + 1) & mask;
    j.at(this.cKeyA, this.keyA, i, a);
    j.at(this.cKeyB, this.keyB, i, b);
    j.at(this.cSlot, this.slot, i, s);
    j.at(this.cMeta, this.meta, 0, this.meta[0] + 1);
  }

  /** Repoints a present key at another slot. */
  update(a: number, b: number, s: number): void {
    const i = this.cellOf(a, b);
    if (i === NIL) throw new Error(`slot index: update of a missing key (${a}, ${b})`);
    this.j.at(this.cSlot, this.slot, i, s);
  }

  /** Removes a present key. */
  delete(a: number, b: number): void {
    let i = this.cellOf(a, b);
    if (i === NIL) throw new Error(`slot index: delete of a missing key (${a}, ${b})`);
    const jr = this.j;
    const mask = this.mask;
    const keyA = this.keyA;
    const keyB = this.keyB;
    const slot = this.slot;
    jr.at(this.cMeta, this.meta, 0, this.meta[0] - 1);
    // Algorithm R: empty cell i, then pull back any later entry of the run
    // whose home does not lie cyclically in (i, j].
    jr.at(this.cSlot, slot, i, NIL);
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = slot[j];
      if (s === NIL) return;
      const home = mix(keyA[j], keyB[j]) & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      jr.at(this.cKeyA, keyA, i, keyA[j]);
      jr.at(this.cKeyB, keyB, i, keyB[j]);
      jr.at(this.cSlot, slot, i, s);
      jr.at(this.cSlot, slot, j, NIL);
      i = j;
    }
  }

  private cellOf(a: number, b: number): number {
    const mask = this.mask;
    let i = mix(a, b) & mask;
    for (;;) {
      const s = this.slot[i];
      if (s === NIL) return NIL;
      if (this.keyA[i] === a && this.keyB[i] === b) return i;
      i = (i + 1) & mask;
    }
  }

  /** Doubles the table into fresh arrays (no journaling needed for them) and journals putting the old ones back. */
  private grow(): void {
    const oldA = this.keyA;
    const oldB = this.keyB;
    const oldSlot = this.slot;
    const oldMask = this.mask;
    const capacity = (oldMask + 1) * 2;
    const keyA = new Float64Array(capacity);
    const keyB = new Float64Array(capacity);
    const slot = new Int32Array(capacity).fill(NIL);
    const mask = capacity - 1;
    for (let c = 0; c <= oldMask; c++) {
      const s = oldSlot[c];
      if (s === NIL) continue;
      let i = mix(oldA[c], oldB[c]) & mask;
      while (slot[i] !== NIL) i = (i + 1) & mask;
      keyA[i] = oldA[c];
      keyB[i] = oldB[c];
      slot[i] = s;
    }
    this.keyA = keyA;
    this.keyB = keyB;
    this.slot = slot;
    this.mask = mask;
    this.j.closure(() => {
      this.keyA = oldA;
      this.keyB = oldB;
      this.slot = oldSlot;
      this.mask = oldMask;
    });
  }

  /** Invariant check for tests: every entry is reachable from its home, and the count matches. */
  check(): string[] {
    const out: string[] = [];
    let n = 0;
    for (let c = 0; c <= this.mask; c++) {
      if (this.slot[c] === NIL) continue;
      n++;
      if (this.cellOf(this.keyA[c], this.keyB[c]) !== c)
        out.push(`slot index: key at cell ${c} is not found by probing`);
    }
    if (n !== this.meta[0]) out.push(`slot index: ${n} entries but size ${this.meta[0]}`);
    return out;
  }
}
