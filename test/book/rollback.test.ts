/**
 * Undo: a command that fails midway rolls the book back with the engine's
 * undo log. A rollback must restore the exact state: the same hash, the same
 * iteration order, and the same future behaviour (free lists, seq and id
 * counters), including when the command grew the book's arrays.
 */
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../core/book/orderbook.ts';
import { ASK, BID, GTT, type NewOrder, type Side } from '../../core/book/types.ts';
import { UndoLog } from '../../core/undo.ts';
import { makeRng, observe, seedFromEnv, walk } from './harness.ts';

function order(id: number, side: Side, price: number, size: number, extra: Partial<NewOrder> = {}): NewOrder {
  return { id, account: id % 5, side, price, size, ...extra };
}

/** A committed book of 200 orders over 20 levels a side, some GTT, some with client ids. */
function seeded(undo: UndoLog): OrderBook {
  const book = new OrderBook(undo);
  for (let id = 1; id <= 200; id++) {
    const side: Side = id % 2 === 0 ? BID : ASK;
    const tick = id % 20;
    const extra: Partial<NewOrder> = id % 3 === 0 ? { timeInForce: GTT, expiryTs: 1_000 + (id % 7) } : {};
    if (id % 4 === 0) Object.assign(extra, { clientId: id });
    expect(book.add(order(id, side, side === BID ? 1_000 - tick : 1_001 + tick, 1 + (id % 9), extra))).toBe('OK');
  }
  undo.commit();
  return book;
}

/** One "failed command": every kind of mutation, in a mix. */
function mixedMutations(book: OrderBook): void {
  let id = 1_000;
  for (let i = 0; i < 50; i++)
    book.add(order(id++, i % 2 === 0 ? BID : ASK, i % 2 === 0 ? 995 + (i % 9) : 1_004 + (i % 9), 3));
  expect(book.add(order(id++, BID, 1_200, 5))).toBe('OK'); // a new best level
  expect(book.cancel(2)).toBe('OK');
  expect(book.cancel(3)).toBe('OK');
  expect(book.cancelByClientId(8 % 5, 8)).toBe('OK');
  expect(book.reduce(10, 1)).toBe('OK');
  expect(book.amend(12, 1_300, 4)).toBe('OK'); // new price, new level at the top
  expect(book.amend(14, book.priceOf(14), 50)).toBe('OK'); // larger: loses priority
  const bestAsk = book.bestId(ASK);
  expect(book.fill(bestAsk, book.sizeOf(bestAsk))).toBe('OK'); // full fill
  const bestBid = book.bestId(BID);
  expect(book.fill(bestBid, 1)).toBe('OK');
  expect(book.expire(1_003).length).toBeGreaterThan(0);
  expect(book.cancelAll(1).length).toBeGreaterThan(0);
  // Empty a whole side, which removes every level.
  for (let s = book.bestId(ASK); s !== -1; s = book.bestId(ASK)) book.cancel(s);
  expect(book.levelCount(ASK)).toBe(0);
}

