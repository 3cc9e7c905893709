/**
 * Boundary and behaviour tests of the fast book, each pinning one rule:
 * empty book, single order, unknown ids, level removal, priority rules of
 * reduce / amend / fill, client ids, expiry order, limits under / at / over,
 * and the validation code of every bad field. The naive book runs the same
 * cases where the rule is about results rather than internals.
 */
import { describe, expect, it } from 'vitest';
import { NaiveBook } from '../../core/book/naive-book.ts';
import { OrderBook } from '../../core/book/orderbook.ts';
import {
  ASK,
  BID,
  type BookCode,
  type BookOptions,
  GTC,
  GTT,
  type NewOrder,
  NO_CLIENT_ID,
  NO_EXPIRY,
  NO_ORDER,
  NO_PRICE,
  type OrderBookApi,
  type Side,
} from '../../core/book/types.ts';
import { UndoLog } from '../../core/undo.ts';

function order(id: number, side: Side, price: number, size: number, extra: Partial<NewOrder> = {}): NewOrder {
  return { id, account: 1, side, price, size, ...extra };
}

const books: [string, (undo: UndoLog, opts?: BookOptions) => OrderBookApi][] = [
  ['OrderBook', (u, o) => new OrderBook(u, o)],
  ['NaiveBook', (u, o) => new NaiveBook(u, o)],
];

