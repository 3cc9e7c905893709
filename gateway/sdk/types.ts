/**
 * The SDK's wire types. Request params are derived from the gateway's own
 * compiled schemas (schema/params.ts), so a typed call can never drift from
 * what the server validates; results are the gateway's view types. Type-only
 * imports: no server code runs in a client.
 */
import type { Static } from '@sinclair/typebox';
import type { HistoryKind } from '../queries.ts';
import type { P } from '../schema/params.ts';
import type { FundingRecord, PublicTrade } from '../streams/router.ts';
import type { AccountView, PositionView } from '../views/account.ts';
import type { InsuranceView, LiquidatableView } from '../views/liquidation.ts';
import type { MarketSummary, Ticker } from '../views/market.ts';
import type { OpenOrder } from '../views/orders.ts';

/** The params of a wire op, as its schema accepts them. */
export type ParamsOf<Op extends keyof typeof P> = Static<(typeof P)[Op]>;

export type Side = 'buy' | 'sell';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTT';
export type MarketOrderParams = ParamsOf<'marketOrder'>;
/** Every order type of the book: GTC/IOC/FOK/GTT limits, post-only, reduce-only, client ids, self-trade rules, stop and take-profit triggers. */
export type PlaceOrderParams = ParamsOf<'placeOrder'>;
export type CancelOrderParams = { market: number; orderId: number } | { market: number; clientId: number };
export type AmendOrderParams = ParamsOf<'amendOrder'>;
export type BatchOp = ParamsOf<'batch'>['ops'][number];
export type OracleParams = ParamsOf<'oracle'>;
export type CreateMarketParams = ParamsOf<'createMarket'>;
export type CreateAssetParams = ParamsOf<'createAsset'>;
export type HistoryParams = ParamsOf<'history'>;
export type RegisterKeyParams = ParamsOf<'registerKey'>;

/** What a command's acknowledgement holds: its journal seq and the engine's events. */
export interface CommandAck {
  seq: number;
  events: EngineEvent[];
}

/** An engine event as it arrives in an ack or a stream (core/events.ts lists them), read loosely. */
export interface EngineEvent {
  type: string;
  [field: string]: unknown;
}

export interface TimeResult {
  /** Gateway wall clock (ms). */
  ts: number;
  /** Engine time of the last applied command, and its seq. */
  engineTs: number;
  seq: number;
}

export interface DepthResult {
  market: number;
  levels: number;
  bids: [price: number, size: number][];
  asks: [price: number, size: number][];
}

export interface HistoryPage<T = Record<string, unknown>> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** registerKey's result: a journaled command with engine-backed keys (the server's), else the key's fields. */
export type KeyRegistered = CommandAck | { keyId: string; account: number; roles: string[] };

export interface SubscribeResult {
  channel: string;
  market?: number;
  account?: number;
  /** The seq of the last message published on the stream: the next one is seq + 1. */
  seq: number;
}

export type {
  AccountView,
  FundingRecord,
  HistoryKind,
  InsuranceView,
  LiquidatableView,
  MarketSummary,
  OpenOrder,
  PositionView,
  PublicTrade,
  Ticker,
};
