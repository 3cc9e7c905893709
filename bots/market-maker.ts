/**
 * The market maker: a post-only bid and ask ladder per market around the
 * index (the oracle price from the ticker stream; the mark before the first
 * oracle price), skewed against its inventory, replaced as one atomic batch
 * (`cancelAll` for the market, then the new orders: all or nothing, so the
 * book never shows half a ladder).
 *
 *   center  = index × (1 − skew × inventory / maxInventory)
 *   level i = center × (1 ∓ (halfSpread + widen + i × levelStep))
 *
 * The side that would grow the inventory past maxInventory is not quoted,
 * and its sizes shrink as the inventory grows. A quote is kept
 * `crossGuardE6` behind the best opposite level of others in the depth
 * stream (book orders and the vAMM's synthesised levels, the first of which
 * sits at the curve's own quote), so post-only orders do not
 * cross; when one still does (POST_ONLY_WOULD_CROSS), the ladder widens and
 * the batch is retried, and the widening decays with each accepted batch.
 *
 * Requotes happen when the center moves by requoteThresholdE6, when the
 * inventory changes, and every refreshMs. Cancel-on-disconnect is armed on
 * every (re)connection, and an optional dead man's switch is re-armed on
 * every refresh, so a vanished bot leaves no stale quotes.
 */
import type { GatewayClient } from '../gateway/sdk/index.ts';
import { Bot, codeOf, type LogFn } from './bot.ts';
import type { BatchOp, Ticker } from './exchange.ts';

export interface MarketMakerMarket {
  market: number;
  /** Base units per order. */
  sizePerLevel: number;
  /** Inventory (base units) at which the skew is full and the growing side stops. */
  maxInventory: number;
  /** Orders per side, 1–9 (one batch holds a cancelAll and both sides). Default 3. */
  levels?: number;
  /** Center to the first level, E6. Default 1,000 (0.1%). */
  halfSpreadE6?: number;
  /** Between levels, E6. Default 500. */
  levelStepE6?: number;
  /** Center shift at full inventory, E6. Default = halfSpreadE6. */
  maxSkewE6?: number;
  /** Center move that triggers a requote, E6. Default 300. */
  requoteThresholdE6?: number;
}

export interface MarketMakerOptions {
  markets: MarketMakerMarket[];
  /** Requote at least this often. Default 2,000 ms. */
  refreshMs?: number;
  /** Distance kept from the best opposite level of others, E6 (covers tick rounding). Default 100. */
  crossGuardE6?: number;
  /** Arm the dead man's switch with this many ms on every refresh (0: off). Default 0. */
  deadmanMs?: number;
}

type Ladder = { price: number; size: number }[];

interface Quoting {
  market: number;
  levels: number;
  sizePerLevel: number;
  maxInventory: number;
  halfSpreadE6: number;
  levelStepE6: number;
  maxSkewE6: number;
  requoteThresholdE6: number;
  tickSize: number;
  minOrderSize: number;
  index: number;
  mark: number;
  inventory: number;
  lastCenter: number;
  lastInventory: number;
  bids: Ladder;
  asks: Ladder;
  inflight: boolean;
  again: boolean;
  widenE6: number;
  sizeScale: number;
  requotes: number;
}

const MAX_WIDEN_E6 = 50_000;

export class MarketMaker extends Bot {
  private readonly quoting: Quoting[] = [];
  private readonly refreshMs: number;
  private readonly crossGuardE6: number;
  private nextClientId = 1;
  private reconnectHooked = false;
  fills = 0;
  volumeQuote = 0;
  private readonly quoteListeners: ((market: number, bids: Ladder, asks: Ladder) => void)[] = [];

