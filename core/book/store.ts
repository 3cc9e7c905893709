/**
 * The book's storage and its structural operations: columns, price ladders,
 * indexes, expiry heap and the journal that makes every write undoable.
 * OrderBook (orderbook.ts) is the thin public class over it: it validates,
 * names results, and calls these operations only once every check passed.
 *
 *   ladders (ladder.ts)            levels (LevelColumns)         orders (OrderColumns, by slot)
 *   bids: … 99 100 101 ◀best       lvl 7: price 101 size 9 n 3   head ─▶ s4 ⇄ s11 ⇄ s2 ◀─ tail
 *   asks: … 105 104 103 ◀best      lvl 3: price 103 size 5 n 1   head ─▶ s9 ◀─ tail
 *                                                                (prev/next: the level FIFO)
 *   byId:     order id → slot               (slot-index.ts, open addressing)
 *   byClient: (account, clientId) → slot    (slot-index.ts)
 *   accounts: head/tail/count per account;  s4 ⇄ s9 …  (accountPrev/accountNext, seq order)
 *   expiry:   min-heap of GTT slots by (expiryTs, seq)  (expiry-heap.ts)
 *
 * Invariants (invariants.ts checks each; tests run it after every step):
 *   - a level is in its side's ladder iff it holds ≥ 1 order; its size and
 *     count equal the sum and number of its orders; within a level, seq
 *     increases from head to tail (FIFO = time priority);
 *   - every resting order is in exactly one level, one account list, byId,
 *     byClient iff it has a client id, and the expiry heap iff it is GTT;
 *   - slots and level ids are either in use or on their free stack.
 *
 * Every write goes through the journal (journal.ts): the caller opens a mark
 * with `j.begin()` first, so the engine's undo log can roll the book back.
 */
import type { UndoLog } from '../undo.ts';
import {
  AccountColumns,
  FLAG_GTT,
  FLAG_POST_ONLY,
  FLAG_REDUCE_ONLY,
  LevelColumns,
  NIL,
  OrderColumns,
} from './columns.ts';
import { ExpiryHeap } from './expiry-heap.ts';
import { Journal } from './journal.ts';
import { J_LADDER_INSERTED, PriceLadder } from './ladder.ts';
import { SlotIndex } from './slot-index.ts';
import {
  ASK,
  BID,
  GTC,
  GTT,
  type HashSink,
  HEADER_FIELDS,
  type NewOrder,
  NO_CLIENT_ID,
  ORDER_STATE_FIELDS,
  type RestingOrder,
  type Side,
} from './types.ts';

// Scalars, kept in one Float64Array so the journal restores them as cheaply as a column cell.
export const M_ORDERS = 0;
export const M_SLOTS_USED = 1; // slots [0, used) have been handed out at least once
export const M_FREE_SLOTS = 2; // height of the free-slot stack
export const M_LEVELS_USED = 3;
export const M_FREE_LEVELS = 4;
export const M_LAST_SEQ = 5;
export const M_LAST_ID = 6;
export const M_BID_ORDERS = 7;
export const M_ASK_ORDERS = 8;
const M_LENGTH = 9;

/** Journal entry code (below the ladder's): a slot was removed (removeSlot), replayed by undoRemove. */
const J_SLOT_REMOVED = -4;

const INITIAL_LEVELS = 64;
const INITIAL_ACCOUNTS = 64;
/** Orders per hash chunk in writeState. */
const HASH_CHUNK_ORDERS = 256;
const ORDER_WORDS = ORDER_STATE_FIELDS.length;

export class BookStore {
  readonly j: Journal;
  readonly o: OrderColumns;
  readonly l: LevelColumns;
  readonly a: AccountColumns;
  readonly bids: PriceLadder;
  readonly asks: PriceLadder;
  readonly byId: SlotIndex;
  readonly byClient: SlotIndex;
  readonly expiry: ExpiryHeap;
  readonly meta = new Float64Array(M_LENGTH);
  // Journal ids of the columns.
  readonly oc: ReturnType<OrderColumns['register']>;
  readonly lc: ReturnType<LevelColumns['register']>;
  readonly ac: ReturnType<AccountColumns['register']>;
  readonly cMeta: number;

