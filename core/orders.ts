/**
 * Orders: place (limit, IOC, FOK, GTT, post-only, reduce-only, client ids,
 * self-trade prevention, stop and take-profit triggers), cancel (by id or
 * client id), cancel-all, amend, atomic batches; and the upkeep the matching
 * needs: reduce-only orders shrink with their position, GTT orders expire.
 *
 * Open orders need margin: an order is accepted only if the account meets
 * initial margin as if the worst side of its open orders filled (the IM in
 * margin/health.ts counts max(|base + bids|, |base − asks|)).
 */
import { ASK, BID, type BookCode, type Side as BookSide, GTC, GTT, NO_CLIENT_ID, NO_ORDER } from './book/types.ts';
import type { AmendOrder, Batch, CancelAll, CancelOrder, PlaceOrder, TimeInForce } from './commands.ts';
import { type ErrorCode, type Rejection, reject } from './errors.ts';
import type { CancelReason } from './events.ts';
import { meetsInitialFor } from './margin/health.ts';
import { MARKET_PAUSED, type Market, type TriggerOrder } from './market.ts';
import { ammQuote, take } from './matching.ts';
import { checkOracleForMargin, checkOracleForTrade } from './oracle.ts';
import { portfolioOrderCheck } from './portfolio/check.ts';
import { settleFunding } from './settle.ts';
import type { EngineState } from './state.ts';
import { isSafeId } from './validate.ts';

/** Most operations one batch may carry. */
export const MAX_BATCH_OPS = 20;

const BOOK_TO_ERROR: Partial<Record<BookCode, ErrorCode>> = {
  UNKNOWN_ORDER: 'UNKNOWN_ORDER',
  DUPLICATE_CLIENT_ID: 'DUPLICATE_CLIENT_ID',
  BOOK_FULL: 'BOOK_FULL',
  BAD_PRICE: 'BAD_PRICE',
  BAD_SIZE: 'BAD_AMOUNT',
  LEVEL_OVERFLOW: 'OUT_OF_RANGE',
};

function bookReject(code: BookCode): Rejection {
  return reject(BOOK_TO_ERROR[code] ?? 'BAD_COMMAND', `book: ${code}`);
}

/** Remove a resting order, keeping the account's open-size columns and indexes right. */
export function removeFromBook(s: EngineState, m: Market, id: number, reason: CancelReason): void {
  const book = m.book;
  const order = book.get(id);
  if (order === undefined) return;
  book.cancel(id);
  releaseOrder(
    s,
    m,
    order.account,
    order.side === BID ? 'buy' : 'sell',
    order.size,
    order.reduceOnly,
    id,
    order.timeInForce === GTT,
  );
  s.events.push({
    type: 'orderCancelled',
    account: order.account,
    market: m.id,
    orderId: id,
    remaining: order.size,
    reason,
  });
}

function releaseOrder(
  s: EngineState,
  m: Market,
  account: number,
  side: 'buy' | 'sell',
  size: number,
  reduceOnly: boolean,
  id: number,
  gtt: boolean,
): void {
  const u = s.undo;
  const open = side === 'buy' ? m.positions.openBids : m.positions.openAsks;
  u.at(open, account, open[account] - size);
  if (reduceOnly) u.at(m.positions.reduceOnlyOrders, account, m.positions.reduceOnlyOrders[account] - 1);
  if (gtt) {
    m.gttOrders.delete(id);
    u.onRollback(() => m.gttOrders.add(id));
  }
  s.touch(account);
}

/**
 * Take `qty` from the best resting order of book side `side`, which is `id`
 * of `maker` (a fill: the walk and the vAMM only ever fill a side's best
 * order, so the book finds it without looking its id up). A reduce-only
 * order filled completely leaves its account's reduce-only count; the open
 * size column is the caller's (it already knows the side).
 */
export function fillBestResting(
  s: EngineState,
  m: Market,
  side: BookSide,
  id: number,
  maker: number,
  qty: number,
): void {
  const pos = m.positions;
  const reduceOnly = pos.reduceOnlyOrders[maker] > 0 && m.book.get(id)?.reduceOnly === true;
  const code = m.book.fillBest(side, qty);
  if (code !== 'OK') bestFillFailed(side, id, code);
  if (reduceOnly && !m.book.has(id)) s.undo.at(pos.reduceOnlyOrders, maker, pos.reduceOnlyOrders[maker] - 1);
}

