/**
 * Compact match events (core/classic-events.ts): a taker's fills in a row,
 * against resting orders and the curve, are one `takerMatches` (a row each,
 * core/match-rows.ts), and
 * classicEvents() gives back the classic objects they stand for, in the
 * order the engine settles and fills: settlements first, then the taker's
 * fill, the maker's fill and the trade.
 */
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import type { Event } from '../../core/events.ts';
import { curvePrice, marketFixture, ok, orderCmd, PRICE_USD, T0, UNIT, USD } from './helpers.ts';

describe('compact match events', () => {
  it('expand a sweep of two resting asks and the curve into settlements, fills and trades in order', () => {
    // A 1% curve spread leaves room for asks between the curve's price and its ask.
    const { e, accounts } = marketFixture({
      deposits: [100_000 * USD, 100_000 * USD, 100_000 * USD, 100_000 * USD],
      params: { baseSpreadE6: 10_000, tickSize: PRICE_USD / 100 },
    });
    const [taker, m1, m2, pusher] = accounts;
    // The taker is short 2 units and the price then rises, so buying back realises a loss, which
    // each fill settles into the PnL pool.
    ok(e, orderCmd(taker, 'sell', 2 * UNIT), T0);
    ok(e, orderCmd(pusher, 'buy', 6 * UNIT), T0);
    const place = (account: number, price: number) =>
      ok(e, { type: 'placeOrder', account, market: 0, side: 'sell', size: UNIT, price }, T0);
    // Two asks just above the curve's price, both under its ask: the taker meets them first.
    const tick = PRICE_USD / 100;
    const bestAsk = (Math.ceil(curvePrice(e.markets[0]) / tick) + 1) * tick;
    place(m1, bestAsk);
    place(m2, bestAsk + tick);
    const raw = ok(e, orderCmd(taker, 'buy', 3 * UNIT), T0);
    expect(raw.map((x) => x.type)).toEqual(['takerMatches']);
    expect(raw[0].type === 'takerMatches' && [raw[0].first, raw[0].count]).toEqual([0, 3]);

    const events = classicEvents(raw);
    const shape = events.map((x: Event) =>
      x.type === 'fill'
        ? `fill:${x.role}:${x.liquidity}:${x.account}`
        : x.type === 'pnlSettled'
          ? `settled:${x.account}`
          : x.type,
    );
    expect(shape).toEqual([
      `settled:${taker}`,
      `fill:taker:book:${taker}`,
      `fill:maker:book:${m1}`,
      'trade',
      `settled:${taker}`,
      `fill:taker:book:${taker}`,
      `fill:maker:book:${m2}`,
      'trade',
      `fill:taker:amm:${taker}`,
      'trade',
    ]);
    const fills = events.filter((x) => x.type === 'fill');
    const takerFills = fills.filter((x) => x.role === 'taker');
    // The taker's position after each fill: −2 → −1 → 0 → +1 units; a market order has no order id.
    expect(takerFills.map((x) => x.positionBase)).toEqual([-UNIT, 0, UNIT]);
    expect(takerFills.every((x) => x.orderId === undefined && 'orderId' in x)).toBe(true);
    expect(takerFills.map((x) => x.base).reduce((a, b) => a + b, 0)).toBe(3 * UNIT);
    // Each maker's fill names its order and its own position after it; each trade matches its taker fill.
    const makerFills = fills.filter((x) => x.role === 'maker');
    expect(makerFills.map((x) => [x.side, x.positionBase, x.price])).toEqual([
      ['sell', -UNIT, bestAsk],
      ['sell', -UNIT, bestAsk + tick],
    ]);
    expect(makerFills.every((x) => typeof x.orderId === 'number')).toBe(true);
    const trades = events.filter((x) => x.type === 'trade');
    expect(trades.map((x) => [x.price, x.size, x.takerSide, x.liquidity])).toEqual(
      takerFills.map((x) => [x.price, x.base, 'buy', x.liquidity]),
    );
    // The settlements report what reached the collateral and what stayed unsettled, as settlePnl does.
    const settled = events.filter((x) => x.type === 'pnlSettled');
    expect(settled.every((x) => x.amount !== 0)).toBe(true);
    expect(e.markets[0].positions.pnl[taker]).toBe(
      settled[settled.length - 1].type === 'pnlSettled' ? settled[settled.length - 1].unsettled : NaN,
    );
  });

  it('leaves an event list without compact events as it is', () => {
    const plain: Event[] = [{ type: 'accountCreated', account: 3 }];
    expect(classicEvents(plain)).toBe(plain);
  });
});
