/**
 * Portfolio margin over a scenario set (pure). The same functions run in the
 * hot loop (one account, the order included) and in the pool's workers
 * (blocks of accounts), with the same operations in the same order, so the
 * two give the same bits.
 *
 * A position row holds signed base units per market (1e-9; positive: long),
 * with any non-USDC collateral folded in as base of the market that prices
 * it (snapshot.ts). Its exposure in market m is e_m = base_m × price_m / 1e9
 * (quote units per unit of return), and its loss in scenario s is
 *   L_s = −Σ_m e_m · r[s, m]          (markets in index order, empty ones skipped)
 * The charge is the larger of the grid's worst weighted loss w_s·L_s and the
 * historical tail (ES or VaR, see scenarios.ts), and never below zero.
 * The requirement adds the floor: ⌈max(charge, floor × cross requirement)⌉,
 * so a perfect hedge never costs nothing. The batch charges accounts two per
 * pass; kernel.ts explains why that gives the bits of charging each alone.
 */
import { BASE_PRECISION, RATIO_PRECISION } from '../../vamm/precision.ts';
import { chargeOne, chargePair, type Matrix, Tail } from './kernel.ts';
import type { ScenarioSet } from './scenarios.ts';

/** Per-thread scratch for one account (or one pair) at a time; reuse it, never share it between threads. */
export class ChargeScratch {
  /** Exposures on the markets charged, zero-padded to a multiple of four (and of the pair's second account). */
  readonly exposure: Float64Array;
  readonly exposureB: Float64Array;
  /** Rows of those markets in the market-major matrix (market × scenario count). */
  readonly at: Int32Array;
  /** Partial P&L per scenario of the account charged (and of the pair's second account). */
  readonly pnl: Float64Array;
  readonly pnlB: Float64Array;
  readonly tail: Tail;
  readonly tailB: Tail;
  #set: ScenarioSet | null = null;
  #matrix: Matrix | null = null;

  constructor(markets: number, scenarios: number, tailCount: number) {
    const padded = Math.max(4, Math.ceil(markets / 4) * 4);
    this.exposure = new Float64Array(padded);
    this.exposureB = new Float64Array(padded);
    this.at = new Int32Array(padded);
    this.pnl = new Float64Array(scenarios);
    this.pnlB = new Float64Array(scenarios);
    this.tail = new Tail(tailCount);
    this.tailB = new Tail(tailCount);
  }

  fits(set: ScenarioSet): boolean {
    return (
      this.exposure.length >= set.markets &&
      this.pnl.length >= set.gridCount + set.historicalCount &&
      this.tail.losses.length >= set.tailCount
    );
  }

  /** The kernel's view of `set` (cached while the set stays the same). */
  matrix(set: ScenarioSet): Matrix {
    if (this.#set !== set || this.#matrix === null) {
      if (!this.fits(set)) throw new RangeError('the scratch is too small for this scenario set');
      const count = set.gridCount + set.historicalCount;
      this.#matrix = { r: set.byMarket, count, gridCount: set.gridCount, weights: set.weights, k: set.tailCount };
      this.#set = set;
    }
    return this.#matrix;
  }
}

export function scratchFor(set: ScenarioSet): ChargeScratch {
  return new ChargeScratch(set.markets, set.gridCount + set.historicalCount, set.tailCount);
}

/** Exposure of `base` units at `price`: quote units per unit of return. */
function exposureOf(base: number, price: number): number {
  return (base * price) / BASE_PRECISION;
}

/** Zero exposures up to a multiple of four (at least four): bit-neutral terms (kernel.ts). */
function pad(x: ChargeScratch, n: number): number {
  const padded = Math.max(4, Math.ceil(n / 4) * 4);
  for (let j = n; j < padded; j++) {
    x.exposure[j] = 0;
    x.exposureB[j] = 0;
    x.at[j] = 0;
  }
  return padded;
}

/** Load the non-zero exposures of the row at `offset`; returns how many (before padding). */
function loadRow(rows: Float64Array, offset: number, prices: Float64Array, set: ScenarioSet, x: ChargeScratch): number {
  const count = set.gridCount + set.historicalCount;
  let n = 0;
  for (let m = 0; m < set.markets; m++) {
    const base = rows[offset + m];
    if (base === 0) continue;
    x.exposure[n] = exposureOf(base, prices[m]);
    x.at[n] = m * count;
    n++;
  }
  return n;
}