/** A walk that found a best order the book then could not fill is a bug: fail the command (INTERNAL_ERROR). */
function bestFillFailed(side: BookSide, id: number, code: BookCode): never {
  throw new Error(`fill of the best ${side === BID ? 'bid' : 'ask'} ${id}: ${code}`);
}

/**
 * Reduce-only orders may only shrink the position: after the position
 * changes, those on the wrong side are cancelled and those on the closing
 * side are trimmed, newest first, to the position's size.
 */
export function enforceReduceOnly(s: EngineState, m: Market, account: number): void {
  const pos = m.positions;
  // Every resting order counts its (positive) size in openBids or openAsks, so an account with
  // neither rests no reduce-only order: answered from columns its margin check reads anyway.
  if (pos.openBids[account] === 0 && pos.openAsks[account] === 0) return;
  if (pos.reduceOnlyOrders[account] === 0) return;
  const b = pos.base[account];
  const book = m.book;
  const ids = book.ordersOfAccount(account).filter((id) => book.get(id)?.reduceOnly === true);
  const allowed = Math.abs(b);
  for (const id of ids) {
    const o = book.get(id);
    if (o === undefined) continue;
    const closes = (o.side === ASK && b > 0) || (o.side === BID && b < 0);
    if (!closes) removeFromBook(s, m, o.id, 'reduceOnly');
  }
  // Trim the closing side: the oldest orders keep their size, the newest are cut.
  let used = 0;
  for (const id of ids) {
    const o = book.get(id);
    if (o === undefined) continue;
    if (used + o.size <= allowed) {
      used += o.size;
      continue;
    }
    const keep = allowed - used;
    if (keep <= 0) removeFromBook(s, m, id, 'reduceOnly');
    else {
      book.reduce(id, keep);
      const open = o.side === BID ? pos.openBids : pos.openAsks;
      s.undo.at(open, account, open[account] - (o.size - keep));
      s.events.push({
        type: 'orderAmended',
        account,
        market: m.id,
        orderId: id,
        price: o.price,
        size: keep,
        priorityKept: true,
      });
      used = allowed;
    }
  }
}

function openOrderCount(m: Market, account: number): number {
  let n = m.book.accountOrderCount(account);
  for (const t of m.triggers) if (t.account === account) n++;
  return n;
}

function clientIdTaken(m: Market, account: number, clientId: number): boolean {
  if (m.book.idByClientId(account, clientId) !== NO_ORDER) return true;
  return m.triggers.some((t) => t.account === account && t.clientId === clientId);
}

/** Checks shared by every new order. */
function checkNewOrder(m: Market, cmd: PlaceOrder, ts: number): Rejection | null {
  const p = m.params;
  if (m.status === MARKET_PAUSED) return reject('MARKET_PAUSED', `market ${m.id}`);
  if (cmd.size < p.minOrderSize) return reject('BAD_AMOUNT', `size below the minimum ${p.minOrderSize}`);
  const needsPrice = cmd.trigger === undefined || cmd.price !== 0;
  if (needsPrice) {
    if (!Number.isSafeInteger(cmd.price) || cmd.price <= 0) return reject('BAD_PRICE', 'price');
    if (cmd.price % p.tickSize !== 0) return reject('OFF_TICK', `tick size ${p.tickSize}`);
  }
  const tif = cmd.timeInForce ?? 'GTC';
  if (tif === 'GTT' && (!isSafeId(cmd.expiryTs) || cmd.expiryTs <= ts)) return reject('BAD_EXPIRY');
  if (cmd.clientId !== undefined && clientIdTaken(m, cmd.account, cmd.clientId)) {
    return reject('DUPLICATE_CLIENT_ID', `client id ${cmd.clientId}`);
  }
  if (openOrderCount(m, cmd.account) >= p.maxOpenOrders) return reject('TOO_MANY_ORDERS', `at most ${p.maxOpenOrders}`);
  return null;
}

