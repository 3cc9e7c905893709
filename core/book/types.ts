/**
 * The order book's vocabulary: sides, time in force, the order shapes that
 * cross its boundary, its named limits and result codes, and the interface
 * that both the fast book (orderbook.ts) and the naive reference
 * (naive-book.ts) implement, so the tests can drive them side by side.
 *
 * Units are the engine's: prices in price units (1e-6 USD per whole base),
 * sizes in base units (1e-9 of the asset), times in ms. Every number that
 * crosses this boundary is an integer; order ids and client ids are chosen
 * by the caller.
 */

export const BID = 0;
export const ASK = 1;
export type Side = typeof BID | typeof ASK;

/** Good till cancelled. */
export const GTC = 0;
/** Good till time: the order expires once the book is told a time ≥ its expiryTs. */
export const GTT = 1;
export type TimeInForce = typeof GTC | typeof GTT;

/** "No order": returned by id lookups that find nothing. */
export const NO_ORDER = -1;
/** "No price": the best price of an empty side, the price of an unknown order. */
export const NO_PRICE = -1;
/** An order without a client order id (it is not indexed by (account, clientId)). */
export const NO_CLIENT_ID = -1;
/** The next expiry of a book with no good-till-time order. */
export const NO_EXPIRY = Number.POSITIVE_INFINITY;

/** Limits. Each is explicit; the constructor validates the options against them. */
export const DEFAULT_MAX_ORDERS = 1_000_000;
/** Account ids index typed columns, so they are dense small integers below this bound. */
export const DEFAULT_MAX_ACCOUNTS = 1 << 24;
/** The hard ceiling on maxOrders: slots and links are Int32. */
export const MAX_ORDERS_CEILING = 1 << 30;

export interface BookOptions {
  /** The book rejects add() with BOOK_FULL once it rests this many orders. */
  readonly maxOrders?: number;
  /** Account ids must be below this bound (BAD_ACCOUNT otherwise). */
  readonly maxAccounts?: number;
  /** Slots allocated up front; the columns double as needed. Tests set it small to exercise growth. */
  readonly initialCapacity?: number;
}

/** An order handed to add(). Optional fields default to a plain GTC limit order without client id. */
export interface NewOrder {
  /** Caller-assigned, strictly greater than every id the book has seen (ids are never reused). */
  readonly id: number;
  readonly account: number;
  readonly side: Side;
  /** Limit price, a positive integer in price units. */
  readonly price: number;
  /** Size to rest, a positive integer in base units. */
  readonly size: number;
  readonly timeInForce?: TimeInForce;
  /** For GTT: the order expires at the first expire(ts) with ts ≥ expiryTs. Ignored (stored as 0) for GTC. */
  readonly expiryTs?: number;
  readonly postOnly?: boolean;
  readonly reduceOnly?: boolean;
  /** Unique among the account's resting orders; NO_CLIENT_ID (the default) for none. */
  readonly clientId?: number;
}

/** A resting order as the book reports it. `size` is the remaining size. */
export interface RestingOrder {
  readonly id: number;
  readonly account: number;
  readonly side: Side;
  readonly price: number;
  readonly size: number;
  readonly timeInForce: TimeInForce;
  readonly expiryTs: number;
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  readonly clientId: number;
  /** Time priority: assigned by the book, strictly increasing; a priority-losing amend takes a new one. */
  readonly seq: number;
}

/** Scratch the matching walk reads the best resting order into (bestInto): no allocation, no id lookups. */
export interface BestOrder {
  id: number;
  account: number;
  price: number;
  size: number;
}

/** One price level of L2 depth. */
export interface DepthLevel {
  readonly price: number;
  /** Aggregate remaining size resting at this price. */
  readonly size: number;
  /** Number of orders resting at this price. */
  readonly orders: number;
}

/**
 * Result codes. A mutation returns 'OK' or one of these; a rejected mutation
 * changes nothing (and writes nothing to the undo log). The integrator maps
 * them onto core/errors.ts codes.
 */
export const BookCodes = {
  OK: 'the book applied the change',
  UNKNOWN_ORDER: 'no resting order has this id (or this account and client id)',
  BAD_ID: 'an order id is not a non-negative safe integer',
  ORDER_ID_NOT_INCREASING: 'an order id must be greater than every id the book has seen',
  BAD_ACCOUNT: 'an account id is not a non-negative integer below the book’s account limit',
  BAD_SIDE: 'a side is neither BID (0) nor ASK (1)',
  BAD_PRICE: 'a price is not a positive safe integer',
  BAD_SIZE: 'a size is not a positive safe integer within the allowed range',
  BAD_TIME_IN_FORCE: 'a time in force is neither GTC (0) nor GTT (1)',
  BAD_EXPIRY: 'a good-till-time expiry is not a non-negative safe integer',
  BAD_FLAG: 'postOnly or reduceOnly is not a boolean',
  BAD_CLIENT_ID: 'a client order id is not a non-negative safe integer (or NO_CLIENT_ID)',
  DUPLICATE_CLIENT_ID: 'the account already has a resting order with this client id',
  BOOK_FULL: 'the book rests its maximum number of orders',
  LEVEL_OVERFLOW: 'the aggregate size of the price level would leave the safe-integer range',
} as const;

