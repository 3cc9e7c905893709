/**
 * The naive reference book: one plain array of order objects, and every
 * query sorts it afresh (bids by price descending, asks ascending, then seq).
 * Slow and obviously correct; the tests hold the fast book (orderbook.ts) to
 * it, result by result, after every operation of seeded random streams.
 *
 * Undo: each mutation that changes something first logs a rollback action
 * that restores a deep copy of the whole state. Expensive, and plainly right.
 */
import { createHash } from 'node:crypto';
import type { UndoLog } from '../undo.ts';
import {
  ASK,
  type BestOrder,
  BID,
  type BookCode,
  type BookOptions,
  DEFAULT_MAX_ACCOUNTS,
  DEFAULT_MAX_ORDERS,
  type DepthLevel,
  GTC,
  GTT,
  type HashSink,
  MAX_ORDERS_CEILING,
  type NewOrder,
  NO_CLIENT_ID,
  NO_EXPIRY,
  NO_ORDER,
  NO_PRICE,
  ORDER_STATE_FIELDS,
  type OrderBookApi,
  type RestingOrder,
  type Side,
} from './types.ts';
import { checkNewOrder, isPositiveSafeInteger, resolveOptions } from './validate.ts';

type Order = { -readonly [K in keyof RestingOrder]: RestingOrder[K] };

interface State {
  orders: Order[];
  lastSeq: number;
  lastId: number;
}

export class NaiveBook implements OrderBookApi {
  readonly maxOrders: number;
  readonly maxAccounts: number;
  private s: State = { orders: [], lastSeq: 0, lastId: -1 };

  constructor(
    private readonly undo: UndoLog,
    options: BookOptions = {},
  ) {
    const opts = resolveOptions(options, {
      maxOrders: DEFAULT_MAX_ORDERS,
      maxAccounts: DEFAULT_MAX_ACCOUNTS,
      ceiling: MAX_ORDERS_CEILING,
    });
    this.maxOrders = opts.maxOrders;
    this.maxAccounts = opts.maxAccounts;
  }

  get orderCount(): number {
    return this.s.orders.length;
  }

  // ── mutations ──

  add(order: NewOrder): BookCode {
    const code = checkNewOrder(order, this.s.lastId, this.maxAccounts);
    if (code !== 'OK') return code;
    if (this.s.orders.length >= this.maxOrders) return 'BOOK_FULL';
    const clientId = order.clientId ?? NO_CLIENT_ID;
    if (clientId !== NO_CLIENT_ID && this.idByClientId(order.account, clientId) !== NO_ORDER) {
      return 'DUPLICATE_CLIENT_ID';
    }
    if (this.levelSize(order.side, order.price, NO_ORDER) + order.size > Number.MAX_SAFE_INTEGER) {
      return 'LEVEL_OVERFLOW';
    }
    this.saveForRollback();
    const tif = order.timeInForce ?? GTC;
    this.s.lastSeq += 1;
    this.s.lastId = order.id;
    this.s.orders.push({
      id: order.id,
      account: order.account,
      side: order.side,
      price: order.price,
      size: order.size,
      timeInForce: tif,
      expiryTs: tif === GTT ? (order.expiryTs as number) : 0,
      postOnly: order.postOnly ?? false,
      reduceOnly: order.reduceOnly ?? false,
      clientId,
      seq: this.s.lastSeq,
    });
    return 'OK';
  }

  cancel(id: number): BookCode {
    const o = this.find(id);
    if (o === undefined) return 'UNKNOWN_ORDER';
    this.saveForRollback();
    this.remove(id);
    return 'OK';
  }

  cancelByClientId(account: number, clientId: number): BookCode {
    const id = this.idByClientId(account, clientId);
    return id === NO_ORDER ? 'UNKNOWN_ORDER' : this.cancel(id);
  }

  reduce(id: number, newSize: number): BookCode {
    const o = this.find(id);
    if (o === undefined) return 'UNKNOWN_ORDER';
    if (!isPositiveSafeInteger(newSize) || newSize > o.size) return 'BAD_SIZE';
    if (newSize < o.size) {
      this.saveForRollback();
      this.mutable(id).size = newSize;
    }
    return 'OK';
  }

  amend(id: number, newPrice: number, newSize: number): BookCode {
    const o = this.find(id);
    if (o === undefined) return 'UNKNOWN_ORDER';
    if (!isPositiveSafeInteger(newPrice)) return 'BAD_PRICE';
    if (!isPositiveSafeInteger(newSize)) return 'BAD_SIZE';
    if (newPrice === o.price && newSize <= o.size) return this.reduce(id, newSize);
    if (this.levelSize(o.side, newPrice, id) + newSize > Number.MAX_SAFE_INTEGER) return 'LEVEL_OVERFLOW';
    this.saveForRollback();
    const m = this.mutable(id);
    this.s.lastSeq += 1;
    m.seq = this.s.lastSeq;
    m.price = newPrice;
    m.size = newSize;
    return 'OK';
  }

  fillBest(side: Side, size: number): BookCode {
    const id = this.bestId(side);
    return id === NO_ORDER ? 'UNKNOWN_ORDER' : this.fill(id, size);
  }

