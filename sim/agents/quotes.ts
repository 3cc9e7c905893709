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
 * The book has since landed (placeOrder / cancelAll); RestingOrderExecutor
 * below is that switch, selected per population with MakerSpec.executor.
 */
import type { Side } from '../../core/commands.ts';
import type { Market } from '../../core/market.ts';
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
 * Quotes as resting post-only limit orders: every step, cancel the account's
 * orders in the market and place the new quotes (prices rounded away from
 * the touch to the market's tick size).
 */
export class RestingOrderExecutor implements QuoteExecutor {
  update(ctx: StepContext, account: number, m: Market, quotes: readonly Quote[]): void {
    ctx.submit({ type: 'cancelAll', account, market: m.id });
    const tick = m.params.tickSize;
    for (const q of quotes) {
      const price = q.side === 'buy' ? Math.floor(q.price / tick) * tick : Math.ceil(q.price / tick) * tick;
      if (price <= 0 || q.size <= 0) continue;
      ctx.submit({ type: 'placeOrder', account, market: m.id, side: q.side, size: q.size, price, postOnly: true });
    }
  }
}
