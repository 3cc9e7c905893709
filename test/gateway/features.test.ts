/**
 * Gateway features over real sockets, through the SDK: unsubscribe from
 * private and public streams, one typed SDK method per wire op (and the
 * order ops end to end), the insurance fund query and its ticker field,
 * the liquidator feed (`liquidatable`) with a takeover made from it alone,
 * and a ticker that holds the tick of the turn just committed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OPS } from '../../gateway/ops.ts';
import { PUBLIC_CHANNELS, type StreamMessage } from '../../gateway/protocol.ts';
import { GatewayClient } from '../../gateway/sdk/client.ts';
import { restGet } from '../../gateway/sdk/http.ts';
import type { LiquidatableView } from '../../gateway/views/liquidation.ts';
import type { Ticker } from '../../gateway/views/market.ts';
import {
  BTC,
  BTC_PRICE,
  ETH,
  LIQUIDATOR,
  startTestGateway,
  type TestGateway,
  TRADER,
  TRADER2,
  until,
} from './harness.ts';

let t: TestGateway | null = null;
afterEach(async () => {
  await t?.stop();
  t = null;
});

const settle = () => new Promise((r) => setTimeout(r, 150));

/** A new account with its own trader key: 1,000 USD carrying 0.15 BTC long (~9× leverage). */
async function leveragedVictim(gw: TestGateway, admin: GatewayClient): Promise<number> {
  const { account: victim } = await admin.createAccount();
  await admin.deposit({ account: victim, amount: 1_000_000_000 }); // 1,000 USD
  const secret = 'cd'.repeat(32);
  await admin.registerKey({ keyId: 'victim', account: victim, roles: ['trader'], scheme: 'hmac-sha256', secret });
  const { hmacSigner } = await import('../../gateway/sdk/signer.ts');
  const v = await gw.client(hmacSigner('victim', secret));
  await v.marketOrder({ market: BTC, side: 'buy', size: 150_000_000 });
  return victim;
}

describe('unsubscribe', () => {
  it('stops a private stream, and a second subscribe resumes it', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader);
    const fills: StreamMessage[] = [];
    await c.subscribe('fills', {}, (m) => fills.push(m));
    await c.marketOrder({ market: BTC, side: 'buy', size: 1e9 });
    await until(() => fills.length === 1, 5_000, 'the first fill');
    await c.unsubscribe('fills', {});
    await c.marketOrder({ market: BTC, side: 'buy', size: 1e9 });
    await settle();
    expect(fills).toHaveLength(1);
    const again: StreamMessage[] = [];
    await c.subscribe('fills', {}, (m) => again.push(m));
    await c.marketOrder({ market: BTC, side: 'buy', size: 1e9 });
    await until(() => again.length === 1, 5_000, 'a fill after resubscribing');
    expect(again[0].account).toBe(TRADER);
    expect(fills).toHaveLength(1);
  });

  it('stops only the named account’s stream on a connection watching two', async () => {
    t = await startTestGateway();
    const admin = await t.client(t.signers.admin);
    const one: StreamMessage[] = [];
    const two: StreamMessage[] = [];
    await admin.subscribe('fills', { account: TRADER }, (m) => one.push(m));
    await admin.subscribe('fills', { account: TRADER2 }, (m) => two.push(m));
    await admin.unsubscribe('fills', { account: TRADER });
    const c1 = await t.client(t.signers.trader);
    const c2 = await t.client(t.signers.trader2);
    await c1.marketOrder({ market: BTC, side: 'buy', size: 1e9 });
    await c2.marketOrder({ market: BTC, side: 'buy', size: 1e9 });
    await until(() => two.length === 1, 5_000, 'the fill of the account still watched');
    await settle();
    expect(one).toHaveLength(0);
  });

  it('stops every market of a public channel when no market is named, on the server too', async () => {
    t = await startTestGateway();
    const c = await t.client(null, 'json');
    const trades: StreamMessage[] = [];
    await c.subscribe('trades', { market: BTC }, (m) => trades.push(m));
    await c.subscribe('trades', { market: ETH }, (m) => trades.push(m));
    const removed = await c.request<{ removed: number }>('unsubscribe', { channel: 'trades' });
    expect(removed.removed).toBe(2);
  });
});

describe('private subscribe without an account', () => {
  it('delivers a message that arrives before the reply naming the account is processed', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader);
    const got: StreamMessage[] = [];
    const pending = c.subscribe('fills', {}, (m) => got.push(m));
    // As if the socket delivered a fill in the same read as the reply, before its continuation ran.
    c.handleStreamMessage({ stream: 'fills', account: TRADER, seq: 1, data: { early: true } });
    await pending;
    expect(got.map((m) => m.data)).toEqual([{ early: true }]);
    await c.marketOrder({ market: BTC, side: 'buy', size: 1e9 });
    await until(() => got.length === 2, 5_000, 'a fill after the reply');
  });
});

