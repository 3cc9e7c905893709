/**
 * Real price paths: the CSV klines under sim/data (copied from
 * shared/data/prices with their attribution, see sim/data/SOURCES.md).
 *
 * Each bar becomes four oracle points, open → first extreme → second extreme
 * → close at t0, t0+d/4, t0+d/2, t0+3d/4 (the low first on an up bar, the
 * high first on a down bar: the conventional path that touches both wicks).
 * Several markets are sampled on one time grid (the finest bar / 4);
 * a coarser market is interpolated linearly between its points. The grid
 * covers only the time all markets have data for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../bin/source-files.ts';

export const DATA_DIR = join(REPO_ROOT, 'sim', 'data');
/** Oracle points per bar. */
export const POINTS_PER_BAR = 4;

export interface Bar {
  ts: number;
  /** Prices in 1e-6 USD. */
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface PriceSeries {
  file: string;
  bars: Bar[];
  intervalMs: number;
}

/** A decimal string as an exact integer of 1e-6 units ("43538.02" → 43538020000). */
export function parseDecimalE6(text: string): number {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (m === null) throw new Error(`not a price with at most 6 decimals: ${JSON.stringify(text)}`);
  const frac = (m[2] ?? '').padEnd(6, '0');
  const v = Number(m[1]) * 1_000_000 + Number(frac);
  if (!Number.isSafeInteger(v)) throw new Error(`price out of range: ${text}`);
  return v;
}

export function parseKlines(text: string, file: string): PriceSeries {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== 'ts_ms,open,high,low,close,volume')
    throw new Error(`${file}: unexpected header ${lines[0]}`);
  const bars: Bar[] = [];
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].split(',');
    if (f.length < 5) throw new Error(`${file}:${i + 1}: expected 6 fields`);
    const bar = {
      ts: Number(f[0]),
      open: parseDecimalE6(f[1]),
      high: parseDecimalE6(f[2]),
      low: parseDecimalE6(f[3]),
      close: parseDecimalE6(f[4]),
    };
    if (!Number.isSafeInteger(bar.ts)) throw new Error(`${file}:${i + 1}: bad timestamp`);
    bars.push(bar);
  }
  if (bars.length < 2) throw new Error(`${file}: fewer than two bars`);
  const intervalMs = bars[1].ts - bars[0].ts;
  for (let i = 1; i < bars.length; i++) {
    if (bars[i].ts - bars[i - 1].ts !== intervalMs) throw new Error(`${file}: gap or uneven step at row ${i + 1}`);
  }
  return { file, bars, intervalMs };
}

const cache = new Map<string, PriceSeries>();

export function loadSeries(file: string): PriceSeries {
  let s = cache.get(file);
  if (s === undefined) {
    s = parseKlines(readFileSync(join(DATA_DIR, file), 'utf8'), file);
    cache.set(file, s);
  }
  return s;
}

/** The four oracle points of every bar, as parallel arrays. */
function pathPoints(s: PriceSeries): { ts: Float64Array; price: Float64Array } {
  const n = s.bars.length * POINTS_PER_BAR;
  const ts = new Float64Array(n);
  const price = new Float64Array(n);
  const q = s.intervalMs / POINTS_PER_BAR;
  // Written out rather than through a per-bar array: this runs for every bar of every market
  // at the start of every run, mostly before the JIT has compiled it.
  const bars = s.bars;
  for (let i = 0, j = 0; i < bars.length; i++, j += POINTS_PER_BAR) {
    const b = bars[i];
    const up = b.close >= b.open;
    ts[j] = b.ts;
    ts[j + 1] = b.ts + q;
    ts[j + 2] = b.ts + 2 * q;
    ts[j + 3] = b.ts + 3 * q;
    price[j] = b.open;
    price[j + 1] = up ? b.low : b.high;
    price[j + 2] = up ? b.high : b.low;
    price[j + 3] = b.close;
  }
  return { ts, price };
}

export interface PriceGrid {
  /** Step times (ms), ascending, evenly spaced. */
  ts: Float64Array;
  stepMs: number;
  /** One integer price column per market, indexed by step. */
  prices: Float64Array[];
}

/** Sample several series on one grid over the time they all cover; at most `maxSteps` steps. */
export function alignSeries(series: readonly PriceSeries[], maxSteps = Number.POSITIVE_INFINITY): PriceGrid {
  if (series.length === 0) throw new Error('no price series');
  const stepMs = Math.min(...series.map((s) => s.intervalMs)) / POINTS_PER_BAR;
  if (!Number.isInteger(stepMs)) throw new Error(`bar interval not divisible by ${POINTS_PER_BAR}`);
  const paths = series.map(pathPoints);
  const start = Math.max(...paths.map((p) => p.ts[0]));
  const end = Math.min(...paths.map((p) => p.ts[p.ts.length - 1]));
  if (end <= start) throw new Error('the price series do not overlap in time');
  const steps = Math.min(maxSteps, Math.floor((end - start) / stepMs) + 1);
  const ts = new Float64Array(steps);
  for (let j = 0; j < steps; j++) ts[j] = start + j * stepMs;
  const prices = paths.map((p) => {
    const out = new Float64Array(steps);
    let k = 0;
    for (let j = 0; j < steps; j++) {
      const t = ts[j];
      while (k + 1 < p.ts.length && p.ts[k + 1] <= t) k++;
      const t0 = p.ts[k];
      const p0 = p.price[k];
      if (t === t0 || k + 1 >= p.ts.length) out[j] = p0;
      else out[j] = Math.round(p0 + ((p.price[k + 1] - p0) * (t - t0)) / (p.ts[k + 1] - t0));
    }
    return out;
  });
  return { ts, stepMs, prices };
}