describe('rollback', () => {
  it('restores the same stateHash, iteration order, depth and account lists after a mixed failed command', () => {
    const undo = new UndoLog();
    const book = seeded(undo);
    const before = observe(book);
    mixedMutations(book);
    expect(observe(book)).not.toEqual(before);
    undo.rollback();
    expect(observe(book)).toEqual(before);
    expect(walk(book, BID)).toEqual(before.bidIds);
    expect(walk(book, ASK)).toEqual(before.askIds);
    expect(book.validateInvariants()).toEqual([]);
  });

  it('leaves a book that behaves exactly like one that never ran the failed command', () => {
    const undoA = new UndoLog();
    const undoB = new UndoLog();
    const a = seeded(undoA);
    const b = seeded(undoB);
    mixedMutations(a);
    undoA.rollback();
    const seed = seedFromEnv(31337);
    const rnd = makeRng(seed);
    for (let i = 0; i < 2_000; i++) {
      const id = 5_000 + i;
      const side: Side = rnd() < 0.5 ? BID : ASK;
      const price = side === BID ? 990 + Math.floor(rnd() * 12) : 1_000 + Math.floor(rnd() * 12);
      const o = order(id, side, price, 1 + Math.floor(rnd() * 5), { clientId: rnd() < 0.3 ? id : undefined });
      expect(a.add(o)).toBe(b.add(o));
      const victim = 1 + Math.floor(rnd() * id);
      expect(a.cancel(victim), `seed ${seed}`).toBe(b.cancel(victim));
      if (i % 100 === 0) expect(a.stateHash(), `seed ${seed}, step ${i}`).toBe(b.stateHash());
    }
    expect(observe(a)).toEqual(observe(b));
    expect(a.validateInvariants()).toEqual([]);
  });

  it('undoes growth of every array inside one command (columns, indexes, ladders, accounts)', () => {
    const undo = new UndoLog();
    const book = new OrderBook(undo, { initialCapacity: 1 });
    expect(book.add(order(1, BID, 500, 1))).toBe('OK');
    undo.commit();
    const before = observe(book);
    for (let id = 2; id <= 3_000; id++) {
      const side: Side = id % 2 === 0 ? BID : ASK;
      const extra: Partial<NewOrder> = { account: id % 700, clientId: id, timeInForce: GTT, expiryTs: id };
      // 3,000 distinct prices: the ladders grow and shift at every depth.
      expect(book.add(order(id, side, side === BID ? 10_000 - id : 20_000 + id, 2, extra))).toBe('OK');
    }
    expect(book.orderCount).toBe(3_000);
    expect(book.expire(100).length).toBe(99);
    undo.rollback();
    expect(observe(book)).toEqual(before);
    expect(book.validateInvariants()).toEqual([]);
    // Still fully usable afterwards.
    expect(book.add(order(2, ASK, 600, 1, { account: 699, clientId: 2 }))).toBe('OK');
    expect(book.ordersOfAccount(699)).toEqual([2]);
    expect(book.validateInvariants()).toEqual([]);
  });

  it('undoes removals at the head, middle and tail of a level and of an account list, and emptied levels', () => {
    // Removing a whole order is journaled as one entry whose replay relinks the order (store.ts):
    // every shape of neighbourhood, with the freed slots and levels reused before the rollback.
    const build = (undo: UndoLog): OrderBook => {
      const book = new OrderBook(undo);
      const put = (id: number, account: number, side: Side, price: number, size: number) =>
        expect(book.add({ id, account, side, price, size })).toBe('OK');
      put(1, 0, BID, 1_000, 5);
      put(2, 1, BID, 1_000, 6);
      put(3, 0, BID, 1_000, 7);
      put(4, 2, BID, 1_000, 8);
      put(5, 1, BID, 999, 9);
      put(6, 0, ASK, 1_001, 4);
      put(7, 0, ASK, 1_002, 3);
      undo.commit();
      return book;
    };
    const undo = new UndoLog();
    const book = build(undo);
    const twinUndo = new UndoLog();
    const twin = build(twinUndo);
    const before = observe(book);
    const mark = undo.mark();
    expect(book.fill(3, 7)).toBe('OK'); // middle of its level and of account 0's list
    expect(book.cancel(1)).toBe('OK'); // head of both
    expect(book.fill(4, 8)).toBe('OK'); // tail of its level, account 2's only order
    expect(book.fill(5, 9)).toBe('OK'); // empties level 999
    expect(book.add({ id: 8, account: 3, side: BID, price: 999, size: 2 })).toBe('OK'); // reuses slot and level
    expect(book.add({ id: 9, account: 0, side: BID, price: 998, size: 2 })).toBe('OK');
    expect(book.fill(2, 6)).toBe('OK'); // empties level 1000
    expect(book.fill(6, 4)).toBe('OK'); // the best ask level, head of account 0's list now
    expect(book.validateInvariants()).toEqual([]);
    undo.rollback(mark);
    expect(observe(book)).toEqual(before);
    expect(book.stateHash()).toBe(twin.stateHash());
    expect(book.validateInvariants()).toEqual([]);
    // The same future: free lists, counters and links behave as if the command never ran.
    for (const b of [book, twin]) {
      expect(b.fill(3, 7)).toBe('OK');
      expect(b.add({ id: 10, account: 0, side: ASK, price: 1_001, size: 1 })).toBe('OK');
      expect(b.cancel(6)).toBe('OK');
      expect(b.fill(1, 5)).toBe('OK');
    }
    expect(observe(book)).toEqual(observe(twin));
    expect(book.stateHash()).toBe(twin.stateHash());
    expect(book.validateInvariants()).toEqual([]);
  });

  it('rolls back to nested marks one command at a time', () => {
    const undo = new UndoLog();
    const book = seeded(undo);
    const h0 = book.stateHash();
    const m1 = undo.mark();
    book.cancel(4);
    book.add(order(300, BID, 999, 7));
    const h1 = book.stateHash();
    const m2 = undo.mark();
    book.amend(300, 1_500, 9);
    book.fill(book.bestId(ASK), 1);
    expect(book.stateHash()).not.toBe(h1);
    undo.rollback(m2);
    expect(book.stateHash()).toBe(h1);
    undo.rollback(m1);
    expect(book.stateHash()).toBe(h0);
    expect(book.validateInvariants()).toEqual([]);
  });

  it('shares the undo log with other state: rollbacks interleave, commits are noticed', () => {
    const undo = new UndoLog();
    const book = seeded(undo);
    const other = { x: 0 };
    const touch = (n: number) => {
      for (let i = 0; i < n; i++) undo.set(other, 'x', other.x + 1);
    };
    // Command A: other writes, a book operation, committed.
    touch(5);
    book.cancel(10);
    undo.commit();
    const afterA = book.stateHash();
    // Command B: more other writes than A made before its book operation, then a failure.
    touch(20);
    book.cancel(12);
    touch(3);
    book.add(order(500, BID, 999, 1));
    undo.rollback();
    expect(other.x).toBe(5);
    expect(book.stateHash()).toBe(afterA);
    expect(book.has(12)).toBe(true);
    // Command C: a book operation first; the journal drops everything committed before it.
    book.cancel(14);
    expect(book.journalSize).toBeLessThan(40);
    undo.rollback();
    expect(book.stateHash()).toBe(afterA);
    expect(book.validateInvariants()).toEqual([]);
  });

  it('forgets committed commands: the journal holds one command at a time', () => {
    const undo = new UndoLog();
    const book = seeded(undo);
    let id = 10_000;
    let most = 0;
    for (let c = 0; c < 2_000; c++) {
      book.add(order(id++, BID, 990, 1));
      book.cancel(id - 1);
      most = Math.max(most, book.journalSize);
      undo.commit();
    }
    expect(most).toBeLessThan(100);
  });

  it('a committed change survives a later rollback', () => {
    const undo = new UndoLog();
    const book = seeded(undo);
    book.cancel(6);
    undo.commit();
    const committed = book.stateHash();
    book.cancel(7);
    undo.rollback();
    expect(book.stateHash()).toBe(committed);
    expect(book.has(6)).toBe(false);
    expect(book.has(7)).toBe(true);
  });
});
