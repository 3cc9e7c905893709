/**
 * Bench contract (DESIGN.md): each figure is one JSON line on stdout,
 * `{"bench":"engine.market_orders","value":1234567,"unit":"ops/s"}`, with
 * any peer measured in the same run beside it; human summaries go to stderr.
 */
import { PerformanceObserver } from 'node:perf_hooks';
export interface Figure {
  bench: string;
  value: number;
  unit: string;
  [extra: string]: unknown;
}

export type Report = (figure: Figure) => void;

export interface BenchOptions {
  /** When set, only this figure is wanted; benches may skip work for others. */
  only: string | null;
}

export type BenchModule = {
  run(report: Report, options: BenchOptions): Promise<void>;
};

export function wants(options: BenchOptions, name: string): boolean {
  return options.only === null || options.only === name;
}

export function nowNs(): bigint {
  return process.hrtime.bigint();
}

export function elapsedMs(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}

/** Percentile of a sorted-in-place sample (nearest rank). */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function sortedCopy(values: Float64Array): Float64Array {
  return Float64Array.from(values).sort();
}

export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Round for printing without losing what matters. */
export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * A full garbage collection now (through the inspector, so no --expose-gc): a bench calls it
 * between its setup and a window whose pauses it measures, so that the setup's garbage (millions
 * of command objects) is not collected inside the window.
 */
export async function fullGc(): Promise<void> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.collectGarbage');
  } finally {
    session.disconnect();
  }
}

/** V8's garbage-collection kinds, as a PerformanceObserver 'gc' entry's `detail.kind` gives them. */
export const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark_compact', 4: 'incremental', 8: 'weak' };

/** Garbage-collection pauses on this thread while watching: start and end times (performance.now, ms). */
export class GcWatch {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** V8's kind of each pause: 1 scavenge, 2 mark-compact, 4 incremental marking, 8 weak callbacks. */
  readonly kinds: number[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.starts.push(e.startTime);
      this.ends.push(e.startTime + e.duration);
      this.kinds.push((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0);
    }
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.observer.disconnect();
  }

  /** The pauses that lie within [from, to] (performance.now, ms), longest first. */
  pausesWithin(from: number, to: number): { kind: string; ms: number }[] {
    const out: { kind: string; ms: number }[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      if (this.starts[i] >= from && this.ends[i] <= to) {
        out.push({ kind: GC_KINDS[this.kinds[i]] ?? String(this.kinds[i]), ms: this.ends[i] - this.starts[i] });
      }
    }
    return out.sort((a, b) => b.ms - a.ms);
  }

  /** Time inside [from, to] (performance.now, ms) that pauses took. */
  pausedWithin(from: number, to: number): number {
    let t = 0;
    for (let i = 0; i < this.starts.length; i++) {
      const a = Math.max(from, this.starts[i]);
      const b = Math.min(to, this.ends[i]);
      if (b > a) t += b - a;
    }
    return t;
  }
}
