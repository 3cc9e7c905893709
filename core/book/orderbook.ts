/**
 * The limit order book of one market: resting orders in price-time priority.
 * It rests, reduces, amends, fills and removes orders; the caller (the
 * engine's matching) decides what crosses and what trades.
 *
 * This is the thin public class: it validates input, names every result
 * (types.ts BookCodes), and only once every check passed opens a journal
 * mark and calls the structural operations of the store (store.ts, where the
 * layout and invariants are drawn). So a rejection changes nothing and writes
 * nothing to the undo log; an accepted mutation is undone by the engine's
 * undo log like any other write.
 *
 * Costs: best price/order O(1); add O(log L) (ladder search; a new level adds
 * a short shift, see ladder.ts) + O(1) hash; cancel/fill/reduce O(1) plus
 * O(log L) only when a level empties, plus O(log G) for a GTT order's heap
 * entry; amend = remove + add; expire O(k log G) for k expired orders;
 * nextId O(1) within a level, O(log L) across levels.
 *
 * Determinism: no clock, no randomness, no iteration over hash order; ties
 * are broken by seq, which the book assigns itself.
 */
import { createHash } from 'node:crypto';
import type { UndoLog } from '../undo.ts';
import { NIL } from './columns.ts';
import { checkInvariants } from './invariants.ts';
import { BookStore, M_LAST_ID, M_ORDERS } from './store.ts';
import {
  type BestOrder,
  BID,
  type BookCode,
  type BookOptions,
  DEFAULT_MAX_ACCOUNTS,
  DEFAULT_MAX_ORDERS,
  type DepthLevel,
  type HashSink,
  MAX_ORDERS_CEILING,
  type NewOrder,
  NO_CLIENT_ID,
  NO_EXPIRY,
  NO_ORDER,
  NO_PRICE,
  type OrderBookApi,
  type RestingOrder,
  type Side,
} from './types.ts';
import { checkNewOrder, isPositiveSafeInteger, resolveOptions } from './validate.ts';

export class OrderBook implements OrderBookApi {
  readonly maxOrders: number;
  readonly maxAccounts: number;
  private readonly store: BookStore;

  /** `undo` is the engine'slot log: a command that fails after touching the book rolls it back with the rest. */
  constructor(undo: UndoLog, options: BookOptions = {}) {
    const opts = resolveOptions(options, {
      maxOrders: DEFAULT_MAX_ORDERS,
      maxAccounts: DEFAULT_MAX_ACCOUNTS,
      ceiling: MAX_ORDERS_CEILING,
    });
    this.maxOrders = opts.maxOrders;
    this.maxAccounts = opts.maxAccounts;
    this.store = new BookStore(undo, opts.maxOrders, opts.maxAccounts, opts.initialCapacity);
  }

  get orderCount(): number {
    return this.store.meta[M_ORDERS];
  }

  // ───────────────────────────── mutations ─────────────────────────────

  add(order: NewOrder): BookCode {
    const m = this.store.meta;
    const code = checkNewOrder(order, m[M_LAST_ID], this.maxAccounts);
    if (code !== 'OK') return code;
    if (m[M_ORDERS] >= this.maxOrders) return 'BOOK_FULL';
    const clientId = order.clientId ?? NO_CLIENT_ID;
    if (clientId !== NO_CLIENT_ID && this.store.byClient.get(order.account, clientId) !== NIL)
      return 'DUPLICATE_CLIENT_ID';
    const { side, price, size } = order;
    const found = this.store.ladder(side).search(side === BID ? price : -price);
    if (found >= 0 && this.store.l.size[this.store.ladder(side).levels[found]] + size > Number.MAX_SAFE_INTEGER) {
      return 'LEVEL_OVERFLOW';
    }

    // Every check passed: from here on, only writes.
    this.store.j.begin();
    this.store.rest(order, clientId, found);
    return 'OK';
  }

  cancel(id: number): BookCode {
    const slot = this.store.byId.get(id, 0);
    if (slot === NIL) return 'UNKNOWN_ORDER';
    this.store.j.begin();
    this.store.removeSlot(slot);
    return 'OK';
  }

