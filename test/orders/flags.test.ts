/**
 * Order flags, order types and order rules through Engine.apply(): one test
 * per flag or rule, each written so that it fails if the engine ignored that
 * flag (the comment above each says what would break). The market has a 1%
 * curve spread and a one-cent tick, so the curve's bid is $99.50 and its ask
 * $100.50 around a $100 curve: bids at $99.51–$99.99 and asks at
 * $100.01–$100.49 rest without crossing the vAMM.
 */
import { describe, expect, it } from 'vitest';
import { BID } from '../../core/book/types.ts';
import type { PlaceOrder, Side } from '../../core/commands.ts';
import type { Engine } from '../../core/engine.ts';
import type { Event } from '../../core/events.ts';
import { swapBase } from '../../vamm/curve.ts';
import {
  eventsOf,
  type MarketFixtureOptions,
  marketFixture,
  ok,
  oneEvent,
  oraclePrice,
  orderCmd,
  PRICE_USD,
  rejects,
  T0,
  UNIT,
  USD,
} from '../core/helpers.ts';

const TICK = PRICE_USD / 100;
/** Price units of a dollar amount. */
const px = (usd: number) => Math.round(usd * PRICE_USD);

function fixture(o: MarketFixtureOptions = {}) {
  return marketFixture({ ...o, params: { baseSpreadE6: 10_000, tickSize: TICK, ...o.params } });
}

function limit(account: number, side: Side, size: number, price: number, extra: Partial<PlaceOrder> = {}): PlaceOrder {
  return { type: 'placeOrder', account, market: 0, side, size, price, ...extra };
}

/** Place an order that must be accepted; its events and its order id. */
function place(e: Engine, cmd: PlaceOrder, ts = T0): { events: Event[]; id: number } {
  const events = ok(e, cmd, ts);
  return { events, id: oneEvent(events, 'orderAccepted').orderId };
}

const cancelled = (events: Event[]) => eventsOf(events, 'orderCancelled').map((x) => [x.orderId, x.reason]);
const tick = (e: Engine, ts: number) => ok(e, { type: 'tick' }, ts);