describe.each(books)('%s', (_name, make) => {
  function fresh(opts?: BookOptions): { book: OrderBookApi; undo: UndoLog } {
    const undo = new UndoLog();
    return { book: make(undo, opts), undo };
  }

  describe('empty book', () => {
    it('has no best price, no best order, no depth and nothing to expire or cancel', () => {
      const { book, undo } = fresh();
      for (const side of [BID, ASK] as const) {
        expect(book.bestPrice(side)).toBe(NO_PRICE);
        expect(book.bestId(side)).toBe(NO_ORDER);
        expect(book.depth(side, 10)).toEqual([]);
        expect(book.orderIds(side)).toEqual([]);
        expect(book.levelCount(side)).toBe(0);
      }
      expect(book.orderCount).toBe(0);
      expect(book.nextExpiryTs()).toBe(NO_EXPIRY);
      expect(book.expire(Number.MAX_SAFE_INTEGER)).toEqual([]);
      expect(book.cancelAll(1)).toEqual([]);
      expect(book.ordersOfAccount(1)).toEqual([]);
      expect(book.accountOrderCount(1)).toBe(0);
      expect(book.accountOrderCount(1e9)).toBe(0);
      expect(book.get(1)).toBeUndefined();
      expect(book.has(1)).toBe(false);
      expect(book.nextId(1)).toBe(NO_ORDER);
      expect(book.sizeOf(1)).toBe(0);
      expect(book.priceOf(1)).toBe(NO_PRICE);
      expect(book.accountOf(1)).toBe(-1);
      expect(book.idByClientId(1, 1)).toBe(NO_ORDER);
      expect(undo.mark()).toBe(0);
    });

    it('hashes the same as every other empty book', () => {
      expect(fresh().book.stateHash()).toBe(new NaiveBook(new UndoLog()).stateHash());
    });
  });

  describe('unknown ids', () => {
    it('every id-taking mutation returns UNKNOWN_ORDER and changes nothing', () => {
      const { book, undo } = fresh();
      expect(book.add(order(1, BID, 100, 5, { clientId: 3 }))).toBe('OK');
      undo.commit();
      const hash = book.stateHash();
      expect(book.cancel(2)).toBe('UNKNOWN_ORDER');
      expect(book.cancel(-1)).toBe('UNKNOWN_ORDER');
      expect(book.cancel(Number.NaN)).toBe('UNKNOWN_ORDER');
      expect(book.cancelByClientId(1, 4)).toBe('UNKNOWN_ORDER');
      expect(book.cancelByClientId(2, 3)).toBe('UNKNOWN_ORDER');
      expect(book.cancelByClientId(1, NO_CLIENT_ID)).toBe('UNKNOWN_ORDER');
      expect(book.reduce(2, 1)).toBe('UNKNOWN_ORDER');
      expect(book.amend(2, 100, 1)).toBe('UNKNOWN_ORDER');
      expect(book.fill(2, 1)).toBe('UNKNOWN_ORDER');
      expect(book.stateHash()).toBe(hash);
      expect(undo.mark()).toBe(0);
    });

    it('a cancelled id is unknown afterwards', () => {
      const { book } = fresh();
      book.add(order(1, BID, 100, 5));
      expect(book.cancel(1)).toBe('OK');
      expect(book.cancel(1)).toBe('UNKNOWN_ORDER');
      expect(book.fill(1, 1)).toBe('UNKNOWN_ORDER');
    });
  });

  describe('single order and level removal', () => {
    it('a single order is the best of its side and the whole depth', () => {
      const { book } = fresh();
      expect(book.add(order(7, ASK, 250, 4))).toBe('OK');
      expect(book.bestPrice(ASK)).toBe(250);
      expect(book.bestId(ASK)).toBe(7);
      expect(book.bestPrice(BID)).toBe(NO_PRICE);
      expect(book.depth(ASK, 5)).toEqual([{ price: 250, size: 4, orders: 1 }]);
      expect(book.nextId(7)).toBe(NO_ORDER);
      expect(book.get(7)).toEqual({
        id: 7,
        account: 1,
        side: ASK,
        price: 250,
        size: 4,
        timeInForce: GTC,
        expiryTs: 0,
        postOnly: false,
        reduceOnly: false,
        clientId: NO_CLIENT_ID,
        seq: 1,
      });
    });

    it('removes a level when its last order leaves, and the next level becomes best', () => {
      const { book } = fresh();
      book.add(order(1, BID, 100, 5));
      book.add(order(2, BID, 99, 3));
      book.add(order(3, BID, 100, 2));
      expect(book.levelCount(BID)).toBe(2);
      expect(book.depth(BID, 5)).toEqual([
        { price: 100, size: 7, orders: 2 },
        { price: 99, size: 3, orders: 1 },
      ]);
      expect(book.fill(1, 5)).toBe('OK');
      expect(book.cancel(3)).toBe('OK');
      expect(book.levelCount(BID)).toBe(1);
      expect(book.bestPrice(BID)).toBe(99);
      expect(book.depth(BID, 5)).toEqual([{ price: 99, size: 3, orders: 1 }]);
      // The price can come back as a fresh level in the right place.
      book.add(order(4, BID, 100, 1));
      expect(book.orderIds(BID)).toEqual([4, 2]);
      expect(book.cancel(2)).toBe('OK');
      expect(book.cancel(4)).toBe('OK');
      expect(book.levelCount(BID)).toBe(0);
      expect(book.bestPrice(BID)).toBe(NO_PRICE);
    });

    it('depth returns at most maxLevels levels, best first', () => {
      const { book } = fresh();
      for (let i = 0; i < 5; i++) book.add(order(i + 1, ASK, 200 + i, 1));
      expect(book.depth(ASK, 0)).toEqual([]);
      expect(book.depth(ASK, -3)).toEqual([]);
      expect(book.depth(ASK, 2).map((d) => d.price)).toEqual([200, 201]);
      expect(book.depth(ASK, 99).length).toBe(5);
    });
  });

  describe('priority', () => {
    it('orders rank by price, then by arrival within a price', () => {
      const { book } = fresh();
      book.add(order(1, BID, 100, 1));
      book.add(order(2, BID, 101, 1));
      book.add(order(3, BID, 100, 1));
      book.add(order(4, ASK, 105, 1));
      book.add(order(5, ASK, 104, 1));
      book.add(order(6, ASK, 105, 1));
      expect(book.orderIds(BID)).toEqual([2, 1, 3]);
      expect(book.orderIds(ASK)).toEqual([5, 4, 6]);
      expect(book.nextId(2)).toBe(1);
      expect(book.nextId(1)).toBe(3);
      expect(book.nextId(3)).toBe(NO_ORDER);
    });

    it('reduce keeps priority; to the same size is a no-op; to 0 or above the size is BAD_SIZE', () => {
      const { book } = fresh();
      book.add(order(1, BID, 100, 5));
      book.add(order(2, BID, 100, 5));
      expect(book.reduce(1, 2)).toBe('OK');
      expect(book.orderIds(BID)).toEqual([1, 2]);
      expect(book.depth(BID, 1)).toEqual([{ price: 100, size: 7, orders: 2 }]);
      expect(book.reduce(1, 2)).toBe('OK');
      expect(book.reduce(1, 0)).toBe('BAD_SIZE');
      expect(book.reduce(1, 3)).toBe('BAD_SIZE');
      expect(book.reduce(1, 1.5)).toBe('BAD_SIZE');
      expect(book.sizeOf(1)).toBe(2);
    });

    it('amend to the same price and a smaller size keeps priority and seq', () => {
      const { book } = fresh();
      book.add(order(1, ASK, 100, 5));
      book.add(order(2, ASK, 100, 5));
      expect(book.amend(1, 100, 3)).toBe('OK');
      expect(book.orderIds(ASK)).toEqual([1, 2]);
      expect(book.get(1)?.seq).toBe(1);
    });

    it('amend to a larger size loses priority: new seq, tail of the level, same id and fields', () => {
      const { book } = fresh();
      book.add(order(1, ASK, 100, 5, { clientId: 9, postOnly: true, timeInForce: GTT, expiryTs: 50 }));
      book.add(order(2, ASK, 100, 5));
      expect(book.amend(1, 100, 6)).toBe('OK');
      expect(book.orderIds(ASK)).toEqual([2, 1]);
      expect(book.get(1)).toMatchObject({
        seq: 3,
        size: 6,
        clientId: 9,
        postOnly: true,
        timeInForce: GTT,
        expiryTs: 50,
      });
      expect(book.idByClientId(1, 9)).toBe(1);
      expect(book.ordersOfAccount(1)).toEqual([2, 1]);
    });

    it('amend to a new price moves the order to that level and removes the emptied one', () => {
      const { book } = fresh();
      book.add(order(1, BID, 100, 5));
      book.add(order(2, BID, 98, 5));
      expect(book.amend(1, 98, 5)).toBe('OK');
      expect(book.levelCount(BID)).toBe(1);
      expect(book.orderIds(BID)).toEqual([2, 1]);
      expect(book.amend(2, 0, 5)).toBe('BAD_PRICE');
      expect(book.amend(2, 99, 0)).toBe('BAD_SIZE');
    });

    it('a partial fill keeps priority; a full fill removes the order; an overfill is BAD_SIZE', () => {
      const { book } = fresh();
      book.add(order(1, BID, 100, 5));
      book.add(order(2, BID, 100, 5));
      expect(book.fill(1, 2)).toBe('OK');
      expect(book.orderIds(BID)).toEqual([1, 2]);
      expect(book.fill(1, 4)).toBe('BAD_SIZE');
      expect(book.fill(1, 0)).toBe('BAD_SIZE');
      expect(book.fill(1, 3)).toBe('OK');
      expect(book.has(1)).toBe(false);
      expect(book.orderIds(BID)).toEqual([2]);
    });
  });

  describe('client order ids', () => {
    it('are unique per account among resting orders and free again once the order leaves', () => {
      const { book } = fresh();
      expect(book.add(order(1, BID, 100, 5, { clientId: 42 }))).toBe('OK');
      expect(book.add(order(2, BID, 100, 5, { clientId: 42 }))).toBe('DUPLICATE_CLIENT_ID');
      expect(book.add(order(3, BID, 100, 5, { clientId: 42, account: 2 }))).toBe('OK');
      expect(book.idByClientId(1, 42)).toBe(1);
      expect(book.idByClientId(2, 42)).toBe(3);
      expect(book.cancelByClientId(1, 42)).toBe('OK');
      expect(book.idByClientId(1, 42)).toBe(NO_ORDER);
      expect(book.add(order(4, BID, 100, 5, { clientId: 42 }))).toBe('OK');
      expect(book.fill(4, 5)).toBe('OK');
      expect(book.add(order(5, BID, 100, 5, { clientId: 42 }))).toBe('OK');
      expect(book.add(order(6, BID, 100, 5, { clientId: 0 }))).toBe('OK');
      expect(book.idByClientId(1, 0)).toBe(6);
    });

    it('orders without a client id are not indexed', () => {
      const { book } = fresh();
      book.add(order(1, BID, 100, 5));
      book.add(order(2, BID, 100, 5, { clientId: NO_CLIENT_ID }));
      expect(book.idByClientId(1, NO_CLIENT_ID)).toBe(NO_ORDER);
    });
  });

  describe('ids', () => {
    it('must increase strictly; gaps and ids past 2^32 are fine', () => {
      const { book } = fresh();
      expect(book.add(order(10, BID, 100, 1))).toBe('OK');
      expect(book.add(order(10, BID, 100, 1))).toBe('ORDER_ID_NOT_INCREASING');
      expect(book.add(order(9, BID, 100, 1))).toBe('ORDER_ID_NOT_INCREASING');
      const big = 2 ** 40 + 3;
      expect(book.add(order(big, BID, 100, 1))).toBe('OK');
      expect(book.get(big)?.id).toBe(big);
      expect(book.cancel(big)).toBe('OK');
      // A cancelled id is not reusable either: ids are never reused.
      expect(book.add(order(big, BID, 100, 1))).toBe('ORDER_ID_NOT_INCREASING');
      expect(book.add(order(0, BID, 100, 1))).toBe('ORDER_ID_NOT_INCREASING');
    });

    it('a rejected add does not advance the id watermark', () => {
      const { book } = fresh();
      expect(book.add(order(5, BID, 0, 1))).toBe('BAD_PRICE');
      expect(book.add(order(5, BID, 100, 1))).toBe('OK');
    });
  });

  describe('expiry', () => {
    it('expires GTT orders with expiryTs ≤ ts, ordered by (expiryTs, seq); GTC orders never', () => {
      const { book } = fresh();
      book.add(order(1, BID, 100, 1, { timeInForce: GTT, expiryTs: 30 }));
      book.add(order(2, ASK, 200, 1, { timeInForce: GTT, expiryTs: 10 }));
      book.add(order(3, BID, 101, 1, { timeInForce: GTC, expiryTs: 5 }));
      book.add(order(4, BID, 99, 1, { timeInForce: GTT, expiryTs: 10 }));
      book.add(order(5, ASK, 201, 1, { timeInForce: GTT, expiryTs: 31 }));
      expect(book.get(3)?.expiryTs).toBe(0);
      expect(book.nextExpiryTs()).toBe(10);
      expect(book.expire(9)).toEqual([]);
      expect(book.expire(Number.NaN)).toEqual([]);
      expect(book.expire(30)).toEqual([2, 4, 1]);
      expect(book.nextExpiryTs()).toBe(31);
      expect(book.expire(1e15)).toEqual([5]);
      expect(book.orderIds(BID)).toEqual([3]);
      expect(book.nextExpiryTs()).toBe(NO_EXPIRY);
    });

    it('an order amended out of priority keeps its expiry but ranks later among equal expiries', () => {
      const { book } = fresh();
      book.add(order(1, BID, 100, 1, { timeInForce: GTT, expiryTs: 10 }));
      book.add(order(2, BID, 100, 1, { timeInForce: GTT, expiryTs: 10 }));
      book.amend(1, 101, 1);
      expect(book.expire(10)).toEqual([2, 1]);
    });
  });

  describe('per account', () => {
    it('lists and counts orders in seq order, and cancelAll removes them all in that order', () => {
      const { book } = fresh();
      book.add(order(1, BID, 100, 1, { account: 3 }));
      book.add(order(2, ASK, 200, 1, { account: 4 }));
      book.add(order(3, ASK, 201, 1, { account: 3 }));
      book.add(order(4, BID, 99, 1, { account: 3 }));
      book.amend(1, 98, 2);
      expect(book.ordersOfAccount(3)).toEqual([3, 4, 1]);
      expect(book.accountOrderCount(3)).toBe(3);
      expect(book.cancelAll(3)).toEqual([3, 4, 1]);
      expect(book.accountOrderCount(3)).toBe(0);
      expect(book.orderIds(BID)).toEqual([]);
      expect(book.orderIds(ASK)).toEqual([2]);
      expect(book.cancelAll(3)).toEqual([]);
      expect(book.cancelAll(-1)).toEqual([]);
    });
  });

  describe('limits', () => {
    it('BOOK_FULL at maxOrders, and room again after a cancel', () => {
      const { book } = fresh({ maxOrders: 3, initialCapacity: 1 });
      expect(book.add(order(1, BID, 100, 1))).toBe('OK');
      expect(book.add(order(2, BID, 100, 1))).toBe('OK');
      expect(book.add(order(3, BID, 100, 1))).toBe('OK');
      expect(book.add(order(4, BID, 100, 1))).toBe('BOOK_FULL');
      expect(book.cancel(2)).toBe('OK');
      expect(book.add(order(5, BID, 100, 1))).toBe('OK');
      expect(book.orderCount).toBe(3);
    });

    it('account ids must lie below maxAccounts', () => {
      const { book } = fresh({ maxAccounts: 10 });
      expect(book.add(order(1, BID, 100, 1, { account: 9 }))).toBe('OK');
      expect(book.add(order(2, BID, 100, 1, { account: 10 }))).toBe('BAD_ACCOUNT');
      expect(book.add(order(3, BID, 100, 1, { account: -1 }))).toBe('BAD_ACCOUNT');
    });

    it('LEVEL_OVERFLOW when a level’s aggregate size would leave the safe-integer range', () => {
      const { book } = fresh();
      const big = Number.MAX_SAFE_INTEGER - 10;
      expect(book.add(order(1, BID, 100, big))).toBe('OK');
      expect(book.add(order(2, BID, 100, 10))).toBe('OK');
      expect(book.add(order(3, BID, 100, 1))).toBe('LEVEL_OVERFLOW');
      expect(book.add(order(4, BID, 101, 1))).toBe('OK');
      expect(book.amend(4, 100, 1)).toBe('LEVEL_OVERFLOW');
      expect(book.amend(2, 100, 10)).toBe('OK');
      expect(book.depth(BID, 2)[1]).toEqual({ price: 100, size: Number.MAX_SAFE_INTEGER, orders: 2 });
    });

    it('rejects bad options with a RangeError naming the option', () => {
      expect(() => fresh({ maxOrders: 0 })).toThrow(/maxOrders/);
      expect(() => fresh({ maxOrders: 1.5 })).toThrow(/maxOrders/);
      expect(() => fresh({ maxAccounts: 0 })).toThrow(/maxAccounts/);
      expect(() => fresh({ maxOrders: 4, initialCapacity: 5 })).toThrow(/initialCapacity/);
    });
  });

  describe('validation', () => {
    const cases: [string, Partial<NewOrder> | Record<string, unknown>, BookCode][] = [
      ['negative id', { id: -1 }, 'BAD_ID'],
      ['fractional id', { id: 1.5 }, 'BAD_ID'],
      ['unsafe id', { id: 2 ** 53 }, 'BAD_ID'],
      ['fractional account', { account: 0.5 }, 'BAD_ACCOUNT'],
      ['side 2', { side: 2 }, 'BAD_SIDE'],
      ['zero price', { price: 0 }, 'BAD_PRICE'],
      ['negative price', { price: -3 }, 'BAD_PRICE'],
      ['unsafe price', { price: 2 ** 53 }, 'BAD_PRICE'],
      ['NaN price', { price: Number.NaN }, 'BAD_PRICE'],
      ['zero size', { size: 0 }, 'BAD_SIZE'],
      ['fractional size', { size: 0.5 }, 'BAD_SIZE'],
      ['string size', { size: '5' }, 'BAD_SIZE'],
      ['time in force 2', { timeInForce: 2 }, 'BAD_TIME_IN_FORCE'],
      ['GTT without expiry', { timeInForce: GTT }, 'BAD_EXPIRY'],
      ['GTT negative expiry', { timeInForce: GTT, expiryTs: -1 }, 'BAD_EXPIRY'],
      ['postOnly 1', { postOnly: 1 }, 'BAD_FLAG'],
      ['reduceOnly "yes"', { reduceOnly: 'yes' }, 'BAD_FLAG'],
      ['client id -2', { clientId: -2 }, 'BAD_CLIENT_ID'],
      ['client id 0.5', { clientId: 0.5 }, 'BAD_CLIENT_ID'],
    ];
    it.each(cases)('%s → %s', (_label, patch, code) => {
      const { book, undo } = fresh();
      expect(book.add({ ...order(1, BID, 100, 1), ...patch } as NewOrder)).toBe(code);
      expect(book.orderCount).toBe(0);
      expect(undo.mark()).toBe(0);
    });

    it('accepts the largest safe values', () => {
      const { book } = fresh();
      const max = Number.MAX_SAFE_INTEGER;
      expect(book.add(order(max, ASK, max, max, { timeInForce: GTT, expiryTs: max, clientId: max, account: 0 }))).toBe(
        'OK',
      );
      expect(book.idByClientId(0, max)).toBe(max);
      expect(book.expire(max)).toEqual([max]);
    });
  });

  describe('state hash', () => {
    it('is deterministic for the same operations and sensitive to time priority', () => {
      const run = (ids: number[]) => {
        const { book } = fresh();
        let id = 1;
        for (const size of ids) book.add(order(id++, BID, 100, size));
        return book;
      };
      expect(run([1, 2, 3]).stateHash()).toBe(run([1, 2, 3]).stateHash());
      expect(run([1, 2, 3]).stateHash()).not.toBe(run([2, 1, 3]).stateHash());
    });

    it('fast and naive books hash a populated book identically', () => {
      const a = new OrderBook(new UndoLog());
      const b = new NaiveBook(new UndoLog());
      for (const book of [a, b] as OrderBookApi[]) {
        book.add(order(1, BID, 100, 1, { timeInForce: GTT, expiryTs: 9, clientId: 4, reduceOnly: true }));
        book.add(order(2, ASK, 101, 2, { postOnly: true }));
        book.add(order(3, BID, 100, 3));
        book.amend(1, 100, 5);
      }
      expect(a.stateHash()).toBe(b.stateHash());
    });
  });
});

describe('OrderBook internals', () => {
  it('validateInvariants holds after growth from one slot', () => {
    const book = new OrderBook(new UndoLog(), { initialCapacity: 1 });
    for (let i = 1; i <= 500; i++)
      book.add(order(i, i % 2 === 0 ? BID : ASK, i % 2 === 0 ? 1_000 - (i % 37) : 1_100 + (i % 41), 1));
    expect(book.validateInvariants()).toEqual([]);
    for (let i = 1; i <= 500; i += 3) book.cancel(i);
    expect(book.validateInvariants()).toEqual([]);
  });
});
