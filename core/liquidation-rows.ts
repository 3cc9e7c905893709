/**
 * The tick's liquidation events, in columns. A crash liquidates ~100,000
 * accounts in one tick, each with a start, a settlement, a close and an end:
 * as objects that was ~320,000 allocations that all live until the tick's
 * outcome is published, and collecting them cost more than the liquidations
 * themselves. The tick writes them here instead, eight numbers a row, and
 * publishes the whole batch as one `liquidationBatch` event.
 *
 * The rows live in one buffer per engine, reused by every tick that
 * liquidates and, in the server's engine, kept reserved as the accounts grow
 * (Engine.reserveCrashBuffers): a
 * crash then writes into memory the process already has, where fresh pages
 * cost ~15 µs each on the benchmark VM. So a batch is valid until the
 * engine's next command that writes rows (in the loop, the next turn's tick);
 * reading it later throws instead of answering with another tick's rows.
 *
 * A row is exactly one classic event (liquidationStarted, pnlSettled,
 * liquidation or liquidationEnded) and remembers where in the outcome's
 * event list it was emitted, so `classicEvents` gives back the very
 * sequence of objects the engine would have pushed one by one: consumers that
 * want objects (history, the simulator's metrics, tests) read that
 * (classic-events.ts); the
 * gateway's router reads the rows and builds objects only for subscribers.
 */
import { grown } from './columns.ts';
import type { Side } from './commands.ts';
import type { Event } from './events.ts';

export const ROW_STARTED = 0;
export const ROW_SETTLED = 1;
export const ROW_LIQUIDATION = 2;
export const ROW_ENDED = 3;

/** The classic events a row stands for. */
export type LiquidationRowEvent = Extract<
  Event,
  { type: 'liquidationStarted' | 'pnlSettled' | 'liquidation' | 'liquidationEnded' }
>;

const INITIAL_ROWS = 64;

export class LiquidationRows {
  /** Rows written. */
  count = 0;
  /** Bumped each time the buffer starts over for a new command's rows. */
  epoch = 0;
  /** ROW_* per row. */
  kind = new Uint8Array(INITIAL_ROWS);
  /** How many object events preceded the row in the outcome's list (its place among them). */
  at = new Int32Array(INITIAL_ROWS);
  account = new Float64Array(INITIAL_ROWS);
  market = new Int32Array(INITIAL_ROWS);
  /**
   * Values by kind:
   *   started:     v0 equity, v1 maintenance, v2 orders cancelled
   *   settled:     v0 amount, v1 unsettled
   *   liquidation: v0 liquidator (−1: backstop), v1 side (1 buy, −1 sell), v2 base, v3 price,
   *                v4 penalty, v5 liquidator reward, v6 insurance share
   *   ended:       nothing
   */
  v0 = new Float64Array(INITIAL_ROWS);
  v1 = new Float64Array(INITIAL_ROWS);
  v2 = new Float64Array(INITIAL_ROWS);
  v3 = new Float64Array(INITIAL_ROWS);
  v4 = new Float64Array(INITIAL_ROWS);
  v5 = new Float64Array(INITIAL_ROWS);
  v6 = new Float64Array(INITIAL_ROWS);

  /** The event list the rows are published in: a row's `at` is its length when the row is written. */
  private list: { readonly length: number } = [];

  /** Start over for a new command whose events are `list`: earlier batches become stale. */
  reset(list: { readonly length: number }): void {
    this.count = 0;
    this.epoch++;
    this.list = list;
  }

  /** Rows the buffer holds before it must grow. */
  get capacity(): number {
    return this.kind.length;
  }

  /** Room for `rows` rows, written through once (see the module comment). */
  reserve(rows: number): void {
    if (rows <= this.kind.length) return;
    this.resize(rows);
    for (const column of [this.kind, this.at, this.account, this.market]) column.fill(0, this.count);
    for (const column of [this.v0, this.v1, this.v2, this.v3, this.v4, this.v5, this.v6]) column.fill(0, this.count);
  }

  /** Every column grown (by doubling) to hold at least `n` rows, what is held kept. */
  private resize(n: number): void {
    this.kind = grown(this.kind, n);
    this.at = grown(this.at, n);
    this.account = grown(this.account, n);
    this.market = grown(this.market, n);
    this.v0 = grown(this.v0, n);
    this.v1 = grown(this.v1, n);
    this.v2 = grown(this.v2, n);
    this.v3 = grown(this.v3, n);
    this.v4 = grown(this.v4, n);
    this.v5 = grown(this.v5, n);
    this.v6 = grown(this.v6, n);
  }

  private row(kind: number, account: number, market: number): number {
    const i = this.count;
    if (i === this.kind.length) this.resize(i + 1);
    this.count = i + 1;
    this.kind[i] = kind;
    this.at[i] = this.list.length;
    this.account[i] = account;
    this.market[i] = market;
    return i;
  }

  started(account: number, market: number, equity: number, maintenance: number, cancelled: number): void {
    const i = this.row(ROW_STARTED, account, market);
    this.v0[i] = equity;
    this.v1[i] = maintenance;
    this.v2[i] = cancelled;
  }

  settled(account: number, market: number, amount: number, unsettled: number): void {
    const i = this.row(ROW_SETTLED, account, market);
    this.v0[i] = amount;
    this.v1[i] = unsettled;
  }

  liquidation(
    account: number,
    market: number,
    liquidator: number,
    side: Side,
    base: number,
    price: number,
    penalty: number,
    reward: number,
    insuranceShare: number,
  ): void {
    const i = this.row(ROW_LIQUIDATION, account, market);
    this.v0[i] = liquidator;
    this.v1[i] = side === 'buy' ? 1 : -1;
    this.v2[i] = base;
    this.v3[i] = price;
    this.v4[i] = penalty;
    this.v5[i] = reward;
    this.v6[i] = insuranceShare;
  }

  ended(account: number, market: number): void {
    this.row(ROW_ENDED, account, market);
  }

  /** Row `i` as the event object it stands for. */
  event(i: number): LiquidationRowEvent {
    const account = this.account[i];
    const market = this.market[i];
    switch (this.kind[i]) {
      case ROW_STARTED:
        return {
          type: 'liquidationStarted',
          account,
          market,
          equity: this.v0[i],
          maintenance: this.v1[i],
          ordersCancelled: this.v2[i],
        };
      case ROW_SETTLED:
        return { type: 'pnlSettled', account, market, amount: this.v0[i], unsettled: this.v1[i] };
      case ROW_LIQUIDATION:
        return {
          type: 'liquidation',
          account,
          market,
          liquidator: this.v0[i],
          side: this.v1[i] > 0 ? 'buy' : 'sell',
          base: this.v2[i],
          price: this.v3[i],
          penalty: this.v4[i],
          liquidatorReward: this.v5[i],
          insuranceShare: this.v6[i],
        };
      default:
        return { type: 'liquidationEnded', account, market };
    }
  }
}

/** The rows of a batch event, or an error when a later command has reused them. */
export function batchRows(e: Extract<Event, { type: 'liquidationBatch' }>): LiquidationRows {
  if (e.rows.epoch !== e.epoch) {
    throw new Error('liquidation batch read after the engine reused its rows (read it before the next tick)');
  }
  return e.rows;
}
