/**
 * Publishes stream messages to uWS topics. A message is encoded only for the
 * encodings that have subscribers, and not at all when nobody listens. Each
 * stream numbers its messages (`seq`); the depth feed supplies its own.
 */
import type { TemplatedApp } from 'uWebSockets.js';
import { encodeJson, encodeMsgpack } from '../codec/codec.ts';
import type { Channel, StreamMessage } from '../protocol.ts';
import { type Scope, streamKey, topicOf } from './topics.ts';

export class Publisher {
  private readonly seqs = new Map<string, number>();
  /**
   * Streams subscribed per channel, over all connections (subscriptions.ts keeps it). Never below
   * the true number, so a channel at 0 has no subscriber and its per-event work can be skipped
   * without asking uWS (topic names, native calls, payload objects).
   */
  private readonly streams = new Map<Channel, number>();
  published = 0;

  constructor(private readonly app: TemplatedApp) {}

  /** Per channel, per market: its two topic names, built once (the per-turn feeds ask every market). */
  private readonly marketTopics = new Map<Channel, [json: string, msgpack: string][]>();

  /** A connection subscribed a stream of `channel` (not an encoding change of one it has). */
  opened(channel: Channel): void {
    this.streams.set(channel, (this.streams.get(channel) ?? 0) + 1);
  }

  /** A connection's stream of `channel` went (unsubscribed, or the connection closed). */
  closed(channel: Channel): void {
    const n = (this.streams.get(channel) ?? 0) - 1;
    if (n > 0) this.streams.set(channel, n);
    else this.streams.delete(channel);
  }

  /** False when no connection subscribes any stream of `channel`. */
  any(channel: Channel): boolean {
    return this.streams.has(channel);
  }

  /** Subscribers of a public channel's market stream, without building its topic names each time. */
  marketSubscribers(channel: Channel, market: number): number {
    if (!this.streams.has(channel)) return 0;
    let byMarket = this.marketTopics.get(channel);
    if (byMarket === undefined) {
      byMarket = [];
      this.marketTopics.set(channel, byMarket);
    }
    let t = byMarket[market];
    if (t === undefined) {
      const key = streamKey(channel, { market });
      t = [topicOf('json', key), topicOf('msgpack', key)];
      byMarket[market] = t;
    }
    return this.app.numSubscribers(t[0]) + this.app.numSubscribers(t[1]);
  }

  subscribers(channel: Channel, scope: Scope): number {
    if (!this.streams.has(channel)) return 0;
    const key = streamKey(channel, scope);
    return this.app.numSubscribers(topicOf('json', key)) + this.app.numSubscribers(topicOf('msgpack', key));
  }

  /** The seq of the last message published on a stream (0 before the first). */
  lastSeq(channel: Channel, scope: Scope): number {
    return this.seqs.get(streamKey(channel, scope)) ?? 0;
  }

  message<T>(channel: Channel, scope: Scope, seq: number, data: T): StreamMessage<T> {
    return scope.account !== undefined
      ? { stream: channel, account: scope.account, seq, data }
      : { stream: channel, market: scope.market, seq, data };
  }

  /** Publishes `data`; returns false (and assigns no seq) when nobody subscribes. */
  publish(channel: Channel, scope: Scope, data: unknown, explicitSeq?: number): boolean {
    if (!this.streams.has(channel)) return false;
    const key = streamKey(channel, scope);
    const jt = topicOf('json', key);
    const mt = topicOf('msgpack', key);
    const nj = this.app.numSubscribers(jt);
    const nm = this.app.numSubscribers(mt);
    if (nj + nm === 0) return false;
    let seq = explicitSeq;
    if (seq === undefined) {
      seq = (this.seqs.get(key) ?? 0) + 1;
      this.seqs.set(key, seq);
    }
    const msg = this.message(channel, scope, seq, data);
    if (nj > 0) this.app.publish(jt, encodeJson(msg), false);
    if (nm > 0) this.app.publish(mt, encodeMsgpack(msg), true);
    this.published += nj + nm;
    return true;
  }
}
