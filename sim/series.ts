/**
 * Time series for the report, one sample per step: oracle / mark / vAMM
 * price and open interest per market, the insurance fund, liquidations.
 * Every `snapshotEvery` steps, a snapshot of every risk unit's margin ratio
 * (equity / maintenance requirement) as a histogram, and the traders'
 * notional against their equity (capital efficiency).
 */
import type { Engine } from '../core/engine.ts';
import { crossHealth, type Health, isolatedHealth } from '../core/margin/health.ts';
import type { Metrics } from './metrics.ts';
import { notional, RATIO_PRECISION } from './units.ts';
import { ammPrice } from './view.ts';

/** Upper edges of the margin-ratio histogram buckets (the last bucket is open). */
export const RATIO_EDGES = [0.5, 1, 1.25, 1.5, 2, 3, 5, 10] as const;
const SNAPSHOTS_WANTED = 200;

export interface MarketSeries {
  symbol: string;
  oracle: Float64Array;
  mark: Float64Array;
  amm: Float64Array;
  /** Open interest at the oracle, quote units. */
  oiLong: Float64Array;
  oiShort: Float64Array;
  initialRatioE6: Float64Array;
}

export interface MarginSnapshot {
  step: number;
  ts: number;
  /** Risk units per bucket of RATIO_EDGES. */
  buckets: number[];
  units: number;
  belowMaintenance: number;
  traderNotional: number;
  traderEquity: number;
}

export class Series {
  readonly ts: Float64Array;
  readonly insurance: Float64Array;
  readonly liquidations: Float64Array;
  readonly liquidationVolume: Float64Array;
  readonly markets: MarketSeries[];
  readonly snapshots: MarginSnapshot[] = [];
  readonly snapshotEvery: number;
  length = 0;

  constructor(
    private readonly e: Engine,
    steps: number,
    private readonly isTrader: Uint8Array,
  ) {
    this.ts = new Float64Array(steps);
    this.insurance = new Float64Array(steps);
    this.liquidations = new Float64Array(steps);
    this.liquidationVolume = new Float64Array(steps);
    this.markets = e.markets.map((m) => ({
      symbol: m.symbol,
      oracle: new Float64Array(steps),
      mark: new Float64Array(steps),
      amm: new Float64Array(steps),
      oiLong: new Float64Array(steps),
      oiShort: new Float64Array(steps),
      initialRatioE6: new Float64Array(steps),
    }));
    this.snapshotEvery = Math.max(1, Math.floor(steps / SNAPSHOTS_WANTED));
  }

  /** Record the state after step `step`'s turn. */
  record(step: number, ts: number, metrics: Metrics): void {
    const e = this.e;
    this.ts[step] = ts;
    this.insurance[step] = e.insuranceFund;
    this.liquidations[step] = metrics.stepLiquidations;
    this.liquidationVolume[step] = metrics.stepLiquidationVolume;
    metrics.stepLiquidations = 0;
    metrics.stepLiquidationVolume = 0;
    for (let i = 0; i < e.markets.length; i++) {
      const m = e.markets[i];
      const s = this.markets[i];
      s.oracle[step] = m.oraclePrice;
      s.mark[step] = m.markPrice;
      s.amm[step] = ammPrice(m);
      s.oiLong[step] = notional(m.openInterestLong, m.oraclePrice);
      s.oiShort[step] = notional(m.openInterestShort, m.oraclePrice);
      s.initialRatioE6[step] = m.initialRatioE6;
    }
    this.length = step + 1;
    if (step % this.snapshotEvery === 0) this.snapshot(step, ts);
  }

  private snapshot(step: number, ts: number): void {
    const e = this.e;
    const buckets = new Array<number>(RATIO_EDGES.length + 1).fill(0);
    let units = 0;
    let below = 0;
    let traderNotional = 0;
    let traderEquity = 0;
    const add = (h: Health, trader: boolean) => {
      if (h.maintenanceRequirement <= 0) return;
      const ratio = h.equityMaintenance / h.maintenanceRequirement;
      let b = 0;
      while (b < RATIO_EDGES.length && ratio >= RATIO_EDGES[b]) b++;
      buckets[b]++;
      units++;
      if (ratio < 1) below++;
      if (trader) {
        traderNotional += h.notional;
        traderEquity += Math.max(0, h.equityMaintenance);
      }
    };
    for (let a = 0; a < e.accounts.count; a++) {
      const trader = this.isTrader[a] === 1;
      add(crossHealth(e, a), trader);
      for (const m of e.markets) {
        if (m.positions.isolated[a] === 1 && m.positions.base[a] !== 0) add(isolatedHealth(m, a), trader);
      }
    }
    this.snapshots.push({ step, ts, buckets, units, belowMaintenance: below, traderNotional, traderEquity });
  }

  /** Time-averaged leverage the markets allowed (1 / initial ratio), over steps and markets. */
  averageMaxLeverage(): number {
    let sum = 0;
    let n = 0;
    for (const s of this.markets) {
      for (let i = 0; i < this.length; i++) {
        sum += RATIO_PRECISION / s.initialRatioE6[i];
        n++;
      }
    }
    return n > 0 ? sum / n : 0;
  }

  /** Traders' notional per unit of their equity, averaged over the snapshots that had positions. */
  notionalPerCollateral(): number {
    let sum = 0;
    let n = 0;
    for (const s of this.snapshots) {
      if (s.traderEquity <= 0 || s.traderNotional <= 0) continue;
      sum += s.traderNotional / s.traderEquity;
      n++;
    }
    return n > 0 ? sum / n : 0;
  }
}
