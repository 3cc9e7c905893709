/**
 * External liquidator. It learns of distressed accounts from the tick's
 * events (liquidationStarted) and watches the accounts it was warned about
 * (marginWarning), checking their health itself every turn as an off-chain
 * bot would. Whatever it decides lands `latencyTicks` turns later: latency
 * 0 means the very next turn, ahead of the backstop when the market's
 * liquidator window is one tick. It takes over as much as its capital
 * allows (the engine caps the size at what restores the account) and works
 * the inventory off on the vAMM with reduce-only orders.
 */

import type { Event } from '../../core/events.ts';
import type { LiquidatorSpec } from '../config.ts';
import { baseFor, E6, notional, USD } from '../units.ts';
import { inLiquidation, maxFill, positionBase } from '../view.ts';
import type { Agent, StepContext } from './types.ts';

/** How many ticks a warned account stays on the watch list. */
const WATCH_TICKS = 240;
/** Worst price when working inventory off, away from the oracle (E6). */
const UNWIND_SLIPPAGE_E6 = 20_000;
/** Share of the largest fill it unwinds per turn. */
const UNWIND_FILL_SHARE = 0.25;

export class Liquidator implements Agent {
  readonly kind = 'liquidator';
  readonly accounts: readonly number[];
  /** Account → tick count at which its takeover is sent. */
  private readonly scheduled = new Map<number, number>();
  /** Account → last tick it is watched. */
  private readonly watch = new Map<number, number>();
  takeovers = 0;
  attempts = 0;
  /** The step act() is deciding in. */
  private ctx: StepContext | null = null;

  constructor(
    readonly name: string,
    private readonly account: number,
    private readonly spec: LiquidatorSpec,
  ) {
    this.accounts = [account];
  }

  onTick(events: readonly Event[], ctx: StepContext): void {
    const eventTick = ctx.tick + 1;
    for (const ev of events) {
      if (ev.type === 'liquidationStarted') {
        if (ev.account !== this.account && !this.scheduled.has(ev.account)) {
          this.scheduled.set(ev.account, eventTick + this.spec.latencyTicks);
        }
      } else if (ev.type === 'marginWarning' && ev.account !== this.account) {
        this.watch.set(ev.account, eventTick + WATCH_TICKS);
      }
    }
  }

  act(ctx: StepContext): void {
    this.ctx = ctx;
    if (this.watch.size > 0) this.watch.forEach(this.checkWatched);
    if (this.scheduled.size > 0) this.scheduled.forEach(this.takeOverIfDue);
    this.unwind(ctx);
  }

  // The two visits of act(), made once per liquidator rather than as closures in every act
  // (every step); they read the step from `ctx`, which act() sets first.
  private readonly checkWatched = (until: number, a: number): void => {
    const ctx = this.step();
    if (ctx.tick > until) this.watch.delete(a);
    else if (!this.scheduled.has(a) && ctx.distressed(a)) this.scheduled.set(a, ctx.tick + this.spec.latencyTicks);
  };

  private readonly takeOverIfDue = (due: number, a: number): void => {
    const ctx = this.step();
    if (ctx.tick < due) return;
    this.scheduled.delete(a);
    this.takeOver(ctx, a);
  };

  private step(): StepContext {
    if (this.ctx === null) throw new Error(`${this.name}: visited its lists outside act()`);
    return this.ctx;
  }

  private takeOver(ctx: StepContext, a: number): void {
    const e = ctx.engine;
    let best = -1;
    let bestNotional = 0;
    let used = 0;
    for (const m of e.markets) {
      used += notional(positionBase(m, this.account), ctx.oracle[m.id]);
      const n = notional(positionBase(m, a), ctx.oracle[m.id]);
      if (n > bestNotional) {
        best = m.id;
        bestNotional = n;
      }
    }
    if (best < 0) return;
    const room = this.spec.capitalUsd * USD * this.spec.maxLeverage - used;
    const size = Math.min(Math.abs(positionBase(e.markets[best], a)), baseFor(room, ctx.oracle[best]));
    if (size <= 0) return;
    this.attempts++;
    ctx.submit({ type: 'liquidate', liquidator: this.account, account: a, market: best, size }, (out) => {
      if (!out.ok) return;
      this.takeovers++;
      // Partial takeovers: come back next turn while the account is still in liquidation.
      if (inLiquidation(e, a) && !this.scheduled.has(a)) this.scheduled.set(a, ctx.tick + 1);
    });
  }

  private unwind(ctx: StepContext): void {
    const e = ctx.engine;
    const slip = UNWIND_SLIPPAGE_E6 / E6;
    for (const m of e.markets) {
      const pos = positionBase(m, this.account);
      if (pos === 0) continue;
      const size = Math.min(Math.abs(pos), Math.max(1, Math.floor(maxFill(m) * UNWIND_FILL_SHARE)));
      const side = pos > 0 ? 'sell' : 'buy';
      const oracle = ctx.oracle[m.id];
      const worstPrice = Math.round(oracle * (side === 'buy' ? 1 + slip : 1 - slip));
      ctx.submit({
        type: 'marketOrder',
        account: this.account,
        market: m.id,
        side,
        size,
        worstPrice,
        reduceOnly: true,
      });
    }
  }
}
