/**
 * The mark-to-market fast path. Every tick, each market whose mark, margin
 * ratio or funding index moved is scanned over ONE typed column, so a
 * million positions cost one pass over 8 MB.
 *
 * Derivation. A position of base b whose account equity is
 *   E(p) = K₀ + b·p/1e9 − b·(idx − fi)/1e9        (K₀: everything but this mark
 *                                                   and pending funding)
 * needs attention when E(p) ≤ |b|·p·ρ/1e9 (ρ: maintenance × warning buffer):
 *   long  (b > 0):  p·(1−ρ) − idxLong  <  (u − K₀)·1e9/b − fi   =: A
 *   short (b < 0):  p·(1+ρ) − idxShort >  (K₀ − u)·1e9/|b| − fi =: B
 * (u: a few units of slack for the exact check's rounding). A and B depend
 * on the account alone; ρ, the mark and the funding indices are market-wide.
 * So the column stores, with a market constant C = 2^50 that keeps the sign:
 *
 *   x = +(A + C)   long        x = −(B + C)   short        x = 0   not watched
 *
 * and with P₁ = p(1−ρ) − idxLong + C and P₂ = p(1+ρ) − idxShort + C the
 * whole test is   x > −P₂ && (x > P₁ || x < 0).
 * Thresholds are nudged early so float rounding only adds candidates;
 * every candidate is checked exactly. ulp(2^50) = 0.125 price units. A line
 * further than 2^48 from zero on its safe side (a rich account with a small
 * position) is written at 2^48, which the scan passes earlier than the true
 * line, never later; one that far on the unsafe side makes it complex.
 *
 * A position gets a threshold when its equity depends on its own mark only:
 * an isolated position, or the only cross position of an account holding no
 * collateral but USDC, in a market where size does not raise its ratio.
 * Everything else is "complex" and checked exactly every tick its markets
 * move (unless its slack, margin/slack.ts, proves the check would change
 * nothing), and so is every portfolio-margin account (its requirement is a
 * scenario charge); its isolated positions keep their thresholds.
 *
 * Most scans find nothing (a quiet account sits far from its line), so each
 * column also has an upper bound on its long and on its short thresholds
 * (kept on the column's PositionColumns): a scan that no value under them could pass
 * returns at once, and every full scan tightens them to the column's maxima.
 *
 * This is a derived cache: not hashed, not snapshotted, rebuilt on restore.
 */
import { BASE_PRECISION, RATIO_PRECISION } from '../../vamm/precision.ts';
import type { Market, PositionColumns } from '../market.ts';
import type { EngineState } from '../state.ts';

/**
 * The bounds market `id`'s next scan would use, or null when it would read
 * the whole column (tests check them against the column).
 */
export function scanBoundsOf(
  s: EngineState,
  id: number,
): { column: Float64Array; count: number; longMax: number; shortMax: number } | null {
  const pos = s.markets[id].positions;
  if (pos.boundsCount < 0) return null;
  return {
    column: pos.threshold,
    count: pos.boundsCount,
    longMax: pos.thresholdLongMax,
    shortMax: pos.thresholdShortMax,
  };
}

/**
 * Raise the column's bounds to cover threshold `x`, just written to it. The
 * bounds are the column's maxima as of the last full scan, raised by every
 * value refreshAccount (the only writer of thresholds) writes since: a
 * threshold lowered leaves them loose, never wrong, until the next full scan.
 */
function noteThreshold(pos: PositionColumns, x: number): void {
  if (x > 0) {
    if (x > pos.thresholdLongMax) pos.thresholdLongMax = x;
  } else if (x < 0 && x > pos.thresholdShortMax) pos.thresholdShortMax = x;
}

const C = 2 ** 50;
/**
 * Thresholds beyond this magnitude would lose the sign or precision. A line
 * beyond it on the safe side (a long's A far below, a short's B far above
 * any price: a rich account with a small position) is written at the edge
 * instead, which the scan passes earlier than the true line, never later;
 * one beyond it on the other side makes the position complex.
 */
