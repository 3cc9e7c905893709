/**
 * The liquidator: watches accounts for `liquidationStarted` (and
 * `marginWarning`) on their private warnings streams, follows the public
 * liquidations feed, and takes positions over with the `liquidate` op when
 * the expected profit is positive and the takeover fits its capital.
 *
 * Seeing other accounts' warnings. The gateway publishes liquidationStarted
 * only on the liquidated account's private `warnings` stream, and the public
 * `liquidations` feed names no account (docs/PROTOCOL.md), so a liquidator
 * learns about an account only through a key that may read it. Each watched
 * account therefore comes with its own connection: a read-only key on that
 * account (what the demo registers), or an admin connection. A sweep polls
 * the watched accounts' `account` view every `sweepMs`, so a warning missed
 * across a reconnect is still found.
 *
 * Speed. The backstop closes what external liquidators leave once the
 * market's liquidatorWindowTicks have passed, and the server ticks on every
 * loop turn, so the window is a number of turns, not of milliseconds. What a
 * decision needs is therefore kept from streams (the watched accounts'
 * positions, our own margin, the depth) and only the mark is read fresh:
 * reacting to liquidationStarted costs two round trips.
 *
 * Profit of taking over `size` of a position at the mark:
 *   reward   = size × mark × liquidationPenalty × liquidatorShare
 *   exit     = (the price the depth stream offers to unwind − mark) × size, signed for the side
 *   fee      = size × mark × takerFee            (when unwinding)
 *   profit   = reward + exit − fee  ≥ minProfit
 * Capital: after the takeover the liquidator must meet initial margin (else
 * LIQUIDATOR_MARGIN); it takes at most what its free collateral
 * (equity − initial requirement) carries at the market's initial ratio ×
 * `capitalSafety`, and at most maxNotional per takeover. The engine caps the
 * size further at what restores the account (a partial liquidation).
 */
import type { GatewayClient } from '../gateway/sdk/index.ts';
import { Bot, codeOf, type LogFn } from './bot.ts';
import { Exchange, eventsOf, type MarketInfo, type PositionView, type Side } from './exchange.ts';

export interface LiquidatorOptions {
  /** Markets it takes positions in (and whose public liquidations it follows). */
  markets: number[];
  /** Smallest expected profit worth a takeover, quote units. Default 0 (any positive). */
  minProfit?: number;
  /** Largest notional of one takeover, quote units. Default: no limit but capital. */
  maxNotional?: number;
  /** Multiplier on the initial ratio when sizing against free collateral. Default 1.5. */
  capitalSafety?: number;
  /** Close what it took over with a reduce-only market order. Default true. */
  unwind?: boolean;
  /** Poll the watched accounts this often. Default 1,000 ms. */
  sweepMs?: number;
  /** Retry an account still in liquidation after this long. Default 250 ms. */
  retryMs?: number;
}

/** A connection that may read `account` (a read-only key on it, or an admin key). */
export interface Watch {
  account: number;
  client: GatewayClient;
}

export interface Takeover {
  account: number;
  market: number;
  side: Side;
  base: number;
  price: number;
  reward: number;
  expectedProfit: number;
}

interface Watched {
  account: number;
  ex: Exchange;
  inLiquidation: boolean;
  busy: boolean;
  /** Its open positions by market, kept from its positions stream. */
  positions: Map<number, PositionView>;
}

export class Liquidator extends Bot {
  private readonly watched = new Map<number, Watched>();
  private readonly info = new Map<number, MarketInfo>();
  private readonly marks = new Map<number, number>();
  /** Our own margin, kept from our margin stream (what a takeover may use). */
  private me = { equity: 0, initialRequirement: 0, warned: false, inLiquidation: false };
  private capacityScale = 1;
  readonly takeovers: Takeover[] = [];
  warningsSeen = 0;
  liquidationsStartedSeen = 0;
  /** Public liquidations by who closed them. */
  readonly publicLiquidations = { liquidator: 0, backstop: 0 };
  /** Attempts that found the account healthy or flat (the backstop or another liquidator was first). */
  missed = 0;
  skippedUnprofitable = 0;
  unwinds = 0;
  private paused = false;
  private readonly takeoverListeners: ((t: Takeover) => void)[] = [];