describe('order flags through the engine', () => {
  it('post-only: refused with nothing changed when it would cross the curve or the book; rests when passive', () => {
    // Ignoring postOnly would let the crossing orders take liquidity (a fill) instead of being refused.
    const {
      e,
      accounts: [a, b],
    } = fixture();
    rejects(e, limit(a, 'buy', UNIT, px(100.6), { postOnly: true }), T0, 'POST_ONLY_WOULD_CROSS');
    place(e, limit(b, 'sell', UNIT, px(100.1)));
    rejects(e, limit(a, 'buy', UNIT, px(100.1), { postOnly: true }), T0, 'POST_ONLY_WOULD_CROSS');
    const { events, id } = place(e, limit(a, 'buy', UNIT, px(99.9), { postOnly: true }));
    expect(oneEvent(events, 'orderRested')).toMatchObject({ orderId: id, price: px(99.9), size: UNIT });
    expect(e.markets[0].book.has(id)).toBe(true);
  });

  it('reduce-only: refused when it would open or grow; a resting one is trimmed, then cancelled, as the position shrinks', () => {
    // Ignoring reduceOnly would accept the growing orders, and leave the resting ask at full size.
    const {
      e,
      accounts: [a],
    } = fixture();
    rejects(e, limit(a, 'sell', UNIT, px(100.1), { reduceOnly: true }), T0, 'REDUCE_ONLY');
    ok(e, orderCmd(a, 'buy', 2 * UNIT), T0);
    rejects(e, limit(a, 'buy', UNIT, px(99.6), { reduceOnly: true }), T0, 'REDUCE_ONLY');
    const { id } = place(e, limit(a, 'sell', 2 * UNIT, px(101), { reduceOnly: true }));
    const trimmed = ok(e, orderCmd(a, 'sell', UNIT), T0);
    expect(oneEvent(trimmed, 'orderAmended')).toMatchObject({ orderId: id, size: UNIT });
    expect(e.markets[0].book.sizeOf(id)).toBe(UNIT);
    const closed = ok(e, orderCmd(a, 'sell', UNIT), T0);
    expect(cancelled(closed)).toEqual([[id, 'reduceOnly']]);
    expect(e.markets[0].book.has(id)).toBe(false);
  });

  it('IOC: fills what it can now and cancels the rest as unfilled, never resting', () => {
    // An IOC treated as GTC would rest its remainder (orderRested) instead of cancelling it.
    const {
      e,
      accounts: [a],
    } = fixture();
    const { events, id } = place(e, limit(a, 'buy', 50 * UNIT, px(100.6), { timeInForce: 'IOC' }));
    const filled = eventsOf(events, 'fill').reduce((n, f) => n + f.base, 0);
    expect(filled).toBeGreaterThan(0);
    expect(eventsOf(events, 'orderRested')).toEqual([]);
    expect(oneEvent(events, 'orderCancelled')).toMatchObject({
      orderId: id,
      reason: 'unfilled',
      remaining: 50 * UNIT - filled,
    });
    expect(e.markets[0].book.bestPrice(BID)).toBeLessThanOrEqual(0);
  });

  it('FOK: refused with nothing changed unless it fills entirely', () => {
    // A FOK treated as IOC or GTC would be accepted with a partial fill.
    const {
      e,
      accounts: [a],
    } = fixture();
    rejects(e, limit(a, 'buy', 50 * UNIT, px(100.6), { timeInForce: 'FOK' }), T0, 'FOK_NOT_FILLED');
    const { events } = place(e, limit(a, 'buy', UNIT / 10, px(100.6), { timeInForce: 'FOK' }));
    expect(oneEvent(events, 'fill').base).toBe(UNIT / 10);
    expect(eventsOf(events, 'orderRested')).toEqual([]);
  });

  it('GTC rests through ticks; GTT rests until a tick at or after its expiry cancels it as expired', () => {
    // Without expiry the GTT order would outlive its expiryTs; a GTC cancelled by the tick would break the GTC half.
    const {
      e,
      accounts: [a],
    } = fixture();
    const gtc = place(e, limit(a, 'buy', UNIT, px(99.8)));
    expect(oneEvent(gtc.events, 'orderRested').orderId).toBe(gtc.id);
    rejects(e, limit(a, 'buy', UNIT, px(99.9), { timeInForce: 'GTT', expiryTs: T0 }), T0, 'BAD_EXPIRY');
    const gtt = place(e, limit(a, 'buy', UNIT, px(99.9), { timeInForce: 'GTT', expiryTs: T0 + 100 }));
    expect(oneEvent(gtt.events, 'orderRested').orderId).toBe(gtt.id);
    expect(cancelled(tick(e, T0 + 99))).toEqual([]);
    expect(cancelled(tick(e, T0 + 100))).toEqual([[gtt.id, 'expired']]);
    expect(e.markets[0].book.has(gtt.id)).toBe(false);
    expect(e.markets[0].book.has(gtc.id)).toBe(true);
  });

  it('client ids: a repeat within the account is refused; another account may use it; cancel by client id frees it', () => {
    // Without the engine's check an IOC repeat (which never reaches the book, whose own check would
    // catch a resting repeat) and a repeat of a trigger order's client id would be accepted.
    const {
      e,
      accounts: [a, b],
    } = fixture();
    const { id } = place(e, limit(a, 'buy', UNIT, px(99.9), { clientId: 7 }));
    rejects(e, limit(a, 'buy', UNIT, px(99.8), { clientId: 7 }), T0, 'DUPLICATE_CLIENT_ID');
    rejects(e, limit(a, 'buy', UNIT, px(100.6), { clientId: 7, timeInForce: 'IOC' }), T0, 'DUPLICATE_CLIENT_ID');
    const stop = { kind: 'stop', price: px(99), source: 'oracle' } as const;
    const trig = place(e, limit(a, 'sell', UNIT, 0, { clientId: 9, trigger: stop })).id;
    rejects(e, limit(a, 'sell', UNIT, px(100.2), { clientId: 9 }), T0, 'DUPLICATE_CLIENT_ID');
    expect(cancelled(ok(e, { type: 'cancelOrder', account: a, market: 0, clientId: 9 }, T0))).toEqual([[trig, 'user']]);
    place(e, limit(b, 'buy', UNIT, px(99.8), { clientId: 7 }));
    rejects(e, { type: 'cancelOrder', account: a, market: 0, clientId: 8 }, T0, 'UNKNOWN_ORDER');
    const events = ok(e, { type: 'cancelOrder', account: a, market: 0, clientId: 7 }, T0);
    expect(cancelled(events)).toEqual([[id, 'user']]);
    place(e, limit(a, 'buy', UNIT, px(99.8), { clientId: 7 }));
  });

  /** Two bids of one unit at $99.90, A's first; then `amend` A's order; returns whose bid a half-unit market sell meets. */
  function firstFilledAfter(amend: (e: Engine, a: number, id: number) => void): 'A' | 'B' {
    const {
      e,
      accounts: [a, b, taker],
    } = fixture();
    const { id } = place(e, limit(a, 'buy', UNIT, px(99.9)));
    place(e, limit(b, 'buy', UNIT, px(99.9)));
    amend(e, a, id);
    const fills = eventsOf(ok(e, orderCmd(taker, 'sell', UNIT / 2), T0), 'fill');
    const maker = fills.filter((f) => f.role === 'maker');
    expect(maker.length).toBe(1);
    return maker[0].account === a ? 'A' : 'B';
  }

  it('amend: a smaller size at the same price keeps time priority', () => {
    // If every amend lost priority (or the amend were ignored for priority), B would be filled first.
    const first = firstFilledAfter((e, acct, id) => {
      const ev = ok(e, { type: 'amendOrder', account: acct, market: 0, orderId: id, size: UNIT / 2 }, T0);
      expect(oneEvent(ev, 'orderAmended')).toMatchObject({ orderId: id, size: UNIT / 2, priorityKept: true });
    });
    expect(first).toBe('A');
  });

  it('amend: a larger size, or a new price, loses time priority', () => {
    // If every amend kept its place, A (first in time) would still be filled first.
    const bigger = firstFilledAfter((e, acct, id) => {
      const ev = ok(e, { type: 'amendOrder', account: acct, market: 0, orderId: id, size: 2 * UNIT }, T0);
      expect(oneEvent(ev, 'orderAmended').priorityKept).toBe(false);
    });
    expect(bigger).toBe('B');
    const moved = firstFilledAfter((e, acct, id) => {
      ok(e, { type: 'amendOrder', account: acct, market: 0, orderId: id, price: px(99.89) }, T0);
      ok(e, { type: 'amendOrder', account: acct, market: 0, orderId: id, price: px(99.9) }, T0);
    });
    expect(moved).toBe('B');
  });

  it("cancel: by order id; another account's order id and an unknown id are refused", () => {
    // Without the owner check B could cancel A's order.
    const {
      e,
      accounts: [a, b],
    } = fixture();
    const { id } = place(e, limit(a, 'buy', UNIT, px(99.9)));
    rejects(e, { type: 'cancelOrder', account: b, market: 0, orderId: id }, T0, 'UNKNOWN_ORDER');
    rejects(e, { type: 'cancelOrder', account: a, market: 0, orderId: id + 1000 }, T0, 'UNKNOWN_ORDER');
    expect(cancelled(ok(e, { type: 'cancelOrder', account: a, market: 0, orderId: id }, T0))).toEqual([[id, 'user']]);
    expect(e.markets[0].book.has(id)).toBe(false);
    rejects(e, { type: 'cancelOrder', account: a, market: 0, orderId: id }, T0, 'UNKNOWN_ORDER');
  });

  it('cancelAll: one market, or every market, of one account only', () => {
    // Ignoring `market` would cancel A's BTC order in the first call; ignoring `account` would cancel B's.
    const {
      e,
      accounts: [a, b],
    } = fixture();
    ok(e, { type: 'createMarket', symbol: 'BTC', initialPrice: px(100), baseReserve: 1_000 * UNIT }, T0);
    oraclePrice(e, 1, px(100), T0);
    const a0 = place(e, limit(a, 'buy', UNIT, px(99.9))).id;
    const a0b = place(
      e,
      limit(a, 'sell', UNIT, px(100.2), { trigger: { kind: 'stop', price: px(99), source: 'oracle' } }),
    ).id;
    const a1 = place(e, { ...limit(a, 'buy', UNIT, px(99.9)), market: 1 }).id;
    const b0 = place(e, limit(b, 'buy', UNIT, px(99.9))).id;
    expect(cancelled(ok(e, { type: 'cancelAll', account: a, market: 0 }, T0)).sort()).toEqual(
      [
        [a0, 'user'],
        [a0b, 'user'],
      ].sort(),
    );
    expect(e.markets[1].book.has(a1)).toBe(true);
    expect(cancelled(ok(e, { type: 'cancelAll', account: a }, T0))).toEqual([[a1, 'user']]);
    expect(e.markets[0].book.has(b0)).toBe(true);
  });

  it('batch: cancels and places apply together; one bad operation refuses the whole batch', () => {
    // A batch applied op by op without rollback would leave the first cancel done when the last op fails.
    const {
      e,
      accounts: [a],
    } = fixture();
    const old = place(e, limit(a, 'buy', UNIT, px(99.9), { clientId: 1 })).id;
    const events = ok(
      e,
      {
        type: 'batch',
        account: a,
        ops: [
          { type: 'cancelOrder', account: a, market: 0, orderId: old },
          limit(a, 'buy', UNIT, px(99.8), { clientId: 1 }),
          limit(a, 'sell', UNIT, px(100.2)),
        ],
      },
      T0,
    );
    expect(cancelled(events)).toEqual([[old, 'user']]);
    expect(eventsOf(events, 'orderRested').map((x) => x.price)).toEqual([px(99.8), px(100.2)]);
    const bid = e.markets[0].book.idByClientId(a, 1);
    rejects(
      e,
      {
        type: 'batch',
        account: a,
        ops: [{ type: 'cancelAll', account: a, market: 0 }, limit(a, 'buy', UNIT, px(99.805))],
      },
      T0,
      'OFF_TICK',
    );
    expect(e.markets[0].book.has(bid)).toBe(true);
  });

  it('stop orders fire on the price source each names (mark or oracle), not before it crosses', () => {
    // With the source ignored both stops would fire together; with the direction ignored they would fire at once.
    const {
      e,
      accounts: [s, pusher],
    } = fixture();
    const stop = (source: 'mark' | 'oracle') =>
      place(e, limit(s, 'buy', UNIT, 0, { trigger: { kind: 'stop', price: px(102), source } })).id;
    const onMark = stop('mark');
    const onOracle = stop('oracle');
    expect(e.markets[0].book.bestPrice(BID)).toBeLessThanOrEqual(0);
    expect(eventsOf(tick(e, T0), 'orderTriggered')).toEqual([]);
    // Push the curve to ~$103; the mark follows once the basis EMA has caught up (a full window later).
    ok(e, orderCmd(pusher, 'buy', 15 * UNIT), T0);
    expect(eventsOf(tick(e, T0), 'orderTriggered')).toEqual([]);
    const t1 = T0 + 300_000;
    oraclePrice(e, 0, px(100), t1);
    const mark = e.markets[0].markPrice;
    expect(mark).toBeGreaterThan(px(102));
    const fired = tick(e, t1);
    expect(oneEvent(fired, 'orderTriggered')).toMatchObject({ orderId: onMark, price: mark, triggerPrice: px(102) });
    const newId = oneEvent(fired, 'orderTriggered').newOrderId;
    expect(eventsOf(fired, 'fill').filter((f) => f.account === s)).toMatchObject([{ orderId: newId, side: 'buy' }]);
    oraclePrice(e, 0, px(102.5), t1 + 1);
    expect(oneEvent(tick(e, t1 + 1), 'orderTriggered')).toMatchObject({ orderId: onOracle, price: px(102.5) });
  });

  it('take-profit sells fire when the price rises to them, stops when it falls', () => {
    // A take-profit read as a stop would sell at once (price ≤ trigger) on the first tick.
    const {
      e,
      accounts: [h],
    } = fixture();
    ok(e, orderCmd(h, 'buy', 2 * UNIT), T0);
    const trigger = (kind: 'stop' | 'takeProfit', price: number) =>
      place(e, limit(h, 'sell', UNIT, 0, { reduceOnly: true, trigger: { kind, price, source: 'oracle' } })).id;
    const tp = trigger('takeProfit', px(101));
    const sl = trigger('stop', px(99));
    expect(eventsOf(tick(e, T0), 'orderTriggered')).toEqual([]);
    oraclePrice(e, 0, px(101.5), T0 + 1);
    const up = tick(e, T0 + 1);
    expect(oneEvent(up, 'orderTriggered').orderId).toBe(tp);
    expect(e.markets[0].positions.base[h]).toBe(UNIT);
    oraclePrice(e, 0, px(98.5), T0 + 2);
    expect(oneEvent(tick(e, T0 + 2), 'orderTriggered').orderId).toBe(sl);
    expect(e.markets[0].positions.base[h]).toBe(0);
  });

  it.each([
    // Default (cancelMaker): the resting ask goes, the taker carries on and rests.
    [undefined, true, false],
    // expireTaker: the resting ask stays, the taker stops.
    ['expireTaker', false, true],
    // expireBoth: both go.
    ['expireBoth', true, true],
  ] as const)('self-trade prevention %s: maker cancelled %s, taker expired %s', (mode, makerGone, takerGone) => {
    // Ignoring selfTrade would give the same outcome for all three modes (or a self-fill).
    const {
      e,
      accounts: [a],
    } = fixture();
    const ask = place(e, limit(a, 'sell', UNIT, px(100.1))).id;
    const extra = mode === undefined ? {} : { selfTrade: mode };
    const { events, id } = place(e, limit(a, 'buy', UNIT, px(100.2), extra));
    expect(eventsOf(events, 'fill')).toEqual([]);
    const expected: [number, string][] = [];
    if (makerGone) expected.push([ask, 'selfTrade']);
    if (takerGone) expected.push([id, 'selfTrade']);
    expect(cancelled(events)).toEqual(expected);
    expect(e.markets[0].book.has(ask)).toBe(!makerGone);
    expect(e.markets[0].book.has(id)).toBe(!takerGone);
  });

  it('limits: open orders per account, tick size and minimum size are each refused with their code', () => {
    // Without each check the refused order would rest.
    const {
      e,
      accounts: [a, b],
    } = fixture({ params: { maxOpenOrders: 2, minOrderSize: UNIT / 100 } });
    place(e, limit(a, 'buy', UNIT, px(99.9)));
    place(e, limit(a, 'sell', UNIT, px(100.1), { trigger: { kind: 'stop', price: px(99), source: 'mark' } }));
    rejects(e, limit(a, 'buy', UNIT, px(99.8)), T0, 'TOO_MANY_ORDERS');
    place(e, limit(b, 'buy', UNIT, px(99.8)));
    rejects(e, limit(b, 'buy', UNIT, px(99.805)), T0, 'OFF_TICK');
    rejects(e, limit(b, 'buy', UNIT / 100 - 1, px(99.8)), T0, 'BAD_AMOUNT');
    place(e, limit(b, 'buy', UNIT / 100, px(99.8)));
  });

  it('open orders need initial margin as if their worst side filled', () => {
    // Without the order margin check the 110-unit worst side would be accepted on $1,000.
    const {
      e,
      accounts: [a],
    } = fixture({ deposits: [1_000 * USD] });
    rejects(e, limit(a, 'buy', 110 * UNIT, px(99.9)), T0, 'INSUFFICIENT_MARGIN');
    place(e, limit(a, 'buy', 90 * UNIT, px(99.9)));
    // An ask of the same size does not add: the worst side is still 90 units ($900 of initial margin).
    place(e, limit(a, 'sell', 90 * UNIT, px(100.1)));
    rejects(e, limit(a, 'buy', 20 * UNIT, px(99.8)), T0, 'INSUFFICIENT_MARGIN');
    ok(e, { type: 'deposit', account: a, amount: 200 * USD }, T0);
    place(e, limit(a, 'buy', 20 * UNIT, px(99.8)));
  });

  it('hybrid matching: a taker takes each book level and the curve between them, in price order', () => {
    // A walk that took only the curve (or the book first regardless of price) would break the order below.
    const {
      e,
      accounts: [m1, m2, taker],
    } = fixture();
    place(e, limit(m1, 'sell', UNIT, px(100.1)));
    place(e, limit(m2, 'sell', UNIT, px(100.6)));
    const fills = eventsOf(ok(e, orderCmd(taker, 'buy', 3 * UNIT), T0), 'fill').filter((f) => f.role === 'taker');
    expect(fills.map((f) => f.liquidity)).toEqual(['book', 'amm', 'book', 'amm']);
    // A curve fill's price is the curve's own; with its spread fee, what the taker paid per unit.
    const allIn = fills.map((f) => ((f.quote + f.spreadFee) * UNIT) / f.base);
    expect(fills[0].price).toBe(px(100.1));
    expect(allIn[1]).toBeGreaterThanOrEqual(px(100.5));
    expect(allIn[1]).toBeLessThanOrEqual(px(100.6) + 10); // up to the next level (rounding of a few units)
    expect(fills[2].price).toBe(px(100.6));
    expect(allIn[3]).toBeGreaterThanOrEqual(px(100.6));
    expect(fills.reduce((n, f) => n + f.base, 0)).toBe(3 * UNIT);
  });

  it("the vAMM fills a resting bid its ask has fallen to, on the next tick, at the bid's price, charging the surplus", () => {
    // If the surplus were not charged, the fee pool would not grow and the maker would keep it.
    const {
      e,
      accounts: [a],
    } = fixture();
    const m = e.markets[0];
    // A 1% oracle confidence widens each side of the curve by 0.5%: its ask is $101.
    oraclePrice(e, 0, px(100), T0 + 1, 0, px(1));
    const { id } = place(e, limit(a, 'buy', UNIT, px(100.9)), T0 + 1);
    expect(m.book.has(id)).toBe(true);
    // The confidence back to 0: the curve's ask is $100.50, under the bid.
    oraclePrice(e, 0, px(100), T0 + 2);
    const curve = { baseReserve: m.baseReserve, quoteReserve: m.quoteReserve, k: m.k, pegE6: m.pegE6 };
    const feePool = m.feePool;
    const collateral = e.accounts.collateral[a];
    const fill = oneEvent(tick(e, T0 + 2), 'fill');
    const curveQuote = swapBase(curve, 'long', UNIT)?.quote ?? Number.NaN;
    expect(fill).toMatchObject({ account: a, orderId: id, side: 'buy', liquidity: 'amm', role: 'maker' });
    expect(fill).toMatchObject({ price: px(100.9), base: UNIT, quote: px(100.9) });
    expect(fill.spreadFee).toBe(fill.quote - curveQuote);
    expect(fill.spreadFee).toBeGreaterThan(0);
    expect(m.feePool - feePool).toBe(fill.spreadFee);
    expect(collateral - e.accounts.collateral[a]).toBe(fill.spreadFee);
    expect(m.book.has(id)).toBe(false);
    expect(m.positions.base[a]).toBe(UNIT);
  });

  it.each([
    // A rebate (makerFeeE6 < 0) is paid out of the fee pool.
    [-100, -10_010],
    // A maker fee (makerFeeE6 > 0) is paid into it.
    [200, 20_020],
  ])('maker fee %i E6 reports %i on a $100.10 fill; the taker pays ceil(quote × takerFeeE6)', (makerFeeE6, fee) => {
    // Ignoring makerFeeE6 (or its sign) would report 0 (or the wrong sign) and move the pool by the taker fee only.
    const {
      e,
      accounts: [maker, taker, seed],
    } = fixture({ params: { makerFeeE6, takerFeeE6: 500 } });
    const m = e.markets[0];
    ok(e, orderCmd(seed, 'buy', UNIT), T0); // fills the fee pool, so a rebate can be paid
    expect(m.feePool).toBeGreaterThan(-fee);
    place(e, limit(maker, 'sell', UNIT, px(100.1)));
    const pool = m.feePool;
    const makerCollateral = e.accounts.collateral[maker];
    const fills = eventsOf(ok(e, orderCmd(taker, 'buy', UNIT), T0), 'fill');
    const takerFill = fills.find((f) => f.role === 'taker');
    const makerFill = fills.find((f) => f.role === 'maker');
    const quote = px(100.1); // one unit at $100.10
    expect(takerFill).toMatchObject({ liquidity: 'book', quote, fee: Math.ceil((quote * 500) / 1_000_000) });
    expect(makerFill).toMatchObject({ liquidity: 'book', account: maker, fee });
    expect(m.feePool - pool).toBe(Math.ceil((quote * 500) / 1_000_000) + fee);
    expect(e.accounts.collateral[maker] - makerCollateral).toBe(-fee);
  });
});
