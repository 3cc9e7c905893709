/**
 * A taker's fills in rows (core/match-rows.ts): one `takerMatches` event per
 * run of fills, split where another event comes between them; rows valid
 * until the next command that fills, or for as long as they are held (the
 * loop holds a turn's); a stale read throws; a rejected command leaves no
 * rows behind.
 */
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import type { Engine } from '../../core/engine.ts';
import type { Event } from '../../core/events.ts';
import { DEFAULT_LOOP_OPTIONS, Loop } from '../../core/loop.ts';
import { curvePrice, marketFixture, ok, orderCmd, PRICE_USD, T0, UNIT, USD } from './helpers.ts';

const TICK = PRICE_USD / 100;

/** A market with a 1% curve spread (room for asks between the curve's price and its ask) and funded accounts. */
function fixture(accounts = 4) {
  return marketFixture({
    deposits: Array.from({ length: accounts }, () => 100_000 * USD),
    params: { baseSpreadE6: 10_000, tickSize: TICK },
  });
}

/** Two asks (one unit each, two makers) just above the curve's price: a buy of 3 takes both, then the curve. */
function restTwoAsks(e: Engine, makers: [number, number]): void {
  const best = (Math.ceil(curvePrice(e.markets[0]) / TICK) + 1) * TICK;
  ok(e, { type: 'placeOrder', account: makers[0], market: 0, side: 'sell', size: UNIT, price: best }, T0);
  ok(e, { type: 'placeOrder', account: makers[1], market: 0, side: 'sell', size: UNIT, price: best + TICK }, T0);
}

const shape = (events: readonly Event[]) =>
  classicEvents(events).map((x) => (x.type === 'fill' ? `fill:${x.role}:${x.liquidity}:${x.account}` : x.type));

describe('taker matches in rows', () => {
  it('make one event per run of fills, book and curve in walk order', () => {
    const { e, accounts } = fixture();
    const [taker, m1, m2] = accounts;
    restTwoAsks(e, [m1, m2]);
    const events = ok(e, orderCmd(taker, 'buy', 3 * UNIT), T0);
    expect(events.map((x) => x.type)).toEqual(['takerMatches']);
    expect(shape(events)).toEqual([
      `fill:taker:book:${taker}`,
      `fill:maker:book:${m1}`,
      'trade',
      `fill:taker:book:${taker}`,
      `fill:maker:book:${m2}`,
      'trade',
      `fill:taker:amm:${taker}`,
      'trade',
    ]);
  });

  it('split where a fill’s upkeep emits an event between two fills, keeping the order', () => {
    const { e, accounts } = fixture();
    const [taker, m1, m2] = accounts;
    // m1 is long one unit and rests a reduce-only sell above a plain sell of two units: once the
    // plain sell fills, m1 is short and its reduce-only order would grow that, so it is cancelled
    // between the taker's first and second fills.
    ok(e, orderCmd(m1, 'buy', UNIT), T0);
    const best = (Math.ceil(curvePrice(e.markets[0]) / TICK) + 1) * TICK;
    ok(e, { type: 'placeOrder', account: m1, market: 0, side: 'sell', size: 2 * UNIT, price: best }, T0);
    ok(
      e,
      { type: 'placeOrder', account: m1, market: 0, side: 'sell', size: UNIT, price: best + TICK, reduceOnly: true },
      T0,
    );
    ok(e, { type: 'placeOrder', account: m2, market: 0, side: 'sell', size: UNIT, price: best + 2 * TICK }, T0);
    const events = ok(e, orderCmd(taker, 'buy', 3 * UNIT, { worstPrice: best + 2 * TICK }), T0);
    expect(events.map((x) => x.type)).toEqual(['takerMatches', 'orderCancelled', 'takerMatches']);
    expect(shape(events)).toEqual([
      `fill:taker:book:${taker}`,
      `fill:maker:book:${m1}`,
      'trade',
      'orderCancelled',
      `fill:taker:book:${taker}`,
      `fill:maker:book:${m2}`,
      'trade',
    ]);
  });

  it('are valid until the next command that fills; a later read throws instead of answering wrong', () => {
    const { e, accounts } = fixture();
    const [taker, m1, m2] = accounts;
    restTwoAsks(e, [m1, m2]);
    const first = ok(e, orderCmd(taker, 'buy', 3 * UNIT), T0);
    const expanded = classicEvents(first);
    // A command that fills nothing leaves them valid.
    ok(e, { type: 'deposit', account: taker, amount: USD }, T0);
    expect(classicEvents(first)).toEqual(expanded);
    ok(e, orderCmd(taker, 'sell', UNIT), T0);
    expect(() => classicEvents(first)).toThrow(/reused their rows/);
  });

  it('stay valid while held, across commands, and a rejected command leaves no rows', () => {
    const { e, accounts } = fixture();
    const [taker, m1, m2, poor] = accounts;
    e.holdMatchRows();
    restTwoAsks(e, [m1, m2]);
    const a = ok(e, orderCmd(taker, 'buy', 3 * UNIT), T0);
    const aNow = classicEvents(a);
    const rowsAfterA = e.matchRows.count;
    // Rejected after it filled: $10 of collateral cannot carry three units at $100. The walk's rows go.
    ok(e, { type: 'withdraw', account: poor, amount: 99_990 * USD }, T0);
    restTwoAsks(e, [m1, m2]);
    const rejected = e.apply(orderCmd(poor, 'buy', 3 * UNIT), T0);
    expect(rejected.ok ? 'accepted' : rejected.code).toBe('INSUFFICIENT_MARGIN');
    expect(e.matchRows.count).toBe(rowsAfterA);
    const b = ok(e, orderCmd(taker, 'sell', 2 * UNIT), T0);
    const bNow = classicEvents(b);
    expect(classicEvents(a)).toEqual(aNow);
    expect(classicEvents(b)).toEqual(bNow);
    e.releaseMatchRows();
    ok(e, orderCmd(taker, 'sell', UNIT), T0);
    expect(() => classicEvents(a)).toThrow(/reused their rows/);
  });

  it('are read after the turn by the loop: every outcome of a turn expands as it did when applied', () => {
    const { e, accounts } = fixture();
    const [taker, m1, m2, other] = accounts;
    // A reference engine in the same state, whose outcomes are expanded at once.
    const ref = fixture().e;
    const cmds: Command[] = [
      { type: 'placeOrder', account: m1, market: 0, side: 'sell', size: UNIT, price: 0 },
      orderCmd(taker, 'buy', 2 * UNIT),
      orderCmd(other, 'sell', 3 * UNIT),
      orderCmd(taker, 'sell', UNIT),
    ];
    const best = (Math.ceil(curvePrice(e.markets[0]) / TICK) + 1) * TICK;
    (cmds[0] as { price: number }).price = best;
    cmds.splice(1, 0, { type: 'placeOrder', account: m2, market: 0, side: 'buy', size: UNIT, price: best - 3 * TICK });
    const expected = cmds.map((c) => {
      const out = ref.apply(c, T0);
      return out.ok ? classicEvents(out.events) : out.code;
    });
    const seen: unknown[] = [];
    const loop = new Loop(
      e,
      () => T0,
      null,
      { ...DEFAULT_LOOP_OPTIONS, tickEveryTurn: false },
      (_entry, out) => seen.push(out.ok ? classicEvents(out.events) : out.code),
    );
    for (const c of cmds) loop.submit(c);
    loop.runTurn();
    expect(seen).toEqual(expected);
    expect(expected.filter((x) => Array.isArray(x) && x.some((y) => y.type === 'fill')).length).toBe(3);
  });
});
