/**
 * The tick's liquidation rows (core/liquidation-rows.ts): every row reads
 * back as the event it stands for, in the place it was emitted; a batch
 * read after the engine reused its buffer throws; the buffers a crash fills
 * are reserved with the accounts; and the undo log keeps its entries when
 * it is reserved in the middle of a command.
 */
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import { Engine, LIQUIDATION_RESERVE_SHARE } from '../../core/engine.ts';
import type { Event } from '../../core/events.ts';
import {
  batchRows,
  LiquidationRows,
  ROW_ENDED,
  ROW_LIQUIDATION,
  ROW_SETTLED,
  ROW_STARTED,
} from '../../core/liquidation-rows.ts';
import { UndoLog } from '../../core/undo.ts';
import { marketFixture, ok, oraclePrice, orderCmd, T0, UNIT, USD } from './helpers.ts';

/**
 * Four distressed longs (1 unit at ~$100 on $20 each), one healthy one, and one on $28 that $85
 * leaves standing and $75 does not; then the oracle at $85.
 */
function crashFixture() {
  const f = marketFixture({
    deposits: [20 * USD, 20 * USD, 20 * USD, 20 * USD, 10_000 * USD, 28 * USD],
    params: { liquidatorWindowTicks: 0 },
    baseReserve: 100_000 * UNIT,
  });
  for (const a of f.accounts) ok(f.e, orderCmd(a, 'buy', UNIT), T0);
  ok(f.e, { type: 'tick' }, T0);
  oraclePrice(f.e, 0, 85_000_000, T0 + 1_000);
  return f;
}

