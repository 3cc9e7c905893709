/**
 * The liquidator: follows the public `liquidatable` feed of each market it
 * trades (the accounts in liquidation whose positions a takeover would
 * accept, with the most a takeover may take and the ticks left before the
 * backstop may close them; docs/PROTOCOL.md) and takes positions over with
 * the `liquidate` op when the expected profit is positive and the takeover
 * fits its capital. A sweep queries the same list every `sweepMs`, so a
 * message missed across a reconnect is still found. It needs no key on the
 * accounts it liquidates: its own liquidator key and public streams suffice.
 *
 * Speed. The backstop closes what external liquidators leave once the
 * market's liquidatorWindowTicks have passed, and the server ticks on every
 * loop turn, so the window is a number of turns, not of milliseconds. The
 * feed is published right after the turn that flagged the account, with the
 * mark of that turn, and what a decision needs besides (our own margin, the
 * depth) is kept from streams: reacting costs one round trip, the liquidate.
 *
 * Profit of taking over `size` of a position at the mark:
 *   reward   = size × mark × liquidationPenalty × liquidatorShare
 *   exit     = (the price the depth stream offers to unwind − mark) × size, signed for the side
 *   fee      = size × mark × takerFee            (when unwinding)
 *   profit   = reward + exit − fee  ≥ minProfit
 * Capital: after the takeover the liquidator must meet initial margin (else
 * LIQUIDATOR_MARGIN); it takes at most what its free collateral
 * (equity − initial requirement) carries at the market's initial ratio ×
 * `capitalSafety`, at most maxNotional per takeover, and at most what the
 * feed says a takeover may take (a partial liquidation).
 */
import type { GatewayClient } from '../gateway/sdk/index.ts';
import type { LiquidatableAccount, LiquidatableView } from '../gateway/views/liquidation.ts';
import { Bot, codeOf, type LogFn } from './bot.ts';
import { eventsOf, type MarketInfo, type Side } from './exchange.ts';

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
  /** Query the liquidatable lists this often (a fallback for missed stream messages). Default 1,000 ms. */
  sweepMs?: number;
  /** Retry a position still listed after this long. Default 250 ms. */
  retryMs?: number;
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

/** A position on the feed: the latest entry for one account in one market. */
interface Candidate extends LiquidatableAccount {
  market: number;
}

const keyOf = (account: number, market: number) => `${account}/${market}`;

export class Liquidator extends Bot {
  private readonly info = new Map<number, MarketInfo>();
  /** What the feed lists now, by account/market. */
  private readonly listed = new Map<string, Candidate>();
  private readonly busy = new Set<string>();
  /** Our own margin, kept from our margin stream (what a takeover may use). */
  private me = { equity: 0, initialRequirement: 0, warned: false, inLiquidation: false };
  private capacityScale = 1;
  readonly takeovers: Takeover[] = [];
  /** Distinct account/market positions the feed has listed. */
  private readonly seen = new Set<string>();
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

  /** Positions the feed has listed so far (account/market pairs). */
  get candidatesSeen(): number {
    return this.seen.size;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.markStartEquity();
    for (const m of await this.ex.markets()) this.info.set(m.market, m);
    await this.client.subscribe('margin', {}, (msg) => {
      this.me = msg.data as typeof this.me;
    });
    this.me = await this.ex.account();
    // Our own health: stop taking over when we are warned ourselves.
    await this.client.subscribe('warnings', {}, (msg) => {
      const e = msg.data as { type: string };
      if (e.type === 'marginWarning' || e.type === 'liquidationStarted') {
        this.paused = true;
        this.log(this.name, `own ${e.type}: pausing takeovers`);
      }
    });
    this.running = true;
    for (const market of this.o.markets) {
      if (!this.info.has(market)) throw new Error(`no market ${market}`);
      await this.client.subscribe('depth', { market }, () => {});
      await this.client.subscribe('liquidations', { market }, (msg) => {
        const d = msg.data as { by: 'liquidator' | 'backstop' };
        this.publicLiquidations[d.by]++;
      });
      // The list is sent on subscribe, then after every turn that changes it.
      await this.client.subscribe('liquidatable', { market }, (msg) => this.onList(msg.data as LiquidatableView));
    }
    this.repeat(
      () => this.o.sweepMs ?? 1_000,
      () => this.sweep(),
      'sweep',
    );
  }

  onTakeover(fn: (t: Takeover) => void): void {
    this.takeoverListeners.push(fn);
  }