export function placeOrder(s: EngineState, m: Market, cmd: PlaceOrder, ts: number): Rejection | null {
  const bad = checkNewOrder(m, cmd, ts);
  if (bad !== null) return bad;
  const id = s.nextOrderId;
  s.undo.set(s, 'nextOrderId', id + 1);
  const tif: TimeInForce = cmd.timeInForce ?? 'GTC';
  s.events.push({
    type: 'orderAccepted',
    account: cmd.account,
    market: m.id,
    orderId: id,
    clientId: cmd.clientId ?? NO_CLIENT_ID,
    side: cmd.side,
    price: cmd.price,
    size: cmd.size,
    timeInForce: tif,
    postOnly: cmd.postOnly === true,
    reduceOnly: cmd.reduceOnly === true,
    trigger: cmd.trigger ?? null,
  });
  if (cmd.trigger !== undefined) {
    const t: TriggerOrder = {
      orderId: id,
      account: cmd.account,
      side: cmd.side,
      size: cmd.size,
      price: cmd.price,
      trigger: { ...cmd.trigger },
      timeInForce: tif,
      expiryTs: cmd.expiryTs ?? 0,
      reduceOnly: cmd.reduceOnly === true,
      postOnly: cmd.postOnly === true,
      clientId: cmd.clientId ?? NO_CLIENT_ID,
      selfTrade: cmd.selfTrade ?? 'cancelMaker',
    };
    m.triggers.push(t);
    s.undo.onRollback(() => {
      m.triggers.pop();
    });
    return null;
  }
  return execute(s, m, id, cmd, ts);
}

/** Execute a (possibly just triggered) order: take liquidity, then rest what is left. */
export function execute(s: EngineState, m: Market, id: number, cmd: PlaceOrder, ts: number): Rejection | null {
  const a = cmd.account;
  const pos = m.positions;
  const tif: TimeInForce = cmd.timeInForce ?? 'GTC';
  const sign = cmd.side === 'buy' ? 1 : -1;
  settleFunding(s, m, a);
  const b0 = pos.base[a];
  let size = cmd.size;
  if (cmd.reduceOnly === true) {
    if (b0 === 0 || b0 > 0 === sign > 0) return reject('REDUCE_ONLY');
    size = Math.min(size, Math.abs(b0));
  }
  const reducing = b0 !== 0 && b0 > 0 !== sign > 0 && size <= Math.abs(b0);
  if (!reducing && s.accounts.liquidationSince[a] !== 0) return reject('IN_LIQUIDATION', `account ${a}`);
  const guard = reducing ? checkOracleForMargin(m, ts) : checkOracleForTrade(m, ts);
  if (guard !== null) return guard;

  const limit = cmd.price;
  let filled = 0;
  let expired = false;
  if (cmd.postOnly === true) {
    if (crosses(m, cmd.side, limit)) return reject('POST_ONLY_WOULD_CROSS', `price ${limit}`);
  } else {
    const r = take(
      s,
      m,
      { account: a, side: cmd.side, size, limit, reducing, selfTrade: cmd.selfTrade ?? 'cancelMaker', orderId: id },
      ts,
    );
    if ('code' in r) return r;
    filled = r.filled;
    expired = r.expired;
  }
  let remaining = size - filled;
  let rests = false;
  if (tif === 'FOK' && remaining > 0) return reject('FOK_NOT_FILLED', `${filled} of ${size} filled`);
  if (remaining > 0 && cmd.reduceOnly === true) {
    const b = pos.base[a];
    const closing = b !== 0 && b > 0 !== sign > 0;
    remaining = closing ? Math.min(remaining, Math.abs(b)) : 0;
  }
  if (remaining > 0 && (tif === 'IOC' || tif === 'FOK' || expired || limit === 0)) {
    s.events.push({
      type: 'orderCancelled',
      account: a,
      market: m.id,
      orderId: id,
      remaining,
      reason: expired ? 'selfTrade' : 'unfilled',
    });
  } else if (remaining > 0) {
    const code = m.book.add({
      id,
      account: a,
      side: cmd.side === 'buy' ? BID : ASK,
      price: limit,
      size: remaining,
      timeInForce: tif === 'GTT' ? GTT : GTC,
      expiryTs: tif === 'GTT' ? cmd.expiryTs : 0,
      postOnly: cmd.postOnly === true,
      reduceOnly: cmd.reduceOnly === true,
      clientId: cmd.clientId ?? NO_CLIENT_ID,
    });
    if (code !== 'OK') return bookReject(code);
    rests = true;
    const open = cmd.side === 'buy' ? pos.openBids : pos.openAsks;
    s.undo.at(open, a, open[a] + remaining);
    if (cmd.reduceOnly === true) s.undo.at(pos.reduceOnlyOrders, a, pos.reduceOnlyOrders[a] + 1);
    if (tif === 'GTT') {
      m.gttOrders.add(id);
      s.undo.onRollback(() => m.gttOrders.delete(id));
    }
    s.events.push({ type: 'orderRested', account: a, market: m.id, orderId: id, price: limit, size: remaining });
  }
  if (s.accounts.portfolio[a] === 1 && pos.isolated[a] !== 1) {
    const bad = portfolioOrderCheck(s, m, a, b0, reducing || cmd.reduceOnly === true, rests && cmd.reduceOnly !== true);
    if (bad !== null) return bad;
  } else if (!reducing && cmd.reduceOnly !== true && !meetsInitialFor(s, m, a)) {
    return reject('INSUFFICIENT_MARGIN');
  }
  s.touch(a);
  return null;
}

