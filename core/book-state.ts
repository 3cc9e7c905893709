/**
 * The order book's part of the engine state, as the engine hashes and
 * snapshots it: every resting order of each side in priority order, with
 * everything but the book's internal sequence numbers (priority is the
 * order itself). Restoring re-adds the orders in that order, which rebuilds
 * an equivalent book whatever its internal numbering.
 */
import { ASK, BID, type OrderBookApi, type RestingOrder } from './book/types.ts';

const FIELDS = 10;

export function writeBookState(book: OrderBookApi, sink: { update(data: Uint8Array): unknown }): void {
  for (const side of [BID, ASK] as const) {
    const ids = book.orderIds(side);
    const buf = new Float64Array(1 + ids.length * FIELDS);
    buf[0] = ids.length;
    let w = 1;
    for (const id of ids) {
      const o = book.get(id) as RestingOrder;
      buf[w++] = o.id;
      buf[w++] = o.account;
      buf[w++] = o.side;
      buf[w++] = o.price;
      buf[w++] = o.size;
      buf[w++] = o.timeInForce;
      buf[w++] = o.expiryTs;
      buf[w++] = o.postOnly ? 1 : 0;
      buf[w++] = o.reduceOnly ? 1 : 0;
      buf[w++] = o.clientId;
    }
    sink.update(new Uint8Array(buf.buffer));
  }
}

/** Every resting order, bids then asks, each side in priority order. */
export function bookOrders(book: OrderBookApi): RestingOrder[] {
  const out: RestingOrder[] = [];
  for (const side of [BID, ASK] as const) for (const id of book.orderIds(side)) out.push(book.get(id) as RestingOrder);
  return out;
}

/**
 * Re-add snapshotted orders to an empty book. The book takes ids in
 * increasing order, but an amended order has an old id and a new priority:
 * so add in id order, then send every order to the back of its level in
 * priority (seq) order — an amend up by one unit loses priority, a reduce
 * back keeps it — which rebuilds each level's FIFO exactly.
 */
export function restoreBook(book: OrderBookApi, orders: readonly RestingOrder[]): void {
  for (const o of [...orders].sort((a, b) => a.id - b.id)) {
    const code = book.add({
      id: o.id,
      account: o.account,
      side: o.side,
      price: o.price,
      size: o.size,
      timeInForce: o.timeInForce,
      expiryTs: o.expiryTs,
      postOnly: o.postOnly,
      reduceOnly: o.reduceOnly,
      clientId: o.clientId,
    });
    if (code !== 'OK') throw new Error(`snapshot order ${o.id}: the book refused it (${code})`);
  }
  for (const o of [...orders].sort((a, b) => a.seq - b.seq)) {
    const moved = book.amend(o.id, o.price, o.size + 1);
    const back = book.reduce(o.id, o.size);
    if (moved !== 'OK' || back !== 'OK') throw new Error(`snapshot order ${o.id}: could not restore its priority`);
  }
}