  constructor(
    client: GatewayClient,
    private readonly o: MarketMakerOptions,
    log?: LogFn,
    name = 'market-maker',
  ) {
    super(name, client, log);
    this.refreshMs = o.refreshMs ?? 2_000;
    this.crossGuardE6 = o.crossGuardE6 ?? 100;
    if (o.markets.length === 0) throw new RangeError('a market maker needs at least one market');
    for (const m of o.markets) {
      const levels = m.levels ?? 3;
      if (!(Number.isInteger(levels) && levels >= 1 && levels <= 9))
        throw new RangeError(`market ${m.market}: levels must be 1–9 (a batch holds at most 20 ops), got ${levels}`);
      if (!(m.sizePerLevel >= 1 && m.maxInventory >= 1))
        throw new RangeError(`market ${m.market}: sizePerLevel and maxInventory must be ≥ 1`);
    }
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.markStartEquity();
    const infos = await this.ex.markets();
    const positions = await this.ex.positions();
    for (const m of this.o.markets) {
      const info = infos.find((x) => x.market === m.market);
      if (info === undefined) throw new Error(`no market ${m.market}`);
      const half = m.halfSpreadE6 ?? 1_000;
      this.quoting.push({
        market: m.market,
        levels: m.levels ?? 3,
        sizePerLevel: m.sizePerLevel,
        maxInventory: m.maxInventory,
        halfSpreadE6: half,
        levelStepE6: m.levelStepE6 ?? 500,
        maxSkewE6: m.maxSkewE6 ?? half,
        requoteThresholdE6: m.requoteThresholdE6 ?? 300,
        tickSize: info.params.tickSize,
        minOrderSize: info.params.minOrderSize,
        index: info.oraclePrice,
        mark: info.markPrice,
        inventory: positions.find((p) => p.market === m.market)?.base ?? 0,
        lastCenter: 0,
        lastInventory: 0,
        bids: [],
        asks: [],
        inflight: false,
        again: false,
        widenE6: 0,
        sizeScale: 1,
        requotes: 0,
      });
    }
    this.running = true;
    for (const q of this.quoting) {
      await this.client.subscribe('depth', { market: q.market }, () => {});
      await this.client.subscribe('ticker', { market: q.market }, (msg) => {
        const t = msg.data as Ticker;
        q.index = t.indexPrice;
        q.mark = t.markPrice;
        this.spawn(() => this.requote(q, false), 'requote');
      });
    }
    await this.client.subscribe('positions', {}, (msg) => {
      const p = msg.data as { market: number; base: number };
      const q = this.quoting.find((x) => x.market === p.market);
      if (q === undefined) return;
      q.inventory = p.base;
      this.spawn(() => this.requote(q, false), 'requote');
    });
    await this.client.subscribe('fills', {}, (msg) => {
      const f = msg.data as { quote: number };
      this.fills++;
      this.volumeQuote += f.quote;
    });
    await this.armSession();
    // After a dropped connection the gateway has cancelled the quotes (cancel-on-disconnect): re-arm, requote.
    // (The SDK has no way to remove a listener: hook once, act only while running.)
    if (!this.reconnectHooked) {
      this.reconnectHooked = true;
      this.client.on('reconnect', () => {
        this.spawn(async () => {
          await this.armSession();
          await this.requoteAll(true);
        }, 'rearm after reconnect');
      });
    }
    await this.requoteAll(true);
    this.repeat(
      () => this.refreshMs,
      () => this.refresh(),
      'refresh',
    );
  }

  /** Called after each accepted ladder. */
  onQuote(fn: (market: number, bids: Ladder, asks: Ladder) => void): void {
    this.quoteListeners.push(fn);
  }

  /** The ladder last accepted for a market. */
  quotes(market: number): { bids: Ladder; asks: Ladder } {
    const q = this.quoting.find((x) => x.market === market);
    return { bids: q?.bids ?? [], asks: q?.asks ?? [] };
  }

  private async armSession(): Promise<void> {
    await this.client.setCancelOnDisconnect(true);
    if ((this.o.deadmanMs ?? 0) > 0) await this.client.setDeadman(this.o.deadmanMs as number);
  }

  private async refresh(): Promise<void> {
    if ((this.o.deadmanMs ?? 0) > 0) await this.client.setDeadman(this.o.deadmanMs as number);
    await this.requoteAll(true);
  }

  private async requoteAll(force: boolean): Promise<void> {
    await Promise.all(this.quoting.map((q) => this.requote(q, force)));
  }

  /** Replace the market's ladder if the center or the inventory moved (or `force`). */
  async requote(q: Quoting, force: boolean): Promise<void> {
    if (!this.running) return;
    if (q.inflight) {
      q.again = true;
      return;
    }
    const center = q.index > 0 ? q.index : q.mark;
    if (!(center > 0)) return;
    const moved = q.lastCenter === 0 || Math.abs(center - q.lastCenter) * 1e6 >= q.requoteThresholdE6 * q.lastCenter;
    if (!force && !moved && q.inventory === q.lastInventory) return;
    const { bids, asks } = this.ladder(q, center);
    const ops: BatchOp[] = [{ type: 'cancelAll', market: q.market }];
    for (const [side, ladder] of [
      ['buy', bids],
      ['sell', asks],
    ] as const) {
      for (const l of ladder) {
        ops.push({
          type: 'placeOrder',
          market: q.market,
          side,
          size: l.size,
          price: l.price,
          postOnly: true,
          timeInForce: 'GTC',
          clientId: this.nextClientId++,
        });
      }
    }
    q.inflight = true;
    let retryMs = -1;
    try {
      await this.ex.batch(ops);
      q.lastCenter = center;
      q.lastInventory = q.inventory;
      q.bids = bids;
      q.asks = asks;
      q.requotes++;
      q.widenE6 = Math.max(0, q.widenE6 - q.halfSpreadE6 / 4);
      q.sizeScale = Math.min(1, q.sizeScale * 1.25);
      for (const fn of this.quoteListeners) fn(q.market, bids, asks);
    } catch (err) {
      const code = codeOf(err);
      this.noteError(err, `requote market ${q.market}`);
      if (code === 'POST_ONLY_WOULD_CROSS') {
        q.widenE6 = Math.min(MAX_WIDEN_E6, q.widenE6 + q.halfSpreadE6);
        retryMs = 100;
      } else if (code === 'INSUFFICIENT_MARGIN') {
        q.sizeScale = Math.max(0.05, q.sizeScale / 2);
        retryMs = 100;
      }
    } finally {
      q.inflight = false;
    }
    if (retryMs >= 0) this.after(retryMs, () => this.requote(q, true), 'requote retry');
    else if (q.again) {
      q.again = false;
      this.after(0, () => this.requote(q, false), 'requote');
    }
  }

