/**
 * The book's struct-of-arrays storage: order columns indexed by slot, level
 * columns indexed by level id, account columns indexed by account id.
 *
 * Each group registers its columns with the journal (journal.ts), which
 * gives each an id: `ids.price` names OrderColumns.price in journal entries.
 *
 * Growth doubles a group of columns and copies them. Growth happens inside a
 * command, after the journal may already hold writes to the old arrays, so
 * it journals one closure that puts the old arrays back. Rolling back in
 * reverse order is then exact: writes made after the growth are undone on
 * the new arrays (which are dropped), and writes made before it are undone on
 * the old arrays, which nothing touched since the copy.
 */
import type { Column, Journal } from './journal.ts';

export const NIL = -1;

function registerColumns<N extends string>(owner: object, names: readonly N[], journal: Journal): Record<N, number> {
  const cols = owner as Record<N, Column>;
  const ids = {} as Record<N, number>;
  for (const name of names) ids[name] = journal.register(() => cols[name]);
  return ids;
}

function growColumns(
  owner: { capacity: number },
  names: readonly string[],
  needed: number,
  limit: number,
  journal: Journal,
): void {
  const oldCapacity = owner.capacity;
  let capacity = oldCapacity;
  while (capacity < needed) capacity *= 2;
  capacity = Math.max(needed, Math.min(capacity, limit));
  const cols = owner as unknown as Record<string, Column>;
  const old: Column[] = [];
  for (const name of names) {
    const a = cols[name];
    old.push(a);
    const b = new (a.constructor as new (n: number) => Column)(capacity);
    b.set(a);
    cols[name] = b;
  }
  owner.capacity = capacity;
  journal.closure(() => {
    for (let i = 0; i < names.length; i++) cols[names[i]] = old[i];
    owner.capacity = oldCapacity;
  });
}

/** Bits of OrderColumns.flags. */
export const FLAG_GTT = 1;
export const FLAG_POST_ONLY = 2;
export const FLAG_REDUCE_ONLY = 4;

const ORDER_COLUMN_NAMES = [
  'id',
  'price',
  'size',
  'seq',
  'expiryTs',
  'clientId',
  'account',
  'level',
  'prev',
  'next',
  'accountPrev',
  'accountNext',
  'heapPos',
  'side',
  'flags',
  'freeSlots',
  'heap',
] as const;

/**
 * One row per slot. A slot holds a resting order or is free; a free slot's
 * cells are garbage and never read. Besides the order fields a slot carries
 * its links: `prev`/`next` in its level's FIFO, `accountPrev`/`accountNext`
 * in its account's list, and `heapPos` in the expiry heap (GTT only).
 * `freeSlots` (a stack of free slots) and `heap` (the expiry heap, a binary
 * heap of slots) are not indexed by slot but never hold more than
 * `capacity` entries, so they grow with the rest.
 */
export class OrderColumns {
  capacity: number;
  id: Float64Array;
  price: Float64Array;
  size: Float64Array;
  seq: Float64Array;
  expiryTs: Float64Array;
  clientId: Float64Array;
  account: Int32Array;
  level: Int32Array;
  prev: Int32Array;
  next: Int32Array;
  accountPrev: Int32Array;
  accountNext: Int32Array;
  heapPos: Int32Array;
  side: Uint8Array;
  flags: Uint8Array;
  freeSlots: Int32Array;
  heap: Int32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.id = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.expiryTs = new Float64Array(capacity);
    this.clientId = new Float64Array(capacity);
    this.account = new Int32Array(capacity);
    this.level = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.accountPrev = new Int32Array(capacity);
    this.accountNext = new Int32Array(capacity);
    this.heapPos = new Int32Array(capacity);
    this.side = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.freeSlots = new Int32Array(capacity);
    this.heap = new Int32Array(capacity);
  }

  /** Journal ids of the columns, by name. */
  register(journal: Journal): Record<(typeof ORDER_COLUMN_NAMES)[number], number> {
    return registerColumns(this, ORDER_COLUMN_NAMES, journal);
  }

  reserve(needed: number, limit: number, journal: Journal): void {
    if (needed > this.capacity) growColumns(this, ORDER_COLUMN_NAMES, needed, limit, journal);
  }
}

const LEVEL_COLUMN_NAMES = ['price', 'size', 'count', 'head', 'tail', 'freeLevels'] as const;

/** One row per price level: its price, aggregate size, order count and FIFO ends (slots). */
export class LevelColumns {
  capacity: number;
  price: Float64Array;
  size: Float64Array;
  count: Int32Array;
  head: Int32Array;
  tail: Int32Array;
  /** Stack of free level ids. */
  freeLevels: Int32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.price = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.count = new Int32Array(capacity);
    this.head = new Int32Array(capacity);
    this.tail = new Int32Array(capacity);
    this.freeLevels = new Int32Array(capacity);
  }

  /** Journal ids of the columns, by name. */
  register(journal: Journal): Record<(typeof LEVEL_COLUMN_NAMES)[number], number> {
    return registerColumns(this, LEVEL_COLUMN_NAMES, journal);
  }

  reserve(needed: number, limit: number, journal: Journal): void {
    if (needed > this.capacity) growColumns(this, LEVEL_COLUMN_NAMES, needed, limit, journal);
  }
}

const ACCOUNT_COLUMN_NAMES = ['head', 'tail', 'count'] as const;

/**
 * One row per account id: the ends of the account's order list (slots, in
 * seq order) and its resting-order count. A row beyond `capacity`, or with
 * count 0, is an account with no orders; head/tail are read only when count > 0.
 */
export class AccountColumns {
  capacity: number;
  head: Int32Array;
  tail: Int32Array;
  count: Int32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.head = new Int32Array(capacity);
    this.tail = new Int32Array(capacity);
    this.count = new Int32Array(capacity);
  }

  /** Journal ids of the columns, by name. */
  register(journal: Journal): Record<(typeof ACCOUNT_COLUMN_NAMES)[number], number> {
    return registerColumns(this, ACCOUNT_COLUMN_NAMES, journal);
  }

  reserve(needed: number, limit: number, journal: Journal): void {
    if (needed > this.capacity) growColumns(this, ACCOUNT_COLUMN_NAMES, needed, limit, journal);
  }
}
