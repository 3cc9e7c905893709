/**
 * Constant-product curve with a peg multiplier.
 *
 *   k = baseReserve × quoteReserve
 *   price (1e-6 USD per whole base) = quoteReserve × pegE6 / baseReserve
 *
 * Both reserves are in RESERVE_PRECISION units. The quote reserve is always
 * derived as k / baseReserve, so it is a pure function of the base reserve:
 * a round trip returns the curve to exactly the same state, which is what
 * makes trader PnL against the curve zero-sum.
 *
 * Every quote amount leaves here as an integer rounded against the trader:
 * up when the trader pays, down when the trader receives.
 */
import { BASE_PRECISION, RESERVE_PRECISION } from './precision.ts';

export interface Curve {
  readonly baseReserve: number;
  readonly quoteReserve: number;
  /** The invariant, kept explicitly so that quoteReserve = k / baseReserve exactly. */
  readonly k: number;
  readonly pegE6: number;
}

/** Direction from the trader's point of view. */
export type Direction = 'long' | 'short';

export interface SwapResult {
  readonly baseReserve: number;
  readonly quoteReserve: number;
  /** Base units exchanged (always ≥ 0). */
  readonly base: number;
  /** Quote units the trader pays (long) or receives (short), rounded against the trader. */
  readonly quote: number;
  /** Average price of the fill, 1e-6 USD per whole base (float). */
  readonly avgPriceE6: number;
  /** Curve price after the swap, 1e-6 USD per whole base (float). */
  readonly postPriceE6: number;
}

/** A SwapResult being filled in (swapBaseInto). */
export type MutableSwap = { -readonly [K in keyof SwapResult]: SwapResult[K] };

/** Unit steps swapQuote may take to correct its float estimate (in practice one or two). */
const MAX_ADJUST_STEPS = 64;

export function makeCurve(baseReserve: number, quoteReserve: number, pegE6: number): Curve {
  const k = baseReserve * quoteReserve;
  return { baseReserve, quoteReserve: k / baseReserve, k, pegE6 };
}

/** Marginal price of the curve, 1e-6 USD per whole base. */
export function curvePriceE6(c: Curve): number {
  return (c.quoteReserve * c.pegE6) / c.baseReserve;
}

/** Quote value (float, quote units) of a change in the quote reserve. */
export function quoteReserveToQuote(quoteReserveDelta: number, pegE6: number): number {
  return (quoteReserveDelta * pegE6) / RESERVE_PRECISION;
}

/**
 * Swap a given amount of base. A long takes base out of the curve (the base
 * reserve falls); a short puts base in. Returns null when the swap would
 * empty the base reserve.
 */
export function swapBase(c: Curve, direction: Direction, base: number): SwapResult | null {
  const out: SwapResult = { baseReserve: 0, quoteReserve: 0, base: 0, quote: 0, avgPriceE6: 0, postPriceE6: 0 };
  return swapBaseInto(c, direction, base, out) ? out : null;
}

/**
 * swapBase, written into `out` (a caller's reusable scratch: no allocation on
 * a hot path); false, with `out` unspecified, where swapBase returns null.
 */
export function swapBaseInto(c: Curve, direction: Direction, base: number, out: MutableSwap): boolean {
  if (!(base >= 0) || !Number.isSafeInteger(base)) return false;
  const newBase = direction === 'long' ? c.baseReserve - base : c.baseReserve + base;
  if (!(newBase > 0)) return false;
  const newQuote = c.k / newBase;
  let quote: number;
  if (direction === 'long') {
    quote = Math.ceil(quoteReserveToQuote(newQuote - c.quoteReserve, c.pegE6));
  } else {
    quote = Math.floor(quoteReserveToQuote(c.quoteReserve - newQuote, c.pegE6));
    if (quote < 0) quote = 0;
  }
  // A quote beyond the safe range cannot be settled exactly: refuse, never round.
  if (!Number.isSafeInteger(quote)) return false;
  out.baseReserve = newBase;
  out.quoteReserve = newQuote;
  out.base = base;
  out.quote = quote;
  out.avgPriceE6 = base > 0 ? (quote * BASE_PRECISION) / base : curvePriceE6(c);
  out.postPriceE6 = (newQuote * c.pegE6) / newBase;
  return true;
}

