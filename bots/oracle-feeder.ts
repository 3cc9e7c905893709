/**
 * The oracle feeder: pushes one price per market every `intervalMs` with an
 * oracle-role key (the `oracle` op). Prices come from a PricePath per market
 * (a seeded random walk by default, or a CSV replay). Each push moves at
 * most `maxStepE6` from the last one, so a gap in the path cannot trip the
 * engine's jump guard (oracleMaxJumpE6, 15% by default) in one update;
 * `shock()` shifts a market's level (a crash on demand) and the feeder walks
 * there in such steps. publishTs rises strictly per market, as the engine
 * requires of one source.
 *
 * Run it against a server whose built-in simulated oracle is off: both
 * publish as source 0, and their timestamps would interleave.
 */
import type { GatewayClient } from '../gateway/sdk/index.ts';
import { Bot, type LogFn } from './bot.ts';
import { DEFAULT_WALK, type PricePath, RandomWalk } from './price-path.ts';

export interface OracleFeederMarket {
  market: number;
  /** Default: a random walk seeded with `seed + market`. */
  path?: PricePath;
}

export interface OracleFeederOptions {
  markets: OracleFeederMarket[];
  /** Default 1,000 ms. */
  intervalMs?: number;
  /** Oracle source index (0 .. the market's oracleSources − 1). Default 0. */
  source?: number;
  /** Published confidence half-width as a ratio of the price, E6. Default 100 (0.01%). */
  confidenceE6?: number;
  /** Largest move of one push, E6. Default 100,000 (10%). */
  maxStepE6?: number;
  /** Seed of the default random walks. Default 1. */
  seed?: number;
}

interface FeedState {
  market: number;
  path: PricePath;
  /** The path's level (before shocks). */
  level: number;
  /** Shocks multiply the level from the moment they are applied on. */
  factor: number;
  /** The last price published (0 before the first). */
  published: number;
  lastPublishTs: number;
  pushes: number;
  rejected: number;
}

export class OracleFeeder extends Bot {
  private readonly feeds: FeedState[] = [];
  private readonly intervalMs: number;
  private readonly source: number;
  private readonly confidenceE6: number;
  private readonly maxStepE6: number;
  private pushing: Promise<void> | null = null;

  constructor(
    client: GatewayClient,
    private readonly o: OracleFeederOptions,
    log?: LogFn,
    name = 'oracle-feeder',
  ) {
    super(name, client, log);
    this.intervalMs = o.intervalMs ?? 1_000;
    this.source = o.source ?? 0;
    this.confidenceE6 = o.confidenceE6 ?? 100;
    this.maxStepE6 = o.maxStepE6 ?? 100_000;
    if (!(this.intervalMs >= 10)) throw new RangeError(`intervalMs must be ≥ 10, got ${this.intervalMs}`);
    if (!(this.maxStepE6 > 0)) throw new RangeError(`maxStepE6 must be positive, got ${this.maxStepE6}`);
    if (o.markets.length === 0) throw new RangeError('an oracle feeder needs at least one market');
  }

  async start(): Promise<void> {
    if (this.running) return;
    const seed = this.o.seed ?? 1;
    for (const m of this.o.markets) {
      const t = await this.ex.ticker(m.market);
      const level = t.indexPrice > 0 ? t.indexPrice : t.markPrice;
      const path = m.path ?? new RandomWalk({ seed: seed + m.market, intervalMs: this.intervalMs, ...DEFAULT_WALK });
      this.feeds.push({
        market: m.market,
        path,
        level,
        factor: 1,
        published: 0,
        lastPublishTs: 0,
        pushes: 0,
        rejected: 0,
      });
      this.log(this.name, `market ${m.market} from ${level / 1e6}: ${path.description}`);
    }
    this.running = true;
    await this.pushNow();
    this.repeat(
      () => this.intervalMs,
      () => this.pushNow(),
      'push',
    );
  }

  /** Shift a market's price level by `ratio` (−0.08: an 8% drop) from the next push on. */
  shock(market: number, ratio: number): void {
    const f = this.feeds.find((x) => x.market === market);
    if (f === undefined) throw new RangeError(`not feeding market ${market}`);
    if (!(ratio > -1)) throw new RangeError(`a shock must keep the price positive, got ${ratio}`);
    f.factor *= 1 + ratio;
  }

  /** The last price published for a market (0 before the first push). */
  price(market: number): number {
    return this.feeds.find((x) => x.market === market)?.published ?? 0;
  }

  /** The price the feeder is heading to (level × shocks). */
  target(market: number): number {
    const f = this.feeds.find((x) => x.market === market);
    return f === undefined ? 0 : Math.round(f.level * f.factor);
  }

  /** Push one update per market now (at most one round in flight; a second call waits for it). */
  pushNow(): Promise<void> {
    if (this.pushing !== null) return this.pushing;
    this.pushing = Promise.all(this.feeds.map((f) => this.pushOne(f))).then(
      () => {
        this.pushing = null;
      },
      (err) => {
        this.pushing = null;
        throw err;
      },
    );
    return this.pushing;
  }

  private async pushOne(f: FeedState): Promise<void> {
    f.level = f.path.next(f.level);
    const target = Math.max(1, Math.round(f.level * f.factor));
    const from = f.published > 0 ? f.published : target;
    const maxMove = (from * this.maxStepE6) / 1e6;
    const price = Math.max(1, Math.round(Math.min(from + maxMove, Math.max(from - maxMove, target))));
    const publishTs = Math.max(Date.now(), f.lastPublishTs + 1);
    f.lastPublishTs = publishTs;
    try {
      await this.ex.oracle({
        market: f.market,
        source: this.source,
        price,
        confidence: Math.max(1, Math.round((price * this.confidenceE6) / 1e6)),
        publishTs,
      });
      f.published = price;
      f.pushes++;
    } catch (err) {
      f.rejected++;
      this.noteError(err, `oracle market ${f.market} at ${price}`);
    }
  }

  override async pnl(): Promise<null> {
    return null; // an oracle key reads no account
  }

  stats(): Record<string, unknown> {
    return {
      bot: this.name,
      kind: 'oracle-feeder',
      markets: this.feeds.map((f) => ({
        market: f.market,
        price: f.published,
        pushes: f.pushes,
        rejected: f.rejected,
      })),
      errors: this.errorSummary(),
    };
  }
}