  /** The ladder for `center`: skewed, sized by inventory, kept off the others' best opposite levels. */
  private ladder(q: Quoting, center: number): { bids: Ladder; asks: Ladder } {
    const tick = q.tickSize;
    const floorTick = (p: number) => Math.floor(p / tick) * tick;
    const ceilTick = (p: number) => Math.ceil(p / tick) * tick;
    const inv = Math.max(-1, Math.min(1, q.inventory / q.maxInventory));
    const skewed = center * (1 - (inv * q.maxSkewE6) / 1e6);
    const { bestBid, bestAsk } = this.othersBest(q);
    const bids: Ladder = [];
    const asks: Ladder = [];
    const bidSize = Math.floor(q.sizePerLevel * q.sizeScale * (1 - Math.max(0, inv)));
    const askSize = Math.floor(q.sizePerLevel * q.sizeScale * (1 + Math.min(0, inv)));
    for (let i = 0; i < q.levels; i++) {
      const off = (q.halfSpreadE6 + q.widenE6 + i * q.levelStepE6) / 1e6;
      const guard = (this.crossGuardE6 + i * q.levelStepE6) / 1e6;
      if (q.inventory < q.maxInventory && bidSize >= q.minOrderSize) {
        let price = floorTick(skewed * (1 - off));
        if (bestAsk > 0) price = Math.min(price, floorTick(bestAsk * (1 - guard)));
        if (price > 0) push(bids, price, bidSize);
      }
      if (q.inventory > -q.maxInventory && askSize >= q.minOrderSize) {
        let price = ceilTick(skewed * (1 + off));
        if (bestBid > 0) price = Math.max(price, ceilTick(bestBid * (1 + guard)));
        push(asks, price, askSize);
      }
    }
    // Never cross ourselves (possible only with extreme skews): drop the inner levels that would.
    while (bids.length > 0 && asks.length > 0 && bids[0].price >= asks[0].price) {
      bids.shift();
      asks.shift();
    }
    return { bids, asks };
  }

  /** Best bid and ask in the depth stream that are not our own last ladder (0: none, or no book yet). */
  private othersBest(q: Quoting): { bestBid: number; bestAsk: number } {
    const book = this.client.book(q.market);
    if (book === undefined || !book.synced) return { bestBid: 0, bestAsk: 0 };
    const ownSize = (ladder: Ladder, price: number) => ladder.find((l) => l.price === price)?.size ?? 0;
    const bid = book.bidLevels().find(([p, s]) => s > ownSize(q.bids, p));
    const ask = book.askLevels().find(([p, s]) => s > ownSize(q.asks, p));
    return { bestBid: bid?.[0] ?? 0, bestAsk: ask?.[0] ?? 0 };
  }

  protected override async onStop(): Promise<void> {
    try {
      await this.ex.cancelAll();
      if ((this.o.deadmanMs ?? 0) > 0) await this.client.setDeadman(0);
    } catch (err) {
      this.noteError(err, 'cancel quotes on stop');
    }
  }

  stats(): Record<string, unknown> {
    return {
      bot: this.name,
      kind: 'market-maker',
      fills: this.fills,
      volumeQuote: this.volumeQuote,
      markets: this.quoting.map((q) => ({
        market: q.market,
        requotes: q.requotes,
        inventory: q.inventory,
        bid: q.bids[0]?.price ?? 0,
        ask: q.asks[0]?.price ?? 0,
        widenE6: q.widenE6,
      })),
      errors: this.errorSummary(),
    };
  }
}

/** Add a level, merging one at the same price (clamped levels can coincide). */
function push(ladder: Ladder, price: number, size: number): void {
  const same = ladder.find((l) => l.price === price);
  if (same !== undefined) same.size += size;
  else ladder.push({ price, size });
}
