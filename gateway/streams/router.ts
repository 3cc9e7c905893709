/**
 * Routes committed outcomes to streams. The loop calls onCommitted for every
 * journaled command after its turn's commit (never before), so nothing here
 * publishes a state that is not durable. Public events go out at once;
 * private snapshots (positions, margin) are collected per turn and published
 * by flushTurn(), once per account and market, with end-of-turn values.
 *
 *   fill ─────────────▶ trades/m (taker side)  fills/a   positions/a  margin/a
 *   liquidation ──────▶ liquidations/m         warnings/a positions/a  margin/a
 *   funding ──────────▶ funding/m
 *   marginWarning, liquidationStarted/Ended, bankruptcy ─▶ warnings/a
 *   liquidationBatch: its rows, routed as the events they stand for
 *   takerMatches: routed as the settlements, fills and trades they stand for
 *   liquidationStarted/Ended, and every turn's marks ─▶ liquidatable/m (after the turn)
 *   any event naming an account ─▶ margin/a (and positions/a with a market)
 *   an order command's outcome ─▶ orders/a
 */

import { expandMatches } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import type { Engine, Outcome } from '../../core/engine.ts';
import type { Event } from '../../core/events.ts';
import { batchRows, type LiquidationRows, ROW_ENDED, ROW_STARTED } from '../../core/liquidation-rows.ts';
import type { JournalEntry } from '../../core/loop.ts';
import { accountView, positionView } from '../views/account.ts';
import type { DepthFeed } from './depth-feed.ts';
import { LiquidatableFeed } from './liquidatable-feed.ts';
import type { Publisher } from './publisher.ts';
import type { RecentRing } from './recent.ts';

export interface PublicTrade {
  ts: number;
  seq: number;
  price: number;
  size: number;
  quote: number;
  side: 'buy' | 'sell';
}

export interface FundingRecord {
  ts: number;
  rateE6: number;
  markTwap: number;
  oracleTwap: number;
  nextFundingTs: number;
}

/** Commands whose outcome is reported on the account's orders stream. */
const ORDER_COMMANDS = new Set(['marketOrder', 'placeOrder', 'cancelOrder', 'cancelAll', 'amendOrder', 'batch']);
/** Order lifecycle events, reported on the owner's orders stream. */
const ORDER_EVENTS = new Set(['orderAccepted', 'orderRested', 'orderAmended', 'orderCancelled', 'orderTriggered']);
const WARNINGS = new Set(['marginWarning', 'liquidationStarted', 'liquidationEnded', 'bankruptcy', 'liquidation']);

export class StreamRouter {
  private readonly dirtyAccounts = new Set<number>();
  /** account * 1024 + market */
  private readonly dirtyPositions = new Set<number>();
  private readonly liquidatable: LiquidatableFeed;
  /** A match's classic events, routed one by one (route never nests a match). */
  private readonly matchParts: Event[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly publisher: Publisher,
    private readonly depth: DepthFeed,
    private readonly trades: RecentRing<PublicTrade>,
    private readonly funding: RecentRing<FundingRecord>,
  ) {
    this.liquidatable = new LiquidatableFeed(engine, publisher);
  }

