/**
 * A Mango Markets–style attacker (October 2022). Two accounts open a wash
 * position against each other through the thin market (one long, one
 * short), then the long account buys the thin vAMM up to the edge of the
 * price band and keeps it there, so that its position shows a large profit
 * at the mark. Every turn of the pump and the hold it tries to withdraw what
 * an exchange that lent against unrealised profit would pay out (Mango's
 * hole); the engine's rule (only losses count toward withdrawable equity)
 * must refuse it. Then it unwinds both sides and withdraws whatever it can.
 * Its PnL is withdrawn + what it still owns at the oracle − deposited.
 */
import type { AttackerSpec } from '../config.ts';
import { baseFor, E6, USD } from '../units.ts';
import { cross, markProfit, maxFill, maxLeverage, positionBase } from '../view.ts';
import type { Agent, StepContext } from './types.ts';

export type AttackPhase = 'waiting' | 'open' | 'pump' | 'hold' | 'unwind' | 'done';

/** Stay this far inside the price band when pumping (E6 of the band). */
const BAND_MARGIN_E6 = 50_000;
/** Share of its free margin an order may use (fees, spread and rounding need the rest). */
const MARGIN_USE = 0.8;
/** Fees and spread to budget per unit of notional when sizing an order. */
const COST_ALLOWANCE = 0.03;

export interface AttackStats {
  phase: AttackPhase;
  withdrawAttempts: number;
  withdrawRejected: number;
  /** Rejected withdrawals that unrealised profit would have covered: the losses-only rule at work. */
  blockedByLossesOnlyRule: number;
  withdrawn: number;
  peakMarkProfit: number;
}

export class Attacker implements Agent {
  readonly kind = 'attacker';
  readonly accounts: readonly number[];
  readonly stats: AttackStats = {
    phase: 'waiting',
    withdrawAttempts: 0,
    withdrawRejected: 0,
    blockedByLossesOnlyRule: 0,
    withdrawn: 0,
    peakMarkProfit: 0,
  };
  private phaseStep = 0;

  constructor(
    readonly name: string,
    private readonly long: number,
    private readonly short: number,
    private readonly spec: AttackerSpec,
    private readonly startStep: number,
  ) {
    this.accounts = [long, short];
  }

  act(ctx: StepContext): void {
    const s = this.stats;
    if (s.phase === 'waiting' && ctx.step >= this.startStep) this.enter('open', ctx);
    switch (s.phase) {
      case 'open':
        this.open(ctx);
        this.enter('pump', ctx);
        return;
      case 'pump':
        this.tryWithdraw(ctx);
        this.pump(ctx);
        if (ctx.step - this.phaseStep >= this.spec.pumpSteps) this.enter('hold', ctx);
        return;
      case 'hold':
        this.tryWithdraw(ctx);
        this.pump(ctx);
        if (ctx.step - this.phaseStep >= this.spec.holdSteps) this.enter('unwind', ctx);
        return;
      case 'unwind':
        if (this.unwind(ctx)) this.enter('done', ctx);
        return;
      case 'done':
        this.withdrawAll(ctx);
        return;
      default:
        return;
    }
  }

  private enter(phase: AttackPhase, ctx: StepContext): void {
    this.stats.phase = phase;
    this.phaseStep = ctx.step;
  }

  private open(ctx: StepContext): void {
    const m = ctx.engine.markets[this.spec.market];
    const oracle = ctx.oracle[m.id];
    const lev = Math.min(this.spec.leverage, maxLeverage(m) * MARGIN_USE);
    const size = Math.min(maxFill(m), baseFor(this.spec.shortDepositUsd * USD * lev, oracle));
    ctx.submit({ type: 'marketOrder', account: this.short, market: m.id, side: 'sell', size });
    ctx.submit({ type: 'marketOrder', account: this.long, market: m.id, side: 'buy', size });
  }

  /** Buy the vAMM up to just inside the price band. */
  private pump(ctx: StepContext): void {
    const m = ctx.engine.markets[this.spec.market];
    const oracle = ctx.oracle[m.id];
    const band = (m.params.priceBandE6 / E6) * (1 - BAND_MARGIN_E6 / E6);
    const worstPrice = Math.round(oracle * (1 + band));
    // As much as its margin allows: unrealised profit at the mark counts toward opening more.
    const h = cross(ctx.engine, this.long);
    const free = (h.equityInitial - h.initialRequirement) * MARGIN_USE;
    const perQuote = m.initialRatioE6 / E6 + COST_ALLOWANCE;
    const size = Math.min(maxFill(m), baseFor(free / perQuote, worstPrice));
    if (size > 0) ctx.submit({ type: 'marketOrder', account: this.long, market: m.id, side: 'buy', size, worstPrice });
    this.stats.peakMarkProfit = Math.max(this.stats.peakMarkProfit, markProfit(ctx.engine, this.long));
  }

  /**
   * Ask for what a lender against unrealised profit would allow: collateral
   * backed by equity including profit at the mark. When that is refused,
   * take what the engine's rule allows.
   */
  private tryWithdraw(ctx: StepContext): void {
    if (markProfit(ctx.engine, this.long) <= 0) return;
    const h = cross(ctx.engine, this.long);
    const col = ctx.engine.accounts.collateral[this.long];
    const naive = Math.floor(Math.min(col, h.equityInitial - h.initialRequirement));
    const allowed = Math.floor(Math.min(col, h.equityLossesOnly - h.initialRequirement));
    if (naive > 0) this.withdraw(ctx, this.long, naive, naive > allowed);
    if (naive > allowed && allowed > 0) this.withdraw(ctx, this.long, allowed, false);
  }

  private withdraw(ctx: StepContext, account: number, amount: number, onlyProfitBacksIt: boolean): void {
    const s = this.stats;
    s.withdrawAttempts++;
    ctx.submit({ type: 'withdraw', account, amount }, (out) => {
      if (out.ok) {
        s.withdrawn += amount;
        return;
      }
      s.withdrawRejected++;
      if (out.code === 'INSUFFICIENT_MARGIN' && onlyProfitBacksIt) s.blockedByLossesOnlyRule++;
    });
  }

  /** Close both sides in chunks; true once flat. */
  private unwind(ctx: StepContext): boolean {
    const m = ctx.engine.markets[this.spec.market];
    let flat = true;
    for (const a of this.accounts) {
      const pos = positionBase(m, a);
      if (pos === 0) continue;
      flat = false;
      const size = Math.min(Math.abs(pos), maxFill(m));
      ctx.submit({
        type: 'marketOrder',
        account: a,
        market: m.id,
        side: pos > 0 ? 'sell' : 'buy',
        size,
        reduceOnly: true,
      });
    }
    return flat;
  }

  /** Settle and withdraw every unit the engine will pay out. */
  private withdrawAll(ctx: StepContext): void {
    const e = ctx.engine;
    for (const a of this.accounts) {
      for (const m of e.markets) {
        if (m.positions.pnl[a] !== 0) ctx.submit({ type: 'settlePnl', account: a, market: m.id });
      }
      const col = e.accounts.collateral[a];
      if (col > 0) this.withdraw(ctx, a, col, false);
    }
  }
}
