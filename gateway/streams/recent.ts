/** A bounded ring of recent items per market (public trades, funding), newest last. */
export class RecentRing<T> {
  private readonly rings = new Map<number, T[]>();

  constructor(private readonly capacity: number) {}

  push(market: number, item: T): void {
    let r = this.rings.get(market);
    if (r === undefined) {
      r = [];
      this.rings.set(market, r);
    }
    r.push(item);
    // Trim in chunks so the cost is amortised O(1).
    if (r.length > this.capacity * 2) r.splice(0, r.length - this.capacity);
  }

  /** Up to `limit` newest items, newest first. */
  latest(market: number, limit: number): T[] {
    const r = this.rings.get(market) ?? [];
    const n = Math.min(limit, this.capacity, r.length);
    const out: T[] = [];
    for (let i = r.length - 1; i >= r.length - n; i--) out.push(r[i]);
    return out;
  }
}