/** Would a limit order at `price` take liquidity from the book or the curve? */
function crosses(m: Market, side: 'buy' | 'sell', price: number): boolean {
  const opposite = m.book.bestPrice(side === 'buy' ? ASK : BID);
  if (opposite > 0 && (side === 'buy' ? price >= opposite : price <= opposite)) return true;
  const amm = ammQuote(m, side);
  return side === 'buy' ? price >= amm : price <= amm;
}

/** The id of the account's order named by id or client id, or a rejection (never another account's). */
function ownOrder(
  m: Market,
  account: number,
  orderId: number | undefined,
  clientId: number | undefined,
): number | Rejection {
  if (orderId !== undefined) {
    if (m.book.accountOf(orderId) === account) return orderId;
    if (m.triggers.some((t) => t.orderId === orderId && t.account === account)) return orderId;
    return reject('UNKNOWN_ORDER', `order ${orderId}`);
  }
  if (clientId !== undefined) {
    const id = m.book.idByClientId(account, clientId);
    if (id !== NO_ORDER) return id;
    const t = m.triggers.find((x) => x.account === account && x.clientId === clientId);
    if (t !== undefined) return t.orderId;
    return reject('UNKNOWN_ORDER', `client id ${clientId}`);
  }
  return reject('BAD_COMMAND', 'orderId or clientId is required');
}

export function removeTrigger(s: EngineState, m: Market, index: number, reason: CancelReason | null): TriggerOrder {
  const [t] = m.triggers.splice(index, 1);
  s.undo.onRollback(() => {
    m.triggers.splice(index, 0, t);
  });
  if (reason !== null) {
    s.events.push({
      type: 'orderCancelled',
      account: t.account,
      market: m.id,
      orderId: t.orderId,
      remaining: t.size,
      reason,
    });
  }
  return t;
}

export function cancelOrder(s: EngineState, m: Market, cmd: CancelOrder): Rejection | null {
  const id = ownOrder(m, cmd.account, cmd.orderId, cmd.clientId);
  if (typeof id !== 'number') return id;
  const ti = m.triggers.findIndex((t) => t.orderId === id);
  if (ti >= 0) removeTrigger(s, m, ti, 'user');
  else removeFromBook(s, m, id, 'user');
  return null;
}

/** Cancel every order of the account in one market (book and triggers); returns how many. */
export function cancelAllInMarket(s: EngineState, m: Market, account: number, reason: CancelReason): number {
  // The common case (liquidations of accounts without orders) allocates nothing.
  if (m.book.accountOrderCount(account) === 0 && m.triggers.length === 0) return 0;
  const ids = m.book.ordersOfAccount(account);
  for (const id of ids) removeFromBook(s, m, id, reason);
  let n = ids.length;
  for (let i = m.triggers.length - 1; i >= 0; i--) {
    if (m.triggers[i].account === account) {
      removeTrigger(s, m, i, reason);
      n++;
    }
  }
  return n;
}

export function cancelAll(s: EngineState, cmd: CancelAll): Rejection | null {
  if (cmd.market !== undefined) {
    const m = s.markets[cmd.market];
    if (m === undefined) return reject('UNKNOWN_MARKET', `market ${cmd.market}`);
    cancelAllInMarket(s, m, cmd.account, 'user');
    return null;
  }
  for (const m of s.markets) cancelAllInMarket(s, m, cmd.account, 'user');
  return null;
}

