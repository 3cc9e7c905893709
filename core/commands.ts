/**
 * The one Command union. Commands are plain data (numbers, strings,
 * booleans, small objects), so that the journal can store them and replay
 * them byte for byte. Time is not a field: the sequencer stamps it and hands
 * it to apply() beside the command.
 */
import type { MarketParams } from './params.ts';

export type Side = 'buy' | 'sell';

export interface CreateMarket {
  type: 'createMarket';
  symbol: string;
  /** Initial price, 1e-6 USD per whole base. */
  initialPrice: number;
  /** Depth of the curve: base reserve in 1e-9 units. */
  baseReserve: number;
  params?: Partial<MarketParams>;
}
export interface UpdateMarket {
  type: 'updateMarket';
  market: number;
  params: Partial<MarketParams>;
}
export interface PauseMarket {
  type: 'pauseMarket';
  market: number;
}
export interface ResumeMarket {
  type: 'resumeMarket';
  market: number;
}
export interface CreateAccount {
  type: 'createAccount';
}
export interface CreateAsset {
  type: 'createAsset';
  symbol: string;
  /** Market whose oracle prices the asset. */
  priceMarket: number;
  initialWeightE6: number;
  maintenanceWeightE6: number;
}
export interface Deposit {
  type: 'deposit';
  account: number;
  /** Quote units (1e-6 USD) for USDC; 1e-9 of the asset otherwise. */
  amount: number;
  /** Collateral asset id; 0 (USDC) when absent. */
  asset?: number;
}
export interface Withdraw {
  type: 'withdraw';
  account: number;
  amount: number;
  asset?: number;
}
export interface SetMarginMode {
  type: 'setMarginMode';
  account: number;
  market: number;
  isolated: boolean;
}
/** The margin mode of the account's cross pool (core/portfolio/mode.ts); isolated positions stay isolated. */
export interface SetAccountMarginMode {
  type: 'setAccountMarginMode';
  account: number;
  mode: 'cross' | 'portfolio';
}
/**
 * Install a portfolio-margin scenario set (core/portfolio/scenario-command.ts):
 * the fields of a ScenarioSet, its arrays as plain numbers. Journaled, so
 * replay installs the same set without the pool.
 */
export interface ScenarioSetCommand {
  type: 'scenarioSet';
  /** Must be above the version in force. */
  version: number;
  /** Must equal the engine's market count. */
  markets: number;
  gridCount: number;
  historicalCount: number;
  tailCount: number;
  measure: 'es' | 'var';
  /** (gridCount + historicalCount) × markets simple returns, scenario-major. */
  scenarios: number[];
  weights: number[];
  volatilities: number[];
  /** markets × markets, row-major. */
  correlations: number[];
  ranges: number[];
}
/** The pool's portfolio charges for the positions as of command `seqUsed` (core/portfolio/charges.ts). */
export interface PortfolioMarginCommand {
  type: 'portfolioMargin';
  /** Scenario-set version the charges were computed over; must be the one in force. */
  version: number;
  seqUsed: number;
  tsUsed: number;
  /** Strictly increasing account ids. */
  accounts: number[];
  /** ⌈scenario charge⌉ per account, non-negative integer quote units. */
  charges: number[];
}
/** Admin: portfolio-margin parameters (core/portfolio/params.ts); fields left out keep their values. */
export interface SetPortfolioParams {
  type: 'setPortfolioParams';
  floorE6?: number;
  maxChargeAgeMs?: number;
  initialMultiplierE6?: number;
}
export interface TransferIsolated {
  type: 'transferIsolated';
  account: number;
  market: number;
  /** USDC quote units: positive moves cross collateral into the isolated position, negative moves it back. */
  amount: number;
}
export interface Liquidate {
  type: 'liquidate';
  /** The account taking the position over. */
  liquidator: number;
  account: number;
  market: number;
  /** Base units to take over (capped at the position). */
  size: number;
}
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTT';
/** Self-trade prevention: what happens when a taker meets its own resting order. */
export type SelfTrade = 'cancelMaker' | 'expireTaker' | 'expireBoth';

/** A stop or take-profit condition: the order is held off the book until the price crosses `price`. */
export interface Trigger {
  kind: 'stop' | 'takeProfit';
  /** Trigger price, 1e-6 USD. */
  price: number;
  source: 'mark' | 'oracle';
}

