/**
 * L2 depth streams: a snapshot on subscribe, then deltas, numbered per
 * market. The feed keeps the last published view of each market (the top
 * `levels` per side); refresh() recomputes it, and when it changed, bumps
 * the market's seq and publishes the difference: the levels whose size
 * changed, with size 0 for levels that left the view. Applying every delta
 * in seq order to the snapshot gives exactly the current view.
 *
 * Resync rule (docs/PROTOCOL.md): a delta must carry seq = last seq + 1;
 * on any other seq the client discards its book and asks for a snapshot.
 */
import type { DepthData, Level } from '../protocol.ts';
import type { Depth, DepthSource } from './depth-source.ts';
import type { Publisher } from './publisher.ts';

interface View {
  seq: number;
  bids: Level[];
  asks: Level[];
}

function diff(prev: Level[], next: Level[]): Level[] {
  const before = new Map<number, number>();
  for (const [p, s] of prev) before.set(p, s);
  const out: Level[] = [];
  for (const [p, s] of next) {
    if (before.get(p) !== s) out.push([p, s]);
    before.delete(p);
  }
  for (const p of before.keys()) out.push([p, 0]);
  return out;
}

export class DepthFeed {
  private readonly views = new Map<number, View>();

  constructor(
    private readonly source: DepthSource,
    private readonly publisher: Publisher,
    /** Levels per side on the stream. */
    readonly levels: number,
  ) {}

  /** Recompute a market's view; publish a delta when it changed. Returns the view, null for an unknown market. */
  refresh(market: number): View | null {
    const d: Depth | null = this.source(market, this.levels);
    if (d === null) return null;
    const prev = this.views.get(market);
    if (prev === undefined) {
      const view = { seq: 1, bids: d.bids, asks: d.asks };
      this.views.set(market, view);
      return view;
    }
    const bids = diff(prev.bids, d.bids);
    const asks = diff(prev.asks, d.asks);
    if (bids.length === 0 && asks.length === 0) return prev;
    prev.seq++;
    prev.bids = d.bids;
    prev.asks = d.asks;
    const data: DepthData = { type: 'delta', levels: this.levels, bids, asks };
    this.publisher.publish('depth', { market }, data, prev.seq);
    return prev;
  }

  /** Refresh every market that has depth subscribers (after each turn). */
  refreshSubscribed(marketCount: number): void {
    for (let m = 0; m < marketCount; m++) {
      if (this.publisher.marketSubscribers('depth', m) > 0) this.refresh(m);
    }
  }

  /** The current view as a snapshot message's data, with its seq. */
  snapshot(market: number): { seq: number; data: DepthData } | null {
    const v = this.refresh(market);
    if (v === null) return null;
    return { seq: v.seq, data: { type: 'snapshot', levels: this.levels, bids: v.bids, asks: v.asks } };
  }
}
