/**
 * Where L2 depth comes from. When the engine has an order book it exposes
 * `depth(market, levels)`, and that is used. Until then, depth is synthesised
 * from the vAMM curve: price levels on a fixed grid around the curve price,
 * each holding the base a taker would trade moving the curve from the
 * previous level to it (vamm/curve.ts baseToReachPrice). The grid is fixed
 * per market (a 1-2-5 step near 0.1% of the price when first asked), so a
 * trade changes only the levels it crosses; sizes between grid prices
 * depend on k and the peg alone. Synthesised depth is indicative: it leaves
 * out spreads, fees and the fill-size cap.
 */
import type { Engine } from '../../core/engine.ts';
import type { Market } from '../../core/market.ts';
import { baseToReachPrice, type Curve, curvePriceE6 } from '../../vamm/curve.ts';
import type { Level } from '../protocol.ts';

export interface Depth {
  bids: Level[];
  asks: Level[];
}

/** Returns the best `levels` levels per side, or null for an unknown market. */
export type DepthSource = (market: number, levels: number) => Depth | null;

/** Grid step as a fraction of the price, E6 (1,000 = 0.1%). */
export const DEFAULT_GRID_STEP_E6 = 1_000;

function niceStep(raw: number, tick: number): number {
  if (!(raw > tick)) return tick;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  const step = (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
  return Math.max(tick, Math.round(step / tick) * tick);
}

export function vammDepthSource(engine: Engine, gridStepE6 = DEFAULT_GRID_STEP_E6): DepthSource {
  const grids = new Map<number, number>();
  return (marketId, levels) => {
    const m: Market | undefined = engine.markets[marketId];
    if (m === undefined) return null;
    const c: Curve = { baseReserve: m.baseReserve, quoteReserve: m.quoteReserve, k: m.k, pegE6: m.pegE6 };
    const price = curvePriceE6(c);
    let step = grids.get(marketId);
    if (step === undefined) {
      step = niceStep((price * gridStepE6) / 1_000_000, m.params.tickSize);
      grids.set(marketId, step);
    }
    const asks: Level[] = [];
    let p = Math.floor(price / step) * step + step;
    let cum = 0;
    for (let guard = 0; asks.length < levels && guard < levels * 4; guard++, p += step) {
      const reach = baseToReachPrice(c, 'long', p);
      if (reach > cum) asks.push([p, reach - cum]);
      cum = Math.max(cum, reach);
    }
    const bids: Level[] = [];
    p = Math.ceil(price / step) * step - step;
    cum = 0;
    for (let guard = 0; bids.length < levels && p > 0 && guard < levels * 4; guard++, p -= step) {
      const reach = baseToReachPrice(c, 'short', p);
      if (reach > cum) bids.push([p, reach - cum]);
      cum = Math.max(cum, reach);
    }
    return { bids, asks };
  };
}

type EngineDepth = (market: number, levels: number) => { bids: unknown[]; asks: unknown[] } | null | undefined;

function toLevel(x: unknown): Level {
  if (Array.isArray(x)) return [Number(x[0]), Number(x[1])];
  const o = x as { price: number; size: number };
  return [o.price, o.size];
}

interface BookDepth {
  depth(side: number, maxLevels: number): { price: number; size: number }[];
}

/** Levels of both lists summed by price, best first, at most `levels`. */
function merge(a: Level[], b: Level[], descending: boolean, levels: number): Level[] {
  const sizes = new Map<number, number>();
  for (const [p, s] of a) sizes.set(p, (sizes.get(p) ?? 0) + s);
  for (const [p, s] of b) sizes.set(p, (sizes.get(p) ?? 0) + s);
  const out = [...sizes].sort((x, y) => (descending ? y[0] - x[0] : x[0] - y[0]));
  return out.length > levels ? out.slice(0, levels) : out;
}

/** The vAMM synthesis plus the resting orders of each market's book (core/book depth(side, levels)), summed by price. */
export function vammAndBookDepthSource(engine: Engine): DepthSource {
  const amm = vammDepthSource(engine);
  return (marketId, levels) => {
    const d = amm(marketId, levels);
    const book = (engine.markets[marketId] as unknown as { book?: BookDepth } | undefined)?.book;
    if (d === null || book === undefined || typeof book.depth !== 'function') return d;
    const bids = book.depth(0, levels).map((l): Level => [l.price, l.size]);
    const asks = book.depth(1, levels).map((l): Level => [l.price, l.size]);
    if (bids.length === 0 && asks.length === 0) return d;
    return { bids: merge(d.bids, bids, true, levels), asks: merge(d.asks, asks, false, levels) };
  };
}

/**
 * The engine's own depth(market, levels) when it has one; otherwise the vAMM
 * synthesis merged with each market's resting book orders.
 */
export function defaultDepthSource(engine: Engine): DepthSource {
  const fromEngine = (engine as unknown as { depth?: EngineDepth }).depth;
  if (typeof fromEngine !== 'function') return vammAndBookDepthSource(engine);
  return (market, levels) => {
    const d = fromEngine.call(engine, market, levels);
    if (d === null || d === undefined) return null;
    // The engine may list a book level and a curve level at one price: the wire shows their sum.
    return { bids: merge(d.bids.map(toLevel), [], true, levels), asks: merge(d.asks.map(toLevel), [], false, levels) };
  };
}