  constructor(
    undo: UndoLog,
    readonly maxOrders: number,
    readonly maxAccounts: number,
    initialCapacity: number,
  ) {
    const j = new Journal(undo, (code, a, b) => this.undoLadderEntry(code, a, b));
    this.j = j;
    this.o = new OrderColumns(initialCapacity);
    this.l = new LevelColumns(Math.min(INITIAL_LEVELS, maxOrders));
    this.a = new AccountColumns(Math.min(INITIAL_ACCOUNTS, maxAccounts));
    this.oc = this.o.register(j);
    this.lc = this.l.register(j);
    this.ac = this.a.register(j);
    this.cMeta = j.register(() => this.meta);
    this.bids = new PriceLadder(j, BID, INITIAL_LEVELS);
    this.asks = new PriceLadder(j, ASK, INITIAL_LEVELS);
    this.byId = new SlotIndex(j, initialCapacity);
    this.byClient = new SlotIndex(j);
    this.expiry = new ExpiryHeap(j, this.o, this.oc.heap, this.oc.heapPos);
    this.meta[M_LAST_ID] = -1;
  }

  /**
   * Rests a validated order at the tail of its level. `found` is the ladder
   * search result for its price; the caller has called j.begin().
   */
  rest(order: NewOrder, clientId: number, found: number): void {
    const m = this.meta;
    const { side, price, size } = order;
    const j = this.j;
    const slot = this.allocSlot();
    const o = this.o; // after allocSlot: growth replaces the arrays
    const gtt = order.timeInForce === GTT;
    const seq = m[M_LAST_SEQ] + 1;
    j.at(this.cMeta, m, M_LAST_SEQ, seq);
    j.at(this.cMeta, m, M_LAST_ID, order.id);
    j.at(this.oc.id, o.id, slot, order.id);
    j.at(this.oc.account, o.account, slot, order.account);
    j.at(this.oc.side, o.side, slot, side);
    j.at(this.oc.price, o.price, slot, price);
    j.at(this.oc.size, o.size, slot, size);
    j.at(this.oc.seq, o.seq, slot, seq);
    j.at(this.oc.expiryTs, o.expiryTs, slot, gtt ? (order.expiryTs as number) : 0);
    j.at(this.oc.clientId, o.clientId, slot, clientId);
    j.at(
      this.oc.flags,
      o.flags,
      slot,
      (gtt ? FLAG_GTT : 0) | (order.postOnly === true ? FLAG_POST_ONLY : 0) | (order.reduceOnly ? FLAG_REDUCE_ONLY : 0),
    );
    this.linkLevel(slot, side, price, size, found);
    this.linkAccount(slot, order.account);
    this.byId.insert(order.id, 0, slot);
    if (clientId !== NO_CLIENT_ID) this.byClient.insert(order.account, clientId, slot);
    if (gtt) this.expiry.push(slot);
    j.at(this.cMeta, m, M_ORDERS, m[M_ORDERS] + 1);
    const sideCount = side === BID ? M_BID_ORDERS : M_ASK_ORDERS;
    j.at(this.cMeta, m, sideCount, m[sideCount] + 1);
  }

  /**
   * Moves a resting order to the tail of the level at newPrice with newSize
   * and a new seq: it loses time priority. The caller has called j.begin().
   */
  reprice(slot: number, newPrice: number, newSize: number): void {
    const o = this.o;
    const side = o.side[slot] as Side;
    const ladder = this.ladder(side);
    const j = this.j;
    const m = this.meta;
    const gtt = (o.flags[slot] & FLAG_GTT) !== 0;
    const account = o.account[slot];
    this.unlinkLevel(slot);
    this.unlinkAccount(slot, account);
    if (gtt) this.expiry.remove(slot);
    const seq = m[M_LAST_SEQ] + 1;
    j.at(this.cMeta, m, M_LAST_SEQ, seq);
    j.at(this.oc.seq, o.seq, slot, seq);
    j.at(this.oc.price, o.price, slot, newPrice);
    j.at(this.oc.size, o.size, slot, newSize);
    // The search result may be stale if unlinking emptied and removed a level: search again.
    this.linkLevel(slot, side, newPrice, newSize, ladder.search(side === BID ? newPrice : -newPrice));
    this.linkAccount(slot, account);
    if (gtt) this.expiry.push(slot);
  }