/**
 * Swap for a given quote amount: a long spends at most `quote`, a short
 * receives at least `quote`. The base amount is an integer chosen against the
 * trader, then priced exactly by swapBase. Returns null when impossible.
 */
export function swapQuote(c: Curve, direction: Direction, quote: number): SwapResult | null {
  if (!(quote >= 0) || !Number.isFinite(quote)) return null;
  const reserveDelta = (quote * RESERVE_PRECISION) / c.pegE6;
  if (direction === 'long') {
    const newQuote = c.quoteReserve + reserveDelta;
    let base = Math.floor(c.baseReserve - c.k / newQuote);
    if (base < 0) base = 0;
    if (!Number.isSafeInteger(base)) return null;
    let r = swapBase(c, 'long', base);
    // The float estimate may be a unit off either way: step down until within
    // budget, then up while one more unit still fits (a few steps at most).
    for (let i = 0; r !== null && r.quote > quote && base > 0 && i < MAX_ADJUST_STEPS; i++) {
      base -= 1;
      r = swapBase(c, 'long', base);
    }
    for (let i = 0; r !== null && i < MAX_ADJUST_STEPS; i++) {
      const more = swapBase(c, 'long', base + 1);
      if (more === null || more.quote > quote) break;
      base += 1;
      r = more;
    }
    return r !== null && r.quote <= quote ? r : null;
  }
  const newQuote = c.quoteReserve - reserveDelta;
  if (!(newQuote > 0)) return null;
  let base = Math.ceil(c.k / newQuote - c.baseReserve);
  if (base < 0) base = 0;
  // An amount close to the reserve's whole value needs an unsafe base: refuse it.
  if (!Number.isSafeInteger(base)) return null;
  let r = swapBase(c, 'short', base);
  for (let i = 0; r !== null && r.quote < quote && i < MAX_ADJUST_STEPS; i++) {
    base += 1;
    r = swapBase(c, 'short', base);
  }
  return r !== null && r.quote >= quote ? r : null;
}

/**
 * The largest integer base amount a trader can swap before the curve's
 * marginal price reaches `targetPriceE6` (a long pushes the price up to it, a
 * short pushes it down to it). Zero when the curve is already past the target.
 */
export function baseToReachPrice(c: Curve, direction: Direction, targetPriceE6: number): number {
  if (!(targetPriceE6 > 0)) return direction === 'short' ? Number.POSITIVE_INFINITY : 0;
  // price = k × peg / baseReserve²  ⇒  baseReserve = √(k × peg / price)
  const targetBase = Math.sqrt((c.k * c.pegE6) / targetPriceE6);
  const base = direction === 'long' ? c.baseReserve - targetBase : targetBase - c.baseReserve;
  if (!(base > 0)) return 0;
  // A long can never take the whole reserve.
  return direction === 'long' ? Math.min(Math.floor(base), c.baseReserve - 1) : Math.floor(base);
}

/**
 * Quote value the curve owes the traders' aggregate position if it were
 * closed now (positive: the curve pays traders; negative: traders pay). The
 * traders' net position is the opposite of the AMM's (`ammNetBase`).
 * Repeg and k changes cost exactly the change of this value.
 */
export function terminalValue(c: Curve, ammNetBase: number): number {
  const terminalBase = c.baseReserve - ammNetBase;
  if (!(terminalBase > 0)) return Number.POSITIVE_INFINITY;
  const terminalQuote = c.k / terminalBase;
  return quoteReserveToQuote(c.quoteReserve - terminalQuote, c.pegE6);
}