export function amendOrder(s: EngineState, m: Market, cmd: AmendOrder): Rejection | null {
  const id = ownOrder(m, cmd.account, cmd.orderId, undefined);
  if (typeof id !== 'number') return id;
  const o = m.book.get(id);
  if (o === undefined) return reject('UNKNOWN_ORDER', 'trigger orders are amended by cancel and place');
  const price = cmd.price ?? o.price;
  const size = cmd.size ?? o.size;
  const p = m.params;
  if (!Number.isSafeInteger(price) || price <= 0) return reject('BAD_PRICE', 'price');
  if (price % p.tickSize !== 0) return reject('OFF_TICK', `tick size ${p.tickSize}`);
  if (!Number.isSafeInteger(size) || size < p.minOrderSize)
    return reject('BAD_AMOUNT', `size below the minimum ${p.minOrderSize}`);
  const side = o.side === BID ? 'buy' : 'sell';
  // An amend never takes liquidity: a crossing price is refused (cancel and place instead).
  if (price !== o.price && crosses(m, side, price)) return reject('POST_ONLY_WOULD_CROSS', `amended price ${price}`);
  if (o.reduceOnly && size > Math.abs(m.positions.base[cmd.account])) return reject('REDUCE_ONLY');
  const code = m.book.amend(id, price, size);
  if (code !== 'OK') return bookReject(code);
  const open = o.side === BID ? m.positions.openBids : m.positions.openAsks;
  s.undo.at(open, cmd.account, open[cmd.account] + size - o.size);
  const priorityKept = price === o.price && size <= o.size;
  s.events.push({ type: 'orderAmended', account: cmd.account, market: m.id, orderId: id, price, size, priorityKept });
  if (size > o.size) {
    const a = cmd.account;
    if (s.accounts.portfolio[a] === 1 && m.positions.isolated[a] !== 1) {
      const bad = portfolioOrderCheck(s, m, a, m.positions.base[a], false, true);
      if (bad !== null) return bad;
    } else if (!meetsInitialFor(s, m, a)) return reject('INSUFFICIENT_MARGIN');
  }
  s.touch(cmd.account);
  return null;
}

/** Applies each operation in order; any rejection rejects the whole batch (the engine rolls back). */
export function batch(
  cmd: Batch,
  ts: number,
  applyOne: (op: Batch['ops'][number], ts: number) => Rejection | null,
): Rejection | null {
  if (!Array.isArray(cmd.ops) || cmd.ops.length === 0) return reject('BAD_COMMAND', 'ops must be a non-empty array');
  if (cmd.ops.length > MAX_BATCH_OPS) return reject('BATCH_TOO_LARGE', `at most ${MAX_BATCH_OPS} operations`);
  for (let i = 0; i < cmd.ops.length; i++) {
    const op = cmd.ops[i];
    if (typeof op !== 'object' || op === null) return reject('BAD_COMMAND', `op ${i} is not an object`);
    if (op.type !== 'placeOrder' && op.type !== 'cancelOrder' && op.type !== 'amendOrder' && op.type !== 'cancelAll') {
      return reject('BAD_COMMAND', `op ${i}: a batch carries placeOrder, cancelOrder, amendOrder and cancelAll only`);
    }
    if (op.account !== cmd.account) return reject('BAD_COMMAND', `op ${i}: account must be the batch's account`);
    const r = applyOne(op, ts);
    if (r !== null) return reject(r.code, `op ${i}: ${r.message}`);
  }
  return null;
}

/** Expire good-till-time orders whose time has come, in (expiry, order id) order. */
export function expireOrders(s: EngineState, m: Market, ts: number): void {
  if (m.gttOrders.size === 0 || !(m.book.nextExpiryTs() <= ts)) return;
  const due: { id: number; expiry: number }[] = [];
  for (const id of m.gttOrders) {
    const o = m.book.get(id);
    if (o !== undefined && o.expiryTs <= ts) due.push({ id, expiry: o.expiryTs });
  }
  due.sort((x, y) => x.expiry - y.expiry || x.id - y.id);
  for (const d of due) removeFromBook(s, m, d.id, 'expired');
}

/** Rebuild the GTT index of a market from its book (after a restore). */
export function rebuildGttIndex(m: Market): void {
  m.gttOrders.clear();
  for (const side of [BID, ASK] as const) {
    for (const id of m.book.orderIds(side)) if (m.book.get(id)?.timeInForce === GTT) m.gttOrders.add(id);
  }
}
