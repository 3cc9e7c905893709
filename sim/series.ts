/**
 * Time series for the report, one sample per step: oracle / mark / vAMM
 * price and open interest per market, the insurance fund, liquidations.
 * Every `snapshotEvery` steps, a snapshot of every risk unit's margin ratio
 * (equity / maintenance requirement) as a histogram, and the traders'
 * notional against their equity (capital efficiency).
 */
import type { Engine } from '../core/engine.ts';
import { type Health, isolatedHealth } from '../core/margin/health.ts';
import type { Metrics } from './metrics.ts';
import { notional, RATIO_PRECISION } from './units.ts';
import { ammPrice, crossInto, scratchHealth } from './view.ts';

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
  private readonly scratch: Health = scratchHealth();

  constructor(
    private readonly e: Engine,
    steps: number,
    private readonly isTrader: Uint8Array,
  ) {
    // Every column is a view of one allocation (a run used to allocate 22 for three markets).
    const all = new Float64Array(steps * (4 + 6 * e.markets.length));
    let next = 0;
    const column = () => {
      next += steps;
      return all.subarray(next - steps, next);
    };
    this.ts = column();
    this.insurance = column();
    this.liquidations = column();
    this.liquidationVolume = column();
    this.markets = e.markets.map((m) => ({
      symbol: m.symbol,
      oracle: column(),
      mark: column(),
      amm: column(),
      oiLong: column(),
      oiShort: column(),
      initialRatioE6: column(),
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
    const snap: MarginSnapshot = {
      step,
      ts,
      buckets: new Array<number>(RATIO_EDGES.length + 1).fill(0),
      units: 0,
      belowMaintenance: 0,
      traderNotional: 0,
      traderEquity: 0,
    };
    const markets = e.markets;
    for (let a = 0; a < e.accounts.count; a++) {
      const trader = this.isTrader[a] === 1;
      if (crossRequirementPossible(e, a)) addUnit(snap, crossInto(e, a, this.scratch), trader);
      for (let i = 0; i < markets.length; i++) {
        const m = markets[i];
        if (m.positions.isolated[a] === 1 && m.positions.base[a] !== 0) addUnit(snap, isolatedHealth(m, a), trader);
      }
    }
    this.snapshots.push(snap);
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

/**
 * Can the account's cross pool have a maintenance requirement? Only through
 * a cross position (a requirement is |base| × mark × ratio: open orders and
 * unsettled PnL alone add none) or a portfolio charge. A pool without one is
 * a unit addUnit does not count, so the snapshot skips computing its health.
 */
function crossRequirementPossible(e: Engine, a: number): boolean {
  if (e.accounts.portfolio[a] === 1) return true;
  const markets = e.markets;
  for (let i = 0; i < markets.length; i++) {
    const pos = markets[i].positions;
    if (pos.base[a] !== 0 && pos.isolated[a] !== 1) return true;
  }
  return false;
}

/** Count one risk unit's health into the snapshot (units without a requirement do not count). */
function addUnit(snap: MarginSnapshot, h: Health, trader: boolean): void {
  if (h.maintenanceRequirement <= 0) return;
  const ratio = h.equityMaintenance / h.maintenanceRequirement;
  let b = 0;
  while (b < RATIO_EDGES.length && ratio >= RATIO_EDGES[b]) b++;
  snap.buckets[b]++;
  snap.units++;
  if (ratio < 1) snap.belowMaintenance++;
  if (trader) {
    snap.traderNotional += h.notional;
    snap.traderEquity += Math.max(0, h.equityMaintenance);
  }
}
