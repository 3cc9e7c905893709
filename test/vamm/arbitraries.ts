/**
 * Shared fast-check arbitraries and seed handling for the vamm/ suites.
 * Each suite calls `fcSeed()` once at module level: it logs the seed so a
 * failing property can be replayed with FC_SEED=<seed>.
 */
import fc from 'fast-check';
import { type Curve, makeCurve } from '../../vamm/curve.ts';

export function fcSeed(suite: string): number {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
  console.log(`[${suite}] fast-check seed ${seed} (replay with FC_SEED=${seed})`);
  return seed;
}

/** Integer in [min, max], safe-integer range (fc.integer is 32-bit only). */
export function int(min: number, max: number): fc.Arbitrary<number> {
  return fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
}

/**
 * A fraction in [0, 1], uniform on a 1e-9 grid. (fc.double spreads its values
 * over the float representation, so most of them would be tiny; this does not.)
 */
export const unit: fc.Arbitrary<number> = int(0, 1_000_000_000).map((n) => n / 1_000_000_000);

/** A uniform float in [min, max] (same grid as `unit`). */
export function between(min: number, max: number): fc.Arbitrary<number> {
  return unit.map((f) => min + f * (max - min));
}

/**
 * Curves as the engine configures them: reserves from 1 whole base (1e9
 * units) to 1,000,000 base (1e15 units), peg from $0.001 to $10,000.
 */
export const curveArb: fc.Arbitrary<Curve> = fc
  .record({ b: int(1e9, 1e15), q: int(1e9, 1e15), peg: int(1_000, 10_000_000_000) })
  .map(({ b, q, peg }) => makeCurve(b, q, peg));

/** Deep curves (≥ 1e14 reserve units), where float estimates carry the most error. */
export const deepCurveArb: fc.Arbitrary<Curve> = fc
  .record({ b: int(1e14, 1e15), q: int(1e12, 1e15), peg: int(1_000, 10_000_000_000) })
  .map(({ b, q, peg }) => makeCurve(b, q, peg));

/** Value of the whole quote reserve in quote units (what an infinite short would receive). */
export function quoteReserveValue(c: Curve): number {
  return (c.quoteReserve * c.pegE6) / 1e9;
}
