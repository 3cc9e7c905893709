/**
 * Shared test machinery: a seeded PRNG, a random operation generator, and a
 * differential check that holds the fast book to the naive one.
 */
import { expect } from 'vitest';
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
  NO_ORDER,
  type OrderBookApi,
  type Side,
} from '../../core/book/types.ts';
import { UndoLog } from '../../core/undo.ts';

/** The seed: FC_SEED when set (to reproduce a failure), else the test's default. */
export function seedFromEnv(fallback: number): number {
  const s = process.env.FC_SEED;
  if (s === undefined || s === '') return fallback;
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`FC_SEED must be an integer, got ${s}`);
  return n;
}

/** mulberry32: a small, fast, seedable PRNG (tests only; core never draws randomness). */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Op =
  | { readonly k: 'add'; readonly order: NewOrder }
  | { readonly k: 'cancel'; readonly id: number }
  | { readonly k: 'cancelByClientId'; readonly account: number; readonly clientId: number }
  | { readonly k: 'reduce'; readonly id: number; readonly size: number }
  | { readonly k: 'amend'; readonly id: number; readonly price: number; readonly size: number }
  | { readonly k: 'fill'; readonly id: number; readonly size: number }
  | { readonly k: 'fillBest'; readonly side: Side; readonly size: number }
  | { readonly k: 'expire'; readonly ts: number }
  | { readonly k: 'cancelAll'; readonly account: number };

export type OpResult = BookCode | number[];

export function applyOp(book: OrderBookApi, op: Op): OpResult {
  switch (op.k) {
    case 'add':
      return book.add(op.order);
    case 'cancel':
      return book.cancel(op.id);
    case 'cancelByClientId':
      return book.cancelByClientId(op.account, op.clientId);
    case 'reduce':
      return book.reduce(op.id, op.size);
    case 'amend':
      return book.amend(op.id, op.price, op.size);
    case 'fill':
      return book.fill(op.id, op.size);
    case 'fillBest':
      return book.fillBest(op.side, op.size);
    case 'expire':
      return book.expire(op.ts);
    case 'cancelAll':
      return book.cancelAll(op.account);
  }
}

export const ACCOUNTS = 8;
const MID = 1_000;

/**
 * Generates operations against the current state of `ref` (so cancels and
 * fills mostly hit live orders). Prices cluster within ±12 ticks of a mid so
 * levels empty and reappear often; a few land far away so ladder inserts and
 * removals shift deep. A few operations carry bad or stale input.
 */
