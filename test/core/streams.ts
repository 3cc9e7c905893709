/** Random setups and command steps for the engine's model-based tests (fast-check arbitraries, a seeded Rng). */
import fc from 'fast-check';
import type { MarketParams } from '../../core/params.ts';
import { HOUR_MS, PRICE_USD, UNIT, USD } from './helpers.ts';

export { Rng } from '../support/rng.ts';

export type StepKind =
  | 'order'
  | 'oracle'
  | 'deposit'
  | 'withdraw'
  | 'insurance'
  | 'funding'
  | 'settle'
  | 'createAccount'
  | 'createMarket'
  | 'updateMarket'
  | 'pauseResume'
  | 'tick'
  | 'marginMode'
  | 'transferIsolated'
  | 'liquidate'
  | 'createAsset'
  | 'malformed';

/** One generated step: what kind of command, a seed for its details, a seed for the time that passes. */
export interface Step {
  kind: StepKind;
  seed: number;
  time: number;
}

const STEP_WEIGHTS: readonly [StepKind, number][] = [
  ['order', 36],
  ['oracle', 30],
  ['deposit', 4],
  ['withdraw', 5],
  ['insurance', 1],
  ['funding', 5],
  ['settle', 5],
  ['createAccount', 2],
  ['createMarket', 1],
  ['updateMarket', 2],
  ['pauseResume', 2],
  ['tick', 10],
  ['marginMode', 2],
  ['transferIsolated', 2],
  ['liquidate', 3],
  ['createAsset', 1],
  ['malformed', 7],
];

/** The violent profile: more ticks and liquidations (prices also jump more, see Setup.violent). */
const STRESS_WEIGHTS: readonly [StepKind, number][] = STEP_WEIGHTS.map(([k, w]): [StepKind, number] => [
  k,
  k === 'tick' ? 25 : k === 'liquidate' ? 8 : k === 'oracle' ? 34 : w,
]);

function stepArbOf(weights: readonly [StepKind, number][]): fc.Arbitrary<Step> {
  return fc.record({
    kind: fc.oneof(...weights.map(([k, weight]) => ({ arbitrary: fc.constant(k), weight }))),
    seed: fc.nat(),
    time: fc.nat(),
  });
}

export const stepArb: fc.Arbitrary<Step> = stepArbOf(STEP_WEIGHTS);
export const stressStepArb: fc.Arbitrary<Step> = stepArbOf(STRESS_WEIGHTS);

export interface MarketSpec {
  symbol: string;
  initialPrice: number;
  baseReserve: number;
  params: Partial<MarketParams>;
}

export interface Setup {
  markets: MarketSpec[];
  /** Deposits of the initial accounts (quote units). */
  deposits: number[];
  /** Violent price paths: jumps that persist, so leveraged accounts get liquidated. */
  violent?: boolean;
}

const marketSpecArb = fc.record({
  initialPrice: fc.constantFrom(350_000, 100 * PRICE_USD, 2_500 * PRICE_USD, 30_000 * PRICE_USD),
  depth: fc.constantFrom(10_000 * USD, 100_000 * USD, 1_000_000 * USD),
  sources: fc.constantFrom(1, 3),
  fundingIntervalMs: fc.constantFrom(60_000, 600_000, HOUR_MS),
  priceBandE6: fc.constantFrom(50_000, 100_000, 200_000),
  takerFeeE6: fc.constantFrom(100, 500, 1_000),
  targetFeePool: fc.constantFrom(1_000_000, 1_000_000_000),
  fundingCapE6: fc.constantFrom(1_250, 10_000),
  oracleMaxStaleTradeMs: fc.constantFrom(10_000, 30_000),
});

/** 2–3 markets (notional depth $10k–$1M each) and 4–8 accounts funded with $1k–$2M. */
export const setupArb: fc.Arbitrary<Setup> = fc.record({
  markets: fc.array(marketSpecArb, { minLength: 2, maxLength: 3 }).map((ms) =>
    ms.map(
      (x, i): MarketSpec => ({
        symbol: ['ETH', 'BTC', 'SOL'][i],
        initialPrice: x.initialPrice,
        // Depth in quote terms → base reserve at the initial price.
        baseReserve: Math.round((x.depth / x.initialPrice) * UNIT),
        params: {
          oracleSources: x.sources,
          fundingIntervalMs: x.fundingIntervalMs,
          priceBandE6: x.priceBandE6,
          takerFeeE6: x.takerFeeE6,
          targetFeePool: x.targetFeePool,
          fundingCapE6: x.fundingCapE6,
          oracleMaxStaleTradeMs: x.oracleMaxStaleTradeMs,
        },
      }),
    ),
  ),
  deposits: fc.array(fc.integer({ min: 1_000 * USD, max: 2_000_000 * USD }), { minLength: 4, maxLength: 8 }),
});

/**
 * A whole run: setup and `commands` steps, two in three in the ordinary
 * profile, one in three in the violent one.
 */
export function runArb(commands: number): fc.Arbitrary<[Setup, Step[]]> {
  const steps = (arb: fc.Arbitrary<Step>) => fc.array(arb, { minLength: commands, maxLength: commands });
  return fc.oneof(
    { arbitrary: fc.tuple(setupArb, steps(stepArb)), weight: 2 },
    {
      arbitrary: fc.tuple(
        // Small accounts, so that leverage (and liquidation) is within reach of the orders.
        fc.record({
          markets: setupArb.map((x) => x.markets),
          deposits: fc.array(fc.integer({ min: 500 * USD, max: 20_000 * USD }), { minLength: 4, maxLength: 8 }),
          violent: fc.constant(true),
        }),
        steps(stressStepArb),
      ),
      weight: 1,
    },
  );
}