describe('liquidation rows', () => {
  it('read back every kind of row exactly, across growth of the buffer', () => {
    const rows = new LiquidationRows();
    const n = 1_000; // well past the initial 64 rows
    for (let i = 0; i < n; i++) {
      const k = i % 4;
      if (k === 0) rows.started(i, -1, -i * 7, i * 11, i % 3);
      else if (k === 1) rows.settled(i, 2, i * 13 - 500, -i);
      else if (k === 2)
        rows.liquidation(i, 1, i % 5 === 0 ? 9 : -1, i % 8 === 2 ? 'buy' : 'sell', i * 17, i * 19, i, 3, i - 3);
      else rows.ended(i, -1);
    }
    expect(rows.count).toBe(n);
    expect(rows.capacity).toBeGreaterThanOrEqual(n);
    for (let i = 0; i < n; i++) {
      const k = i % 4;
      const e = rows.event(i);
      if (k === 0) {
        expect(rows.kind[i]).toBe(ROW_STARTED);
        expect(e).toEqual({
          type: 'liquidationStarted',
          account: i,
          market: -1,
          equity: -i * 7,
          maintenance: i * 11,
          ordersCancelled: i % 3,
        });
      } else if (k === 1) {
        expect(rows.kind[i]).toBe(ROW_SETTLED);
        expect(e).toEqual({ type: 'pnlSettled', account: i, market: 2, amount: i * 13 - 500, unsettled: -i });
      } else if (k === 2) {
        expect(rows.kind[i]).toBe(ROW_LIQUIDATION);
        expect(e).toEqual({
          type: 'liquidation',
          account: i,
          market: 1,
          liquidator: i % 5 === 0 ? 9 : -1,
          side: i % 8 === 2 ? 'buy' : 'sell',
          base: i * 17,
          price: i * 19,
          penalty: i,
          liquidatorReward: 3,
          insuranceShare: i - 3,
        });
      } else {
        expect(rows.kind[i]).toBe(ROW_ENDED);
        expect(e).toEqual({ type: 'liquidationEnded', account: i, market: -1 });
      }
    }
    // reserve() keeps what was written.
    rows.reserve(10_000);
    expect(rows.capacity).toBeGreaterThanOrEqual(10_000);
    expect(rows.count).toBe(n);
    expect(rows.event(n - 2)).toMatchObject({ type: 'liquidation', account: n - 2, base: (n - 2) * 17 });
  });

  it('classicEvents puts each row where it was emitted among the objects', () => {
    const rows = new LiquidationRows();
    const objects: Event[] = [];
    rows.reset(objects);
    objects.push({ type: 'marketPaused', market: 0 }, { type: 'liquidationBatch', rows, epoch: rows.epoch });
    // Emitted when the list held 2, 2, 4 and 5 objects.
    rows.ended(10, -1);
    rows.ended(11, -1);
    objects.push({ type: 'marketPaused', market: 2 }, { type: 'marketPaused', market: 3 });
    rows.ended(12, -1);
    objects.push({ type: 'marketPaused', market: 4 });
    rows.ended(13, -1);
    expect(Array.from(rows.at.subarray(0, rows.count))).toEqual([2, 2, 4, 5]);
    const order = classicEvents(objects).map((e) =>
      'account' in e ? `a${e.account}` : `m${(e as { market: number }).market}`,
    );
    expect(order).toEqual(['m0', 'a10', 'a11', 'm2', 'm3', 'a12', 'm4', 'a13']);
    // A list without a batch is returned as it is.
    const plain: Event[] = [{ type: 'marketPaused', market: 0 }];
    expect(classicEvents(plain)).toBe(plain);
  });

  it('a crash tick reports every liquidated account as started, liquidated and ended, in one batch', () => {
    const f = crashFixture();
    const out = f.e.apply({ type: 'tick' }, T0 + 1_000);
    if (!out.ok) throw new Error(out.code);
    expect(out.events.filter((e) => e.type === 'liquidationBatch')).toHaveLength(1);
    expect(out.events.some((e) => e.type === 'liquidation' || e.type === 'liquidationStarted')).toBe(false);
    const events = classicEvents(out.events);
    const story = new Map<number, string[]>();
    for (const e of events) {
      if (e.type !== 'liquidationStarted' && e.type !== 'liquidation' && e.type !== 'liquidationEnded') continue;
      story.set(e.account, [...(story.get(e.account) ?? []), e.type]);
    }
    expect([...story.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(f.market.positions.base[5]).toBe(UNIT);
    for (const steps of story.values()) {
      expect(steps[0]).toBe('liquidationStarted');
      expect(steps.at(-1)).toBe('liquidationEnded');
      expect(steps.filter((x) => x === 'liquidation').length).toBeGreaterThan(0);
    }
    // The liquidation rows account for every unit the accounts' positions lost.
    for (const a of [0, 1, 2, 3]) {
      const closed = events
        .filter((e): e is Extract<Event, { type: 'liquidation' }> => e.type === 'liquidation' && e.account === a)
        .reduce((sum, e) => sum + e.base, 0);
      expect(closed).toBe(UNIT - f.market.positions.base[a]);
    }
    expect(f.market.positions.base[4]).toBe(UNIT);
  });

  it('a batch stays readable until the next command that liquidates, and then throws rather than answer wrong', () => {
    const f = crashFixture();
    const first = f.e.apply({ type: 'tick' }, T0 + 1_000);
    if (!first.ok) throw new Error(first.code);
    const story = classicEvents(first.events);
    // Commands that liquidate nothing leave the batch alone.
    ok(f.e, { type: 'deposit', account: 4, amount: USD }, T0 + 1_000);
    ok(f.e, { type: 'tick' }, T0 + 1_000);
    expect(classicEvents(first.events)).toEqual(story);
    // A second crash reuses the rows: the first batch is stale now.
    expect(f.e.accounts.liquidationSince[5]).toBe(0);
    oraclePrice(f.e, 0, 75_000_000, T0 + 2_000);
    const second = f.e.apply({ type: 'tick' }, T0 + 2_000);
    if (!second.ok) throw new Error(second.code);
    expect(classicEvents(second.events).some((e) => e.type === 'liquidationStarted' && e.account === 5)).toBe(true);
    expect(() => classicEvents(first.events)).toThrow(/reused its rows/);
    const batch = first.events.find((e) => e.type === 'liquidationBatch');
    if (batch?.type !== 'liquidationBatch') throw new Error('no batch');
    expect(() => batchRows(batch)).toThrow(/reused its rows/);
  });

  it('reserveCrashBuffers keeps room for a tick that liquidates a quarter of the accounts as they grow', () => {
    const plain = new Engine();
    plain.reserveAccounts(100_000);
    expect(plain.undo.capacity).toBeLessThan(100_000);
    expect(plain.rows.capacity).toBeLessThan(100_000);
    const e = new Engine();
    e.reserveCrashBuffers();
    e.reserveAccounts(100_000);
    const room = e.accounts.capacity * LIQUIDATION_RESERVE_SHARE * 4;
    expect(e.accounts.capacity).toBeGreaterThanOrEqual(100_000);
    expect(e.undo.capacity).toBeGreaterThanOrEqual(room);
    expect(e.rows.capacity).toBeGreaterThanOrEqual(room);
    // Accounts created one by one keep it (createAccount grows the capacity as it needs).
    const past = e.accounts.capacity + 1;
    for (let i = 0; i < past; i++) if (!e.apply({ type: 'createAccount' }, 0).ok) throw new Error('createAccount');
    expect(e.accounts.capacity).toBeGreaterThan(past - 1);
    expect(e.rows.capacity).toBeGreaterThanOrEqual(e.accounts.capacity * LIQUIDATION_RESERVE_SHARE * 4);
    expect(e.undo.capacity).toBeGreaterThanOrEqual(e.accounts.capacity * LIQUIDATION_RESERVE_SHARE * 4);
  });
});

describe('UndoLog.reserve', () => {
  it('keeps the entries of the command in progress, so a rollback still restores every write', () => {
    const u = new UndoLog();
    const column = new Float64Array(5_000);
    const holder = { n: 1, label: 'a' as string };
    for (let i = 0; i < 3_000; i++) u.at(column, i, i + 1);
    u.set(holder, 'n', 2);
    u.set(holder, 'label', 'b');
    u.reserve(100_000);
    expect(u.capacity).toBeGreaterThanOrEqual(100_000);
    for (let i = 3_000; i < 5_000; i++) u.at(column, i, -i);
    u.set(holder, 'n', 3);
    u.rollback();
    expect(column.every((x) => x === 0)).toBe(true);
    expect(holder).toEqual({ n: 1, label: 'a' });
    // Reserving less than it holds changes nothing.
    const before = u.capacity;
    u.reserve(10);
    expect(u.capacity).toBe(before);
  });
});
