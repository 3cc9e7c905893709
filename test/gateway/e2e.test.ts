/**
 * End to end through the SDK over loopback: orders and deposits acknowledged
 * after their turn, account views, public and private streams with sequence
 * numbers, L2 depth with deltas, resync after a gap, reconnect with
 * resubscribe, REST, health, readiness and metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamMessage } from '../../gateway/protocol.ts';
import type { DepthBook } from '../../gateway/sdk/depth-book.ts';
import { restGet, restSignedGet, restSignedPost } from '../../gateway/sdk/http.ts';
import { ADMIN_ACCOUNT, BTC, ETH, FUNDS, startTestGateway, type TestGateway, TRADER, until } from './harness.ts';

let t: TestGateway;
afterEach(async () => {
  await t.stop();
});

function sameBook(book: DepthBook, depth: { bids: [number, number][]; asks: [number, number][] }): boolean {
  return (
    JSON.stringify(book.bidLevels()) === JSON.stringify(depth.bids) &&
    JSON.stringify(book.askLevels()) === JSON.stringify(depth.asks)
  );
}

async function serverDepth(market: number) {
  const r = await restGet(t.http, `/v1/markets/${market}/depth`, { levels: 20 });
  return (r.body as { result: { bids: [number, number][]; asks: [number, number][] } }).result;
}

describe('commands', () => {
  it('places market orders in both encodings and shows the position', async () => {
    t = await startTestGateway();
    for (const encoding of ['json', 'msgpack'] as const) {
      const c = await t.client(t.signers.trader, encoding);
      const ack = await c.marketOrder({ market: BTC, side: 'buy', size: 1_000_000_000 });
      expect(ack.seq).toBeGreaterThan(0);
      expect(ack.events.find((e) => e.type === 'fill')).toMatchObject({
        account: TRADER,
        side: 'buy',
        base: 1_000_000_000,
      });
    }
    const c = await t.client(t.signers.trader);
    const positions = await c.positions();
    expect(positions).toHaveLength(1);
    expect(positions[0]).toMatchObject({ market: BTC, base: 2_000_000_000 });
    const account = await c.account();
    expect(account).toMatchObject({ account: TRADER, inLiquidation: false });
    // Engine rejections keep the engine's code.
    await expect(c.marketOrder({ market: 9, side: 'buy', size: 1 })).rejects.toMatchObject({ code: 'UNKNOWN_MARKET' });
    await expect(c.withdraw({ amount: FUNDS * 10 })).rejects.toMatchObject({ code: 'INSUFFICIENT_COLLATERAL' });
  });

  it('credits deposits from an admin key and creates accounts', async () => {
    t = await startTestGateway();
    const admin = await t.client(t.signers.admin, 'json');
    const created = await admin.request<{ events: { type: string; account: number }[] }>('createAccount', {});
    const account = created.events[0].account;
    await admin.deposit({ account, amount: 5_000_000 });
    const view = await admin.account(account);
    expect(view).toMatchObject({ account, collateral: 5_000_000 });
    await admin.request('registerKey', {
      keyId: 'new-key',
      account,
      roles: ['read-only'],
      scheme: 'hmac-sha256',
      secret: 'cd'.repeat(16),
    });
    expect(t.gw.keys.get('new-key')?.account).toBe(account);
    expect((await admin.account(ADMIN_ACCOUNT)).account).toBe(ADMIN_ACCOUNT);
  });

  it('answers a query after the same connection’s earlier commands (read-your-writes)', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader);
    const order = c.marketOrder({ market: ETH, side: 'sell', size: 3_000_000_000 });
    const positions = await c.positions();
    await order;
    expect(positions.find((p) => p.market === ETH)).toMatchObject({ base: -3_000_000_000 });
  });
});

describe('streams', () => {
  it('delivers public trades with consecutive seqs and private fills, positions and margin', async () => {
    t = await startTestGateway();
    const watcher = await t.client(null, 'json');
    const trades: StreamMessage[] = [];
    await watcher.subscribe('trades', { market: BTC }, (m) => trades.push(m));
    const trader = await t.client(t.signers.trader);
    const priv: Record<string, StreamMessage[]> = { fills: [], positions: [], margin: [], orders: [] };
    for (const ch of ['fills', 'positions', 'margin', 'orders'] as const)
      await trader.subscribe(ch, {}, (m) => priv[ch].push(m));
    for (let i = 0; i < 5; i++)
      await trader.marketOrder({ market: BTC, side: i % 2 === 0 ? 'buy' : 'sell', size: 100_000_000 });
    await until(
      () => trades.length === 5 && priv.fills.length === 5 && priv.positions.length >= 1 && priv.margin.length >= 1,
      5_000,
      'streams',
    );
    expect(trades.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(trades[0].data).toMatchObject({ side: 'buy', size: 100_000_000 });
    expect(priv.fills[0]).toMatchObject({ stream: 'fills', account: TRADER, seq: 1 });
    expect(priv.positions.at(-1)!.data).toMatchObject({ market: BTC });
    await until(() => priv.orders.length === 5, 5_000, 'order updates');
    expect(priv.orders[0].data).toMatchObject({ command: 'marketOrder', status: 'done' });
  });

  it('keeps an L2 book from a snapshot and deltas, and resyncs after a gap', async () => {
    t = await startTestGateway();
    const c = await t.client(null);
    const gaps: unknown[] = [];
    c.on('gap', (g) => gaps.push(g));
    await c.subscribe('depth', { market: BTC }, () => {});
    await until(() => c.book(BTC)?.synced === true, 5_000, 'snapshot');
    const book = c.book(BTC)!;
    const firstSeq = book.seq;
    const trader = await t.client(t.signers.trader);
    for (let i = 0; i < 4; i++) await trader.marketOrder({ market: BTC, side: 'buy', size: 10_000_000_000 });
    const after = await serverDepth(BTC);
    await until(() => sameBook(book, after), 5_000, 'deltas to converge');
    expect(book.seq).toBeGreaterThan(firstSeq);
    // Force a gap: a delta that skips a seq. The SDK must discard the book and resync.
    c.handleStreamMessage({
      stream: 'depth',
      market: BTC,
      seq: book.seq + 2,
      data: { type: 'delta', levels: 20, bids: [[1, 1]], asks: [] },
    });
    expect(gaps).toHaveLength(1);
    await until(() => book.synced, 5_000, 'resync');
    expect(sameBook(book, await serverDepth(BTC))).toBe(true);
  });

  it('sends the ticker on subscribe and again when it changes', async () => {
    t = await startTestGateway({ tickIntervalMs: 20 });
    const c = await t.client(null, 'json');
    const ticks: StreamMessage[] = [];
    await c.subscribe('ticker', { market: ETH }, (m) => ticks.push(m));
    await until(() => ticks.length === 1, 5_000, 'ticker snapshot');
    const trader = await t.client(t.signers.trader);
    await trader.marketOrder({ market: ETH, side: 'buy', size: 2_000_000_000 });
    await until(
      () => (ticks.at(-1)!.data as { openInterestLong: number }).openInterestLong === 2_000_000_000,
      5_000,
      'ticker update',
    );
    expect(ticks.at(-1)!.seq).toBeGreaterThan(ticks[0].seq);
  });

  it('submits funding ticks when the interval elapses and streams them', async () => {
    t = await startTestGateway({ fundingIntervalMs: 1_000, tickIntervalMs: 20 });
    const c = await t.client(null);
    const funding: StreamMessage[] = [];
    await c.subscribe('funding', { market: BTC }, (m) => funding.push(m));
    await until(() => funding.length >= 1, 10_000, 'funding');
    expect(funding[0].data).toHaveProperty('rateE6');
    const rest = await restGet(t.http, '/v1/markets/BTC-PERP/funding');
    expect((rest.body as { result: unknown[] }).result.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps streaming to the remaining subscribers while others resubscribe, unsubscribe or disconnect', async () => {
    // The publisher skips a channel with no subscribed stream at all (a per-channel count): every way a
    // stream comes and goes must keep that count right, or a live subscriber would miss messages.
    t = await startTestGateway();
    const trader = await t.client(t.signers.trader);
    const a = await t.client(null, 'json');
    const b = await t.client(null, 'msgpack');
    const got = { a: [] as StreamMessage[], b: [] as StreamMessage[] };
    await a.subscribe('trades', { market: BTC }, (m) => got.a.push(m));
    // The same stream again on the same connection: still one stream.
    await a.request('subscribe', { channel: 'trades', market: BTC }, false);
    await b.subscribe('trades', { market: BTC }, (m) => got.b.push(m));
    const trade = async (n: number, who: StreamMessage[][]) => {
      const before = who.map((xs) => xs.length);
      await trader.marketOrder({ market: BTC, side: n % 2 === 0 ? 'buy' : 'sell', size: 100_000_000 });
      await until(() => who.every((xs, i) => xs.length === before[i] + 1), 5_000, `trade ${n}`);
    };
    await trade(0, [got.a, got.b]);
    await a.unsubscribe('trades', { market: BTC });
    await trade(1, [got.b]);
    await a.close();
    await trade(2, [got.b]);
    await b.unsubscribe('trades', { market: BTC });
    // Nobody subscribes now; a new subscriber is served again.
    await trader.marketOrder({ market: BTC, side: 'buy', size: 100_000_000 });
    const c = await t.client(null, 'msgpack');
    const gotC: StreamMessage[] = [];
    await c.subscribe('trades', { market: BTC }, (m) => gotC.push(m));
    await trade(3, [gotC]);
    expect(got.a.length).toBe(1);
    expect(got.b.length).toBe(3);
    // Private channels: a fills subscriber that disconnects does not silence one that stays.
    const t1 = await t.client(t.signers.trader);
    const t2 = await t.client(t.signers.trader);
    const f1: StreamMessage[] = [];
    const f2: StreamMessage[] = [];
    await t1.subscribe('fills', {}, (m) => f1.push(m));
    await t2.subscribe('fills', {}, (m) => f2.push(m));
    await trade(4, [f1, f2]);
    await t1.close();
    await trade(5, [f2]);
    expect(f1.length).toBe(1);
  });

  it('reconnects and resubscribes after the server drops the connection', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader, 'msgpack', true);
    const trades: StreamMessage[] = [];
    const fills: StreamMessage[] = [];
    await c.subscribe('trades', { market: ETH }, (m) => trades.push(m));
    await c.subscribe('fills', {}, (m) => fills.push(m));
    await c.subscribe('depth', { market: ETH }, () => {});
    let reconnects = 0;
    c.on('reconnect', () => reconnects++);
    t.gw.disconnectAll();
    await until(() => reconnects === 1, 10_000, 'reconnect');
    await until(() => c.book(ETH)?.synced === true, 5_000, 'depth resubscribed');
    await c.marketOrder({ market: ETH, side: 'sell', size: 1_000_000_000 });
    await until(() => trades.length === 1 && fills.length === 1, 5_000, 'streams after reconnect');
  });
});

describe('HTTP', () => {
  it('serves public REST, signed REST, health, readiness and metrics', async () => {
    const history = {
      query: (kind: string, account: number, _f?: number, _t?: number, cursor?: string | null, limit?: number) => ({
        items: [{ kind, account, cursor, limit }],
        nextCursor: null,
      }),
    };
    t = await startTestGateway({ history });
    const markets = await restGet(t.http, '/v1/markets');
    expect((markets.body as { result: { symbol: string }[] }).result.map((m) => m.symbol)).toEqual([
      'BTC-PERP',
      'ETH-PERP',
    ]);
    const ticker = await restGet(t.http, '/v1/markets/ETH-PERP/ticker');
    expect(ticker.body).toMatchObject({ ok: true, result: { market: ETH, symbol: 'ETH-PERP' } });
    expect((await restGet(t.http, '/v1/markets/DOGE-PERP/ticker')).status).toBe(404);
    expect((await restGet(t.http, '/v1/markets/0/depth', { levels: 5 })).body).toMatchObject({
      ok: true,
      result: { levels: 5 },
    });
    expect((await restGet(t.http, '/v1/markets/0/depth', { levels: 'x' })).status).toBe(400);

    const placed = await restSignedPost(
      t.http,
      '/v1/orders',
      'marketOrder',
      { market: BTC, side: 'buy', size: 10_000_000 },
      t.signers.trader,
    );
    expect(placed.status).toBe(200);
    const trades = await restGet(t.http, '/v1/markets/0/trades', { limit: 10 });
    expect((trades.body as { result: unknown[] }).result).toHaveLength(1);
    const positions = await restSignedGet(t.http, '/v1/positions', 'positions', {}, t.signers.trader);
    expect(positions.body).toMatchObject({ ok: true, result: [{ market: BTC, base: 10_000_000 }] });
    const page = await restSignedGet(t.http, '/v1/history', 'history', { kind: 'fill', limit: 5 }, t.signers.trader);
    expect(page.body).toMatchObject({ ok: true, result: { items: [{ kind: 'fill', account: TRADER, limit: 5 }] } });

    expect((await fetch(`${t.http}/health`)).status).toBe(200);
    expect(await (await fetch(`${t.http}/ready`)).json()).toEqual({ ready: true });
    const metrics = await (await fetch(`${t.http}/metrics`)).text();
    for (const name of [
      'clearloop_ack_latency_seconds',
      'clearloop_loop_lag_seconds',
      'clearloop_queue_depth',
      'clearloop_commands_per_second',
      'clearloop_ws_connections',
      'clearloop_commands_total',
    ]) {
      expect(metrics).toContain(name);
    }
  });

  it('answers history with NOT_AVAILABLE when no history store is configured', async () => {
    t = await startTestGateway();
    const c = await t.client(t.signers.trader);
    await expect(c.request('history', { kind: 'fill' })).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
  });
});
