/**
 * The noise taker against a real server: its random market orders fill
 * (against the vAMM and a market maker's quotes), its exposure stays within
 * its bound, and its decisions follow its seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketMaker } from '../../bots/market-maker.ts';
import { NoiseTaker } from '../../bots/noise-taker.ts';
import { BASE, type BotServer, BTC, ETH, startBotServer, USD, until } from './harness.ts';

let t: BotServer;
beforeAll(async () => {
  // The server's own simulated oracle prices the markets here.
  t = await startBotServer({ builtinOracle: true });
});
afterAll(async () => {
  await t?.stop();
});

describe('noise taker', () => {
  it('fills random market orders within its position bound', async () => {
    const mmKey = await t.admin.account({ name: 'nt-mm', roles: ['trader'], deposit: 1_000_000 * USD });
    const mm = new MarketMaker(
      await t.connect(mmKey.signer),
      {
        markets: [
          { market: BTC, sizePerLevel: BASE / 100, maxInventory: BASE / 10, halfSpreadE6: 200, levelStepE6: 100 },
        ],
      },
      t.log,
    );
    const takerKey = await t.admin.account({ name: 'taker', roles: ['trader'], deposit: 100_000 * USD });
    const markets = [
      { market: BTC, minSize: BASE / 1000, maxSize: BASE / 100, maxPosition: BASE / 50 },
      { market: ETH, minSize: BASE / 100, maxSize: BASE / 10, maxPosition: BASE / 5 },
    ];
    const taker = new NoiseTaker(await t.connect(takerKey.signer), { markets, seed: 42, meanIntervalMs: 20 }, t.log);
    const liquidity = new Set<string>();
    const observer = await t.connect(null);
    await observer.subscribe('trades', { market: BTC }, () => {});
    // The builtin oracle publishes its first prices as the server starts; trade once the index is there.
    await mm.start();
    await until(() => mm.quotes(BTC).asks.length > 0, 10_000, 'the maker to quote');
    const takerFills = await t.connect(takerKey.signer);
    await takerFills.subscribe('fills', {}, (msg) => liquidity.add((msg.data as { liquidity: string }).liquidity));
    await taker.start();
    try {
      await until(
        () => taker.ordersFilled >= 30,
        15_000,
        () => `30 filled orders (${JSON.stringify(taker.stats())})`,
      );
      await until(() => liquidity.size > 0, 5_000, 'the fills on the private stream');
    } finally {
      await taker.stop();
      await mm.stop();
    }
    // Positions as the exchange holds them: within the bound, and what the fills add up to.
    const positions = await taker.ex.positions();
    for (const m of markets) {
      const base = positions.find((p) => p.market === m.market)?.base ?? 0;
      expect(Math.abs(base)).toBeLessThanOrEqual(m.maxPosition);
      const last = taker.fills.filter((f) => f.market === m.market).at(-1);
      if (last !== undefined) expect(base).toBe(last.positionBase);
    }
    expect(taker.errors.get('INSUFFICIENT_MARGIN') ?? 0).toBe(0);
    expect([...liquidity].every((l) => l === 'amm' || l === 'book')).toBe(true);
  });

  it('sends the same orders from the same seed', async () => {
    const markets = [{ market: BTC, minSize: BASE / 1000, maxSize: BASE / 100, maxPosition: BASE }];
    const run = async (name: string, seed: number) => {
      const key = await t.admin.account({ name, roles: ['trader'], deposit: 100_000 * USD });
      // An interval that never elapses: the test drives trade() itself.
      const taker = new NoiseTaker(await t.connect(key.signer), { markets, seed, meanIntervalMs: 1e9 }, t.log);
      await taker.start();
      for (let i = 0; i < 20; i++) await taker.trade();
      await taker.stop();
      return taker.decisions;
    };
    const a = await run('seed-a', 7);
    const b = await run('seed-b', 7);
    const c = await run('seed-c', 8);
    expect(a).toHaveLength(20);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});