  /** The state bytes (see ORDER_STATE_FIELDS): header, then bids and asks in priority order. */
  writeState(sink: HashSink): void {
    const m = this.meta;
    const header = new Float64Array(HEADER_FIELDS.length);
    header.set([m[M_ORDERS], m[M_LAST_SEQ], m[M_LAST_ID], m[M_BID_ORDERS], m[M_ASK_ORDERS]]);
    sink.update(new Uint8Array(header.buffer));
    const buf = new Float64Array(HASH_CHUNK_ORDERS * ORDER_WORDS);
    const bytes = new Uint8Array(buf.buffer);
    const o = this.o;
    for (const ladder of [this.bids, this.asks]) {
      let w = 0;
      for (let i = ladder.length - 1; i >= 0; i--) {
        for (let s = this.l.head[ladder.levels[i]]; s !== NIL; s = o.next[s]) {
          const f = o.flags[s];
          // The order of ORDER_STATE_FIELDS.
          buf[w++] = o.id[s];
          buf[w++] = o.account[s];
          buf[w++] = o.side[s];
          buf[w++] = o.price[s];
          buf[w++] = o.size[s];
          buf[w++] = f & FLAG_GTT ? GTT : GTC;
          buf[w++] = o.expiryTs[s];
          buf[w++] = f & FLAG_POST_ONLY ? 1 : 0;
          buf[w++] = f & FLAG_REDUCE_ONLY ? 1 : 0;
          buf[w++] = o.clientId[s];
          buf[w++] = o.seq[s];
          if (w === buf.length) {
            sink.update(bytes);
            w = 0;
          }
        }
      }
      if (w > 0) sink.update(bytes.subarray(0, w * 8));
    }
  }

  /** Journal replay of a custom entry: a removed slot, or a ladder entry (see ladder.ts) routed to its side with its key. */
  private undoLadderEntry(code: number, i: number, b: number): void {
    if (code === J_SLOT_REMOVED) {
      this.undoRemove(i, b);
      return;
    }
    if (code === J_LADDER_INSERTED) {
      this.ladder(b as Side).undoEntry(code, i, NIL, 0);
      return;
    }
    const side = (b & 1) as Side;
    const level = (b - side) / 2;
    const price = this.l.price[level];
    this.ladder(side).undoEntry(code, i, level, side === BID ? price : -price);
  }

  ladder(side: Side): PriceLadder {
    return side === BID ? this.bids : this.asks;
  }

  hasAccountRow(account: number): boolean {
    return Number.isInteger(account) && account >= 0 && account < this.a.capacity;
  }

  orderAt(s: number): RestingOrder {
    const o = this.o;
    const f = o.flags[s];
    return {
      id: o.id[s],
      account: o.account[s],
      side: o.side[s] as Side,
      price: o.price[s],
      size: o.size[s],
      timeInForce: f & FLAG_GTT ? GTT : GTC,
      expiryTs: o.expiryTs[s],
      postOnly: (f & FLAG_POST_ONLY) !== 0,
      reduceOnly: (f & FLAG_REDUCE_ONLY) !== 0,
      clientId: o.clientId[s],
      seq: o.seq[s],
    };
  }

  /** Takes `by` (< remaining) off a resting order, in place: priority is kept. */
  shrink(slot: number, by: number): void {
    const level = this.o.level[slot];
    this.j.at(this.oc.size, this.o.size, slot, this.o.size[slot] - by);
    this.j.at(this.lc.size, this.l.size, level, this.l.size[level] - by);
  }

  private allocSlot(): number {
    const m = this.meta;
    const free = m[M_FREE_SLOTS];
    if (free > 0) {
      this.j.at(this.cMeta, m, M_FREE_SLOTS, free - 1);
      return this.o.freeSlots[free - 1];
    }
    const slot = m[M_SLOTS_USED];
    this.o.reserve(slot + 1, this.maxOrders, this.j);
    this.j.at(this.cMeta, m, M_SLOTS_USED, slot + 1);
    return slot;
  }

  private allocLevel(): number {
    const m = this.meta;
    const free = m[M_FREE_LEVELS];
    if (free > 0) {
      this.j.at(this.cMeta, m, M_FREE_LEVELS, free - 1);
      return this.l.freeLevels[free - 1];
    }
    const level = m[M_LEVELS_USED];
    this.l.reserve(level + 1, this.maxOrders, this.j);
    this.j.at(this.cMeta, m, M_LEVELS_USED, level + 1);
    return level;
  }