const MAX_MAGNITUDE = 2 ** 48;
/** The edge a line beyond MAX_MAGNITUDE on the safe side is written at. */
const SAFE_EDGE = MAX_MAGNITUDE - 1;
/** Absolute slack, quote units, covering the floor/ceil of the exact check. */
const ROUNDING_UNITS = 4;
/** Price units added on the early side, covering float error in A and B. */
const EARLY_PRICE_UNITS = 1024;

/** Watch ratio of a market (maintenance raised by the warning buffer), as a fraction. */
export function watchRatio(m: Market): number {
  return (m.maintenanceRatioE6 / RATIO_PRECISION) * (1 + m.params.warningBufferE6 / RATIO_PRECISION);
}

/**
 * Column value for a position of base `b`, funding index `fi`, equity
 * constant `k0`; NaN when out of range on the unsafe side (or not a number).
 */
export function thresholdFor(k0: number, b: number, fi: number): number {
  if (b > 0) {
    let a = ((ROUNDING_UNITS - k0) * BASE_PRECISION) / b - fi;
    // The long needs attention when p·(1−ρ) − idxLong < A: a lower A is safer, so A is raised to the edge.
    if (a <= -MAX_MAGNITUDE) a = -SAFE_EDGE;
    return Math.abs(a) < MAX_MAGNITUDE ? a + C + EARLY_PRICE_UNITS : Number.NaN;
  }
  let bb = ((k0 - ROUNDING_UNITS) * BASE_PRECISION) / -b - fi;
  // The short needs attention when p·(1+ρ) − idxShort > B: a higher B is safer, so B is lowered to the edge.
  if (bb >= MAX_MAGNITUDE) bb = SAFE_EDGE;
  return Math.abs(bb) < MAX_MAGNITUDE ? -(bb + C) + EARLY_PRICE_UNITS : Number.NaN;
}

/** True when size raises the position's maintenance ratio above the market's floor (IMF). */
function sizeScaled(m: Market, absBase: number): boolean {
  const imf = m.params.imfFactorE6;
  if (imf === 0) return false;
  const sized = (imf * Math.sqrt(absBase / BASE_PRECISION) * m.params.maintenanceMarginE6) / m.params.initialMarginE6;
  return sized > m.params.maintenanceMarginE6;
}

/** Recompute the thresholds of one account in every market, and its complex membership. */
export function refreshAccount(s: EngineState, account: number): void {
  const acc = s.accounts;
  s.slack.drop(account);
  if (acc.warned[account] === 1 || acc.liquidationSince[account] !== 0) s.watchedAccounts.add(account);
  else if (s.watchedAccounts.size > 0) s.watchedAccounts.delete(account);
  let crossMarket: Market | null = null;
  let crossPositions = 0;
  let complex = acc.portfolio[account] === 1;
  let k0 = s.accounts.collateral[account];
  for (const m of s.markets) {
    const pos = m.positions;
    const b = pos.base[account];
    if (pos.isolated[account] === 1) {
      if (b === 0) {
        pos.threshold[account] = 0;
        continue;
      }
      const x = sizeScaled(m, Math.abs(b))
        ? Number.NaN
        : thresholdFor(
            pos.isolatedCollateral[account] + pos.pnl[account] + pos.quoteEntry[account],
            b,
            pos.fundingIndex[account],
          );
      pos.threshold[account] = Number.isNaN(x) ? 0 : x;
      if (Number.isNaN(x)) complex = true;
      else noteThreshold(pos, x);
      continue;
    }
    k0 += pos.pnl[account];
    pos.threshold[account] = 0;
    if (b !== 0) {
      crossPositions++;
      crossMarket = m;
      k0 += pos.quoteEntry[account];
    }
  }
  if (crossPositions > 1) complex = true;
  const balances = s.accounts.balances;
  for (let i = 1; i < balances.length && !complex; i++) if (balances[i][account] !== 0) complex = true;
  if (!complex && crossMarket !== null) {
    const pos = crossMarket.positions;
    const b = pos.base[account];
    const x = sizeScaled(crossMarket, Math.abs(b)) ? Number.NaN : thresholdFor(k0, b, pos.fundingIndex[account]);
    if (Number.isNaN(x)) complex = true;
    else {
      pos.threshold[account] = x;
      noteThreshold(pos, x);
    }
  }
  if (complex) {
    s.complexAccounts.add(account);
    s.recheckAccounts.add(account);
    if (crossMarket !== null) crossMarket.positions.threshold[account] = 0;
    return;
  }
  if (s.complexAccounts.size > 0) s.complexAccounts.delete(account);
  // A threshold already crossed would wait for the mark to move: check it now. Crossed at the
  // current mark, or at the mark, ratio and funding the last scan used: the next tick skips a
  // market whose values equal those, and they may come back to them (A→B→A) before it runs.
  for (const m of s.markets) {
    const x = m.positions.threshold[account];
    if (x !== 0 && (crossed(m, x) || crossedAtLastScan(m, x))) {
      s.recheckAccounts.add(account);
      return;
    }
  }
}

