/**
 * What a scenario is made of: markets replaying real price files, the
 * insurance fund, and the agent population. Plain data, so a scenario can be
 * printed, diffed and overridden from the command line.
 */
import type { MarketParams } from '../core/params.ts';

export interface MarketSpec {
  symbol: string;
  /** Price file under sim/data. */
  file: string;
  /** Depth of the vAMM: USD value of the quote reserve at the first price. */
  depthUsd: number;
  params?: Partial<MarketParams>;
}

export type TraderStyle = 'momentum' | 'contrarian' | 'noise';

export interface TraderSpec {
  count: number;
  /** Deposits are drawn from this ladder (USD), each scaled by 0.8–1.2. */
  depositLadderUsd: number[];
  /** Leverage = 1 + (max − 1) × u^skew, u uniform; max = 1 / initial margin. */
  leverageSkew: number;
  /** Share of traders who always use (almost) the maximum leverage. */
  maxLeverageShare: number;
  styles: Record<TraderStyle, number>;
  /** Mean time between decisions, per style (ms). */
  decisionMs: Record<TraderStyle, number>;
  /** Momentum / contrarian lookback (ms) and the move that triggers them (E6). */
  lookbackMs: number;
  momentumTriggerE6: number;
  contrarianTriggerE6: number;
  /** Worst price a trader accepts, away from the oracle (E6). */
  slippageE6: number;
  isolatedShare: number;
  /** Share of (cross) traders that trade every market, not one. */
  multiMarketShare: number;
}

export interface MakerSpec {
  /** Makers per market. */
  perMarket: number;
  capitalUsd: number;
  /** Half the quoted spread around the skewed fair price (E6). */
  halfSpreadE6: number;
  /** Fair price shift at full inventory (E6): a long maker quotes lower. */
  skewE6: number;
  quoteUsd: number;
  maxInventoryUsd: number;
  /** How quotes reach the engine: IOC orders against the vAMM, or resting limit orders on the book. */
  executor?: 'vamm' | 'book';
}

export interface ArbitrageurSpec {
  perMarket: number;
  capitalUsd: number;
  /** Trade when the vAMM is further than this from the oracle (E6). */
  thresholdE6: number;
  /** Largest position, as a multiple of capital. */
  maxLeverage: number;
}

export interface LiquidatorSpec {
  capitalUsd: number;
  /** Ticks between seeing a distressed account and the takeover landing. */
  latencyTicks: number;
  /** Largest position it will hold, as a multiple of capital. */
  maxLeverage: number;
}

export interface AttackerSpec {
  /** Index of the (thin) market it attacks. */
  market: number;
  /** USD on the account that goes long and pumps, and on the one that shorts. */
  longDepositUsd: number;
  shortDepositUsd: number;
  /** Leverage of the opening wash trade (both accounts). */
  leverage: number;
  /** When the attack starts, as a fraction of the run. */
  startFraction: number;
  pumpSteps: number;
  holdSteps: number;
}

export interface PopulationSpec {
  traders: TraderSpec;
  makers: MakerSpec;
  arbitrageurs: ArbitrageurSpec;
  liquidators: LiquidatorSpec[];
  attacker: AttackerSpec | null;
}

export interface ScenarioSpec {
  name: string;
  description: string;
  /** A crash path: the tests hold the default parameters to no socialised loss on it. */
  crash: boolean;
  markets: MarketSpec[];
  insuranceUsd: number;
  /** Oracle confidence half-width as a ratio of the price (E6). */
  oracleConfidenceE6: number;
  population: PopulationSpec;
}

export interface RunOptions {
  seed: number;
  /** Cut the run short (tests, benches). */
  maxSteps?: number;
  /** Market parameter overrides applied to every market (CLI, sweeps). */
  params?: Partial<MarketParams>;
  /** Record time series and margin-ratio snapshots for the HTML report. */
  series?: boolean;
  /** Check the engine's invariants every this many steps (0: only at the end). */
  invariantsEverySteps?: number;
  /** Keep every applied command (for replay checks). */
  journal?: boolean;
}
