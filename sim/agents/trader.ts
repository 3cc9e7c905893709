/**
 * Leveraged trader. At random moments (gaps uniform around a mean per style) it picks a
 * direction and trades toward a position worth its equity × its leverage:
 *   momentum   — follows the move over the lookback when it exceeds a trigger;
 *   contrarian — buys the dip and sells the rip beyond a larger trigger;
 *   noise      — long, short or flat at random.
 * It never tops up margin and never manages risk: that is what liquidation
 * is for. Leverage is capped at what the market allows at that moment.
 */
import type { TraderStyle } from '../config.ts';
import type { Rng } from '../rng.ts';
import { baseFor, E6 } from '../units.ts';
import { healthInto, inLiquidation, maxFill, maxLeverage, positionBase, scratchHealth } from '../view.ts';
import type { Agent, StepContext } from './types.ts';

export interface TraderConfig {
  account: number;
  markets: readonly number[];
  style: TraderStyle;
  leverage: number;
  /** Mean steps between decisions (each gap uniform in 1 … 2 × mean). */
  decisionSteps: number;
  lookbackSteps: number;
  triggerE6: number;
  slippageE6: number;
}

/** Where a deciding trader's cross health is computed (read at once, never kept). */
const HEALTH = scratchHealth();
/** A trader keeps its position when the change it would make is below this share of the target. */
const REBALANCE_TOLERANCE = 0.1;
/** Leave this much room under the market's maximum leverage. */
const LEVERAGE_HEADROOM = 0.95;

export class Trader implements Agent {
  readonly kind = 'trader';
  readonly accounts: readonly number[];
  private nextStep: number;

  constructor(
    readonly name: string,
    private readonly c: TraderConfig,
    private readonly rng: Rng,
  ) {
    this.accounts = [c.account];
    this.nextStep = this.gap();
  }

  private gap(): number {
    return 1 + this.rng.int(Math.max(1, Math.round(2 * this.c.decisionSteps - 1)));
  }

  wakeStep(): number {
    return this.nextStep;
  }

  /** +1 long, −1 short, 0 flat, null: keep whatever it holds. */
  private direction(ctx: StepContext, market: number): number | null {
    const r = this.rng;
    if (this.c.style === 'noise') {
      const u = r.next();
      return u < 0.45 ? 1 : u < 0.9 ? -1 : 0;
    }
    const past = ctx.priceAgo(market, this.c.lookbackSteps);
    const move = ((ctx.oracle[market] - past) / past) * E6;
    if (Math.abs(move) < this.c.triggerE6) return r.chance(0.2) ? 0 : null;
    const withTrend = move > 0 ? 1 : -1;
    return this.c.style === 'momentum' ? withTrend : -withTrend;
  }

  act(ctx: StepContext): void {
    if (ctx.step < this.nextStep) return;
    this.nextStep = ctx.step + this.gap();
    const e = ctx.engine;
    const a = this.c.account;
    if (inLiquidation(e, a)) return;
    const marketId = this.c.markets.length === 1 ? this.c.markets[0] : this.rng.pick(this.c.markets);
    const dir = this.direction(ctx, marketId);
    if (dir === null) return;
    const m = e.markets[marketId];
    const oracle = ctx.oracle[marketId];
    const cur = positionBase(m, a);
    let target = 0;
    if (dir !== 0) {
      const h = healthInto(e, m, a, HEALTH);
      const equity = h.equityMaintenance / this.c.markets.length;
      if (!(equity > 0)) return;
      const lev = Math.min(this.c.leverage, maxLeverage(m) * LEVERAGE_HEADROOM);
      target = dir * baseFor(equity * lev, oracle);
    }
    const delta = target - cur;
    if (delta === 0 || (target !== 0 && Math.abs(delta) < REBALANCE_TOLERANCE * Math.abs(target))) return;
    const size = Math.min(Math.abs(delta), maxFill(m));
    const side = delta > 0 ? 'buy' : 'sell';
    const slip = this.c.slippageE6 / E6;
    const worstPrice = Math.round(oracle * (side === 'buy' ? 1 + slip : 1 - slip));
    ctx.submit({ type: 'marketOrder', account: a, market: marketId, side, size, worstPrice, reduceOnly: target === 0 });
  }
}