  /** A market's current list replaces what we held for it. */
  private onList(view: LiquidatableView): void {
    for (const [k, c] of this.listed) if (c.market === view.market) this.listed.delete(k);
    for (const a of view.accounts) {
      const c: Candidate = { ...a, market: view.market };
      const k = keyOf(a.account, view.market);
      this.listed.set(k, c);
      this.seen.add(k);
      this.consider(k);
    }
  }

  /** Query the lists (a fallback for stream messages missed across a reconnect) and our own margin. */
  private async sweep(): Promise<void> {
    if (this.paused) {
      this.me = await this.ex.account();
      if (!this.me.warned && !this.me.inLiquidation) {
        this.paused = false;
        this.log(this.name, 'own margin restored: resuming takeovers');
      }
    }
    for (const market of this.o.markets) {
      try {
        this.onList(await this.client.liquidatable(market));
      } catch (err) {
        this.noteError(err, `liquidatable ${market}`);
      }
    }
  }

  private consider(k: string): void {
    if (!this.running || this.busy.has(k) || this.paused || !this.listed.has(k)) return;
    this.busy.add(k);
    this.spawn(async () => {
      try {
        await this.attempt(this.listed.get(k) as Candidate);
      } finally {
        this.busy.delete(k);
        if (this.listed.has(k)) this.after(this.o.retryMs ?? 250, () => this.consider(k), 'retry');
      }
    }, `liquidate ${k}`);
  }

  private async attempt(c: Candidate): Promise<void> {
    if (!this.running || this.paused) return;
    const plan = this.plan(c);
    if (plan === null) return;
    try {
      const ack = await this.ex.liquidate({ account: c.account, market: c.market, size: plan.size });
      const ev = eventsOf<{ liquidator: number; base: number; price: number; side: Side; liquidatorReward: number }>(
        ack,
        'liquidation',
      ).find((e) => e.liquidator === this.accountId);
      if (ev === undefined) return;
      // ev.side is the liquidated account's trade; we take the other side of it.
      const ours: Side = ev.side === 'buy' ? 'sell' : 'buy';
      const t: Takeover = {
        account: c.account,
        market: c.market,
        side: ours,
        base: ev.base,
        price: ev.price,
        reward: ev.liquidatorReward,
        expectedProfit: plan.expectedProfit,
      };
      this.takeovers.push(t);
      // Until our margin stream says otherwise, count what the new position ties up.
      const im = this.info.get(c.market)?.params.initialMarginE6 ?? 1_000_000;
      this.me = { ...this.me, initialRequirement: this.me.initialRequirement + (ev.base * ev.price * im) / 1e15 };
      this.log(
        this.name,
        `took over ${ev.base / 1e9} of account ${c.account} in market ${c.market} at ${ev.price / 1e6} (reward ${ev.liquidatorReward / 1e6} USD, ${c.ticksLeft} ticks before the backstop)`,
      );
      for (const fn of this.takeoverListeners) fn(t);
      if (this.o.unwind !== false) await this.unwind(t);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ACCOUNT_HEALTHY' || code === 'NOTHING_TO_LIQUIDATE') {
        this.missed++;
        this.listed.delete(keyOf(c.account, c.market));
        return;
      }
      this.noteError(err, `liquidate ${plan.size} of account ${c.account} in market ${c.market}`);
      if (code === 'LIQUIDATOR_MARGIN') this.capacityScale = Math.max(0.05, this.capacityScale / 2);
    }
  }

  /** Size and expected profit of a takeover, or null when it does not pay or does not fit. */
  private plan(p: Candidate): { size: number; expectedProfit: number } | null {
    const m = this.info.get(p.market) as MarketInfo;
    const mark = p.markPrice;
    if (!(mark > 0)) return null;
    const free = this.me.equity - this.me.initialRequirement;
    if (free <= 0) return null;
    const ratio = (m.params.initialMarginE6 / 1e6) * (this.o.capitalSafety ?? 1.5);
    const byCapital = Math.floor(((free * this.capacityScale) / ratio / mark) * 1e9);
    const byNotional =
      this.o.maxNotional === undefined ? Number.MAX_SAFE_INTEGER : Math.floor((this.o.maxNotional / mark) * 1e9);
    const size = Math.min(Math.abs(p.base), p.maxTakeover, byCapital, byNotional);
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
      candidatesSeen: this.seen.size,
      listedNow: this.listed.size,
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
