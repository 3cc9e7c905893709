/**
 * The market maker against a real server: its post-only ladder shows in the
 * public depth stream, leans against its inventory after a fill, and is
 * replaced (cancel + place in one batch) when the index moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Exchange } from '../../bots/exchange.ts';
import { MarketMaker } from '../../bots/market-maker.ts';
import { OracleFeeder } from '../../bots/oracle-feeder.ts';
import type { PricePath } from '../../bots/price-path.ts';
import type { DepthBook } from '../../gateway/sdk/index.ts';
import { BASE, type BotServer, BTC, startBotServer, USD, until } from './harness.ts';

let t: BotServer;
beforeAll(async () => {
  t = await startBotServer({ builtinOracle: false });
});
afterAll(async () => {
  await t?.stop();
});

/** A path that holds its level: the index moves only with shocks. */
const flat: PricePath = { next: (p) => p, description: 'flat' };

type Ladder = { price: number; size: number }[];

/** Every level of the ladder is in the book with at least its size (the vAMM's levels may add to it). */
function shows(book: DepthBook, bids: Ladder, asks: Ladder): boolean {
  if (!book.synced) return false;
  const b = new Map(book.bidLevels());
  const a = new Map(book.askLevels());
  return bids.every((l) => (b.get(l.price) ?? 0) >= l.size) && asks.every((l) => (a.get(l.price) ?? 0) >= l.size);
}

describe('market maker', () => {
  it('quotes a post-only ladder in depth, skews after a fill, and replaces it when the index moves', async () => {
    const feederKey = await t.admin.account({ name: 'mm-feeder', roles: ['oracle'], deposit: 0 });
    const feeder = new OracleFeeder(
      await t.connect(feederKey.signer),
      { markets: [{ market: BTC, path: flat }], intervalMs: 200 },
      t.log,
    );
    await feeder.start();

    const mmKey = await t.admin.account({ name: 'mm', roles: ['trader'], deposit: 1_000_000 * USD });
    const reader = await t.admin.key(mmKey.account, 'mm-reader', ['read-only']);
    const size = BASE / 100; // 0.01 BTC per level
    const mm = new MarketMaker(
      await t.connect(mmKey.signer),
      {
        // Inside the vAMM's own spread (0.05% a side), so a taker meets these quotes before the curve.
        markets: [
          { market: BTC, sizePerLevel: size, maxInventory: 5 * size, levels: 3, halfSpreadE6: 200, levelStepE6: 100 },
        ],
        refreshMs: 500,
      },
      t.log,
    );
    const orderEvents: { type: string; postOnly?: boolean; reason?: string; account?: number }[] = [];
    const readerClient = await t.connect(reader.signer);
    await readerClient.subscribe('orders', {}, (msg) => orderEvents.push(msg.data as (typeof orderEvents)[number]));

    const observer = await t.connect(null);
    await observer.subscribe('depth', { market: BTC }, () => {});
    const book = observer.book(BTC) as DepthBook;

    await mm.start();
    try {
      await until(() => mm.quotes(BTC).bids.length === 3 && mm.quotes(BTC).asks.length === 3, 5_000, 'a full ladder');
      const first = mm.quotes(BTC);
      await until(() => shows(book, first.bids, first.asks), 5_000, 'the ladder in the depth stream');
      expect(first.bids[0].price).toBeLessThan(first.asks[0].price);

      // A taker lifts two of the asks: the maker is short, so it leans up and shrinks its asks.
      const trader = await t.admin.account({ name: 'mm-taker', roles: ['trader'], deposit: 100_000 * USD });
      const taker = new Exchange(await t.connect(trader.signer));
      const ack = await taker.marketOrder({
        market: BTC,
        side: 'buy',
        size: 2 * size,
        worstPrice: first.asks[1].price,
      });
      const makerFills = ack.events.filter((e) => e.type === 'fill' && e.account === mmKey.account);
      expect(makerFills.length).toBeGreaterThan(0);
      await until(
        () => (mm.stats().markets as { inventory: number }[])[0].inventory < 0,
        5_000,
        'the fill in inventory',
      );
      await until(() => mm.quotes(BTC).asks[0].price > first.asks[0].price, 5_000, 'a ladder skewed up');
      const skewed = mm.quotes(BTC);
      expect(skewed.asks[0].size).toBeLessThan(skewed.bids[0].size);
      expect(skewed.bids[0].price).toBeGreaterThanOrEqual(first.bids[0].price);
      await until(() => shows(book, skewed.bids, skewed.asks), 5_000, 'the skewed ladder in the depth stream');

      // The index moves 1%: the ladder is replaced, and the old asks leave the book.
      feeder.shock(BTC, 0.01);
      await until(
        () => mm.quotes(BTC).asks[0].price > skewed.asks[0].price * 1.005,
        5_000,
        'a ladder around the new index',
      );
      const moved = mm.quotes(BTC);
      await until(() => shows(book, moved.bids, moved.asks), 5_000, 'the new ladder in the depth stream');
      const asks = new Map(book.askLevels());
      for (const l of skewed.asks) expect(asks.get(l.price) ?? 0).toBeLessThan(l.size);

      // Every order was post-only, and the replaced ones were cancelled by the maker's batches.
      const accepted = orderEvents.filter((e) => e.type === 'orderAccepted');
      expect(accepted.length).toBeGreaterThanOrEqual(9);
      expect(accepted.every((e) => e.postOnly === true)).toBe(true);
      expect(orderEvents.filter((e) => e.type === 'orderCancelled' && e.reason === 'user').length).toBeGreaterThan(0);
    } finally {
      await mm.stop();
      await feeder.stop();
    }
    // Stopping pulls the quotes.
    const left = await (await t.connect(mmKey.signer)).request<unknown[]>('orders', {});
    expect(left).toEqual([]);
  });
});
