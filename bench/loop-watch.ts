/**
 * The server's own side of a measured load run (bench/gateway.bench.ts,
 * ack latency): turn durations and scheduling lag from the loop driver's
 * onTurn hook, event-loop utilisation, process CPU, involuntary context
 * switches, GC pauses by kind and heap use, between start() and stop().
 */
import { type EventLoopUtilization, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, type HeapSpaceInfo } from 'node:v8';
import { GC_KINDS, percentile, round } from './harness.ts';

/** Where the gateway's onTurn hook reports each turn (scheduling lag and duration, seconds). */
export interface TurnHook {
  fn: ((lagSec: number, turnSec: number) => void) | null;
}

/** The gateway's own side of the measured run: turns, loop busy time, GC pauses. */
export class LoopWatch {
  private turns = new Float64Array(1 << 16);
  private lags = new Float64Array(1 << 16);
  private n = 0;
  private elu0: EventLoopUtilization | null = null;
  private elu: EventLoopUtilization | null = null;
  private usage0: NodeJS.ResourceUsage | null = null;
  private usage: NodeJS.ResourceUsage | null = null;
  private t0 = 0;
  private wall = 0;
  private gcMs = 0;
  private gcMaxMs = 0;
  private gcCount = 0;
  private heap0: HeapSpaceInfo[] = [];
  private heap: HeapSpaceInfo[] = [];
  /** By V8 kind: 1 scavenge, 2 mark-sweep-compact, 4 incremental marking, 8 weak callbacks. */
  private readonly gcKinds: Record<number, { n: number; ms: number; max: number }> = {};
  private readonly gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      let k = this.gcKinds[kind];
      if (k === undefined) {
        k = { n: 0, ms: 0, max: 0 };
        this.gcKinds[kind] = k;
      }
      k.n++;
      k.ms += e.duration;
      k.max = Math.max(k.max, e.duration);
      this.gcMs += e.duration;
      this.gcCount++;
      if (e.duration > this.gcMaxMs) this.gcMaxMs = e.duration;
    }
  });

  constructor(private readonly hook: TurnHook) {}

  start(): void {
    this.t0 = performance.now();
    this.elu0 = performance.eventLoopUtilization();
    this.usage0 = process.resourceUsage();
    this.gc.observe({ entryTypes: ['gc'] });
    this.heap0 = getHeapSpaceStatistics();
    this.hook.fn = (lag, turn) => {
      if (this.n === this.turns.length) {
        const grow = (a: Float64Array) => {
          const b = new Float64Array(a.length * 2);
          b.set(a);
          return b;
        };
        this.turns = grow(this.turns);
        this.lags = grow(this.lags);
      }
      this.turns[this.n] = turn * 1e6;
      this.lags[this.n++] = lag * 1e6;
    };
  }

  stop(): void {
    this.hook.fn = null;
    this.wall = performance.now() - this.t0;
    this.elu = performance.eventLoopUtilization(this.elu0 ?? undefined);
    this.usage = process.resourceUsage();
    this.gc.disconnect();
    this.heap = getHeapSpaceStatistics();
  }

  summary() {
    const turns = this.turns.slice(0, this.n).sort();
    const lags = this.lags.slice(0, this.n).sort();
    let busy = 0;
    for (let i = 0; i < this.n; i++) busy += turns[i];
    const u0 = this.usage0;
    const u = this.usage;
    const cpu =
      u === null || u0 === null
        ? Number.NaN
        : (u.userCPUTime + u.systemCPUTime - u0.userCPUTime - u0.systemCPUTime) / 1000;
    return {
      turns: this.n,
      turn_p50_us: round(percentile(turns, 50), 1),
      turn_p99_us: round(percentile(turns, 99), 1),
      turn_p999_us: round(percentile(turns, 99.9), 1),
      turn_max_us: round(turns[this.n - 1] ?? Number.NaN, 1),
      turn_lag_p50_us: round(percentile(lags, 50), 1),
      turn_lag_p99_us: round(percentile(lags, 99), 1),
      /** Share of the wall time spent inside turns (apply, journal commit, replies, streams). */
      turns_busy: round(busy / 1000 / this.wall, 3),
      /** Share of the wall time the event loop was not idle (turns + socket I/O + timers + GC). */
      loop_busy: round(this.elu?.utilization ?? Number.NaN, 3),
      /** CPU time of the whole process (all threads, the background worker included) per wall second. */
      process_cpu: round(cpu / this.wall, 3),
      /** Times the OS took the CPU from the process (a busy machine; 0 on a quiet one). */
      involuntary_switches:
        u === null || u0 === null ? -1 : u.involuntaryContextSwitches - u0.involuntaryContextSwitches,
      gc_ms: round(this.gcMs, 1),
      gc_count: this.gcCount,
      gc_max_ms: round(this.gcMaxMs, 2),
      heap_mb: Object.fromEntries(
        this.heap.map((h, i) => [
          h.space_name,
          `${round((this.heap0[i]?.space_used_size ?? 0) / 1048576, 1)} → ${round(h.space_used_size / 1048576, 1)} of ${round(h.space_size / 1048576, 1)}`,
        ]),
      ),
      gc_by_kind: Object.fromEntries(
        Object.entries(this.gcKinds).map(([k, v]) => [
          GC_KINDS[Number(k)] ?? k,
          `${v.n} × ${round(v.ms / v.n, 2)} ms (max ${round(v.max, 2)})`,
        ]),
      ),
    };
  }
}
