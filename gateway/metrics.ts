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