  /** Appends a slot (price and size written) to the tail of its level; `found` is the ladder search result. */
  private linkLevel(slot: number, side: Side, price: number, size: number, found: number): void {
    const j = this.j;
    const o = this.o;
    if (found < 0) {
      const level = this.allocLevel();
      const l = this.l; // after allocLevel: growth replaces the arrays
      j.at(this.lc.price, l.price, level, price);
      j.at(this.lc.size, l.size, level, size);
      j.at(this.lc.count, l.count, level, 1);
      j.at(this.lc.head, l.head, level, slot);
      j.at(this.lc.tail, l.tail, level, slot);
      j.at(this.oc.level, o.level, slot, level);
      j.at(this.oc.prev, o.prev, slot, NIL);
      j.at(this.oc.next, o.next, slot, NIL);
      this.ladder(side).insertAt(-found - 1, side === BID ? price : -price, level);
      return;
    }
    const l = this.l;
    const level = this.ladder(side).levels[found];
    const tail = l.tail[level];
    j.at(this.oc.level, o.level, slot, level);
    j.at(this.oc.prev, o.prev, slot, tail);
    j.at(this.oc.next, o.next, slot, NIL);
    j.at(this.oc.next, o.next, tail, slot);
    j.at(this.lc.tail, l.tail, level, slot);
    j.at(this.lc.size, l.size, level, l.size[level] + size);
    j.at(this.lc.count, l.count, level, l.count[level] + 1);
  }

  /** Unlinks a slot from its level's FIFO; removes and frees the level if that empties it. */
  private unlinkLevel(slot: number): void {
    const j = this.j;
    const o = this.o;
    const l = this.l;
    const level = o.level[slot];
    const count = l.count[level] - 1;
    if (count === 0) {
      // Nothing else links to this level: drop it from the ladder and free it.
      // Its cells are left as they are (a free row is garbage), which also means
      // nothing needs journaling for them.
      const side = o.side[slot] as Side;
      const price = l.price[level];
      const ladder = this.ladder(side);
      ladder.removeAt(ladder.search(side === BID ? price : -price));
      const m = this.meta;
      const free = m[M_FREE_LEVELS];
      j.at(this.lc.freeLevels, l.freeLevels, free, level);
      j.at(this.cMeta, m, M_FREE_LEVELS, free + 1);
      return;
    }
    const prev = o.prev[slot];
    const next = o.next[slot];
    if (prev === NIL) j.at(this.lc.head, l.head, level, next);
    else j.at(this.oc.next, o.next, prev, next);
    if (next === NIL) j.at(this.lc.tail, l.tail, level, prev);
    else j.at(this.oc.prev, o.prev, next, prev);
    j.at(this.lc.count, l.count, level, count);
    j.at(this.lc.size, l.size, level, l.size[level] - o.size[slot]);
  }

  private linkAccount(slot: number, account: number): void {
    const j = this.j;
    this.a.reserve(account + 1, this.maxAccounts, j);
    const a = this.a;
    const o = this.o;
    const count = a.count[account];
    j.at(this.oc.accountNext, o.accountNext, slot, NIL);
    if (count === 0) {
      j.at(this.oc.accountPrev, o.accountPrev, slot, NIL);
      j.at(this.ac.head, a.head, account, slot);
    } else {
      const tail = a.tail[account];
      j.at(this.oc.accountPrev, o.accountPrev, slot, tail);
      j.at(this.oc.accountNext, o.accountNext, tail, slot);
    }
    j.at(this.ac.tail, a.tail, account, slot);
    j.at(this.ac.count, a.count, account, count + 1);
  }

  private unlinkAccount(slot: number, account: number): void {
    const j = this.j;
    const a = this.a;
    const o = this.o;
    const count = a.count[account] - 1;
    j.at(this.ac.count, a.count, account, count);
    if (count === 0) return; // head and tail of an empty list are never read
    const prev = o.accountPrev[slot];
    const next = o.accountNext[slot];
    if (prev === NIL) j.at(this.ac.head, a.head, account, next);
    else j.at(this.oc.accountNext, o.accountNext, prev, next);
    if (next === NIL) j.at(this.ac.tail, a.tail, account, prev);
    else j.at(this.oc.accountPrev, o.accountPrev, next, prev);
  }

