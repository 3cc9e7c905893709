/**
 * The exchange process: config → store (journal, snapshots, history) →
 * recovery → loop → gateway, plus the built-in simulated oracle feed and the
 * snapshot policy. `npm start` runs it on config/default.json; a path as the
 * first argument (or CLEARLOOP_CONFIG) selects another config, and
 * CLEARLOOP_DATA_PATH / CLEARLOOP_PORT override the journal path and port.
 *
 * First start (an empty journal): the genesis commands from the config are
 * journaled (markets, collateral assets, the insurance fund), an admin
 * account is created with an Ed25519 key whose private half is written to
 * `<journal>.admin-key.json` (mode 0600; gateway/sdk loadAdminKey reads it).
 * Every later start recovers.
 *
 * Embedding: `const server = await main([], { configPath, dataPath, port: 0 })`
 * runs it in the caller's process and returns a handle; `await server.stop()`
 * closes sockets, drains the loop into the journal, writes a final snapshot
 * and stops the pool, without ending the process. The command line entry
 * stops the same way on SIGINT / SIGTERM, then exits.
 */

import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { Command } from '../core/commands.ts';
import type { Engine } from '../core/engine.ts';
import { Loop } from '../core/loop.ts';
import { warmLiquidationPath } from '../core/warmup.ts';
import { EngineKeyRegistry } from '../gateway/auth/engine-keys.ts';
import { CommitFeed } from '../gateway/commit-feed.ts';
import { registerPortfolioMetrics } from '../gateway/metrics.ts';
import { type AdminKeyFile, adminKeyPathFor } from '../gateway/sdk/admin-key.ts';
import { type Gateway, startGateway } from '../gateway/server.ts';
import { historySource } from '../persistence/history-source.ts';
import { SnapshotPolicy } from '../persistence/snapshot-policy.ts';
import { openStore } from '../persistence/store.ts';
import { type Config, DEFAULT_CONFIG_PATH, loadConfig } from './config.ts';
import { OracleSim } from './oracle-sim.ts';
import { PortfolioRunner, portfolioFallbackAccounts } from './portfolio-runner.ts';
import { tuneInlining } from './v8-flags.ts';

const ADMIN_ROLES = ['admin', 'trader', 'read-only', 'liquidator', 'oracle'];

/** Commands that build the exchange the config describes, for an empty journal. */
function genesis(config: Config, adminPublicKeyHex: string): Command[] {
  const out: Command[] = [];
  config.markets.forEach((m) => {
    out.push({
      type: 'createMarket',
      symbol: m.symbol,
      initialPrice: m.initialPrice,
      baseReserve: m.baseReserve,
      params: m.params,
    });
  });
  for (const a of config.assets) {
    out.push({
      type: 'createAsset',
      symbol: a.symbol,
      priceMarket: config.markets.findIndex((m) => m.symbol === a.priceMarket),
      initialWeightE6: a.initialWeightE6,
      maintenanceWeightE6: a.maintenanceWeightE6,
    });
  }
  if (config.insuranceFund > 0) out.push({ type: 'insuranceDeposit', amount: config.insuranceFund });
  out.push({ type: 'createAccount' });
  out.push({
    type: 'registerKey',
    keyId: 'admin',
    account: 0,
    roles: ADMIN_ROLES,
    scheme: 'ed25519',
    material: adminPublicKeyHex,
  });
  return out;
}

function adminKey(path: string): string {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('hex');
  const file: AdminKeyFile = { keyId: 'admin', account: 0, publicKey: raw, privateKeyPkcs8: pkcs8 };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  return raw;
}

export interface MainOptions {
  /** Config file; default argv[0], then CLEARLOOP_CONFIG, then config/default.json. */
  configPath?: string;
  /** Journal path; default CLEARLOOP_DATA_PATH, then the config's. */
  dataPath?: string;
  /** Port; default CLEARLOOP_PORT, then the config's (0: any free port). */
  port?: number;
  /** Stop on SIGINT / SIGTERM and exit the process. Default false (the command line entry sets it). */
  signals?: boolean;
  /** Where the log lines go. Default stdout with a timestamp. */
  log?: (line: string) => void;
}

