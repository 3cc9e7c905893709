/**
 * The seam between a market maker's quotes and how they reach the engine.
 *
 * A maker decides WHAT to quote (price and size on each side, skewed by its
 * inventory); an executor decides HOW. Today the engine has no resting
 * orders, so VammTakerExecutor turns each quote into an immediate-or-cancel
 * market order against the vAMM with the quote's price as its worst price:
 * it fills only while the vAMM is through the quote, exactly as a resting
 * order would be picked off. When limit orders land in the engine, a
 * RestingOrderExecutor implementing the same interface will cancel and
 * replace resting orders at these prices instead (one cancel-replace per
 * side per step), and the makers themselves will not change.
 * The book has since landed; RestingOrderExecutor below is that switch
 * (amending its orders in place), selected per population with
 * MakerSpec.executor.
 */

import { ASK, BID } from '../../core/book/types.ts';
import type { Side } from '../../core/commands.ts';
import type { Market } from '../../core/market.ts';
import { ammQuote } from '../../core/matching.ts';
import { ammQuotes, maxFill } from '../view.ts';
import type { StepContext } from './types.ts';

export interface Quote {
  side: Side;
  /** Limit price, 1e-6 USD. */
  price: number;
  /** Base units. */
  size: number;
}

export interface QuoteExecutor {
  /** Make `quotes` the account's live quotes in market `m` for this step. */
  update(ctx: StepContext, account: number, m: Market, quotes: readonly Quote[]): void;
}

export class VammTakerExecutor implements QuoteExecutor {
  update(ctx: StepContext, account: number, m: Market, quotes: readonly Quote[]): void {
    const amm = ammQuotes(m);
    const cap = maxFill(m);
    for (const q of quotes) {
      // A bid is hit only when the vAMM's ask (spread included) is below it, an ask only when its bid is above.
      const crosses = q.side === 'buy' ? amm.ask < q.price : amm.bid > q.price;
      const size = Math.min(q.size, cap);
      if (!crosses || size <= 0) continue;
      ctx.submit({ type: 'marketOrder', account, market: m.id, side: q.side, size, worstPrice: Math.round(q.price) });
    }
  }
}

/**
 * Quotes as resting post-only limit orders, one per side, kept in place:
 * placed once, then moved with amendOrder when the quote's price or size
 * changes (what a live maker does, rather than cancelling everything and
 * placing anew each step), placed again once filled away, cancelled when
 * its side stops quoting or its new price would cross the book or the vAMM
 * (where a post-only order would be refused). Prices are rounded away from
 * the touch to the market's tick size. What it knows of its orders it reads
 * from the book (public state), as a bot would from its order stream.
 */
export class RestingOrderExecutor implements QuoteExecutor {
  /** Live order id per side (0 bid, 1 ask); 0: none. */
  private readonly ids = [0, 0];

  update(ctx: StepContext, account: number, m: Market, quotes: readonly Quote[]): void {
    let bid: Quote | null = null;
    let ask: Quote | null = null;
    for (const q of quotes) {
      if (q.side === 'buy') bid = q;
      else ask = q;
    }
    this.side(ctx, account, m, 0, bid);
    this.side(ctx, account, m, 1, ask);
  }

  private side(ctx: StepContext, account: number, m: Market, s: 0 | 1, q: Quote | null): void {
    const book = m.book;
    let id = this.ids[s];
    if (id !== 0 && !book.has(id)) {
      id = 0;
      this.ids[s] = 0;
    }
    const tick = m.params.tickSize;
    const price = q === null ? 0 : s === 0 ? Math.floor(q.price / tick) * tick : Math.ceil(q.price / tick) * tick;
    const size = q === null ? 0 : q.size;
    if (q === null || price <= 0 || size < m.params.minOrderSize || crosses(m, q.side, price)) {
      if (id !== 0) ctx.submit({ type: 'cancelOrder', account, market: m.id, orderId: id });
      this.ids[s] = 0;
      return;
    }
    if (id === 0) {
      ctx.submit({ type: 'placeOrder', account, market: m.id, side: q.side, size, price, postOnly: true }, (out) => {
        if (!out.ok) return;
        for (const ev of out.events) if (ev.type === 'orderAccepted') this.ids[s] = ev.orderId;
      });
    } else if (book.priceOf(id) !== price || book.sizeOf(id) !== size) {
      // Refused (the price moved through it before the turn applied it): cancel the stale order next turn.
      ctx.submit({ type: 'amendOrder', account, market: m.id, orderId: id, price, size }, (out) => {
        if (!out.ok && this.ids[s] === id) {
          ctx.submit({ type: 'cancelOrder', account, market: m.id, orderId: id });
          this.ids[s] = 0;
        }
      });
    }
  }
}

/** Would a post-only order at `price` cross the book's opposite side or the vAMM's quote (core/orders.ts)? */
function crosses(m: Market, side: Side, price: number): boolean {
  const opposite = m.book.bestPrice(side === 'buy' ? ASK : BID);
  if (opposite > 0 && (side === 'buy' ? price >= opposite : price <= opposite)) return true;
  const amm = ammQuote(m, side);
  return side === 'buy' ? price >= amm : price <= amm;
}
