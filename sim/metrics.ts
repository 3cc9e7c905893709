/**
 * Everything the summary counts, taken from each command's outcome as it is
 * applied: fees, liquidations, bankruptcies and how they were covered, the
 * insurance fund's low point, funding flows, curve adjustment costs, and how
 * long accounts stayed below maintenance (liquidationStarted →
 * liquidationEnded). Runs on every command, so it only adds and compares.
 */

import { classicEvents } from '../core/classic-events.ts';
import type { Command } from '../core/commands.ts';
import type { Engine, Outcome } from '../core/engine.ts';
import { BASE_PRECISION } from './units.ts';

export class Metrics {
  commands = 0;
  readonly rejected = new Map<string, number>();
  fills = 0;
  volume = 0;
  takerFees = 0;
  spreadFees = 0;

  liquidations = 0;
  liquidationsExternal = 0;
  liquidationsBackstop = 0;
  liquidationVolume = 0;
  penalties = 0;
  liquidatorRewards = 0;
  liquidationStarts = 0;
  warnings = 0;

  bankruptcies = 0;
  badDebt = 0;
  insuranceCovered = 0;
  socialised = 0;
  feePoolCovered = 0;

  insuranceMin = Number.POSITIVE_INFINITY;
  fundingPaid = 0;
  fundingReceived = 0;
  /** What traders paid the AMM in funding, net (negative: the AMM paid). */
  ammFunding = 0;
  /** What repeg and k adjustments cost the fee pools (negative: they earned). */
  curveAdjustments = 0;
  repegs = 0;

  longestBelowMs = 0;
  longestBelowTicks = 0;
  longestBelowAccount = -1;
  private readonly openSince = new Map<number, { ts: number; tick: number }>();

  /** Per-account USDC moved in and out (quote units). */
  readonly deposited: number[] = [];
  readonly withdrawn: number[] = [];

  /** Liquidations in the current step (for the time series). */
  stepLiquidations = 0;
  stepLiquidationVolume = 0;

  private readonly lastLong: number[];
  private readonly lastShort: number[];

  constructor(private readonly e: Engine) {
    this.lastLong = [];
    this.lastShort = [];
  }

  observe(_cmd: Command, out: Outcome, ts: number): void {
    this.commands++;
    const e = this.e;
    if (!out.ok) {
      this.rejected.set(out.code, (this.rejected.get(out.code) ?? 0) + 1);
      return;
    }
    let indicesMoved = false;
    const events = classicEvents(out.events);
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      switch (ev.type) {
        case 'fill':
          this.fills++;
          this.volume += ev.quote;
          this.takerFees += ev.fee;
          this.spreadFees += ev.spreadFee;
          break;
        case 'liquidation': {
          const v = (ev.base * ev.price) / BASE_PRECISION;
          this.liquidations++;
          if (ev.liquidator < 0) this.liquidationsBackstop++;
          else this.liquidationsExternal++;
          this.liquidationVolume += v;
          this.penalties += ev.penalty;
          this.liquidatorRewards += ev.liquidatorReward;
          this.stepLiquidations++;
          this.stepLiquidationVolume += v;
          break;
        }
        case 'liquidationStarted':
          this.liquidationStarts++;
          if (!this.openSince.has(ev.account)) this.openSince.set(ev.account, { ts, tick: e.tickCount });
          break;
        case 'liquidationEnded':
          this.closeEpisode(ev.account, ts);
          break;
        case 'marginWarning':
          this.warnings++;
          break;
        case 'bankruptcy':
          this.bankruptcies++;
          this.badDebt += ev.shortfall;
          this.insuranceCovered += ev.insuranceCovered;
          this.socialised += ev.socialised;
          this.feePoolCovered += ev.feePoolCovered;
          indicesMoved = true;
          break;
        case 'funding':
          this.onFunding(ev.market, ev.longIndex, ev.shortIndex);
          indicesMoved = true;
          break;
        case 'repeg':
          this.repegs++;
          this.curveAdjustments += ev.cost;
          break;
        case 'kAdjusted':
          this.curveAdjustments += ev.cost;
          break;
        case 'deposited':
          if (ev.asset === 0) this.deposited[ev.account] = (this.deposited[ev.account] ?? 0) + ev.amount;
          break;
        case 'withdrawn':
          if (ev.asset === 0) this.withdrawn[ev.account] = (this.withdrawn[ev.account] ?? 0) + ev.amount;
          break;
        default:
          break;
      }
    }
    if (e.insuranceFund < this.insuranceMin) this.insuranceMin = e.insuranceFund;
    if (indicesMoved) {
      for (const m of e.markets) {
        this.lastLong[m.id] = m.cumFundingLong;
        this.lastShort[m.id] = m.cumFundingShort;
      }
    }
  }

  /** Funding flows of one funding tick, from the index moves and the open interest. */
  private onFunding(market: number, longIndex: number, shortIndex: number): void {
    const m = this.e.markets[market];
    const dLong = longIndex - (this.lastLong[market] ?? 0);
    const dShort = shortIndex - (this.lastShort[market] ?? 0);
    const oiLong = m.openInterestLong / BASE_PRECISION;
    const oiShort = m.openInterestShort / BASE_PRECISION;
    // A long owes base × Δlong; a short (negative base) owes −|base| × Δshort.
    this.fundingPaid += Math.max(0, dLong) * oiLong + Math.max(0, -dShort) * oiShort;
    this.fundingReceived += Math.max(0, -dLong) * oiLong + Math.max(0, dShort) * oiShort;
    this.ammFunding += dLong * oiLong - dShort * oiShort;
  }

  private closeEpisode(account: number, ts: number): void {
    const open = this.openSince.get(account);
    if (open === undefined) return;
    this.openSince.delete(account);
    this.recordEpisode(account, ts - open.ts, this.e.tickCount - open.tick);
  }

  private recordEpisode(account: number, ms: number, ticks: number): void {
    if (ticks > this.longestBelowTicks || (ticks === this.longestBelowTicks && ms > this.longestBelowMs)) {
      this.longestBelowTicks = ticks;
      this.longestBelowMs = ms;
      this.longestBelowAccount = account;
    }
  }

  /** Close the episodes still open at the end of the run (they count up to now). */
  finish(ts: number): void {
    for (const [a, open] of this.openSince) this.recordEpisode(a, ts - open.ts, this.e.tickCount - open.tick);
    this.openSince.clear();
  }

  /** Accounts in liquidation right now. */
  get inLiquidation(): number {
    return this.openSince.size;
  }
}
