/**
 * A token bucket: `ratePerSec` tokens refill continuously up to `burst`;
 * each request takes one. Time comes from the caller (ms), so tests and the
 * gateway share one clock.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  take(nowMs: number, n = 1): boolean {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.ratePerSec) / 1000);
      this.lastMs = nowMs;
    }
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** True when the bucket has refilled completely (it can be forgotten). */
  full(nowMs: number): boolean {
    return this.tokens + ((nowMs - this.lastMs) * this.ratePerSec) / 1000 >= this.burst;
  }
}

/** Buckets by name (key id, remote address), pruned of full ones so the map stays bounded by active callers. */
export class BucketMap {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {}

  take(name: string, nowMs: number): boolean {
    let b = this.buckets.get(name);
    if (b === undefined) {
      b = new TokenBucket(this.ratePerSec, this.burst, nowMs);
      this.buckets.set(name, b);
    }
    return b.take(nowMs);
  }

  prune(nowMs: number): void {
    for (const [name, b] of this.buckets) if (b.full(nowMs)) this.buckets.delete(name);
  }

  get size(): number {
    return this.buckets.size;
  }
}
