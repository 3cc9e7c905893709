/**
 * A client-side L2 book kept from depth snapshots and deltas, with the
 * protocol's resync rule: a delta must carry seq = the last applied seq + 1.
 * Older deltas (seq ≤ last) are stale and ignored; a newer one is a gap, and
 * the book is unusable until the next snapshot.
 */
import type { DepthData, Level } from '../protocol.ts';

export type DeltaResult = 'applied' | 'stale' | 'gap' | 'unsynced';

export class DepthBook {
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  seq = 0;
  synced = false;
  levels = 0;

  applySnapshot(seq: number, d: DepthData): void {
    this.bids.clear();
    this.asks.clear();
    for (const [p, s] of d.bids) this.bids.set(p, s);
    for (const [p, s] of d.asks) this.asks.set(p, s);
    this.seq = seq;
    this.levels = d.levels;
    this.synced = true;
  }

  applyDelta(seq: number, d: DepthData): DeltaResult {
    if (!this.synced) return 'unsynced';
    if (seq <= this.seq) return 'stale';
    if (seq !== this.seq + 1) {
      this.synced = false;
      return 'gap';
    }
    for (const [p, s] of d.bids) s === 0 ? this.bids.delete(p) : this.bids.set(p, s);
    for (const [p, s] of d.asks) s === 0 ? this.asks.delete(p) : this.asks.set(p, s);
    this.seq = seq;
    return 'applied';
  }

  /** Bids best (highest) first. */
  bidLevels(): Level[] {
    return [...this.bids].sort((a, b) => b[0] - a[0]);
  }

  /** Asks best (lowest) first. */
  askLevels(): Level[] {
    return [...this.asks].sort((a, b) => a[0] - b[0]);
  }

  invalidate(): void {
    this.synced = false;
  }
}
