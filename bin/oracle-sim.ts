/**
 * The built-in simulated oracle feed: a seeded random walk with occasional
 * jumps per market, published as ordinary `oracle` commands (source 0), so
 * the exchange runs out of the box with moving prices. Seeded and
 * independent of wall-clock jitter: the n-th update of a market is always
 * the same price for the same seed.
 */
import type { Command } from '../core/commands.ts';

export interface OracleSimOptions {
  seed: number;
  intervalMs: number;
  volatilityPerSqrtHourE6: number;
  jumpProbabilityE6: number;
  jumpSizeE6: number;
}

/** Mulberry32: small, fast, good enough for a price walk. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal from two uniforms (Box–Muller). */
function normal(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

export class OracleSim {
  private readonly prices: number[];
  private readonly rnd: () => number;
  private readonly stepSigma: number;

  constructor(
    initialPrices: readonly number[],
    private readonly o: OracleSimOptions,
  ) {
    this.prices = [...initialPrices];
    this.rnd = prng(o.seed);
    this.stepSigma = (o.volatilityPerSqrtHourE6 / 1e6) * Math.sqrt(o.intervalMs / 3_600_000);
  }

  /** One update per market at `publishTs`. */
  next(publishTs: number): Command[] {
    return this.prices.map((p, market) => {
      let r = this.stepSigma * normal(this.rnd);
      if (this.rnd() * 1e6 < this.o.jumpProbabilityE6) r += (this.rnd() < 0.5 ? -1 : 1) * (this.o.jumpSizeE6 / 1e6);
      const price = Math.max(1, Math.round(p * (1 + r)));
      this.prices[market] = price;
      return {
        type: 'oracle',
        market,
        source: 0,
        price,
        confidence: Math.max(1, Math.round(price / 10_000)),
        publishTs,
      };
    });
  }
}
