/**
 * An account's resting orders, read from each market's order book
 * (core/book OrderBookApi: ordersOfAccount + get). Markets without a book
 * contribute nothing.
 */
import type { Engine } from '../../core/engine.ts';

interface RestingOrderLike {
  id: number;
  side: number;
  price: number;
  size: number;
  timeInForce: number;
  expiryTs: number;
  postOnly: boolean;
  reduceOnly: boolean;
  clientId: number;
}

interface BookLike {
  ordersOfAccount(account: number): number[];
  get(id: number): RestingOrderLike | undefined;
}

export interface OpenOrder {
  market: number;
  orderId: number;
  side: 'buy' | 'sell';
  price: number;
  size: number;
  timeInForce: 'GTC' | 'GTT';
  expiryTs: number;
  postOnly: boolean;
  reduceOnly: boolean;
  clientId: number | null;
}

export function openOrders(engine: Engine, account: number, market?: number): OpenOrder[] {
  const out: OpenOrder[] = [];
  for (const m of engine.markets) {
    if (market !== undefined && m.id !== market) continue;
    const book = (m as unknown as { book?: BookLike }).book;
    if (book === undefined || typeof book.ordersOfAccount !== 'function') continue;
    for (const id of book.ordersOfAccount(account)) {
      const o = book.get(id);
      if (o === undefined) continue;
      out.push({
        market: m.id,
        orderId: o.id,
        side: o.side === 0 ? 'buy' : 'sell',
        price: o.price,
        size: o.size,
        timeInForce: o.timeInForce === 1 ? 'GTT' : 'GTC',
        expiryTs: o.expiryTs,
        postOnly: o.postOnly,
        reduceOnly: o.reduceOnly,
        clientId: o.clientId < 0 ? null : o.clientId,
      });
    }
  }
  return out;
}