  onCommitted(entry: JournalEntry, outcome: Outcome): void {
    const cmd = entry.cmd;
    if (this.publisher.any('orders') && ORDER_COMMANDS.has(cmd.type) && 'account' in cmd)
      this.orderUpdate(entry, outcome, cmd);
    if (!outcome.ok) return;
    const events = outcome.events;
    const initiator = 'account' in cmd ? (cmd as { account: number }).account : -1;
    // Public trades come from the engine's trade events; an engine without them reports taker fills.
    let hasTradeEvents = false;
    let rows: LiquidationRows | null = null;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.type === 'trade' || e.type === 'takerMatches') hasTradeEvents = true;
      else if (e.type === 'liquidationBatch') rows = batchRows(e);
    }
    if (rows === null) {
      for (let i = 0; i < events.length; i++) this.route(events[i], entry, initiator, hasTradeEvents);
      return;
    }
    // A tick's liquidation rows, each in the place it was emitted among the objects (classicEvents' order).
    // A row becomes an object only when a stream that publishes it, or the snapshots it marks, has a subscriber.
    const p = this.publisher;
    const objects = p.any('liquidations') || p.any('warnings') || p.any('positions') || p.any('margin');
    let r = 0;
    for (let i = 0; i < events.length; i++) {
      for (; r < rows.count && rows.at[r] <= i; r++) this.routeRow(rows, r, objects, entry, initiator, hasTradeEvents);
      const e = events[i];
      if (e.type !== 'liquidationBatch') this.route(e, entry, initiator, hasTradeEvents);
    }
    for (; r < rows.count; r++) this.routeRow(rows, r, objects, entry, initiator, hasTradeEvents);
  }

  /** One liquidation row: routed as its event when `objects`, else only the liquidatable feed's set follows it. */
  private routeRow(
    rows: LiquidationRows,
    r: number,
    objects: boolean,
    entry: JournalEntry,
    initiator: number,
    hasTradeEvents: boolean,
  ): void {
    if (objects) {
      this.route(rows.event(r), entry, initiator, hasTradeEvents);
      return;
    }
    const kind = rows.kind[r];
    if (kind === ROW_STARTED) this.liquidatable.started(rows.account[r]);
    else if (kind === ROW_ENDED) this.liquidatable.ended(rows.account[r]);
  }

  private publicTrade(
    entry: JournalEntry,
    market: number,
    price: number,
    size: number,
    quote: number,
    side: 'buy' | 'sell',
  ): void {
    const t: PublicTrade = { ts: entry.ts, seq: entry.seq, price, size, quote, side };
    this.trades.push(market, t);
    this.publisher.publish('trades', { market }, t);
  }

  private route(e: Event, entry: JournalEntry, initiator: number, hasTradeEvents: boolean): void {
    const p = this.publisher;
    if (e.type === 'takerMatches') {
      const parts = expandMatches(e, this.matchParts);
      for (let i = 0; i < parts.length; i++) this.route(parts[i], entry, initiator, hasTradeEvents);
      parts.length = 0;
      return;
    }
    switch (e.type) {
      case 'trade':
        this.publicTrade(entry, e.market, e.price, e.size, Math.round((e.price * e.size) / 1e9), e.takerSide);
        break;
      case 'fill': {
        // Without trade events: one public trade per taker fill (the initiator's, or any fill of the tick's backstop).
        if (!hasTradeEvents && (initiator < 0 || e.account === initiator))
          this.publicTrade(entry, e.market, e.price, e.base, e.quote, e.side);
        if (p.any('fills')) p.publish('fills', { account: e.account }, { ts: entry.ts, seq: entry.seq, ...e });
        break;
      }
      case 'liquidation':
        if (!p.any('liquidations')) break;
        p.publish(
          'liquidations',
          { market: e.market },
          {
            ts: entry.ts,
            seq: entry.seq,
            side: e.side,
            size: e.base,
            price: e.price,
            by: e.liquidator < 0 ? 'backstop' : 'liquidator',
          },
        );
        break;
      case 'funding': {
        const m = this.engine.markets[e.market];
        const f: FundingRecord = {
          ts: entry.ts,
          rateE6: e.rateE6,
          markTwap: e.markTwap,
          oracleTwap: e.oracleTwap,
          nextFundingTs: m === undefined ? 0 : m.fundingTs + m.params.fundingIntervalMs,
        };
        this.funding.push(e.market, f);
        p.publish('funding', { market: e.market }, f);
        break;
      }
      case 'liquidationStarted':
      case 'liquidationEnded':
        this.liquidatable.onEvent(e);
        break;
      default:
    }
    if (p.any('orders') && ORDER_EVENTS.has(e.type) && 'account' in e)
      p.publish('orders', { account: e.account }, { ts: entry.ts, seq: entry.seq, ...e });
    if (p.any('warnings') && WARNINGS.has(e.type) && 'account' in e)
      p.publish('warnings', { account: e.account }, { ts: entry.ts, seq: entry.seq, ...e });
    // Snapshots are published at the end of the turn to whoever subscribes then; subscriptions change only
    // between turns, so with no positions or margin stream open there is nothing to collect.
    if (!p.any('positions') && !p.any('margin')) return;
    if ('account' in e) this.markDirty(e.account, 'market' in e ? e.market : -1);
    if (e.type === 'liquidation' && e.liquidator >= 0) this.markDirty(e.liquidator, e.market);
  }

  private markDirty(account: number, market: number): void {
    this.dirtyAccounts.add(account);
    if (market >= 0) this.dirtyPositions.add(account * 1024 + market);
  }

  private orderUpdate(entry: JournalEntry, outcome: Outcome, cmd: Command): void {
    const account = (cmd as { account: number }).account;
    if (this.publisher.subscribers('orders', { account }) === 0) return;
    const { type: _t, account: _a, ...fields } = cmd as unknown as Record<string, unknown>;
    this.publisher.publish(
      'orders',
      { account },
      {
        ts: entry.ts,
        seq: entry.seq,
        command: cmd.type,
        ...fields,
        status: outcome.ok ? 'done' : 'rejected',
        ...(outcome.ok ? {} : { code: outcome.code, message: outcome.message }),
      },
    );
  }

  /** After a turn: private snapshots of what the turn touched, then depth deltas. */
  flushTurn(): void {
    const p = this.publisher;
    if (this.dirtyPositions.size > 0) {
      for (const key of this.dirtyPositions) {
        const account = Math.floor(key / 1024);
        const market = key % 1024;
        if (p.subscribers('positions', { account }) === 0) continue;
        const m = this.engine.markets[market];
        if (m === undefined) continue;
        p.publish(
          'positions',
          { account },
          positionView(m, account) ?? { market, symbol: m.symbol, base: 0, closed: true },
        );
      }
      this.dirtyPositions.clear();
    }
    if (this.dirtyAccounts.size > 0) {
      for (const account of this.dirtyAccounts) {
        if (p.subscribers('margin', { account }) === 0 || !this.engine.accounts.exists(account)) continue;
        const { positions: _positions, ...summary } = accountView(this.engine, account);
        p.publish('margin', { account }, summary);
      }
      this.dirtyAccounts.clear();
    }
    this.depth.refreshSubscribed(this.engine.markets.length);
    this.liquidatable.publishChanged();
  }
}
