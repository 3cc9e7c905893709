/**
 * Prometheus metrics on a registry of the gateway's own (two gateways in one
 * process, as in tests, do not collide). Served at GET /metrics.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsSources {
  queueDepth(): number;
  connections(): number;
  subscriptionsPublished(): number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly commands: Counter<'type' | 'result'>;
  readonly errors: Counter<'code'>;
  readonly closes: Counter<'code'>;
  readonly httpRequests: Counter<'route'>;
  readonly ackLatency: Histogram;
  readonly loopLag: Histogram;
  readonly turnDuration: Histogram;
  readonly commandsPerSecond: Gauge;
  private lastCount = 0;
  private lastMs = 0;
  count = 0;

  constructor(sources: MetricsSources, defaults: boolean) {
    const registers = [this.registry];
    this.commands = new Counter({
      name: 'clearloop_commands_total',
      help: 'Commands committed by the loop, by type and result',
      labelNames: ['type', 'result'],
      registers,
    });
    this.errors = new Counter({
      name: 'clearloop_gateway_errors_total',
      help: 'Error replies sent, by code',
      labelNames: ['code'],
      registers,
    });
    this.closes = new Counter({
      name: 'clearloop_ws_closes_total',
      help: 'WebSocket closes, by close code',
      labelNames: ['code'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'clearloop_http_requests_total',
      help: 'HTTP requests, by route',
      labelNames: ['route'],
      registers,
    });
    this.ackLatency = new Histogram({
      name: 'clearloop_ack_latency_seconds',
      help: 'From a command frame arriving to its acknowledgement being sent (after the journal commit)',
      buckets: [50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1],
      registers,
    });
    this.loopLag = new Histogram({
      name: 'clearloop_loop_lag_seconds',
      help: 'From a turn being scheduled to it starting',
      buckets: [10e-6, 50e-6, 100e-6, 500e-6, 1e-3, 5e-3, 10e-3, 50e-3, 100e-3, 500e-3],
      registers,
    });
    this.turnDuration = new Histogram({
      name: 'clearloop_turn_duration_seconds',
      help: 'One loop turn: apply, journal commit, replies and publishing',
      buckets: [10e-6, 50e-6, 100e-6, 500e-6, 1e-3, 5e-3, 10e-3, 50e-3, 100e-3],
      registers,
    });
    this.commandsPerSecond = new Gauge({
      name: 'clearloop_commands_per_second',
      help: 'Commands committed per second over the last second',
      registers,
    });
    new Gauge({
      name: 'clearloop_queue_depth',
      help: 'Commands queued for the next turn',
      registers,
      collect() {
        this.set(sources.queueDepth());
      },
    });
    new Gauge({
      name: 'clearloop_ws_connections',
      help: 'Open WebSocket connections',
      registers,
      collect() {
        this.set(sources.connections());
      },
    });
    new Gauge({
      name: 'clearloop_stream_messages_published',
      help: 'Stream messages delivered to subscribers so far',
      registers,
      collect() {
        this.set(sources.subscriptionsPublished());
      },
    });
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'clearloop_' });
  }

  /** Called about once a second with the gateway clock. */
  sampleRate(nowMs: number): void {
    if (this.lastMs !== 0 && nowMs > this.lastMs) {
      this.commandsPerSecond.set(((this.count - this.lastCount) * 1000) / (nowMs - this.lastMs));
    }
    this.lastCount = this.count;
    this.lastMs = nowMs;
  }
}

/** What the portfolio-margin runner (bin/portfolio-runner.ts) reports, read at scrape time. */
export interface PortfolioMetricsSource {
  runner(): {
    pool: {
      inFlight: number;
      recomputes: number;
      recomputesOk: number;
      rebuilds: number;
      rebuildsOk: number;
      overloads: number;
      lastRecomputeMs: number;
    };
    chargesSubmitted: number;
    chargesAccepted: number;
    chargesRejected: number;
    busySkips: number;
    /** Failures by code (OVERLOADED, TIMEOUT, WORKER_FAILED, …): each kept the last good result. */
    failures: Partial<Record<string, number>>;
    /** tsUsed of the charges in force (−1: none yet). */
    lastAcceptedTsUsed: number;
  };
  /** Portfolio accounts held to cross margin now. */
  fallbackAccounts(): number;
  /** Wall clock (ms), for the result's age. */
  now(): number;
  /** Registers a listener for each successful recompute's duration (ms). */
  onRecompute?(fn: (durationMs: number) => void): void;
}

