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
import { type AmmQuotes, ammQuotesInto, maxFill } from '../view.ts';
import type { StepContext } from './types.ts';

export interface Quote {
  side: Side;
  /** Limit price, 1e-6 USD. */
  price: number;
  /** Base units. */
  size: number;
}

export interface QuoteExecutor {
  /**
   * Make `bid` and `ask` (null: that side does not quote) the account's live
   * quotes in market `m` for this step. The maker reuses the two Quote
   * objects from step to step: read them here, do not keep them.
   */
  update(ctx: StepContext, account: number, m: Market, bid: Quote | null, ask: Quote | null): void;
}

export class VammTakerExecutor implements QuoteExecutor {
  private readonly amm: AmmQuotes = { ask: 0, bid: 0 };

  update(ctx: StepContext, account: number, m: Market, bid: Quote | null, ask: Quote | null): void {
    const amm = ammQuotesInto(m, this.amm);
    const cap = maxFill(m);
    // A bid is hit only when the vAMM's ask (spread included) is below it, an ask only when its bid is above.
    if (bid !== null) this.take(ctx, account, m, bid, amm.ask < bid.price, cap);
    if (ask !== null) this.take(ctx, account, m, ask, amm.bid > ask.price, cap);
  }

  private take(ctx: StepContext, account: number, m: Market, q: Quote, crosses: boolean, cap: number): void {
    const size = Math.min(q.size, cap);
    if (!crosses || size <= 0) return;
    ctx.submit({ type: 'marketOrder', account, market: m.id, side: q.side, size, worstPrice: Math.round(q.price) });
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

  update(ctx: StepContext, account: number, m: Market, bid: Quote | null, ask: Quote | null): void {
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
