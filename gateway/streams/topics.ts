/**
 * uWS topic names. A stream is a channel plus a scope (market for public
 * channels, account for private ones); each stream has one topic per
 * encoding, because a topic carries the same bytes to every subscriber:
 *
 *   j/trades/m0    JSON subscribers of market 0's trades
 *   m/fills/a17    MessagePack subscribers of account 17's fills
 */
import type { Encoding } from '../codec/codec.ts';
import type { Channel } from '../protocol.ts';

export interface Scope {
  market?: number;
  account?: number;
}

export function streamKey(channel: Channel, scope: Scope): string {
  return scope.account !== undefined ? `${channel}/a${scope.account}` : `${channel}/m${scope.market}`;
}

export function topicOf(encoding: Encoding, stream: string): string {
  return `${encoding === 'json' ? 'j' : 'm'}/${stream}`;
}
