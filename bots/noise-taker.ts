/**
 * The noise taker: random market orders at random times, from a seeded PRNG
 * (the n-th decision of a seed is always the same; the fills depend on the
 * market). Sizes are uniform in [minSize, maxSize]; once the position
 * reaches `maxPosition` the taker only trades toward flat, so its exposure
 * stays bounded (a buy bias makes it drift toward one side of that bound);
 * each order carries a worst price `maxSlippageE6` from the
 * mark, so a thin moment cannot fill it far away.
 */
import type { GatewayClient } from '../gateway/sdk/index.ts';
import { Bot, type LogFn } from './bot.ts';
import { eventsOf, type Side } from './exchange.ts';
import { Rng } from './rng.ts';

export interface NoiseTakerMarket {
  market: number;
  /** Base units (1e-9), inclusive bounds. */
  minSize: number;
  maxSize: number;
  /** Largest absolute position, base units. */
  maxPosition: number;
}

export interface NoiseTakerOptions {
  markets: NoiseTakerMarket[];
  seed: number;
  /** Mean time between orders; arrivals are exponential. Default 500 ms. */
  meanIntervalMs?: number;
  /** Worst acceptable price as a distance from the mark, E6. Default 20,000 (2%). */
  maxSlippageE6?: number;
  /** Chance that an order buys (0.5: no bias; above it the taker drifts long). Default 0.5. */
  buyProbability?: number;
}

interface Fill {
  market: number;
  side: Side;
  base: number;
  price: number;
  positionBase: number;
}

export class NoiseTaker extends Bot {
  private readonly rng: Rng;
  private readonly position = new Map<number, number>();
  private readonly marks = new Map<number, number>();
  private readonly meanIntervalMs: number;
  private readonly maxSlippageE6: number;
  ordersSent = 0;
  ordersFilled = 0;
  /** Base units filled, all markets. */
  volumeBase = 0;
  /** Quote units filled, all markets. */
  volumeQuote = 0;
  readonly fills: Fill[] = [];
  /** The orders it decided to send (the last 1,000): a seed's sequence, for replay and tests. */
  readonly decisions: { market: number; side: Side; size: number }[] = [];
  private readonly fillListeners: ((f: Fill) => void)[] = [];

  constructor(
    client: GatewayClient,
    private readonly o: NoiseTakerOptions,
    log?: LogFn,
    name = 'noise-taker',
  ) {
    super(name, client, log);
    this.rng = new Rng(o.seed);
    this.meanIntervalMs = o.meanIntervalMs ?? 500;
    this.maxSlippageE6 = o.maxSlippageE6 ?? 20_000;
    if (o.markets.length === 0) throw new RangeError('a noise taker needs at least one market');
    for (const m of o.markets) {
      if (!(m.minSize >= 1 && m.maxSize >= m.minSize))
        throw new RangeError(`market ${m.market}: need 1 ≤ minSize ≤ maxSize`);
      if (!(m.maxPosition >= m.maxSize)) throw new RangeError(`market ${m.market}: maxPosition must be ≥ maxSize`);
    }
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.markStartEquity();
    for (const p of await this.ex.positions()) this.position.set(p.market, p.base);
    // The position also moves without our orders (a liquidation): follow the private stream.
    await this.client.subscribe('positions', {}, (msg) => {
      const p = msg.data as { market: number; base: number };
      this.position.set(p.market, p.base);
    });
    for (const m of this.o.markets) {
      await this.client.subscribe('ticker', { market: m.market }, (msg) => {
        const t = msg.data as { markPrice: number };
        this.marks.set(m.market, t.markPrice);
      });
    }
    this.running = true;
    this.repeat(
      () => this.rng.exponential(this.meanIntervalMs),
      () => this.trade(),
      'trade',
    );
  }

  /** Called with each of this taker's fills. */
  onFill(fn: (f: Fill) => void): void {
    this.fillListeners.push(fn);
  }

  /** One random order now (the timer calls this; tests may too). */
  async trade(): Promise<void> {
    const m = this.rng.pick(this.o.markets);
    const pos = this.position.get(m.market) ?? 0;
    let side: Side = this.rng.chance(this.o.buyProbability ?? 0.5) ? 'buy' : 'sell';
    if (pos >= m.maxPosition) side = 'sell';
    else if (pos <= -m.maxPosition) side = 'buy';
    let size = this.rng.int(m.minSize, m.maxSize);
    // Never past the bound: an order that would cross maxPosition is cut to reach it.
    const after = pos + (side === 'buy' ? size : -size);
    if (Math.abs(after) > m.maxPosition) size = Math.max(0, m.maxPosition - (side === 'buy' ? pos : -pos));
    if (size <= 0) return;
    const mark = this.marks.get(m.market) ?? 0;
    const worstPrice =
      mark > 0
        ? Math.round(side === 'buy' ? mark * (1 + this.maxSlippageE6 / 1e6) : mark * (1 - this.maxSlippageE6 / 1e6))
        : undefined;
    this.ordersSent++;
    this.decisions.push({ market: m.market, side, size });
    if (this.decisions.length > 1_000) this.decisions.shift();
    try {
      const ack = await this.ex.marketOrder(
        worstPrice === undefined ? { market: m.market, side, size } : { market: m.market, side, size, worstPrice },
      );
      let filled = false;
      for (const f of eventsOf<Fill & { account: number; quote: number; role?: string }>(ack, 'fill')) {
        if (f.account !== this.accountId) continue; // the makers' fills are in the ack too
        filled = true;
        this.position.set(f.market, f.positionBase);
        this.volumeBase += f.base;
        this.volumeQuote += f.quote;
        const fill = { market: f.market, side: f.side, base: f.base, price: f.price, positionBase: f.positionBase };
        this.fills.push(fill);
        if (this.fills.length > 1_000) this.fills.shift();
        for (const fn of this.fillListeners) fn(fill);
      }
      if (filled) this.ordersFilled++;
    } catch (err) {
      this.noteError(err, `marketOrder ${side} ${size} in market ${m.market}`);
    }
  }

  stats(): Record<string, unknown> {
    return {
      bot: this.name,
      kind: 'noise-taker',
      ordersSent: this.ordersSent,
      ordersFilled: this.ordersFilled,
      volumeQuote: this.volumeQuote,
      positions: Object.fromEntries(this.position),
      errors: this.errorSummary(),
    };
  }
}