describe('typed SDK', () => {
  it('has one method per wire op', () => {
    // logon / logout (session authentication) are being added to the gateway by separate work; the SDK follows once they settle.
    const pending = new Set(['logon', 'logout']);
    const missing = Object.keys(OPS).filter(
      (op) =>
        !pending.has(op) && typeof (GatewayClient.prototype as unknown as Record<string, unknown>)[op] !== 'function',
    );
    expect(missing).toEqual([]);
  });

  it('logs a connection on: signed ops then go with a nonce alone, and after logout signed again', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader, 'json');
    const sent: Record<string, unknown>[] = [];
    const ws = c.socket!;
    const send = ws.send.bind(ws);
    ws.send = ((data: string, ...rest: unknown[]) => {
      sent.push(JSON.parse(String(data)));
      return (send as (...a: unknown[]) => void)(data, ...rest);
    }) as typeof ws.send;
    expect(await c.logon()).toMatchObject({ keyId: 'trader', account: TRADER, replies: 'full' });
    const ack = await c.marketOrder({ market: BTC, side: 'buy', size: 1e9 });
    expect(ack.events.some((e) => e.type === 'fill')).toBe(true);
    const order = sent.find((x) => x.op === 'marketOrder')!;
    expect(order.sig).toBeUndefined();
    expect(typeof order.nonce).toBe('number');
    expect((await c.account()).account).toBe(TRADER);
    await c.logout();
    await c.marketOrder({ market: BTC, side: 'sell', size: 1e9 });
    expect(sent.filter((x) => x.op === 'marketOrder')[1].sig).toEqual(expect.any(String));
  });

  it('logs on again after a reconnect, before resubscribing', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader, 'msgpack', true);
    await c.logon('ack');
    const fills: StreamMessage[] = [];
    await c.subscribe('fills', {}, (m) => fills.push(m));
    const back = new Promise<unknown>((resolve) => c.on('reconnect', resolve));
    t.gw.disconnectAll();
    expect(await back).toEqual({ subscriptions: 1 });
    // Still logged on, in 'ack' mode: the acknowledgement is the seq alone, the fill comes on the stream.
    const ack = await c.marketOrder({ market: BTC, side: 'buy', size: 1e9 });
    expect(ack).toEqual({ seq: expect.any(Number) });
    await until(() => fills.length === 1, 5_000, 'the fill on the resubscribed stream');
  });

  it('places, amends, cancels by id and by client id, batches and lists orders', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader);
    const below = BTC_PRICE - 1_000_000_000; // 1,000 USD under the market: rests
    const placed = await c.placeOrder({ market: BTC, side: 'buy', size: 1e9, price: below, clientId: 7 });
    const orderId = (placed.events.find((e) => e.type === 'orderRested') as unknown as { orderId: number }).orderId;
    expect(typeof orderId).toBe('number');
    await c.amendOrder({ market: BTC, orderId, price: below - 1_000_000 });
    let open = await c.orders(BTC);
    expect(open).toMatchObject([{ orderId, price: below - 1_000_000, clientId: 7 }]);
    await c.cancelOrder({ market: BTC, clientId: 7 });
    expect(await c.orders()).toEqual([]);
    const b = await c.batch([
      { type: 'placeOrder', market: BTC, side: 'buy', size: 1e9, price: below, postOnly: true },
      { type: 'placeOrder', market: ETH, side: 'sell', size: 1e9, price: 4_000_000_000, timeInForce: 'GTC' },
    ]);
    expect(b.events.filter((e) => e.type === 'orderRested')).toHaveLength(2);
    open = await c.orders();
    expect(open).toHaveLength(2);
    await c.cancelOrder({ market: ETH, orderId: open.find((o) => o.market === ETH)!.orderId });
    expect(await c.orders()).toHaveLength(1);
    await c.cancelAll();
    expect(await c.orders()).toEqual([]);
    // An IOC that cannot fill rests nothing; a FOK that cannot fill is rejected or cancelled whole.
    await c.placeOrder({ market: BTC, side: 'buy', size: 1e9, price: below, timeInForce: 'IOC' }).catch(() => null);
    expect(await c.orders()).toEqual([]);
  });

  it('moves a position to isolated margin, transfers into it, and reads margin, time and markets', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader);
    await c.setMarginMode(ETH, true);
    await c.transferIsolated(ETH, 500_000_000);
    await c.marketOrder({ market: ETH, side: 'buy', size: 1e9 });
    await c.transferIsolated(ETH, -100_000_000);
    const p = (await c.positions()).find((x) => x.market === ETH)!;
    expect(p).toMatchObject({ isolated: true, base: 1e9 });
    expect(p.isolatedCollateral).toBeLessThan(500_000_000);
    expect((await c.time()).seq).toBe(t.engine.seq);
    expect((await c.markets()).map((m) => m.symbol)).toEqual(['BTC-PERP', 'ETH-PERP']);
    expect((await c.depth(BTC, 3)).bids.length).toBeLessThanOrEqual(3);
  });

  it('pages through history with historyAll, following the cursors', async () => {
    const calls: (string | null)[] = [];
    t = await startTestGateway({
      history: {
        query(kind, account, _from, _to, cursor, limit) {
          calls.push(cursor);
          const all = [0, 1, 2, 3, 4].map((i) => ({ kind, account, i }));
          const start = cursor === null ? 0 : Number(cursor);
          const items = all.slice(start, start + limit);
          return { items, nextCursor: start + limit < all.length ? String(start + limit) : null };
        },
      },
    });
    const c = await t.client(t.signers.trader);
    const items: { i: number; account: number }[] = [];
    for await (const x of c.historyAll<{ i: number; account: number }>({ kind: 'fill', limit: 2 })) items.push(x);
    expect(items.map((x) => x.i)).toEqual([0, 1, 2, 3, 4]);
    expect(items.every((x) => x.account === TRADER)).toBe(true);
    expect(calls).toEqual([null, '2', '4']);
    expect((await c.history({ kind: 'fill', limit: 2, cursor: '4' })).nextCursor).toBeNull();
  });

  it('creates an account and funds it from an admin key', async () => {
    t = await startTestGateway();
    const admin = await t.client(t.signers.admin);
    const { account } = await admin.createAccount();
    await admin.deposit({ account, amount: 5_000_000 });
    expect((await admin.account(account)).collateral).toBe(5_000_000);
  });
});