  /**
   * Removes a resting order from every structure and frees its slot.
   *
   * The hot path of every fill that takes a whole order, so it journals the
   * removal as ONE entry (J_SLOT_REMOVED) instead of a cell per write: the
   * level and account list unlinking, the level's removal from the ladder
   * when it empties, and the counters are written raw, and undoRemove()
   * performs the exact inverse. That is sound because replay is LIFO: when
   * the entry is replayed the book is exactly as it was right after this
   * removal, and the removal never writes the slot's own cells (its level,
   * prev/next, account links, size), so they still name its neighbours and
   * its place. The cells written outside that inverse (the free-stack
   * cells, the id and client-id indexes, the expiry heap) keep their own
   * journal entries.
   */
  removeSlot(slot: number): void {
    const j = this.j;
    const o = this.o;
    const l = this.l;
    const a = this.a;
    const m = this.meta;
    const account = o.account[slot];
    const side = o.side[slot] as Side;
    const level = o.level[slot];
    const count = l.count[level] - 1;
    let emptied = 0;
    if (count === 0) {
      // Nothing else links to this level: drop it from the ladder and free it. Its cells stay as
      // they are (a free row is garbage), which is also what undoRemove() relies on.
      const price = l.price[level];
      const ladder = this.ladder(side);
      ladder.removeAtUnjournaled(ladder.search(side === BID ? price : -price));
      const free = m[M_FREE_LEVELS];
      j.at(this.lc.freeLevels, l.freeLevels, free, level);
      m[M_FREE_LEVELS] = free + 1;
      emptied = 1;
    } else {
      const prev = o.prev[slot];
      const next = o.next[slot];
      if (prev === NIL) l.head[level] = next;
      else o.next[prev] = next;
      if (next === NIL) l.tail[level] = prev;
      else o.prev[next] = prev;
      l.count[level] = count;
      l.size[level] = l.size[level] - o.size[slot];
    }
    const accountCount = a.count[account] - 1;
    a.count[account] = accountCount;
    if (accountCount !== 0) {
      // (Head and tail of an empty list are never read, so an emptied list keeps them.)
      const prev = o.accountPrev[slot];
      const next = o.accountNext[slot];
      if (prev === NIL) a.head[account] = next;
      else o.accountNext[prev] = next;
      if (next === NIL) a.tail[account] = prev;
      else o.accountPrev[next] = prev;
    }
    m[M_ORDERS] = m[M_ORDERS] - 1;
    if (side === BID) m[M_BID_ORDERS] = m[M_BID_ORDERS] - 1;
    else m[M_ASK_ORDERS] = m[M_ASK_ORDERS] - 1;
    const freeSlots = m[M_FREE_SLOTS];
    j.at(this.oc.freeSlots, o.freeSlots, freeSlots, slot);
    m[M_FREE_SLOTS] = freeSlots + 1;
    j.op(J_SLOT_REMOVED, slot, emptied);
    this.byId.delete(o.id[slot], 0);
    if (o.clientId[slot] !== NO_CLIENT_ID) this.byClient.delete(account, o.clientId[slot]);
    if (o.flags[slot] & FLAG_GTT) this.expiry.remove(slot);
  }

  /** Replays a J_SLOT_REMOVED entry: the exact inverse of removeSlot's raw writes. */
  private undoRemove(slot: number, emptied: number): void {
    const o = this.o;
    const l = this.l;
    const a = this.a;
    const m = this.meta;
    const account = o.account[slot];
    const side = o.side[slot] as Side;
    const level = o.level[slot];
    m[M_FREE_SLOTS] = m[M_FREE_SLOTS] - 1;
    m[M_ORDERS] = m[M_ORDERS] + 1;
    if (side === BID) m[M_BID_ORDERS] = m[M_BID_ORDERS] + 1;
    else m[M_ASK_ORDERS] = m[M_ASK_ORDERS] + 1;
    const accountCount = a.count[account];
    a.count[account] = accountCount + 1;
    if (accountCount !== 0) {
      const prev = o.accountPrev[slot];
      const next = o.accountNext[slot];
      if (prev === NIL) a.head[account] = slot;
      else o.accountNext[prev] = slot;
      if (next === NIL) a.tail[account] = slot;
      else o.accountPrev[next] = slot;
    }
    if (emptied === 1) {
      // The level's cells were left as they were (count 1, head = tail = slot, its size).
      m[M_FREE_LEVELS] = m[M_FREE_LEVELS] - 1;
      const price = l.price[level];
      this.ladder(side).restoreLevel(side === BID ? price : -price, level);
    } else {
      const prev = o.prev[slot];
      const next = o.next[slot];
      if (prev === NIL) l.head[level] = slot;
      else o.next[prev] = slot;
      if (next === NIL) l.tail[level] = slot;
      else o.prev[next] = slot;
      l.count[level] = l.count[level] + 1;
      l.size[level] = l.size[level] + o.size[slot];
    }
  }
}
