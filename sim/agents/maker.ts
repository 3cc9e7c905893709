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
    const quotes: Quote[] = [];
    const bidSize = Math.min(size, room - inv);
    const askSize = Math.min(size, room + inv);
    if (bidSize > 0) quotes.push({ side: 'buy', price: fair * (1 - half), size: bidSize });
    if (askSize > 0) quotes.push({ side: 'sell', price: fair * (1 + half), size: askSize });
    this.executor.update(ctx, this.account, m, quotes);
  }
}