describe('insurance fund', () => {
  it('answers over WebSocket and HTTP, sits in the ticker, and the ticker stream follows a deposit', async () => {
    t = await startTestGateway();
    const admin = await t.client(t.signers.admin);
    await admin.insuranceDeposit(7_000_000);
    const ws = await admin.insurance();
    expect(ws.insuranceFund).toBe(t.engine.insuranceFund);
    expect(ws.insuranceFund).toBeGreaterThanOrEqual(7_000_000);
    const http = await restGet(t.http, '/v1/insurance');
    expect(http.status).toBe(200);
    expect(http.body).toMatchObject({ ok: true, result: { insuranceFund: ws.insuranceFund } });
    expect((await admin.ticker(BTC)).insuranceFund).toBe(ws.insuranceFund);
    const tickers: Ticker[] = [];
    const watcher = await t.client(null, 'json');
    await watcher.subscribe('ticker', { market: BTC }, (m) => tickers.push(m.data as Ticker));
    await admin.insuranceDeposit(1_000_000);
    await until(
      () => tickers.some((x) => x.insuranceFund === ws.insuranceFund + 1_000_000),
      5_000,
      'a ticker with the new insurance fund',
    );
  });
});

describe('ticker', () => {
  it('holds the mark of the turn just committed, with no periodic tick to catch it up', async () => {
    // No idle tick within the test: only turns that commands cause.
    t = await startTestGateway({ tickIntervalMs: 60_000 });
    const watcher = await t.client(null);
    const tickers: Ticker[] = [];
    await watcher.subscribe('ticker', { market: BTC }, (m) => tickers.push(m.data as Ticker));
    const first = tickers[0]?.markPrice;
    const oracle = await t.client(t.signers.oracle);
    const price = Math.round(BTC_PRICE * 0.97);
    await oracle.oracle({ market: BTC, source: 0, price, confidence: price / 10_000, publishTs: Date.now() });
    const mark = t.engine.markets[BTC].markPrice;
    expect(mark).not.toBe(first);
    await until(() => tickers.at(-1)?.markPrice === mark, 5_000, `a ticker with the committed mark ${mark}`);
    // The ticker query reads the same committed state.
    expect((await watcher.ticker(BTC)).markPrice).toBe(mark);
  });
});

