/**
 * Arbitrageur: when the vAMM drifts further than its threshold from the
 * oracle and its quote, spread included, is through the oracle (inside the
 * spread nothing fills at the oracle, so it sends nothing), it trades the
 * vAMM back to the oracle (worst price = the oracle, so the fill stops
 * there, spread included), in as many maximum-size fills as
 * that takes, up to a bound per turn. It is assumed to hedge elsewhere,
 * so it carries inventory up to a leverage cap and never sells it on purpose;
 * the reverse gap unwinds it.
 */

import { baseToReachPrice } from '../../vamm/curve.ts';
import type { ArbitrageurSpec } from '../config.ts';
import { baseFor, E6, USD } from '../units.ts';
import { type AmmQuotes, ammPrice, ammQuotesInto, maxFill, positionBase } from '../view.ts';

/** Most orders one arbitrageur sends in one turn (each at most one maximum fill). */
const MAX_ORDERS_PER_TURN = 8;

import type { Agent, StepContext } from './types.ts';

export class Arbitrageur implements Agent {
  readonly kind = 'arbitrageur';
  readonly accounts: readonly number[];
  private readonly amm: AmmQuotes = { ask: 0, bid: 0 };

  constructor(
    readonly name: string,
    private readonly account: number,
    private readonly market: number,
    private readonly spec: ArbitrageurSpec,
  ) {
    this.accounts = [account];
  }

  act(ctx: StepContext): void {
    const m = ctx.engine.markets[this.market];
    const oracle = ctx.oracle[this.market];
    const gap = (ammPrice(m) - oracle) / oracle;
    if (Math.abs(gap) * E6 < this.spec.thresholdE6) return;
    const sell = gap > 0;
    // Only when the vAMM's own quote (its spread included) is through the oracle: inside the
    // spread nothing fills at the oracle, and a bot does not send an order it knows must fail.
    const amm = ammQuotesInto(m, this.amm);
    if (sell ? amm.bid <= oracle : amm.ask >= oracle) return;
    const pos = positionBase(m, this.account);
    const cap = baseFor(this.spec.capitalUsd * USD * this.spec.maxLeverage, oracle);
    const room = sell ? cap + pos : cap - pos;
    // The curve's distance to the oracle, in base; sent as fills no larger than the market allows.
    let left = Math.min(room, baseToReachPrice(m, sell ? 'short' : 'long', oracle));
    const fill = maxFill(m);
    for (let i = 0; i < MAX_ORDERS_PER_TURN && left > 0 && fill > 0; i++) {
      const size = Math.min(fill, left);
      left -= size;
      ctx.submit({
        type: 'marketOrder',
        account: this.account,
        market: this.market,
        side: sell ? 'sell' : 'buy',
        size,
        worstPrice: oracle,
      });
    }
  }
}
