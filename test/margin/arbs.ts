/** Random setups and steps for the margin property streams (fast-check arbitraries). */
import fc from 'fast-check';
export const SYMBOLS = ['BTC', 'ETH', 'SOL'] as const;
export const START_PRICES_USD = [20_000, 1_500, 30] as const;

export interface AccountSpec {
  usdc: number;
  /** 0: USDC only; 1: also BTC; 2: also ETH (worth `assetUsd`). */
  asset: 0 | 1 | 2;
  assetUsd: number;
  isolated: readonly boolean[];
}

export interface StreamSetup {
  strict: boolean;
  /** Liquidator window of loose streams. */
  windowTicks: number;
  depthUsd: readonly number[];
  /** IM 5% / MM 3% / penalty 1%: 20× is reachable (the defaults stop at 10×). */
  lowMargin: boolean;
  /** z = 0: ratios stay static (volatility-indexed otherwise). */
  staticRatios: boolean;
  wideJumpGuard: boolean;
  imfOnSol: boolean;
  insuranceUsd: number;
  /** A 1 s basis EMA: the mark follows the curve closely, so backstop fills move it. */
  fastBasis: boolean;
  /** Share of new orders that go long: herds make cascades (many accounts liquidated in one tick). */
  longShare: number;
  accounts: readonly AccountSpec[];
}

export type StepKind =
  | 'price'
  | 'stall'
  | 'open'
  | 'arb'
  | 'reduce'
  | 'takeover'
  | 'withdraw'
  | 'deposit'
  | 'transfer'
  | 'mode'
  | 'funding'
  | 'settle'
  | 'insurance';

export interface Step {
  kind: StepKind;
  seed: number;
}

const WEIGHTS: readonly [StepKind, number][] = [
  ['price', 24],
  ['stall', 2],
  ['open', 22],
  ['arb', 8],
  ['reduce', 6],
  ['takeover', 12],
  ['withdraw', 6],
  ['deposit', 4],
  ['transfer', 5],
  ['mode', 2],
  ['funding', 3],
  ['settle', 3],
  ['insurance', 1],
];

export const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.oneof(...WEIGHTS.map(([k, weight]) => ({ arbitrary: fc.constant(k), weight }))),
  seed: fc.nat(),
});

const accountArb: fc.Arbitrary<AccountSpec> = fc.record({
  usdc: fc.integer({ min: 1_000, max: 100_000 }),
  asset: fc.constantFrom<0 | 1 | 2>(0, 0, 1, 2),
  assetUsd: fc.integer({ min: 1_000, max: 100_000 }),
  isolated: fc
    .array(fc.boolean(), { minLength: 3, maxLength: 3 })
    .map((xs) => xs.map((x, i) => x && (i + 1) % 3 !== 0)),
});

/** Strict streams (window 0, max fill 50%), loose ones (window 1–5 ticks, default max fill), or either. */
export function setupArb(mode: 'strict' | 'loose' | 'mixed'): fc.Arbitrary<StreamSetup> {
  return fc.record({
    strict: mode === 'mixed' ? fc.boolean() : fc.constant(mode === 'strict'),
    windowTicks: fc.constantFrom(1, 2, 5),
    depthUsd: fc.array(fc.constantFrom(2_000_000, 5_000_000, 20_000_000, 100_000_000), { minLength: 3, maxLength: 3 }),
    lowMargin: fc.boolean(),
    staticRatios: fc.boolean(),
    wideJumpGuard: fc.boolean(),
    imfOnSol: fc.boolean(),
    insuranceUsd: fc.integer({ min: 0, max: 50_000 }),
    fastBasis: fc.boolean(),
    longShare: fc.constantFrom(0.5, 0.85, 0.15, 0.97),
    accounts: fc.array(accountArb, { minLength: 6, maxLength: 12 }),
  });
}
