/**
 * The expiry queue: a binary min-heap of the slots of resting good-till-time
 * orders, keyed by (expiryTs, seq). The pair is unique (seq is), so the order
 * in which expire() removes orders is a total order that does not depend on
 * the heap's shape: deterministic.
 *
 *            heap[0]                 heap[i]'s children: heap[2i+1], heap[2i+2]
 *           /       \                key(heap[parent]) < key(heap[child])
 *      heap[1]     heap[2]           heapPos[heap[i]] = i  (so cancel is O(log n))
 *
 * The arrays live in OrderColumns (`heap`, `heapPos`) and grow with it; every
 * write goes through the journal.
 */
import { NIL, type OrderColumns } from './columns.ts';
import type { Journal } from './journal.ts';

export class ExpiryHeap {
  /** meta[0]: number of entries. */
  private readonly meta = new Float64Array(1);
  private readonly cMeta: number;

  constructor(
    private readonly j: Journal,
    private readonly cols: OrderColumns,
    /** Journal ids of cols.heap and cols.heapPos. */
    private readonly cHeap: number,
    private readonly cHeapPos: number,
  ) {
    this.cMeta = j.register(() => this.meta);
  }

  get length(): number {
    return this.meta[0];
  }

  /** The slot with the earliest (expiryTs, seq), NIL if empty. */
  peek(): number {
    return this.meta[0] === 0 ? NIL : this.cols.heap[0];
  }

  push(slot: number): void {
    const n = this.meta[0];
    this.j.at(this.cMeta, this.meta, 0, n + 1);
    this.siftUp(n, slot);
  }

  remove(slot: number): void {
    const cols = this.cols;
    const i = cols.heapPos[slot];
    const last = this.meta[0] - 1;
    this.j.at(this.cMeta, this.meta, 0, last);
    if (i === last) return;
    const moved = cols.heap[last];
    // The moved entry goes where the removed one was, then up or down.
    if (i > 0 && this.less(moved, cols.heap[(i - 1) >> 1])) this.siftUp(i, moved);
    else this.siftDown(i, moved);
  }

  private less(a: number, b: number): boolean {
    const e = this.cols.expiryTs;
    return e[a] < e[b] || (e[a] === e[b] && this.cols.seq[a] < this.cols.seq[b]);
  }

  private place(i: number, slot: number): void {
    this.j.at(this.cHeap, this.cols.heap, i, slot);
    this.j.at(this.cHeapPos, this.cols.heapPos, slot, i);
  }

  private siftUp(i: number, slot: number): void {
    const heap = this.cols.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (!this.less(slot, p)) break;
      this.place(i, p);
      i = parent;
    }
    this.place(i, slot);
  }

  private siftDown(i: number, slot: number): void {
    const heap = this.cols.heap;
    const n = this.meta[0];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(heap[child + 1], heap[child])) child++;
      const c = heap[child];
      if (!this.less(c, slot)) break;
      this.place(i, c);
      i = child;
    }
    this.place(i, slot);
  }

  /** Invariant check for tests. */
  check(): string[] {
    const out: string[] = [];
    const { heap, heapPos } = this.cols;
    const n = this.meta[0];
    for (let i = 0; i < n; i++) {
      if (heapPos[heap[i]] !== i) out.push(`expiry heap: heapPos of slot ${heap[i]} is ${heapPos[heap[i]]}, not ${i}`);
      if (i > 0 && this.less(heap[i], heap[(i - 1) >> 1])) out.push(`expiry heap: entry ${i} precedes its parent`);
    }
    return out;
  }
}
