/**
 * Where an oracle feeder's prices come from: a seeded random walk with
 * occasional jumps, or the replay of a price CSV (sim/data/*.csv:
 * `ts_ms,open,high,low,close,volume`, prices in USD). A path yields the
 * next price level in engine units (1e-6 USD) for each push.
 */
import { readFileSync } from 'node:fs';
import { Rng } from './rng.ts';

export interface PricePath {
  /** The level for the next push, given the level of the last one. */
  next(current: number): number;
  readonly description: string;
}

export interface RandomWalkOptions {
  seed: number;
  /** Milliseconds between pushes: the step's volatility scales with √interval. */
  intervalMs: number;
  /** Volatility per √hour, E6 (10_000 = 1%/√h). */
  volatilityPerSqrtHourE6: number;
  /** Chance of a jump on each push, E6. */
  jumpProbabilityE6: number;
  /** Size of a jump (either direction), E6. */
  jumpSizeE6: number;
}

export const DEFAULT_WALK: Omit<RandomWalkOptions, 'seed' | 'intervalMs'> = {
  volatilityPerSqrtHourE6: 20_000,
  jumpProbabilityE6: 5_000,
  jumpSizeE6: 20_000,
};

/** Geometric random walk with jumps, seeded. */
export class RandomWalk implements PricePath {
  private readonly rng: Rng;
  private readonly stepSigma: number;
  readonly description: string;

  constructor(private readonly o: RandomWalkOptions) {
    this.rng = new Rng(o.seed);
    this.stepSigma = (o.volatilityPerSqrtHourE6 / 1e6) * Math.sqrt(o.intervalMs / 3_600_000);
    this.description = `random walk (seed ${o.seed}, σ ${o.volatilityPerSqrtHourE6 / 1e4}%/√h, jumps ${o.jumpSizeE6 / 1e4}% p=${o.jumpProbabilityE6 / 1e6})`;
  }

  next(current: number): number {
    let r = this.stepSigma * this.rng.normal();
    if (this.rng.next() * 1e6 < this.o.jumpProbabilityE6)
      r += (this.rng.chance(0.5) ? -1 : 1) * (this.o.jumpSizeE6 / 1e6);
    return Math.max(1, Math.round(current * (1 + r)));
  }
}

/** The close prices of a kline CSV, in engine price units (1e-6 USD). */
export function readCloses(path: string, column = 'close'): number[] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error(`${path}: no rows`);
  const header = lines[0].split(',').map((h) => h.trim());
  const col = header.indexOf(column);
  if (col < 0) throw new Error(`${path}: no column ${column} in ${header.join(',')}`);
  const out: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const v = Number(lines[i].split(',')[col]);
    if (!(v > 0) || !Number.isFinite(v)) throw new Error(`${path}:${i + 1}: ${column} is not a positive number`);
    out.push(Math.round(v * 1e6));
  }
  return out;
}

export interface ReplayOptions {
  /**
   * Scale the path so its first price is the market's price when the feeder
   * starts (the returns are replayed, not the levels). Default true.
   */
  rebase?: boolean;
  /** Start again from the first row at the end. Default true. */
  loop?: boolean;
}

/** Replays closes one row per push. */
export class CsvReplay implements PricePath {
  private i = 0;
  private scale: number | null = null;
  readonly description: string;

  constructor(
    private readonly closes: readonly number[],
    private readonly o: ReplayOptions = {},
    label = 'csv',
  ) {
    if (closes.length === 0) throw new RangeError('a replay needs at least one price');
    this.description = `replay of ${label} (${closes.length} rows${o.rebase === false ? '' : ', rebased'})`;
  }

  static fromFile(path: string, o: ReplayOptions = {}): CsvReplay {
    return new CsvReplay(readCloses(path), o, path);
  }

  get row(): number {
    return this.i;
  }

  next(current: number): number {
    if (this.scale === null) this.scale = this.o.rebase === false ? 1 : current / this.closes[0];
    if (this.i >= this.closes.length) {
      if (this.o.loop === false) return current;
      this.i = 0;
    }
    return Math.max(1, Math.round(this.closes[this.i++] * this.scale));
  }
}