  constructor(
    client: GatewayClient,
    private readonly o: LiquidatorOptions,
    log?: LogFn,
    name = 'liquidator',
  ) {
    super(name, client, log);
    if (o.markets.length === 0) throw new RangeError('a liquidator needs at least one market');
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.markStartEquity();
    for (const m of await this.ex.markets()) this.info.set(m.market, m);
    // What a decision needs is kept from streams, so reacting to liquidationStarted costs
    // two round trips (a fresh mark, then the liquidate): the backstop's window is counted in loop turns.
    await this.client.subscribe('margin', {}, (msg) => {
      this.me = msg.data as typeof this.me;
    });
    this.me = await this.ex.account();
    for (const market of this.o.markets) {
      if (!this.info.has(market)) throw new Error(`no market ${market}`);
      await this.client.subscribe('ticker', { market }, (msg) => {
        this.marks.set(market, (msg.data as { markPrice: number }).markPrice);
      });
      await this.client.subscribe('depth', { market }, () => {});
      await this.client.subscribe('liquidations', { market }, (msg) => {
        const d = msg.data as { by: 'liquidator' | 'backstop' };
        this.publicLiquidations[d.by]++;
        // Someone is being liquidated in this market: look again at every account we know to be in trouble.
        for (const w of this.watched.values()) if (w.inLiquidation) this.consider(w);
      });
    }
    // Our own health: stop taking over when we are warned ourselves.
    await this.client.subscribe('warnings', {}, (msg) => {
      const e = msg.data as { type: string };
      if (e.type === 'marginWarning' || e.type === 'liquidationStarted') {
        this.paused = true;
        this.log(this.name, `own ${e.type}: pausing takeovers`);
      }
    });
    this.running = true;
    for (const w of this.watched.values()) await this.subscribeWatch(w);
    this.repeat(
      () => this.o.sweepMs ?? 1_000,
      () => this.sweep(),
      'sweep',
    );
  }

  /** Watch another account (before or after start). */
  async watch(w: Watch): Promise<void> {
    if (this.watched.has(w.account)) return;
    const entry: Watched = {
      account: w.account,
      ex: new Exchange(w.client),
      inLiquidation: false,
      busy: false,
      positions: new Map(),
    };
    this.watched.set(w.account, entry);
    if (this.running) await this.subscribeWatch(entry);
  }

  onTakeover(fn: (t: Takeover) => void): void {
    this.takeoverListeners.push(fn);
  }

  private async subscribeWatch(w: Watched): Promise<void> {
    await w.ex.client.subscribe('positions', { account: w.account }, (msg) => {
      const p = msg.data as PositionView;
      if (p.base === 0) w.positions.delete(p.market);
      else w.positions.set(p.market, p);
    });
    for (const p of await w.ex.positions(w.account)) if (p.base !== 0) w.positions.set(p.market, p);
    await w.ex.client.subscribe('warnings', { account: w.account }, (msg) => {
      const e = msg.data as { type: string };
      if (e.type === 'marginWarning') this.warningsSeen++;
      else if (e.type === 'liquidationStarted') {
        this.liquidationsStartedSeen++;
        w.inLiquidation = true;
        this.consider(w);
      } else if (e.type === 'liquidationEnded') w.inLiquidation = false;
    });
    // It may already be in liquidation.
    const a = await w.ex.account(w.account);
    if (a.inLiquidation) {
      w.inLiquidation = true;
      this.consider(w);
    }
  }

  /** Poll the watched accounts (a fallback for missed stream messages). */
  private async sweep(): Promise<void> {
    if (this.paused) {
      this.me = await this.ex.account();
      if (!this.me.warned && !this.me.inLiquidation) {
        this.paused = false;
        this.log(this.name, 'own margin restored: resuming takeovers');
      }
    }
    for (const w of this.watched.values()) {
      if (w.busy) continue;
      try {
        const a = await w.ex.account(w.account);
        w.inLiquidation = a.inLiquidation;
        if (a.inLiquidation) this.consider(w);
      } catch (err) {
        this.noteError(err, `sweep account ${w.account}`);
      }
    }
  }

  private consider(w: Watched): void {
    if (!this.running || w.busy || this.paused) return;
    w.busy = true;
    this.spawn(async () => {
      try {
        await this.attempt(w);
      } finally {
        w.busy = false;
        if (w.inLiquidation) this.after(this.o.retryMs ?? 250, () => this.consider(w), 'retry');
      }
    }, `liquidate account ${w.account}`);
  }