describe('liquidatable', () => {
  it('lists an account in liquidation with its ticks left, and a liquidator using only the SDK takes it over', async () => {
    t = await startTestGateway({ marketParams: { liquidatorWindowTicks: 1_000 } });
    expect(PUBLIC_CHANNELS).toContain('liquidatable');
    const admin = await t.client(t.signers.admin);
    const victim = await leveragedVictim(t, admin);

    // The liquidator: its own key and the public feed, nothing else.
    const liq = await t.client(t.signers.liquidator);
    const feed: LiquidatableView[] = [];
    await liq.subscribe('liquidatable', { market: BTC }, (m) => feed.push(m.data as LiquidatableView));
    await until(() => feed.length > 0, 5_000, 'the list sent on subscribe');
    expect(feed[0].accounts).toEqual([]);

    const oracle = await t.client(t.signers.oracle);
    const price = Math.round(BTC_PRICE * 0.92);
    await oracle.oracle({ market: BTC, source: 0, price, confidence: price / 10_000, publishTs: Date.now() });
    await until(() => feed.some((f) => f.accounts.some((a) => a.account === victim)), 5_000, 'the victim listed');
    const listed = feed.find((f) => f.accounts.some((a) => a.account === victim))!;
    const entry = listed.accounts.find((a) => a.account === victim)!;
    expect(entry).toMatchObject({ base: 150_000_000, isolated: false, markPrice: expect.any(Number) });
    expect(entry.equity).toBeLessThan(entry.maintenance);
    expect(entry.maxTakeover).toBeGreaterThan(0);
    expect(entry.maxTakeover).toBeLessThanOrEqual(150_000_000);
    expect(entry.backstopTick).toBe(entry.sinceTick + 1_000);
    expect(entry.ticksLeft).toBe(entry.backstopTick - listed.tick);
    expect(entry.ticksLeft).toBeGreaterThan(0);
    expect(t.engine.accounts.liquidationSince[victim]).toBe(entry.sinceTick);
    // The query (WebSocket and HTTP) says the same.
    const q = await liq.liquidatable(BTC);
    expect(q.accounts.map((a) => a.account)).toContain(victim);
    const all = await liq.liquidatable();
    expect(all.map((x) => x.market)).toEqual([BTC, ETH]);
    expect(all[ETH].accounts).toEqual([]);
    const http = await restGet(t.http, `/v1/markets/${BTC}/liquidatable`);
    expect((http.body as { result: LiquidatableView }).result.accounts.map((a) => a.account)).toContain(victim);

    const ack = await liq.liquidate({ account: victim, market: BTC, size: entry.maxTakeover });
    const ev = ack.events.find((e) => e.type === 'liquidation') as unknown as { liquidator: number; base: number };
    expect(ev).toMatchObject({ liquidator: LIQUIDATOR });
    expect(ev.base).toBeGreaterThan(0);
    expect(t.engine.markets[BTC].positions.base[LIQUIDATOR]).toBe(ev.base);
    // The feed follows the takeover: the victim's smaller position, or no entry once it is out of liquidation.
    const left = t.engine.markets[BTC].positions.base[victim];
    expect(left).toBe(150_000_000 - ev.base);
    await until(
      () => {
        const e = feed.at(-1)!.accounts.find((a) => a.account === victim);
        return t!.engine.accounts.liquidationSince[victim] === 0 ? e === undefined : e?.base === left;
      },
      5_000,
      'the feed to follow the takeover',
    );
  });
});

describe('backstop liquidations', () => {
  it("reach the public liquidations stream and the account's warnings from the tick's liquidation rows", async () => {
    t = await startTestGateway({ marketParams: { liquidatorWindowTicks: 0 } });
    const admin = await t.client(t.signers.admin);
    const victim = await leveragedVictim(t, admin);

    const publicFeed: StreamMessage[] = [];
    await admin.subscribe('liquidations', { market: BTC }, (m) => publicFeed.push(m));
    const warnings: StreamMessage[] = [];
    await admin.subscribe('warnings', { account: victim }, (m) => warnings.push(m));

    const oracle = await t.client(t.signers.oracle);
    const price = Math.round(BTC_PRICE * 0.92);
    await oracle.oracle({ market: BTC, source: 0, price, confidence: price / 10_000, publishTs: Date.now() });
    const type = (m: StreamMessage) => (m.data as { type: string }).type;
    await until(() => warnings.some((m) => type(m) === 'liquidationEnded'), 5_000, 'the end of the liquidation');
    // The rows arrive as the events they stand for, in their order.
    const story = warnings.map(type).filter((x) => x.startsWith('liquidation'));
    expect(story[0]).toBe('liquidationStarted');
    expect(story.at(-1)).toBe('liquidationEnded');
    expect(story).toContain('liquidation');
    const closes = warnings
      .filter((m) => type(m) === 'liquidation')
      .map((m) => m.data as { account: number; liquidator: number; base: number });
    expect(closes.every((c) => c.account === victim && c.liquidator === -1)).toBe(true);
    const closed = closes.reduce((sum, c) => sum + c.base, 0);
    expect(t.engine.markets[BTC].positions.base[victim]).toBe(150_000_000 - closed);
    await until(() => publicFeed.length >= closes.length, 5_000, 'the backstop on the public feed');
    expect(publicFeed.map((m) => (m.data as { by: string }).by)).toEqual(closes.map(() => 'backstop'));
    expect(publicFeed.map((m) => (m.data as { size: number }).size)).toEqual(closes.map((c) => c.base));
  });
});
