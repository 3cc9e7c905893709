/**
 * Market maker: quotes both sides around the oracle, shifted against its
 * inventory (a long maker lowers its fair price so it sells more readily and
 * buys less), and stops adding on the side where inventory is full. How the
 * quotes reach the engine is the executor's business (quotes.ts).
 */
import type { MakerSpec } from '../config.ts';
import { baseFor, E6, notional, USD } from '../units.ts';
import { positionBase } from '../view.ts';
import { type Quote, type QuoteExecutor, VammTakerExecutor } from './quotes.ts';
import type { Agent, StepContext } from './types.ts';

export class MarketMaker implements Agent {
  readonly kind = 'maker';
  readonly accounts: readonly number[];
  /** This step's quotes, rewritten every act (the executor reads them during update() only). */
  private readonly bid: Quote = { side: 'buy', price: 0, size: 0 };
  private readonly ask: Quote = { side: 'sell', price: 0, size: 0 };

  constructor(
    readonly name: string,
    private readonly account: number,
    private readonly market: number,
    private readonly spec: MakerSpec,
    private readonly executor: QuoteExecutor = new VammTakerExecutor(),
  ) {
    this.accounts = [account];
  }

  act(ctx: StepContext): void {
    const m = ctx.engine.markets[this.market];
    const oracle = ctx.oracle[this.market];
    const inv = positionBase(m, this.account);
    const maxInv = this.spec.maxInventoryUsd * USD;
    const invRatio = Math.max(-1, Math.min(1, (Math.sign(inv) * notional(inv, oracle)) / maxInv));
    const fair = oracle * (1 - (this.spec.skewE6 / E6) * invRatio);
    const half = this.spec.halfSpreadE6 / E6;
    const size = baseFor(this.spec.quoteUsd * USD, oracle);
    const room = baseFor(maxInv, oracle);
    const bidSize = Math.min(size, room - inv);
    const askSize = Math.min(size, room + inv);
    const bid = this.bid;
    const ask = this.ask;
    if (bidSize > 0) {
      bid.price = fair * (1 - half);
      bid.size = bidSize;
    }
    if (askSize > 0) {
      ask.price = fair * (1 + half);
      ask.size = askSize;
    }
    this.executor.update(ctx, this.account, m, bidSize > 0 ? bid : null, askSize > 0 ? ask : null);
  }
}