export type BookCode = keyof typeof BookCodes;

/** Anything a state hash can be fed: node:crypto's Hash fits. */
export interface HashSink {
  update(data: Uint8Array): unknown;
}

/**
 * Bytes of the state contribution, in order: a header of HEADER_FIELDS
 * float64s, then for each side (bids, then asks) every resting order in
 * priority order as ORDER_STATE_FIELDS float64s (booleans as 0/1).
 */
export const HEADER_FIELDS = ['orderCount', 'lastSeq', 'lastId', 'bidOrders', 'askOrders'] as const;
export const ORDER_STATE_FIELDS = [
  'id',
  'account',
  'side',
  'price',
  'size',
  'timeInForce',
  'expiryTs',
  'postOnly',
  'reduceOnly',
  'clientId',
  'seq',
] as const satisfies readonly (keyof RestingOrder)[];

/** What the engine sees of a one-market book. Both books implement it. */
export interface OrderBookApi {
  /** Resting orders, both sides. */
  readonly orderCount: number;

  // Mutations. Each returns 'OK' or a code; a non-OK result changed nothing.
  /** Rest an order at the tail of its price level. The caller has decided it does not cross. */
  add(order: NewOrder): BookCode;
  cancel(id: number): BookCode;
  cancelByClientId(account: number, clientId: number): BookCode;
  /** Lower the remaining size to newSize (1 ≤ newSize ≤ remaining); keeps time priority. */
  reduce(id: number, newSize: number): BookCode;
  /**
   * Change price and/or size. Same price and newSize ≤ remaining is a reduce
   * (keeps priority); anything else loses priority: the order moves to the
   * tail of its (new) level with a new seq, keeping id and every other field.
   */
  amend(id: number, newPrice: number, newSize: number): BookCode;
  /** Take `size` (1 ≤ size ≤ remaining) from a resting order; removes it when nothing remains. */
  fill(id: number, size: number): BookCode;
  /** fill() of the side's best order (the one bestInto reports), found without its id: a taker's walk fills that one. */
  fillBest(side: Side, size: number): BookCode;
  /** Cancel every order of the account; returns their ids in seq order. */
  cancelAll(account: number): number[];
  /** Remove every GTT order with expiryTs ≤ ts; returns their ids ordered by (expiryTs, seq). */
  expire(ts: number): number[];

  // Queries.
  has(id: number): boolean;
  get(id: number): RestingOrder | undefined;
  /** The id of the account's resting order with this client id, or NO_ORDER. */
  idByClientId(account: number, clientId: number): number;
  /** Best bid (highest) or best ask (lowest) price, NO_PRICE when the side is empty. */
  bestPrice(side: Side): number;
  /** The order with the highest priority on a side, NO_ORDER when empty. */
  bestId(side: Side): number;
  /** Copies the best order of a side into `out` and returns true; false (and `out` untouched) when empty. */
  bestInto(side: Side, out: BestOrder): boolean;
  /** The order after `id` in its side's priority order, NO_ORDER at the end or for an unknown id. */
  nextId(id: number): number;
  /** Remaining size of a resting order, 0 if unknown. */
  sizeOf(id: number): number;
  /** Price of a resting order, NO_PRICE if unknown. */
  priceOf(id: number): number;
  /** Account of a resting order, -1 if unknown. */
  accountOf(id: number): number;
  /** Every resting order id of a side in priority order. */
  orderIds(side: Side): number[];
  /** The account's resting order ids in seq order. */
  ordersOfAccount(account: number): number[];
  accountOrderCount(account: number): number;
  /** Number of price levels on a side. */
  levelCount(side: Side): number;
  /** The best `maxLevels` levels of a side, best first. */
  depth(side: Side, maxLevels: number): DepthLevel[];
  /** The earliest expiryTs among resting GTT orders, NO_EXPIRY if none. */
  nextExpiryTs(): number;
  /** Feed the book's state bytes (see ORDER_STATE_FIELDS) to a hash. */
  writeState(sink: HashSink): void;
  /** SHA-256 (hex) of writeState's bytes. */
  stateHash(): string;
}