/** Is a threshold crossed at the market's current mark, ratio and funding? (The scan's test.) */
function crossed(m: Market, x: number): boolean {
  return crossedAt(x, m.markPrice, watchRatio(m), m.cumFundingLong, m.cumFundingShort);
}

/** The same test at the values the last scan recorded (what the next tick compares to decide on a rescan). */
function crossedAtLastScan(m: Market, x: number): boolean {
  const rho = (m.maintenanceAtTick / RATIO_PRECISION) * (1 + m.params.warningBufferE6 / RATIO_PRECISION);
  return crossedAt(x, m.markAtTick, rho, m.fundingLongAtTick, m.fundingShortAtTick);
}

function crossedAt(x: number, mark: number, rho: number, fundingLong: number, fundingShort: number): boolean {
  const p1 = mark * (1 - rho) - fundingLong + C;
  const np2 = -(mark * (1 + rho) - fundingShort + C);
  return x > np2 && (x > p1 || x < 0);
}

/** Recompute every threshold of a market's positions (after a parameter change). */
export function refreshMarket(s: EngineState, m: Market): void {
  const base = m.positions.base;
  const n = s.accounts.count;
  for (let a = 0; a < n; a++) if (base[a] !== 0) refreshAccount(s, a);
}

export function refreshAll(s: EngineState): void {
  s.complexAccounts.clear();
  for (let a = 0; a < s.accounts.count; a++) refreshAccount(s, a);
}

/**
 * Candidates in one market: appended to `out` from `length`; returns the new
 * length. When the column's bounds prove no threshold passes, it returns at
 * once (the loop would have appended nothing); otherwise it reads the whole
 * column and records its maxima as the new bounds.
 */
export function scanMarket(m: Market, count: number, out: Int32Array, length: number): number {
  const pos = m.positions;
  const t = pos.threshold;
  const rho = watchRatio(m);
  const p1 = m.markPrice * (1 - rho) - m.cumFundingLong + C;
  const np2 = -(m.markPrice * (1 + rho) - m.cumFundingShort + C);
  // The test below is x > np2 && (x > p1 || x < 0): a long (x > 0) passes only above both p1 and
  // np2, a short (x < 0) only above np2, and an unwatched 0 only when both are negative.
  if (
    pos.boundsCount === count &&
    !(p1 < 0 && np2 < 0) &&
    pos.thresholdLongMax <= Math.max(p1, np2) &&
    pos.thresholdShortMax <= np2
  ) {
    return length;
  }
  let n = length;
  let longMax = Number.NEGATIVE_INFINITY;
  let shortMax = Number.NEGATIVE_INFINITY;
  for (let a = 0; a < count; a++) {
    const x = t[a];
    if (x > np2 && (x > p1 || x < 0)) out[n++] = a;
    if (x > 0) {
      if (x > longMax) longMax = x;
    } else if (x < 0 && x > shortMax) shortMax = x;
  }
  pos.boundsCount = count;
  pos.thresholdLongMax = longMax;
  pos.thresholdShortMax = shortMax;
  return n;
}
