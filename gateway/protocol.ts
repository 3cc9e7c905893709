/**
 * The wire vocabulary shared by the gateway and its SDK: message shapes,
 * roles, stream channels. One schema for both encodings (JSON text frames,
 * MessagePack binary frames). Field-level schemas live in schema/.
 */

/** What a key may do. A key holds one or more roles and is bound to one account. */
export type Role = 'trader' | 'read-only' | 'liquidator' | 'oracle' | 'admin';
export const ROLES: readonly Role[] = ['trader', 'read-only', 'liquidator', 'oracle', 'admin'];

export type RequestId = number | string;

/** A request: `op` and `params`; signed requests add key, ts, nonce and sig. */
export interface Request {
  id?: RequestId;
  op: string;
  params?: Record<string, unknown>;
  key?: string;
  ts?: number;
  nonce?: number;
  sig?: string;
}

export interface OkReply<T = unknown> {
  id: RequestId | null;
  ok: true;
  result: T;
}

export interface ErrorReply {
  id: RequestId | null;
  ok: false;
  code: string;
  message: string;
  /** For a command the engine rejected: the seq it was journaled under. */
  seq?: number;
}

export type Reply<T = unknown> = OkReply<T> | ErrorReply;

/** Public channels are per market; private channels are per account and need a signed subscribe. */
export const PUBLIC_CHANNELS = ['trades', 'ticker', 'liquidations', 'funding', 'depth', 'liquidatable'] as const;
export const PRIVATE_CHANNELS = ['orders', 'fills', 'positions', 'margin', 'warnings'] as const;
export type PublicChannel = (typeof PUBLIC_CHANNELS)[number];
export type PrivateChannel = (typeof PRIVATE_CHANNELS)[number];
export type Channel = PublicChannel | PrivateChannel;

export function isPrivateChannel(c: string): c is PrivateChannel {
  return (PRIVATE_CHANNELS as readonly string[]).includes(c);
}

/**
 * A stream message. `seq` counts the messages of one stream (channel +
 * market or account) from 1; a client that sees seq jump has missed messages.
 */
export interface StreamMessage<T = unknown> {
  stream: Channel;
  /** Market id for public channels, account id for private ones. */
  market?: number;
  account?: number;
  seq: number;
  data: T;
}

/** One L2 level: [price, size]; size 0 in a delta removes the level. */
export type Level = [price: number, size: number];

/**
 * Depth messages: a snapshot on subscribe (and on resync), then deltas.
 * A delta's seq is exactly one more than the previous depth message's seq
 * for that market; anything else is a gap: discard the book and resync.
 */
export interface DepthData {
  type: 'snapshot' | 'delta';
  levels: number;
  bids: Level[];
  asks: Level[];
}

/** Ops that are never signed. subscribe is signed only for private channels; every other op is signed. */
export const UNSIGNED_OPS: readonly string[] = [
  'ping',
  'time',
  'markets',
  'ticker',
  'depth',
  'trades',
  'fundingHistory',
  'insurance',
  'liquidatable',
  'unsubscribe',
  'logout',
];

/** Prefix of every signing payload; bumped if the canonical form ever changes. */
export const SIGNING_DOMAIN = 'clearloop-v1';