  cancelByClientId(account: number, clientId: number): BookCode {
    const slot = this.store.byClient.get(account, clientId);
    if (slot === NIL) return 'UNKNOWN_ORDER';
    this.store.j.begin();
    this.store.removeSlot(slot);
    return 'OK';
  }

  reduce(id: number, newSize: number): BookCode {
    const slot = this.store.byId.get(id, 0);
    if (slot === NIL) return 'UNKNOWN_ORDER';
    const size = this.store.o.size[slot];
    if (!isPositiveSafeInteger(newSize) || newSize > size) return 'BAD_SIZE';
    if (newSize < size) {
      this.store.j.begin();
      this.store.shrink(slot, size - newSize);
    }
    return 'OK';
  }

  amend(id: number, newPrice: number, newSize: number): BookCode {
    const slot = this.store.byId.get(id, 0);
    if (slot === NIL) return 'UNKNOWN_ORDER';
    if (!isPositiveSafeInteger(newPrice)) return 'BAD_PRICE';
    if (!isPositiveSafeInteger(newSize)) return 'BAD_SIZE';
    const o = this.store.o;
    const price = o.price[slot];
    const size = o.size[slot];
    if (newPrice === price && newSize <= size) {
      if (newSize < size) {
        this.store.j.begin();
        this.store.shrink(slot, size - newSize);
      }
      return 'OK';
    }
    const side = o.side[slot] as Side;
    const ladder = this.store.ladder(side);
    const found = ladder.search(side === BID ? newPrice : -newPrice);
    if (found >= 0) {
      const level = ladder.levels[found];
      const others = this.store.l.size[level] - (level === o.level[slot] ? size : 0);
      if (others + newSize > Number.MAX_SAFE_INTEGER) return 'LEVEL_OVERFLOW';
    }

    // Loses priority: out of its level, account list and heap; back in at the tails with a new seq.
    this.store.j.begin();
    this.store.reprice(slot, newPrice, newSize);
    return 'OK';
  }

  fill(id: number, size: number): BookCode {
    const slot = this.store.byId.get(id, 0);
    if (slot === NIL) return 'UNKNOWN_ORDER';
    return this.fillSlot(slot, size);
  }

  fillBest(side: Side, size: number): BookCode {
    const level = this.store.ladder(side).bestLevel();
    if (level === NIL) return 'UNKNOWN_ORDER';
    return this.fillSlot(this.store.l.head[level], size);
  }

  private fillSlot(slot: number, size: number): BookCode {
    const remaining = this.store.o.size[slot];
    if (!isPositiveSafeInteger(size) || size > remaining) return 'BAD_SIZE';
    this.store.j.begin();
    if (size === remaining) this.store.removeSlot(slot);
    else this.store.shrink(slot, size);
    return 'OK';
  }

  cancelAll(account: number): number[] {
    const ids: number[] = [];
    if (!this.store.hasAccountRow(account)) return ids;
    const o = this.store.o;
    if (this.store.a.count[account] === 0) return ids;
    this.store.j.begin();
    let slot = this.store.a.head[account];
    while (slot !== NIL) {
      const next = o.accountNext[slot];
      ids.push(o.id[slot]);
      this.store.removeSlot(slot);
      slot = next;
    }
    return ids;
  }

  expire(ts: number): number[] {
    const ids: number[] = [];
    for (;;) {
      const slot = this.store.expiry.peek();
      // `!(a <= ts)` rather than `a > ts`: a NaN ts expires nothing.
      if (slot === NIL || !(this.store.o.expiryTs[slot] <= ts)) return ids;
      if (ids.length === 0) this.store.j.begin();
      ids.push(this.store.o.id[slot]);
      this.store.removeSlot(slot);
    }
  }

  // ───────────────────────────── queries ─────────────────────────────

  has(id: number): boolean {
    return this.store.byId.get(id, 0) !== NIL;
  }

  get(id: number): RestingOrder | undefined {
    const slot = this.store.byId.get(id, 0);
    return slot === NIL ? undefined : this.store.orderAt(slot);
  }

