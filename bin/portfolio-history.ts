/**
 * The oracle price history portfolio margin builds its scenarios from:
 * every market's oracle price, sampled at the margin horizon, in a bounded
 * ring (the oldest observation drops out). A sample is taken only when
 * every market has a positive oracle price, and the history restarts when
 * the number of markets changes (a return needs the same markets at both
 * ends). Reads engine state between turns; writes nothing to it.
 */
import type { Engine } from '../core/engine.ts';
import type { PriceHistory } from '../core/risk/history.ts';

export class PriceSampler {
  #markets = 0;
  #ring = new Float64Array(0);
  /** Observations held (≤ capacity) and the slot the next one goes to. */
  #count = 0;
  #next = 0;
  #lastSampleMs = Number.NEGATIVE_INFINITY;

  /**
   * @param capacity observations kept (N returns need N + 1), at least 2
   * @param intervalMs the margin horizon: time between samples
   */
  constructor(
    readonly capacity: number,
    readonly intervalMs: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 2) {
      throw new RangeError(`capacity must be an integer ≥ 2, got ${String(capacity)}`);
    }
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) {
      throw new RangeError(`intervalMs must be a positive integer, got ${String(intervalMs)}`);
    }
  }

  get observations(): number {
    return this.#count;
  }

  get markets(): number {
    return this.#markets;
  }

  /** Sample the engine's oracle prices if a horizon has passed since the last sample; true when it did. */
  sample(engine: Engine, nowMs: number): boolean {
    if (nowMs - this.#lastSampleMs < this.intervalMs) return false;
    const markets = engine.markets;
    if (markets.length === 0) return false;
    for (const m of markets) if (m.oraclePublishTs < 0 || !(m.oraclePrice > 0)) return false;
    if (markets.length !== this.#markets) {
      this.#markets = markets.length;
      this.#ring = new Float64Array(this.capacity * markets.length);
      this.#count = 0;
      this.#next = 0;
    }
    const at = this.#next * this.#markets;
    for (let i = 0; i < markets.length; i++) this.#ring[at + i] = markets[i].oraclePrice;
    this.#next = (this.#next + 1) % this.capacity;
    this.#count = Math.min(this.capacity, this.#count + 1);
    this.#lastSampleMs = nowMs;
    return true;
  }

  /** The history held, oldest first (a copy), or null before two observations. */
  history(): PriceHistory | null {
    if (this.#count < 2) return null;
    const m = this.#markets;
    const prices = new Float64Array(this.#count * m);
    const first = (this.#next - this.#count + this.capacity) % this.capacity;
    for (let t = 0; t < this.#count; t++) {
      const from = ((first + t) % this.capacity) * m;
      prices.set(this.#ring.subarray(from, from + m), t * m);
    }
    return { markets: m, prices };
  }
}