  /** One pass over the account's positions, largest notional first. */
  private async attempt(w: Watched): Promise<void> {
    if (w.positions.size === 0) {
      // Nothing cached (a stream message not seen yet): ask.
      for (const p of await w.ex.positions(w.account)) if (p.base !== 0) w.positions.set(p.market, p);
    }
    const positions = [...w.positions.values()]
      .filter((p) => p.base !== 0 && this.o.markets.includes(p.market))
      .sort((a, b) => Math.abs(b.base) * b.markPrice - Math.abs(a.base) * a.markPrice);
    // The ticker stream is throttled to the gateway's tick interval, and the turn that started
    // the liquidation has usually moved the mark: read it fresh. The depth delta of that turn
    // was sent before this reply on the same socket, so the book is current too.
    await Promise.all(
      positions.map(async (p) => {
        this.marks.set(p.market, (await this.ex.ticker(p.market)).markPrice);
      }),
    );
    for (const p of positions) {
      if (!this.running || this.paused) return;
      const plan = this.plan(p);
      if (plan === null) continue;
      try {
        const ack = await this.ex.liquidate({ account: w.account, market: p.market, size: plan.size });
        const ev = eventsOf<{ liquidator: number; base: number; price: number; side: Side; liquidatorReward: number }>(
          ack,
          'liquidation',
        ).find((e) => e.liquidator === this.accountId);
        if (ev === undefined) continue;
        // ev.side is the liquidated account's trade; we take the other side of it.
        const ours: Side = ev.side === 'buy' ? 'sell' : 'buy';
        const t: Takeover = {
          account: w.account,
          market: p.market,
          side: ours,
          base: ev.base,
          price: ev.price,
          reward: ev.liquidatorReward,
          expectedProfit: plan.expectedProfit,
        };
        this.takeovers.push(t);
        // Until our margin stream says otherwise, count what the new position ties up.
        const im = this.info.get(p.market)?.params.initialMarginE6 ?? 1_000_000;
        this.me = { ...this.me, initialRequirement: this.me.initialRequirement + (ev.base * ev.price * im) / 1e15 };
        this.log(
          this.name,
          `took over ${ev.base / 1e9} of account ${w.account} in market ${p.market} at ${ev.price / 1e6} (reward ${ev.liquidatorReward / 1e6} USD)`,
        );
        for (const fn of this.takeoverListeners) fn(t);
        if (this.o.unwind !== false) await this.unwind(t);
      } catch (err) {
        const code = codeOf(err);
        if (code === 'ACCOUNT_HEALTHY' || code === 'NOTHING_TO_LIQUIDATE') {
          this.missed++;
          w.inLiquidation = false;
          return;
        }
        this.noteError(err, `liquidate ${plan.size} of account ${w.account} in market ${p.market}`);
        if (code === 'LIQUIDATOR_MARGIN') this.capacityScale = Math.max(0.05, this.capacityScale / 2);
      }
    }
  }

  /** Size and expected profit of a takeover, or null when it does not pay or does not fit. */
  private plan(p: PositionView): { size: number; expectedProfit: number } | null {
    const m = this.info.get(p.market) as MarketInfo;
    const mark = this.marks.get(p.market) ?? p.markPrice;
    if (!(mark > 0)) return null;
    const free = this.me.equity - this.me.initialRequirement;
    if (free <= 0) return null;
    const ratio = (m.params.initialMarginE6 / 1e6) * (this.o.capitalSafety ?? 1.5);
    const byCapital = Math.floor(((free * this.capacityScale) / ratio / mark) * 1e9);
    const byNotional =
      this.o.maxNotional === undefined ? Number.MAX_SAFE_INTEGER : Math.floor((this.o.maxNotional / mark) * 1e9);
    const size = Math.min(Math.abs(p.base), byCapital, byNotional);
    if (size < m.params.minOrderSize) return null;
    const notional = (size * mark) / 1e9;
    const reward = (notional * m.params.liquidationPenaltyE6 * m.params.liquidatorShareE6) / 1e12;
    let exit = 0;
    let fee = 0;
    if (this.o.unwind !== false) {
      // We end long when the account was long; we unwind a long by selling into the bids.
      const weAreLong = p.base > 0;
      const avg = this.averageFill(p.market, weAreLong ? 'sell' : 'buy', size);
      if (avg === null) return null; // no book to price the exit: do not guess
      exit = ((weAreLong ? avg - mark : mark - avg) * size) / 1e9;
      fee = (notional * m.params.takerFeeE6) / 1e6;
    }
    const expectedProfit = reward + exit - fee;
    if (expectedProfit < (this.o.minProfit ?? 0) || !(expectedProfit > 0)) {
      this.skippedUnprofitable++;
      return null;
    }
    return { size, expectedProfit };
  }

  /** Average price to trade `size` against the depth stream (bids for a sell), or null without enough depth. */
  private averageFill(market: number, side: Side, size: number): number | null {
    const book = this.client.book(market);
    if (book === undefined || !book.synced) return null;
    const levels = side === 'sell' ? book.bidLevels() : book.askLevels();
    let left = size;
    let quote = 0;
    for (const [price, qty] of levels) {
      const q = Math.min(left, qty);
      quote += q * price;
      left -= q;
      if (left === 0) break;
    }
    return left > 0 ? null : quote / size;
  }

  private async unwind(t: Takeover): Promise<void> {
    const side: Side = t.side === 'buy' ? 'sell' : 'buy';
    const worstPrice = Math.round(side === 'sell' ? t.price * 0.95 : t.price * 1.05);
    try {
      await this.ex.marketOrder({ market: t.market, side, size: t.base, worstPrice, reduceOnly: true });
      this.unwinds++;
    } catch (err) {
      this.noteError(err, `unwind ${side} ${t.base} in market ${t.market}`);
    }
  }

  stats(): Record<string, unknown> {
    return {
      bot: this.name,
      kind: 'liquidator',
      watched: this.watched.size,
      warningsSeen: this.warningsSeen,
      liquidationsStartedSeen: this.liquidationsStartedSeen,
      takeovers: this.takeovers.length,
      rewards: this.takeovers.reduce((s, t) => s + t.reward, 0),
      missed: this.missed,
      skippedUnprofitable: this.skippedUnprofitable,
      unwinds: this.unwinds,
      publicLiquidations: { ...this.publicLiquidations },
      paused: this.paused,
      errors: this.errorSummary(),
    };
  }
}