  idByClientId(account: number, clientId: number): number {
    const slot = this.store.byClient.get(account, clientId);
    return slot === NIL ? NO_ORDER : this.store.o.id[slot];
  }

  bestPrice(side: Side): number {
    const level = this.store.ladder(side).bestLevel();
    return level === NIL ? NO_PRICE : this.store.l.price[level];
  }

  bestId(side: Side): number {
    const level = this.store.ladder(side).bestLevel();
    return level === NIL ? NO_ORDER : this.store.o.id[this.store.l.head[level]];
  }

  bestInto(side: Side, out: BestOrder): boolean {
    const level = this.store.ladder(side).bestLevel();
    if (level === NIL) return false;
    const o = this.store.o;
    const slot = this.store.l.head[level];
    out.id = o.id[slot];
    out.account = o.account[slot];
    out.price = o.price[slot];
    out.size = o.size[slot];
    return true;
  }

  nextId(id: number): number {
    const slot = this.store.byId.get(id, 0);
    if (slot === NIL) return NO_ORDER;
    const o = this.store.o;
    const next = o.next[slot];
    if (next !== NIL) return o.id[next];
    const side = o.side[slot] as Side;
    const ladder = this.store.ladder(side);
    const price = o.price[slot];
    const i = ladder.search(side === BID ? price : -price);
    return i > 0 ? o.id[this.store.l.head[ladder.levels[i - 1]]] : NO_ORDER;
  }

  sizeOf(id: number): number {
    const slot = this.store.byId.get(id, 0);
    return slot === NIL ? 0 : this.store.o.size[slot];
  }

  priceOf(id: number): number {
    const slot = this.store.byId.get(id, 0);
    return slot === NIL ? NO_PRICE : this.store.o.price[slot];
  }

  accountOf(id: number): number {
    const slot = this.store.byId.get(id, 0);
    return slot === NIL ? -1 : this.store.o.account[slot];
  }

  orderIds(side: Side): number[] {
    const ids: number[] = [];
    const ladder = this.store.ladder(side);
    const o = this.store.o;
    for (let i = ladder.length - 1; i >= 0; i--) {
      for (let slot = this.store.l.head[ladder.levels[i]]; slot !== NIL; slot = o.next[slot]) ids.push(o.id[slot]);
    }
    return ids;
  }

  ordersOfAccount(account: number): number[] {
    const ids: number[] = [];
    if (!this.store.hasAccountRow(account) || this.store.a.count[account] === 0) return ids;
    const o = this.store.o;
    for (let slot = this.store.a.head[account]; slot !== NIL; slot = o.accountNext[slot]) ids.push(o.id[slot]);
    return ids;
  }

  accountOrderCount(account: number): number {
    return this.store.hasAccountRow(account) ? this.store.a.count[account] : 0;
  }

  levelCount(side: Side): number {
    return this.store.ladder(side).length;
  }

  depth(side: Side, maxLevels: number): DepthLevel[] {
    const out: DepthLevel[] = [];
    const ladder = this.store.ladder(side);
    const l = this.store.l;
    const end = Math.max(0, ladder.length - Math.max(0, Math.floor(maxLevels)));
    for (let i = ladder.length - 1; i >= end; i--) {
      const level = ladder.levels[i];
      out.push({ price: l.price[level], size: l.size[level], orders: l.count[level] });
    }
    return out;
  }

  nextExpiryTs(): number {
    const slot = this.store.expiry.peek();
    return slot === NIL ? NO_EXPIRY : this.store.o.expiryTs[slot];
  }

  writeState(sink: HashSink): void {
    this.store.writeState(sink);
  }

  stateHash(): string {
    const h = createHash('sha256');
    this.store.writeState(h);
    return h.digest('hex');
  }

  /** Violations of the store'slot invariants (empty when all hold). Tests run it after every step. */
  validateInvariants(): string[] {
    return checkInvariants(this.store);
  }

  /** Entries the journal holds (it forgets them once the undo log has committed). */
  get journalSize(): number {
    return this.store.j.size;
  }
}