export class OpGenerator {
  nextId = 1;
  now = 0;
  constructor(
    private readonly rnd: () => number,
    private readonly ref: OrderBookApi,
  ) {}

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }

  private pick<T>(xs: readonly T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[Math.floor(this.rnd() * xs.length)];
  }

  private liveId(): number {
    if (this.rnd() < 0.05) return this.int(0, this.nextId + 5); // often unknown
    const side: Side = this.rnd() < 0.5 ? BID : ASK;
    const ids = this.ref.orderIds(side);
    if (ids.length === 0) return this.int(0, this.nextId);
    // Favour the front of the book, as matching does.
    return this.rnd() < 0.4 ? ids[0] : (this.pick(ids) as number);
  }

  private price(side: Side): number {
    const r = this.rnd();
    if (r < 0.03) return side === BID ? this.int(1, MID - 13) : this.int(MID + 13, 3 * MID);
    return side === BID ? this.int(MID - 12, MID) : this.int(MID, MID + 12);
  }

  private newOrder(): NewOrder {
    const side: Side = this.rnd() < 0.5 ? BID : ASK;
    const r = this.rnd();
    let id = this.nextId++;
    if (r < 0.02) id = this.int(0, Math.max(0, id - 1)); // stale id
    const gtt = this.rnd() < 0.3;
    const order: NewOrder = {
      id,
      account: this.int(0, ACCOUNTS - 1),
      side,
      price: this.price(side),
      size: this.int(1, 50),
      timeInForce: gtt ? GTT : this.rnd() < 0.5 ? GTC : undefined,
      expiryTs: gtt ? this.now + this.int(0, 300) : undefined,
      postOnly: this.rnd() < 0.2,
      reduceOnly: this.rnd() < 0.2,
      clientId: this.rnd() < 0.4 ? this.int(0, 15) : this.rnd() < 0.5 ? NO_CLIENT_ID : undefined,
    };
    if (r >= 0.02 && r < 0.035) {
      const bad = this.int(0, 5);
      if (bad === 0) return { ...order, price: 0 };
      if (bad === 1) return { ...order, size: 1.5 };
      if (bad === 2) return { ...order, side: 2 as Side };
      if (bad === 3) return { ...order, account: -1 };
      if (bad === 4) return { ...order, timeInForce: GTT, expiryTs: -5 };
      return { ...order, clientId: -7 };
    }
    return order;
  }

  next(): Op {
    this.now += this.int(0, 4);
    const count = this.ref.orderCount;
    // Keep the book between roughly 50 and 400 orders.
    const addWeight = count < 50 ? 0.7 : count > 400 ? 0.15 : 0.36;
    const r = this.rnd();
    if (r < addWeight) return { k: 'add', order: this.newOrder() };
    const q = this.rnd();
    if (q < 0.2) return { k: 'cancel', id: this.liveId() };
    if (q < 0.28) return { k: 'cancelByClientId', account: this.int(0, ACCOUNTS - 1), clientId: this.int(0, 15) };
    if (q < 0.4) {
      const id = this.liveId();
      const size = this.ref.sizeOf(id);
      return { k: 'reduce', id, size: this.rnd() < 0.9 ? this.int(1, Math.max(1, size)) : this.int(-1, size + 3) };
    }
    if (q < 0.55) {
      const id = this.liveId();
      const side = this.ref.get(id)?.side ?? BID;
      const size = this.ref.sizeOf(id);
      const s = this.rnd();
      const price = s < 0.4 ? this.ref.priceOf(id) : s < 0.97 ? this.price(side) : 0;
      return { k: 'amend', id, price, size: this.int(1, Math.max(2, size * 2)) };
    }
    if (q < 0.85 && this.rnd() < 0.3) {
      // The best order of a side, as a taker's walk fills it (sometimes an empty side, or an overfill).
      const side = this.rnd() < 0.5 ? BID : ASK;
      const size = this.ref.sizeOf(this.ref.bestId(side));
      const s = this.rnd();
      return { k: 'fillBest', side, size: s < 0.5 ? size : s < 0.95 ? this.int(1, Math.max(1, size)) : size + 1 };
    }
    if (q < 0.85) {
      const id = this.liveId();
      const size = this.ref.sizeOf(id);
      const s = this.rnd();
      return { k: 'fill', id, size: s < 0.5 ? size : s < 0.95 ? this.int(1, Math.max(1, size)) : size + 1 };
    }
    if (q < 0.95) return { k: 'expire', ts: this.now };
    return { k: 'cancelAll', account: this.int(0, ACCOUNTS - 1) };
  }
}

export interface Pair {
  readonly fast: OrderBook;
  readonly naive: NaiveBook;
  readonly fastUndo: UndoLog;
  readonly naiveUndo: UndoLog;
}

export function makePair(options: BookOptions = {}): Pair {
  const fastUndo = new UndoLog();
  const naiveUndo = new UndoLog();
  return { fast: new OrderBook(fastUndo, options), naive: new NaiveBook(naiveUndo, options), fastUndo, naiveUndo };
}

/** Walks a side through nextId() from bestId(). */
export function walk(book: OrderBookApi, side: Side): number[] {
  const ids: number[] = [];
  for (let id = book.bestId(side); id !== NO_ORDER; id = book.nextId(id)) ids.push(id);
  return ids;
}

/** Everything observable about a book, for comparing two books or one book at two moments. */
export function observe(book: OrderBookApi): Record<string, unknown> {
  const accounts: number[][] = [];
  const accountCounts: number[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    accounts.push(book.ordersOfAccount(a));
    accountCounts.push(book.accountOrderCount(a));
  }
  const bidIds = book.orderIds(BID);
  const askIds = book.orderIds(ASK);
  return {
    orderCount: book.orderCount,
    bestBid: book.bestPrice(BID),
    bestAsk: book.bestPrice(ASK),
    bestBidId: book.bestId(BID),
    bestAskId: book.bestId(ASK),
    bidLevels: book.levelCount(BID),
    askLevels: book.levelCount(ASK),
    bidDepth: book.depth(BID, 1_000_000),
    askDepth: book.depth(ASK, 1_000_000),
    bidTop3: book.depth(BID, 3),
    askTop3: book.depth(ASK, 3),
    bidIds,
    askIds,
    accounts,
    accountCounts,
    nextExpiryTs: book.nextExpiryTs(),
    hash: book.stateHash(),
  };
}

/** Asserts the fast book equals the naive one in every observable, and holds its own invariants. */
export function expectSame(p: Pair, where: string): void {
  const fast = observe(p.fast);
  const naive = observe(p.naive);
  expect(fast, where).toEqual(naive);
  expect(walk(p.fast, BID), `${where}: nextId walk (bids)`).toEqual(fast.bidIds);
  expect(walk(p.fast, ASK), `${where}: nextId walk (asks)`).toEqual(fast.askIds);
  expect(p.fast.validateInvariants(), where).toEqual([]);
}