/**
 * The portfolio pool's metrics on the gateway's registry (issue 5): queue
 * depth, overloads, fallbacks (failed runs that kept the last good result,
 * and accounts held to cross margin), the age of the result in force, and
 * recompute durations. Counters mirror the runner's own totals at scrape time.
 */
export function registerPortfolioMetrics(metrics: GatewayMetrics, src: PortfolioMetricsSource): void {
  const registers = [metrics.registry];
  const mirrored = (name: string, help: string, read: (r: ReturnType<PortfolioMetricsSource['runner']>) => number) => {
    let seen = 0;
    new Counter({
      name,
      help,
      registers,
      collect() {
        const v = read(src.runner());
        if (v > seen) this.inc(v - seen);
        seen = Math.max(seen, v);
      },
    });
  };
  new Gauge({
    name: 'clearloop_portfolio_pool_queue_depth',
    help: 'Portfolio pool jobs admitted and not finished (the queue is bounded)',
    registers,
    collect() {
      this.set(src.runner().pool.inFlight);
    },
  });
  mirrored(
    'clearloop_portfolio_pool_overloads_total',
    'Pool calls refused because its queue was full',
    (r) => r.pool.overloads,
  );
  mirrored('clearloop_portfolio_recomputes_total', 'Full recomputes started on the pool', (r) => r.pool.recomputes);
  mirrored('clearloop_portfolio_rebuilds_total', 'Scenario-set rebuilds started on the pool', (r) => r.pool.rebuilds);
  mirrored(
    'clearloop_portfolio_busy_skips_total',
    'Recomputes skipped because one was still running',
    (r) => r.busySkips,
  );
  mirrored(
    'clearloop_portfolio_charges_accepted_total',
    'Charge results the engine accepted',
    (r) => r.chargesAccepted,
  );
  mirrored(
    'clearloop_portfolio_charges_rejected_total',
    'Charge results the engine rejected',
    (r) => r.chargesRejected,
  );
  const seenFailures = new Map<string, number>();
  new Counter({
    name: 'clearloop_portfolio_fallbacks_total',
    help: 'Pool runs that failed (by code) and left the last good result in force',
    labelNames: ['code'],
    registers,
    collect() {
      for (const [code, v] of Object.entries(src.runner().failures)) {
        const seen = seenFailures.get(code) ?? 0;
        if ((v ?? 0) > seen) this.inc({ code }, (v ?? 0) - seen);
        seenFailures.set(code, Math.max(seen, v ?? 0));
      }
    },
  });
  new Gauge({
    name: 'clearloop_portfolio_fallback_accounts',
    help: 'Portfolio accounts held to cross margin now (no fresh result)',
    registers,
    collect() {
      this.set(src.fallbackAccounts());
    },
  });
  new Gauge({
    name: 'clearloop_portfolio_last_result_age_seconds',
    help: 'Age of the portfolio charges in force, from the positions they priced; -1 before the first',
    registers,
    collect() {
      const ts = src.runner().lastAcceptedTsUsed;
      this.set(ts < 0 ? -1 : Math.max(0, src.now() - ts) / 1000);
    },
  });
  new Gauge({
    name: 'clearloop_portfolio_last_recompute_seconds',
    help: 'Duration of the last successful full recompute on the pool',
    registers,
    collect() {
      this.set(src.runner().pool.lastRecomputeMs / 1000);
    },
  });
  const durations = new Histogram({
    name: 'clearloop_portfolio_recompute_duration_seconds',
    help: 'Full recompute of every portfolio account on the pool',
    buckets: [1e-3, 5e-3, 10e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1, 2.5, 5],
    registers,
  });
  src.onRecompute?.((ms) => durations.observe(ms / 1000));
}
