/**
 * subscribe / unsubscribe on a connection. Public channels name a market;
 * private channels need a signed subscribe and address the key's account
 * (an admin key may name any). A stream is subscribed once per connection,
 * in the encoding of the latest subscribe request. Depth and ticker send
 * their current state right after the reply; depth's snapshot carries the
 * seq the next delta follows. `liquidatable` sends its current list likewise.
 */
import type { Engine } from '../core/engine.ts';
import { reject } from '../core/errors.ts';
import type { KeyRecord } from './auth/keys.ts';
import type { Encoding } from './codec/codec.ts';
import { type WireError, wireError } from './errors.ts';
import type { GatewayLimits } from './limits.ts';
import { hasRole } from './ops.ts';
import { type Channel, isPrivateChannel } from './protocol.ts';
import { targetAccount } from './queries.ts';
import type { Session } from './session.ts';
import type { DepthFeed } from './streams/depth-feed.ts';
import type { Publisher } from './streams/publisher.ts';
import { type Scope, streamKey, topicOf } from './streams/topics.ts';
import { liquidatableView } from './views/liquidation.ts';
import { ticker } from './views/market.ts';

export interface SubscriptionDeps {
  engine: Engine;
  limits: GatewayLimits;
  publisher: Publisher;
  depth: DepthFeed;
}

const READERS = ['trader', 'read-only', 'liquidator', 'admin'] as const;

function scopeOf(
  engine: Engine,
  channel: Channel,
  p: Record<string, unknown>,
  key: KeyRecord | null,
): Scope | WireError {
  if (isPrivateChannel(channel)) {
    if (key === null) return wireError('UNAUTHORIZED', `channel ${channel} is private: sign the subscribe request`);
    if (!hasRole(key, READERS)) return wireError('FORBIDDEN', `key ${key.keyId} may not read accounts`);
    const account = targetAccount(engine, key, p.account);
    return typeof account === 'number' ? { account } : account;
  }
  if (typeof p.market !== 'number') return wireError('BAD_SCHEMA', `channel ${channel} needs a market`);
  if (engine.markets[p.market] === undefined) return reject('UNKNOWN_MARKET', `market ${p.market}`) as WireError;
  return { market: p.market };
}

/** Subscribes; returns the reply result, and `after` sends the channel's current state once the reply is out. */
export function subscribe(
  s: Session,
  p: Record<string, unknown>,
  key: KeyRecord | null,
  encoding: Encoding,
  d: SubscriptionDeps,
): { result: unknown; after: (() => void) | null } | WireError {
  const channel = p.channel as Channel;
  const scope = scopeOf(d.engine, channel, p, key);
  if ('code' in scope) return scope;
  const stream = streamKey(channel, scope);
  const topic = topicOf(encoding, stream);
  const existing = s.subs.get(stream);
  if (existing === undefined && s.subs.size >= d.limits.maxSubscriptionsPerConnection) {
    return wireError('TOO_MANY_SUBSCRIPTIONS', `at most ${d.limits.maxSubscriptionsPerConnection}`);
  }
  if (existing !== undefined && existing !== topic) s.ws?.unsubscribe(existing);
  s.ws?.subscribe(topic);
  s.subs.set(stream, topic);
  if (existing === undefined) d.publisher.opened(channel);
  const result = { channel, ...scope, seq: d.publisher.lastSeq(channel, scope) };
  let after: (() => void) | null = null;
  if (channel === 'depth') {
    after = () => {
      const snap = d.depth.snapshot(scope.market as number);
      if (snap !== null) s.send(d.publisher.message('depth', scope, snap.seq, snap.data), encoding);
    };
  } else if (channel === 'liquidatable') {
    after = () => {
      const m = d.engine.markets[scope.market as number];
      const view = liquidatableView(d.engine, m);
      s.send(d.publisher.message('liquidatable', scope, d.publisher.lastSeq('liquidatable', scope), view), encoding);
    };
  } else if (channel === 'ticker') {
    after = () => {
      const m = d.engine.markets[scope.market as number];
      s.send(d.publisher.message('ticker', scope, d.publisher.lastSeq('ticker', scope), ticker(d.engine, m)), encoding);
    };
  }
  return { result, after };
}

/** The connection closed: its streams no longer count (uWS drops its topics itself). */
export function releaseSubscriptions(s: Session, publisher: Publisher): void {
  for (const stream of s.subs.keys()) publisher.closed(stream.slice(0, stream.indexOf('/')) as Channel);
  s.subs.clear();
}

export function unsubscribe(s: Session, p: Record<string, unknown>, publisher: Publisher): unknown {
  const channel = p.channel as Channel;
  const priv = isPrivateChannel(channel);
  // Without its scope (a private channel's account, a public channel's market), every stream
  // of the channel on this connection goes; with it, exactly that stream.
  const scoped = priv ? p.account !== undefined : p.market !== undefined;
  const exact = scoped
    ? streamKey(channel, priv ? { account: p.account as number } : { market: p.market as number })
    : '';
  const prefix = `${channel}/${priv ? 'a' : 'm'}`;
  let removed = 0;
  for (const [stream, topic] of s.subs) {
    if (scoped ? stream !== exact : !stream.startsWith(prefix)) continue;
    s.ws?.unsubscribe(topic);
    s.subs.delete(stream);
    publisher.closed(channel);
    removed++;
  }
  return { channel, removed };
}
