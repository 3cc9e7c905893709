/**
 * The oracle feeder against a real server whose built-in oracle is off: its
 * pushes set the index, a shock moves the mark, and a CSV replay publishes
 * the path's returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticker } from '../../bots/exchange.ts';
import { OracleFeeder } from '../../bots/oracle-feeder.ts';
import { CsvReplay } from '../../bots/price-path.ts';
import { type BotServer, BTC, ETH, startBotServer, until } from './harness.ts';

let t: BotServer;
beforeAll(async () => {
  t = await startBotServer({ builtinOracle: false });
});
afterAll(async () => {
  await t?.stop();
});

describe('oracle feeder', () => {
  it('publishes the index and moves the mark with a shock', async () => {
    const feederKey = await t.admin.account({ name: 'feeder', roles: ['oracle'], deposit: 0 });
    const feeder = new OracleFeeder(
      await t.connect(feederKey.signer),
      { markets: [{ market: BTC }], intervalMs: 100, seed: 7 },
      t.log,
    );
    const observer = await t.connect(null);
    const tickers: Ticker[] = [];
    await observer.subscribe('ticker', { market: BTC }, (msg) => tickers.push(msg.data as Ticker));
    await feeder.start();
    try {
      // The first push set the index (the server published none before: its built-in oracle is off).
      await until(() => tickers.some((x) => x.indexPrice > 0), 5_000, 'an index price on the ticker');
      const before = tickers.filter((x) => x.indexPrice > 0).at(-1) as Ticker;
      feeder.shock(BTC, -0.06);
      const target = feeder.target(BTC);
      await until(
        () => tickers.some((x) => x.markPrice < before.markPrice * 0.97),
        10_000,
        `the mark to fall from ${before.markPrice} toward ${target}`,
      );
      const after = tickers.at(-1) as Ticker;
      expect(after.indexPrice).toBeLessThan(before.indexPrice * 0.97);
      expect(feeder.stats()).toMatchObject({ kind: 'oracle-feeder' });
      expect(feeder.errors.size).toBe(0);
    } finally {
      await feeder.stop();
    }
  });

  it('replays a price CSV as returns from the current price', async () => {
    const feederKey = await t.admin.account({ name: 'replayer', roles: ['oracle'], deposit: 0 });
    // A made-up three-row path: +10%, then −20% from the start.
    const path = new CsvReplay([100_000_000, 110_000_000, 80_000_000], { loop: false });
    const feeder = new OracleFeeder(
      await t.connect(feederKey.signer),
      { markets: [{ market: ETH, path }], intervalMs: 50, maxStepE6: 150_000 },
      t.log,
    );
    const observer = await t.connect(null);
    const indexes: number[] = [];
    await observer.subscribe('ticker', { market: ETH }, (msg) => indexes.push((msg.data as Ticker).indexPrice));
    await feeder.start();
    try {
      await until(
        () => path.row === 3 && feeder.price(ETH) === feeder.target(ETH),
        5_000,
        'the replay to reach its last row',
      );
      const start = indexes.find((x) => x > 0) ?? 0;
      await until(() => indexes.at(-1) === feeder.price(ETH), 5_000, 'the ticker to show the last push');
      // 0.8 × start, reached in steps of at most 15%.
      expect(Math.abs(feeder.price(ETH) / start - 0.8)).toBeLessThan(0.001);
    } finally {
      await feeder.stop();
    }
  });
});
