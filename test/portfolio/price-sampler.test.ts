/**
 * The runner's oracle history (bin/portfolio-history.ts): one observation
 * per horizon, every market's oracle price, oldest first, bounded; restarted
 * when the market count changes; and the runner's options checked at the
 * boundary with precise errors.
 */
import { describe, expect, it } from 'vitest';
import { PriceSampler } from '../../bin/portfolio-history.ts';
import { PortfolioRunner } from '../../bin/portfolio-runner.ts';
import { PRICE, twoMarkets } from './helpers.ts';
import { LoopFixture, ManualClock } from './loop-fixture.ts';

describe('PriceSampler', () => {
  it('samples once per horizon, keeps the newest `capacity` observations oldest first', () => {
    const sc = twoMarkets();
    const sampler = new PriceSampler(3, 1_000);
    expect(sampler.history()).toBeNull();
    for (let i = 0; i < 5; i++) {
      sc.at(1).oracle(0, (100 + i) * PRICE);
      expect(sampler.sample(sc.e, i * 1_000)).toBe(true);
      expect(sampler.sample(sc.e, i * 1_000 + 999)).toBe(false); // within the horizon
    }
    const h = sampler.history();
    expect(h?.markets).toBe(2);
    expect(Array.from(h?.prices ?? [])).toEqual([102, 100, 103, 100, 104, 100].map((x) => x * PRICE));
  });

  it('waits for every market to have a price, and restarts when a market is created', () => {
    const sc = twoMarkets();
    const sampler = new PriceSampler(10, 1);
    expect(sampler.sample(sc.e, 0)).toBe(true);
    expect(sampler.sample(sc.e, 1)).toBe(true);
    sc.market('C', 10, 1_000);
    expect(sampler.sample(sc.e, 2)).toBe(false); // C has no oracle price yet
    sc.at(1).oracle(2, 10 * PRICE);
    expect(sampler.sample(sc.e, 3)).toBe(true);
    expect(sampler.markets).toBe(3);
    expect(sampler.observations).toBe(1);
  });

  it('validates its sizes', () => {
    expect(() => new PriceSampler(1, 1)).toThrow('capacity must be an integer ≥ 2, got 1');
    expect(() => new PriceSampler(2, 0)).toThrow('intervalMs must be a positive integer, got 0');
  });
});

describe('PortfolioRunner options', () => {
  it('are checked with precise errors before any thread starts', () => {
    const f = new LoopFixture();
    const make = (options: Record<string, unknown>) =>
      new PortfolioRunner({
        engine: f.engine,
        loop: f.loop,
        clock: new ManualClock(),
        options: { threads: 1, timeoutMs: 1_000, ...options },
      });
    expect(() => make({ recomputeEveryMs: -1 })).toThrow(
      'options.recomputeEveryMs must be a non-negative integer, got -1',
    );
    expect(() => make({ scenarios: { measure: 'x' } })).toThrow(
      "options.scenarios: measure must be 'es' or 'var', got x",
    );
    expect(() => make({ horizonMs: 0 })).toThrow('intervalMs must be a positive integer');
    expect(() => make({ threads: 0 })).toThrow('options.threads must be an integer within [1, 64], got 0');
  });
});