/** A running exchange: what main() returns to embedders and tests. */
export interface RunningServer {
  readonly config: Config;
  readonly engine: Engine;
  readonly gateway: Gateway;
  readonly portfolio: PortfolioRunner;
  readonly host: string;
  readonly port: number;
  /** ws://host:port and http://host:port. */
  readonly url: string;
  readonly http: string;
  readonly journalPath: string;
  /** The admin key file (gateway/sdk loadAdminKey reads it). */
  readonly adminKeyPath: string;
  /**
   * Stop: timers, then the gateway (refuses new commands, releases what is
   * queued, closes connections and the listener), the portfolio pool, a last
   * drain of the loop into the journal, a final snapshot, and the store.
   * Idempotent: a second call returns the first call's promise.
   */
  stop(): Promise<{ seq: number; snapshotSeq: number }>;
}

export async function main(argv: string[] = [], o: MainOptions = {}): Promise<RunningServer> {
  const log = o.log ?? defaultLog;
  const config = loadConfig(o.configPath ?? argv[0] ?? process.env.CLEARLOOP_CONFIG ?? DEFAULT_CONFIG_PATH);
  const path = o.dataPath ?? process.env.CLEARLOOP_DATA_PATH ?? config.persistence.path;
  const port =
    o.port ?? (process.env.CLEARLOOP_PORT !== undefined ? Number(process.env.CLEARLOOP_PORT) : config.gateway.port);
  mkdirSync(dirname(path), { recursive: true });
  // History rows are written by the background worker from the journal, so they never lengthen
  // the turn's commit (journal.overhead_ratio: 0.87–0.90 this way, 0.30–0.41 written inline).
  const store = openStore(path, {
    synchronous: config.persistence.synchronous,
    keepSnapshots: config.persistence.retainSnapshots,
    history: 'background',
  });
  const { engine, report } = store.recovery.recover();
  for (const note of report.notes) log(`recovery: ${note}`);
  log(`recovered seq ${engine.seq} (${report.start.kind}), state ${engine.stateHash().slice(0, 16)}`);
  // A crash's buffers (undo log, liquidation rows, fair order) kept reserved as the accounts grow.
  engine.reserveCrashBuffers();

  const clock = Date.now;
  const feed = new CommitFeed();
  const loop = new Loop(engine, clock, store.journal, { ...config.loop, tickEveryTurn: true }, feed.onCommitted);
  const keyPath = adminKeyPathFor(path);
  if (engine.markets.length === 0) {
    const pub = adminKey(keyPath);
    for (const c of genesis(config, pub)) loop.submit(c);
    loop.drain();
    log(
      `genesis: ${engine.markets.length} markets, ${engine.assets.length - 1} collateral assets; admin key in ${keyPath}`,
    );
  }

  if (config.loop.warmupCrashes > 0) {
    // Before traffic: the liquidation path through V8's optimising compiler (core/warmup.ts).
    const t0 = performance.now();
    const n = warmLiquidationPath(config.loop.warmupCrashes);
    log(`warm-up: ${n} liquidations on throwaway engines in ${Math.round(performance.now() - t0)} ms`);
  }

  const background = store.startBackground();
  background.onProblem((err) => log(`background worker: ${err.message}`));
  // One round trip before serving: a worker that cannot load or reach the journal fails the start
  // here. Without it the exchange ran on with no WAL checkpoints, background snapshots or history.
  await background.checkpoint();
  const gateway = await startGateway({
    engine,
    loop,
    feed,
    host: config.gateway.host,
    port,
    keys: new EngineKeyRegistry(engine),
    history: historySource(store.history),
    tickIntervalMs: config.loop.idleTickMs,
    minTurnGapUs: config.loop.minTurnGapUs,
  });
  const timers: NodeJS.Timeout[] = [];
  if (config.oracle.simulated) {
    const sim = new OracleSim(
      engine.markets.map((m) => (m.oraclePrice > 0 ? m.oraclePrice : m.markPrice)),
      config.oracle,
    );
    const feedPrices = () => {
      for (const c of sim.next(clock())) loop.submit(c);
    };
    feedPrices();
    timers.push(setInterval(feedPrices, config.oracle.intervalMs));
  }

  const policy = new SnapshotPolicy(
    { everyCommands: config.persistence.snapshotEverySeq, everyMs: config.persistence.snapshotEveryMs },
    store.snapshots.list?.()[0]?.seq ?? 0,
    clock(),
  );
  timers.push(
    setInterval(() => {
      policy
        .tick(engine.seq, clock(), (seq) => store.snapshotInBackground(seq), clock)
        ?.catch((err) => {
          log(`snapshot failed: ${(err as Error).message}`);
        });
    }, 1_000),
  );

  // Portfolio margin: the pool recomputes every portfolio account between turns and rebuilds the
  // scenario sets from sampled oracle prices; results come back as journaled commands.
  const pc = config.portfolio;
  const portfolio = new PortfolioRunner({
    engine,
    loop,
    clock: {
      now: clock,
      setTimeout: (f, ms) => setTimeout(f, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      elapsed: () => performance.now(),
    },
    options: {
      threads: pc.threads,
      timeoutMs: pc.timeoutMs,
      recomputeEveryMs: pc.recomputeEveryMs,
      horizonMs: pc.horizonMs,
      rebuildEveryMs: pc.rebuildEveryMs,
      minObservations: pc.minObservations,
    },
  });
  timers.push(setInterval(() => portfolio.afterTurn(), pc.runEveryMs));
  registerPortfolioMetrics(gateway.metrics, {
    runner: () => portfolio.metrics(),
    fallbackAccounts: () => portfolioFallbackAccounts(engine),
    now: clock,
    onRecompute: (fn) => portfolio.onRecompute(fn),
  });

  let stopped: Promise<{ seq: number; snapshotSeq: number }> | null = null;
  const onSignal = (signal: string) => {
    log(`${signal}: stopping`);
    running.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`clearloop failed to stop cleanly: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
      },
    );
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  if (o.signals === true) {
    process.on('SIGINT', sigint);
    process.on('SIGTERM', sigterm);
  }

  const host = config.gateway.host;
  const running: RunningServer = {
    config,
    engine,
    gateway,
    portfolio,
    host,
    port: gateway.port,
    url: `ws://${host}:${gateway.port}`,
    http: `http://${host}:${gateway.port}`,
    journalPath: path,
    adminKeyPath: keyPath,
    stop() {
      stopped ??= (async () => {
        process.off('SIGINT', sigint);
        process.off('SIGTERM', sigterm);
        for (const t of timers) clearInterval(t);
        await gateway.close();
        await portfolio.close();
        loop.drain();
        const written = store.writeSnapshot(engine);
        log(`snapshot at seq ${written.seq} written; journal closed`);
        await store.close();
        return { seq: engine.seq, snapshotSeq: written.seq };
      })();
      return stopped;
    },
  };
  // Announced last, once everything is running and a SIGTERM would stop it cleanly: a supervisor
  // (or a test) that signals the moment it reads this line used to find no handler yet, and the
  // process died without its closing snapshot.
  log(`clearloop listening on http://${host}:${gateway.port} (WebSocket on the same port), journal ${path}`);
  return running;
}

function defaultLog(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

export type { Engine };

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  // On two cores or fewer a parallel young-generation GC waits for helper threads that have no core
  // to run on (the loop, the pool worker and the background worker hold them): single-threaded
  // scavenges halved the pause (1.2 ms vs 2.7 ms on average, bench/gateway.bench.ts). The flag is
  // not accepted in NODE_OPTIONS, so the entry point sets it; an embedder of main() decides for itself.
  if (availableParallelism() <= 2) setFlagsFromString('--no-parallel-scavenge');
  tuneInlining();
  main(process.argv.slice(2), { signals: true }).catch((err) => {
    process.stderr.write(
      `clearloop failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
