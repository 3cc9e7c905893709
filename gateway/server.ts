/**
 * startGateway(options): one uWS app serving WebSocket and HTTP on one port,
 * driving an already-constructed Engine + Loop. The Loop must have been
 * built with `feed.onCommitted` (commit-feed.ts): acknowledgements and
 * streams are released only from the loop's own callbacks, after the
 * journal commit.
 */
import type { Engine } from '../core/engine.ts';
import type { Loop } from '../core/loop.ts';
import { InMemoryKeyRegistry, type KeyRegistry } from './auth/keys.ts';
import type { CommitFeed } from './commit-feed.ts';
import { DeadmanSwitch } from './deadman.ts';
import { Dispatcher } from './dispatch.ts';
import { LoopDriver } from './driver.ts';
import { CloseCodes } from './errors.ts';
import { mountHttp } from './http/routes.ts';
import { type GatewayLimits, resolveLimits } from './limits.ts';
import { GatewayMetrics } from './metrics.ts';
import { loadNativeUws } from './native.ts';
import { cancelAllOrdersCommand } from './ops.ts';
import type { HistorySource } from './queries.ts';
import type { Session } from './session.ts';
import { DepthFeed } from './streams/depth-feed.ts';
import { type DepthSource, defaultDepthSource } from './streams/depth-source.ts';
import { Publisher } from './streams/publisher.ts';
import { RecentRing } from './streams/recent.ts';
import { type FundingRecord, type PublicTrade, StreamRouter } from './streams/router.ts';
import { TickerFeed } from './streams/ticker-feed.ts';
import { BucketMap } from './token-bucket.ts';
import { DEFAULT_MIN_TURN_GAP_US } from './turn-pacer.ts';
import { mountWebSocket, sweepSlowConsumers } from './ws.ts';

export interface GatewayOptions {
  engine: Engine;
  loop: Loop;
  /** The CommitFeed whose onCommitted the Loop was constructed with. */
  feed: CommitFeed;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port (reported as `port`). */
  port?: number;
  keys?: KeyRegistry;
  /** Account history; without it the history query answers NOT_AVAILABLE. */
  history?: HistorySource;
  limits?: Partial<GatewayLimits>;
  /** Wall clock for timestamps, funding and the dead man's switch (ms). Default Date.now. */
  clock?: () => number;
  /** Idle turn and timed work period. Default 50 ms. */
  tickIntervalMs?: number;
  /**
   * Least time between the starts of two loop turns, µs (driver.ts, pacing); 0 turns at every
   * setImmediate. Default 0 (turn-pacer.ts says why).
   */
  minTurnGapUs?: number;
  /** Wait after a rejected funding tick before trying again. Default 1,000 ms. */
  fundingRetryMs?: number;
  /** Cancels every order of an account (dead man's switch, cancel-on-disconnect). Default: submits cancelAllOrders. */
  cancelAllForAccount?: (account: number) => void;
  /** L2 depth; default: the engine's depth() when present, else synthesised from the vAMM curve. */
  depth?: DepthSource;
  /** Node.js process metrics (event loop lag, memory) on /metrics. Default true. */
  processMetrics?: boolean;
  /** The loop threw (journal failure). Default: rethrow on the next tick, which stops the process. */
  onFatal?: (err: unknown) => void;
  /** After every turn: scheduling → start (lag) and the turn's own duration, in seconds (benchmarks). */
  onTurn?: (lagSec: number, turnSec: number) => void;
}

export interface Gateway {
  readonly port: number;
  readonly host: string;
  readonly keys: KeyRegistry;
  readonly metrics: GatewayMetrics;
  /** Open WebSocket connections. */
  readonly connections: number;
  /** Close every WebSocket with 1001 (clients reconnect); the listener stays open. */
  disconnectAll(): void;
  /** Stop: refuse new commands, run a last turn, close connections (1001) and the listener. */
  close(): Promise<void>;
}

const DEFAULT_TICK_INTERVAL_MS = 50;
const BUCKET_PRUNE_EVERY_MS = 10_000;

