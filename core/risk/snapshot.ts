/**
 * Position rows and snapshots for portfolio margin, read from the engine's
 * columns (no writes, no clock). The hot loop builds one row for the account
 * it checks; the pool gets a snapshot of many rows in shared memory, taken
 * at one seq, so its results say exactly which positions they priced.
 *
 * A row is signed base per market (1e-9 units): the account's cross
 * positions (isolated ones have their own collateral and liquidation and stay
 * out), plus each non-USDC collateral balance folded into the market that
 * prices it, converted to base at that market's mark so that
 * row × mark = units × oracle price. Prices are mark prices.
 */
import { RATIO_PRECISION } from '../../vamm/precision.ts';
import { crossMarginHealth, type Health } from '../margin/health.ts';
import type { EngineState } from '../state.ts';
import { RiskInputError } from './history.ts';
import type { ScenarioSet } from './scenarios.ts';

export interface PositionSnapshot {
  /** Seq of the last command applied when the rows were read. */
  readonly seq: number;
  /** That command's time (ms): the charges price positions and marks as of then. */
  readonly ts: number;
  readonly markets: number;
  /** Row r is account accounts[r]. */
  readonly accounts: Int32Array;
  /** rows × markets, row-major (shared memory when made here). */
  readonly positions: Float64Array;
  /** Mark price per market. */
  readonly prices: Float64Array;
  /** Cross requirement per row; when present the pool also returns floored requirements. */
  readonly cross: Float64Array | null;
  /** Floor as a share of `cross`, E6. */
  readonly floorE6: number;
}

/** A Float64Array of `n` zeros in shared memory (workers read and write it without copies). */
export function sharedFloat64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT));
}

export function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * Int32Array.BYTES_PER_ELEMENT));
}

/** Write the account's row into out[offset, offset + markets). */
export function positionRowInto(s: EngineState, account: number, out: Float64Array, offset: number): void {
  const markets = s.markets;
  for (let m = 0; m < markets.length; m++) {
    const pos = markets[m].positions;
    out[offset + m] = pos.isolated[account] === 1 ? 0 : pos.base[account];
  }
  const balances = s.accounts.balances;
  for (let i = 1; i < balances.length; i++) {
    const units = balances[i][account];
    if (units === 0) continue;
    const pm = s.assets[i].priceMarket;
    const m = s.markets[pm];
    if (m === undefined || m.oraclePublishTs < 0 || !(m.markPrice > 0)) continue; // unpriced: worth 0 in health too
    out[offset + pm] += (units * m.oraclePrice) / m.markPrice;
  }
}

/** One account's row (the hot loop's input to portfolioLoss). */
export function positionRow(s: EngineState, account: number, out: Float64Array = new Float64Array(s.markets.length)) {
  positionRowInto(s, account, out, 0);
  return out;
}

export function markPrices(s: EngineState, out: Float64Array = new Float64Array(s.markets.length)): Float64Array {
  for (let m = 0; m < s.markets.length; m++) out[m] = s.markets[m].markPrice;
  return out;
}

export interface SnapshotOptions {
  /** Also capture each account's cross requirement at this level, for the floor. */
  cross?: 'initial' | 'maintenance';
  floorE6?: number;
}

/**
 * Rows of `accounts` at the engine's current seq, in shared memory. Cost on
 * the calling thread: one pass over markets × accounts (plus one crossMarginHealth
 * per account when `cross` is asked for).
 */
export function snapshotOf(
  s: EngineState,
  accounts: ArrayLike<number>,
  options: SnapshotOptions = {},
): PositionSnapshot {
  const markets = s.markets.length;
  const n = accounts.length;
  const ids = sharedInt32(n);
  const positions = sharedFloat64(n * markets);
  for (let r = 0; r < n; r++) {
    ids[r] = accounts[r];
    positionRowInto(s, accounts[r], positions, r * markets);
  }
  let cross: Float64Array | null = null;
  if (options.cross !== undefined) {
    cross = sharedFloat64(n);
    const pick =
      options.cross === 'initial' ? (h: Health) => h.initialRequirement : (h: Health) => h.maintenanceRequirement;
    for (let r = 0; r < n; r++) cross[r] = pick(crossMarginHealth(s, accounts[r]));
  }
  return {
    seq: s.seq,
    ts: s.lastTs,
    markets,
    accounts: ids,
    positions,
    prices: markPrices(s),
    cross,
    floorE6: options.floorE6 ?? 0,
  };
}

/** Throws RiskInputError('BAD_SNAPSHOT') unless the snapshot fits `set` and its prices are positive. */
export function checkSnapshot(snap: PositionSnapshot, set: ScenarioSet): void {
  const m = snap.markets;
  const rows = snap.accounts.length;
  if (m !== set.markets) throw new RiskInputError('BAD_SNAPSHOT', `${m} markets, the scenario set has ${set.markets}`);
  if (snap.positions.length !== rows * m) {
    throw new RiskInputError('BAD_SNAPSHOT', `positions must hold ${rows} × ${m} entries`);
  }
  if (snap.prices.length !== m) throw new RiskInputError('BAD_SNAPSHOT', `prices must hold ${m} entries`);
  for (let i = 0; i < m; i++) {
    const p = snap.prices[i];
    if (!(p > 0) || p === Number.POSITIVE_INFINITY) throw new RiskInputError('BAD_SNAPSHOT', `price of market ${i}`);
  }
  if (snap.cross !== null && snap.cross.length !== rows) {
    throw new RiskInputError('BAD_SNAPSHOT', `cross must hold ${rows} entries`);
  }
  if (!Number.isSafeInteger(snap.floorE6) || snap.floorE6 < 0 || snap.floorE6 > RATIO_PRECISION) {
    throw new RiskInputError('BAD_SNAPSHOT', `floorE6 must be within [0, ${RATIO_PRECISION}]`);
  }
}
