/**
 * The one Event union: everything the engine tells the outside world. Events
 * are produced by apply() and released only after the turn's journal commit.
 */

import type { Side, TimeInForce, Trigger } from './commands.ts';
import type { ErrorCode } from './errors.ts';
import type { LiquidationRows } from './liquidation-rows.ts';
import type { MatchRows } from './match-rows.ts';
import type { MarketParams } from './params.ts';
import type { FallbackReason } from './risk/freshness.ts';

export type Liquidity = 'amm' | 'book';
export type CancelReason =
  | 'user'
  | 'selfTrade'
  | 'expired'
  | 'unfilled'
  | 'reduceOnly'
  | 'liquidation'
  | 'triggerFailed'
  | 'postOnly';

/** What a fill reports of one account's side of it. */
export interface FillFields {
  account: number;
  market: number;
  side: Side;
  /** Base units filled. */
  base: number;
  /** Quote units exchanged on the curve or with the maker, before fees. */
  quote: number;
  /** Average price, 1e-6 USD (rounded). */
  price: number;
  fee: number;
  spreadFee: number;
  realisedPnl: number;
  /** Position after the fill. */
  positionBase: number;
}

export type Event =
  | { type: 'marketCreated'; market: number; symbol: string; params: MarketParams }
  | { type: 'marketUpdated'; market: number; params: MarketParams }
  | { type: 'marketPaused'; market: number }
  | { type: 'marketResumed'; market: number }
  | { type: 'accountCreated'; account: number }
  | { type: 'keyRegistered'; keyId: string; account: number; roles: string[]; scheme: string }
  | { type: 'keyRevoked'; keyId: string }
  | { type: 'assetCreated'; asset: number; symbol: string; priceMarket: number }
  | { type: 'deposited'; account: number; asset: number; amount: number; balance: number }
  | { type: 'withdrawn'; account: number; asset: number; amount: number; balance: number }
  | { type: 'marginModeSet'; account: number; market: number; isolated: boolean }
  | { type: 'accountMarginModeSet'; account: number; mode: 'cross' | 'portfolio' }
  | {
      type: 'scenarioSetInstalled';
      version: number;
      markets: number;
      gridCount: number;
      historicalCount: number;
      tailCount: number;
    }
  | {
      type: 'portfolioCharges';
      version: number;
      seqUsed: number;
      tsUsed: number;
      /** Accounts whose charge was replaced; the others changed since seqUsed or hold a fresher one. */
      applied: number;
      skipped: number;
    }
  /** The tick saw a portfolio account's requirement source flip: to cross margin (active) or back. */
  | { type: 'portfolioFallback'; account: number; active: boolean; reason: FallbackReason | null }
  | { type: 'portfolioParamsSet'; floorE6: number; maxChargeAgeMs: number; initialMultiplierE6: number }
  | { type: 'isolatedTransfer'; account: number; market: number; amount: number; isolatedCollateral: number }
  | { type: 'marginRatios'; market: number; initialE6: number; maintenanceE6: number; maintenanceTargetE6: number }
  | { type: 'marginWarning'; account: number; market: number; equity: number; maintenance: number }
  | {
      type: 'liquidationStarted';
      account: number;
      market: number;
      equity: number;
      maintenance: number;
      ordersCancelled: number;
    }
  | { type: 'liquidationEnded'; account: number; market: number }
  /**
   * The tick's liquidationStarted, pnlSettled, liquidation and liquidationEnded events of its
   * backstop, in columns (liquidation-rows.ts; classicEvents expands them in place).
   */
  | { type: 'liquidationBatch'; rows: LiquidationRows; epoch: number }
  | {
      type: 'liquidation';
      account: number;
      market: number;
      /** Account that took the position over; −1 for the engine's backstop on the vAMM. */
      liquidator: number;
      side: Side;
      base: number;
      price: number;
      penalty: number;
      liquidatorReward: number;
      insuranceShare: number;
    }
  | {
      type: 'collateralLiquidated';
      account: number;
      asset: number;
      units: number;
      usdc: number;
      /** The buyer: an account, or −1 for the insurance fund. */
      liquidator: number;
    }
  | {
      type: 'bankruptcy';
      account: number;
      market: number;
      shortfall: number;
      insuranceCovered: number;
      /** Loss spread over the opposite side's open interest through its funding index. */
      socialised: number;
      /** Covered by the market's fee pool when the AMM was the only counterparty. */
      feePoolCovered: number;
    }
  | { type: 'insuranceDeposited'; amount: number; insuranceFund: number }
  | ({
      type: 'fill';
      liquidity: Liquidity;
      /** Taker or maker side of the trade; the AMM is never an account. */
      role?: 'taker' | 'maker';
      /** The account's order that filled, when it was a book order. */
      orderId?: number;
    } & FillFields)
  | { type: 'trade'; market: number; price: number; size: number; takerSide: Side; liquidity: Liquidity }
  /**
   * A taker's consecutive fills, against resting orders and the curve, one
   * row each in walk order, in columns (core/match-rows.ts; read them with
   * matchRows). A row against a resting order stands for, in this order: the
   * taker's pnlSettled (when its settled amount ≠ 0), the maker's (likewise),
   * the taker's fill, the maker's fill and the trade, with liquidity 'book';
   * a curve leg for the taker's pnlSettled (likewise), its fill and the
   * trade, with liquidity 'amm' (classicEvents expands them,
   * core/classic-events.ts). A sweep makes one object where it made up to
   * five per level.
   */
  | {
      type: 'takerMatches';
      market: number;
      takerSide: Side;
      taker: number;
      /** The taker's order id; −1 for a market order. */
      takerOrderId: number;
      /** The batch's first row and its number of rows. */
      first: number;
      count: number;
      rows: MatchRows;
      epoch: number;
    }
  | {
      type: 'orderAccepted';
      account: number;
      market: number;
      orderId: number;
      clientId: number;
      side: Side;
      price: number;
      size: number;
      timeInForce: TimeInForce;
      postOnly: boolean;
      reduceOnly: boolean;
      trigger: Trigger | null;
    }
  | { type: 'orderRested'; account: number; market: number; orderId: number; price: number; size: number }
  | {
      type: 'orderAmended';
      account: number;
      market: number;
      orderId: number;
      price: number;
      size: number;
      priorityKept: boolean;
    }
  | {
      type: 'orderCancelled';
      account: number;
      market: number;
      orderId: number;
      remaining: number;
      reason: CancelReason;
    }
  | {
      type: 'orderTriggered';
      account: number;
      market: number;
      /** The trigger order's id. */
      orderId: number;
      /** The id the fired order trades and rests under. */
      newOrderId: number;
      triggerPrice: number;
      price: number;
    }
  | { type: 'pnlSettled'; account: number; market: number; amount: number; unsettled: number }
  | { type: 'fundingSettled'; account: number; market: number; amount: number }
  | { type: 'oraclePrice'; market: number; price: number; confidence: number; publishTs: number; markPrice: number }
  | { type: 'oracleGuard'; market: number; guard: ErrorCode; active: boolean }
  | {
      type: 'funding';
      market: number;
      /** Rate for the elapsed interval, E6 (float). */
      rateE6: number;
      markTwap: number;
      oracleTwap: number;
      longIndex: number;
      shortIndex: number;
      /** Quote units the fee pool paid to fund the AMM's side. */
      feePoolPaid: number;
      /** True when the receiving side got less because the fee pool could not pay. */
      capped: boolean;
    }
  | { type: 'repeg'; market: number; oldPeg: number; newPeg: number; cost: number }
  | { type: 'kAdjusted'; market: number; oldBaseReserve: number; newBaseReserve: number; cost: number };

export type EventType = Event['type'];