function checkOptions(o: GatewayOptions): void {
  if (o.engine === undefined || o.loop === undefined || o.feed === undefined) {
    throw new TypeError('startGateway needs engine, loop and feed (the CommitFeed the Loop was constructed with)');
  }
  if (o.loop.engine !== o.engine) throw new TypeError('startGateway: loop.engine is not the engine given');
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new RangeError(`port must be an integer in [0, 65535], got ${port}`);
  const tick = o.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS;
  if (!Number.isInteger(tick) || tick < 1 || tick > 60_000)
    throw new RangeError(`tickIntervalMs must be an integer in [1, 60000], got ${tick}`);
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  checkOptions(o);
  const uws = loadNativeUws();
  const { engine, loop } = o;
  const limits = resolveLimits(o.limits);
  const clock = o.clock ?? Date.now;
  const keys = o.keys ?? new InMemoryKeyRegistry();
  const host = o.host ?? '127.0.0.1';
  const app = uws.App();
  const sessions = new Set<Session>();
  let closing = false;
  let fatalError: unknown = null;

  const publisher = new Publisher(app);
  const depthSource = o.depth ?? defaultDepthSource(engine);
  const depth = new DepthFeed(depthSource, publisher, limits.depthLevelsDefault);
  const trades = new RecentRing<PublicTrade>(limits.recentTradesPerMarket);
  const funding = new RecentRing<FundingRecord>(limits.recentFundingPerMarket);
  const router = new StreamRouter(engine, publisher, depth, trades, funding);
  const tickers = new TickerFeed(engine, publisher);
  const deadman = new DeadmanSwitch();
  const metrics = new GatewayMetrics(
    {
      queueDepth: () => loop.pending,
      connections: () => sessions.size,
      subscriptionsPublished: () => publisher.published,
    },
    o.processMetrics ?? true,
  );
  const keyBuckets = new BucketMap(limits.keyRatePerSec, limits.keyBurst);
  const addressBuckets = new BucketMap(limits.httpAddressRatePerSec, limits.httpAddressBurst);
  let lastPruneMs = clock();
  let lastRateMs = 0;

  const onFatal =
    o.onFatal ??
    ((err: unknown) => {
      setImmediate(() => {
        throw err;
      });
    });

  const driver: LoopDriver = new LoopDriver(
    engine,
    loop,
    o.feed,
    clock,
    {
      tickIntervalMs: o.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS,
      fundingRetryMs: o.fundingRetryMs ?? 1_000,
      minTurnGapUs: o.minTurnGapUs ?? DEFAULT_MIN_TURN_GAP_US,
    },
    {
      // Tickers after the turn, not on the periodic timer before it: each ticker holds the tick just committed.
      afterTurn: () => {
        router.flushTurn();
        tickers.publishChanged();
      },
      periodic: (now) => {
        flushCommandCounts();
        for (const account of deadman.expired(now)) cancelAll(account);
        sweepSlowConsumers(sessions);
        if (now - lastRateMs >= 1_000) {
          metrics.sampleRate(now);
          lastRateMs = now;
        }
        if (now - lastPruneMs >= BUCKET_PRUNE_EVERY_MS) {
          keyBuckets.prune(now);
          addressBuckets.prune(now);
          lastPruneMs = now;
        }
      },
      fatal: (err) => {
        fatalError = err;
        for (const s of [...sessions]) s.end(CloseCodes.INTERNAL_ERROR, 'ENGINE_STOPPED');
        onFatal(err);
      },
      observe: (lag, turn) => {
        metrics.loopLag.observe(lag);
        metrics.turnDuration.observe(turn);
        o.onTurn?.(lag, turn);
      },
    },
  );

  const cancelAll =
    o.cancelAllForAccount ??
    ((account: number) => {
      if (!closing && driver.healthy) driver.submit(cancelAllOrdersCommand(account), null);
    });

  // One labelled child per (type, result), looked up once: labels() hashes its arguments on every call.
  // Counted here per command and added to the prom-client counter on the periodic tick (inc() allocates
  // and hashes its labels on every call, a few percent of a small turn): /metrics lags by a tick at most.
  const commandCounters = new Map<string, { child: { inc(n: number): void }; pending: number }>();
  const flushCommandCounts = () => {
    for (const c of commandCounters.values()) {
      if (c.pending === 0) continue;
      c.child.inc(c.pending);
      c.pending = 0;
    }
  };
  o.feed.attach((entry, outcome) => {
    metrics.count++;
    const name = outcome.ok ? entry.cmd.type : `!${entry.cmd.type}`;
    let counter = commandCounters.get(name);
    if (counter === undefined) {
      const child = metrics.commands.labels({ type: entry.cmd.type, result: outcome.ok ? 'ok' : 'rejected' });
      counter = { child, pending: 0 };
      commandCounters.set(name, counter);
    }
    counter.pending++;
    router.onCommitted(entry, outcome);
  });

  const dispatcher = new Dispatcher({
    engine,
    keys,
    keyBuckets,
    driver,
    deadman,
    metrics,
    limits,
    clock,
    closing: () => closing,
    depth,
    depthSource,
    publisher,
    trades,
    funding,
    history: o.history ?? null,
  });

  mountWebSocket(app, {
    limits,
    dispatcher,
    metrics,
    sessions,
    clock,
    publisher,
    onDisconnect: (s) => {
      for (const account of s.cancelOnDisconnect) cancelAll(account);
    },
  });
  mountHttp(app, {
    engine,
    limits,
    dispatcher,
    metrics,
    addressBuckets,
    clock,
    ready: () =>
      fatalError !== null
        ? { ready: false, reason: 'engine loop stopped' }
        : closing
          ? { ready: false, reason: 'closing' }
          : { ready: true },
  });

  const listenSocket = await new Promise<unknown>((resolve, reject) => {
    app.listen(host, o.port ?? 0, (ls) =>
      ls ? resolve(ls) : reject(new Error(`gateway could not listen on ${host}:${o.port ?? 0}`)),
    );
  });
  const port = uws.us_socket_local_port(listenSocket as never);
  driver.start();

  return {
    port,
    host,
    keys,
    metrics,
    get connections() {
      return sessions.size;
    },
    disconnectAll() {
      for (const s of [...sessions]) s.end(CloseCodes.GOING_AWAY, 'GOING_AWAY');
    },
    async close() {
      if (closing) return;
      closing = true;
      driver.stop();
      // Release what is queued: its replies go out before the connections close.
      if (loop.pending > 0) driver.turn();
      flushCommandCounts();
      for (const s of [...sessions]) s.end(CloseCodes.GOING_AWAY, 'GOING_AWAY');
      uws.us_listen_socket_close(listenSocket as never);
      (app as unknown as { close?: () => void }).close?.();
      o.feed.attach(null);
    },
  };
}