export interface PlaceOrder {
  type: 'placeOrder';
  account: number;
  market: number;
  side: Side;
  /** Base units. */
  size: number;
  /** Limit price (1e-6 USD, a multiple of the market's tick size); 0 for a stop-market order. */
  price: number;
  /** Default GTC. IOC and FOK never rest; GTT rests until expiryTs. */
  timeInForce?: TimeInForce;
  expiryTs?: number;
  postOnly?: boolean;
  reduceOnly?: boolean;
  /** Unique among the account's open orders; a repeat is rejected. */
  clientId?: number;
  /** Default cancelMaker. */
  selfTrade?: SelfTrade;
  trigger?: Trigger;
}
export interface CancelOrder {
  type: 'cancelOrder';
  account: number;
  market: number;
  /** One of orderId or clientId. */
  orderId?: number;
  clientId?: number;
}
export interface CancelAll {
  type: 'cancelAll';
  account: number;
  /** One market, or every market when absent. */
  market?: number;
}
export interface AmendOrder {
  type: 'amendOrder';
  account: number;
  market: number;
  orderId: number;
  /** New price and/or size; priority is kept only when the size goes down at the same price. */
  price?: number;
  size?: number;
}
/** Several cancels, amends and places applied atomically: all or nothing. */
export interface Batch {
  type: 'batch';
  account: number;
  ops: (CancelOrder | AmendOrder | PlaceOrder | CancelAll)[];
}

/** The key and nonce a signed request carried; the engine consumes the nonce (core/keys.ts). */
export interface Auth {
  keyId: string;
  nonce: number;
}
export interface RegisterKey {
  type: 'registerKey';
  keyId: string;
  account: number;
  roles: string[];
  scheme: 'ed25519' | 'hmac-sha256';
  /** Ed25519: the raw 32-byte public key; HMAC: the shared secret (lower-case hex). */
  material: string;
}
export interface RevokeKey {
  type: 'revokeKey';
  keyId: string;
}
/** Consume a nonce for a signed request that is not itself a command (a query). */
export interface AdvanceNonce {
  type: 'advanceNonce';
  keyId: string;
  nonce: number;
}

/** Buy an indebted account's non-USDC collateral at its maintenance-weighted value, paying its debt. */
export interface LiquidateCollateral {
  type: 'liquidateCollateral';
  liquidator: number;
  account: number;
  asset: number;
  /** Units of the asset (1e-9) at most. */
  units: number;
}

/** One turn's risk pass: margin ratios, mark-to-market, liquidations. Appended by the loop. */
export interface Tick {
  type: 'tick';
}
export interface InsuranceDeposit {
  type: 'insuranceDeposit';
  amount: number;
}
export interface MarketOrder {
  type: 'marketOrder';
  account: number;
  market: number;
  side: Side;
  /** Base units (1e-9). */
  size: number;
  /** Worst acceptable price (1e-6 USD); the order fills only up to it. 0 or absent: no limit. */
  worstPrice?: number;
  reduceOnly?: boolean;
}
export interface OraclePrice {
  type: 'oracle';
  market: number;
  source: number;
  price: number;
  /** Half-width of the source's confidence interval, price units. */
  confidence: number;
  /** When the source published the price (ms). */
  publishTs: number;
}
export interface FundingTick {
  type: 'fundingTick';
  market: number;
}
export interface SettlePnl {
  type: 'settlePnl';
  account: number;
  market: number;
}

export type Command =
  | CreateMarket
  | UpdateMarket
  | PauseMarket
  | ResumeMarket
  | CreateAccount
  | CreateAsset
  | Deposit
  | Withdraw
  | SetMarginMode
  | SetAccountMarginMode
  | ScenarioSetCommand
  | PortfolioMarginCommand
  | SetPortfolioParams
  | TransferIsolated
  | Liquidate
  | PlaceOrder
  | CancelOrder
  | CancelAll
  | AmendOrder
  | Batch
  | LiquidateCollateral
  | RegisterKey
  | RevokeKey
  | AdvanceNonce
  | Tick
  | InsuranceDeposit
  | MarketOrder
  | OraclePrice
  | FundingTick
  | SettlePnl;

export type CommandType = Command['type'];

/** Any command may carry the auth of the signed request it came from. */
export type AuthedCommand = Command & { auth?: Auth };