/** Load two rows on the union of their markets (0 where one holds nothing); returns the union's size. */
function loadPair(rows: Float64Array, a: number, b: number, prices: Float64Array, set: ScenarioSet, x: ChargeScratch) {
  const count = set.gridCount + set.historicalCount;
  let n = 0;
  for (let m = 0; m < set.markets; m++) {
    const ba = rows[a + m];
    const bb = rows[b + m];
    if (ba === 0 && bb === 0) continue;
    x.exposure[n] = ba === 0 ? 0 : exposureOf(ba, prices[m]);
    x.exposureB[n] = bb === 0 ? 0 : exposureOf(bb, prices[m]);
    x.at[n] = m * count;
    n++;
  }
  return n;
}

function isEmpty(rows: Float64Array, offset: number, markets: number): boolean {
  for (let m = 0; m < markets; m++) if (rows[offset + m] !== 0) return false;
  return true;
}

/** Scenario charge (float quote units, ≥ 0) of the row at `offset` in `rows`. */
export function chargeAt(
  rows: Float64Array,
  offset: number,
  prices: Float64Array,
  set: ScenarioSet,
  scratch: ChargeScratch,
): number {
  const n = loadRow(rows, offset, prices, set, scratch);
  if (n === 0) return 0;
  chargeOne(scratch.matrix(set), scratch.exposure, scratch.at, pad(scratch, n), scratch.pnl, scratch.tail);
  return scratch.tail.charge(set.tailCount, set.measure);
}

/**
 * Worst loss of one account over the scenario set: its scenario charge
 * (float quote units, ≥ 0; round up before it touches a ledger).
 * `row` holds base units per market; `prices` the price per market (mark).
 */
export function portfolioLoss(
  row: Float64Array,
  prices: Float64Array,
  set: ScenarioSet,
  scratch: ChargeScratch = scratchFor(set),
): number {
  return chargeAt(row, 0, prices, set, scratch);
}

/** ⌈max(charge, floor × cross requirement)⌉, integer quote units. */
export function portfolioRequirement(charge: number, crossRequirement: number, floorE6: number): number {
  return Math.ceil(Math.max(charge, (crossRequirement * floorE6) / RATIO_PRECISION));
}

/**
 * Charges (⌈charge⌉, integer quote units) of rows [from, to) of an
 * accounts × markets position matrix, written to charges[from, to).
 */
export function chargeBatch(
  set: ScenarioSet,
  positions: Float64Array,
  prices: Float64Array,
  from: number,
  to: number,
  charges: Float64Array,
): void {
  const x = scratchFor(set);
  const matrix = x.matrix(set);
  const m = set.markets;
  const k = set.tailCount;
  let a = from;
  for (; a + 1 < to; a += 2) {
    const n = loadPair(positions, a * m, (a + 1) * m, prices, set, x);
    if (n === 0) {
      charges[a] = 0;
      charges[a + 1] = 0;
      continue;
    }
    chargePair(matrix, x.exposure, x.exposureB, x.at, pad(x, n), x.pnl, x.pnlB, x.tail, x.tailB);
    charges[a] = isEmpty(positions, a * m, m) ? 0 : Math.ceil(x.tail.charge(k, set.measure));
    charges[a + 1] = isEmpty(positions, (a + 1) * m, m) ? 0 : Math.ceil(x.tailB.charge(k, set.measure));
  }
  if (a < to) charges[a] = Math.ceil(chargeAt(positions, a * m, prices, set, x));
}

/**
 * As chargeBatch, and requirements[a] = portfolioRequirement(charge, cross[a], floorE6)
 * for the same rows.
 */
export function requirementBatch(
  set: ScenarioSet,
  positions: Float64Array,
  prices: Float64Array,
  cross: Float64Array,
  floorE6: number,
  from: number,
  to: number,
  charges: Float64Array,
  requirements: Float64Array,
): void {
  chargeBatch(set, positions, prices, from, to, charges);
  for (let a = from; a < to; a++) requirements[a] = portfolioRequirement(charges[a], cross[a], floorE6);
}