  fill(id: number, size: number): BookCode {
    const o = this.find(id);
    if (o === undefined) return 'UNKNOWN_ORDER';
    if (!isPositiveSafeInteger(size) || size > o.size) return 'BAD_SIZE';
    this.saveForRollback();
    if (size === o.size) this.remove(id);
    else this.mutable(id).size -= size;
    return 'OK';
  }

  cancelAll(account: number): number[] {
    const ids = this.ordersOfAccount(account);
    if (ids.length > 0) {
      this.saveForRollback();
      for (const id of ids) this.remove(id);
    }
    return ids;
  }

  expire(ts: number): number[] {
    const due = this.s.orders
      .filter((o) => o.timeInForce === GTT && o.expiryTs <= ts)
      .sort((a, b) => a.expiryTs - b.expiryTs || a.seq - b.seq)
      .map((o) => o.id);
    if (due.length > 0) {
      this.saveForRollback();
      for (const id of due) this.remove(id);
    }
    return due;
  }

  // ── queries ──

  has(id: number): boolean {
    return this.find(id) !== undefined;
  }

  get(id: number): RestingOrder | undefined {
    const o = this.find(id);
    return o === undefined ? undefined : { ...o };
  }

  idByClientId(account: number, clientId: number): number {
    const o = this.s.orders.find(
      (x) => x.account === account && x.clientId === clientId && x.clientId !== NO_CLIENT_ID,
    );
    return o === undefined ? NO_ORDER : o.id;
  }

  bestPrice(side: Side): number {
    const best = this.sorted(side)[0];
    return best === undefined ? NO_PRICE : best.price;
  }

  bestId(side: Side): number {
    const best = this.sorted(side)[0];
    return best === undefined ? NO_ORDER : best.id;
  }

  bestInto(side: Side, out: BestOrder): boolean {
    const best = this.sorted(side)[0];
    if (best === undefined) return false;
    out.id = best.id;
    out.account = best.account;
    out.price = best.price;
    out.size = best.size;
    return true;
  }

  nextId(id: number): number {
    const o = this.find(id);
    if (o === undefined) return NO_ORDER;
    const list = this.sorted(o.side);
    const next = list[list.findIndex((x) => x.id === id) + 1];
    return next === undefined ? NO_ORDER : next.id;
  }

  sizeOf(id: number): number {
    return this.find(id)?.size ?? 0;
  }

  priceOf(id: number): number {
    return this.find(id)?.price ?? NO_PRICE;
  }

  accountOf(id: number): number {
    return this.find(id)?.account ?? -1;
  }

  orderIds(side: Side): number[] {
    return this.sorted(side).map((o) => o.id);
  }

  ordersOfAccount(account: number): number[] {
    return this.s.orders
      .filter((o) => o.account === account)
      .sort((a, b) => a.seq - b.seq)
      .map((o) => o.id);
  }

  accountOrderCount(account: number): number {
    return this.s.orders.filter((o) => o.account === account).length;
  }

  levelCount(side: Side): number {
    return new Set(this.sorted(side).map((o) => o.price)).size;
  }

  depth(side: Side, maxLevels: number): DepthLevel[] {
    const out: { price: number; size: number; orders: number }[] = [];
    for (const o of this.sorted(side)) {
      const last = out[out.length - 1];
      if (last !== undefined && last.price === o.price) {
        last.size += o.size;
        last.orders += 1;
      } else {
        out.push({ price: o.price, size: o.size, orders: 1 });
      }
    }
    return out.slice(0, Math.max(0, Math.floor(maxLevels)));
  }

  nextExpiryTs(): number {
    let next = NO_EXPIRY;
    for (const o of this.s.orders) if (o.timeInForce === GTT && o.expiryTs < next) next = o.expiryTs;
    return next;
  }

  writeState(sink: HashSink): void {
    const bids = this.sorted(BID);
    const asks = this.sorted(ASK);
    const words = [this.s.orders.length, this.s.lastSeq, this.s.lastId, bids.length, asks.length];
    for (const o of [...bids, ...asks]) {
      for (const f of ORDER_STATE_FIELDS) {
        const v = o[f];
        words.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
      }
    }
    sink.update(new Uint8Array(new Float64Array(words).buffer));
  }

  stateHash(): string {
    const h = createHash('sha256');
    this.writeState(h);
    return h.digest('hex');
  }

  // ── internals ──

  private sorted(side: Side): Order[] {
    return this.s.orders
      .filter((o) => o.side === side)
      .sort((a, b) => (side === BID ? b.price - a.price : a.price - b.price) || a.seq - b.seq);
  }

  private find(id: number): Order | undefined {
    return this.s.orders.find((o) => o.id === id);
  }

  private mutable(id: number): Order {
    return this.find(id) as Order;
  }

  /** Aggregate size at (side, price), leaving out order `except`. */
  private levelSize(side: Side, price: number, except: number): number {
    let sum = 0;
    for (const o of this.s.orders) if (o.side === side && o.price === price && o.id !== except) sum += o.size;
    return sum;
  }

  private remove(id: number): void {
    this.s.orders = this.s.orders.filter((o) => o.id !== id);
  }

  private saveForRollback(): void {
    const saved: State = { ...this.s, orders: this.s.orders.map((o) => ({ ...o })) };
    this.undo.onRollback(() => {
      this.s = saved;
    });
  }
}
