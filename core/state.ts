/**
 * Everything the engine holds, in one place. Controllers (oracle.ts,
 * trade.ts, funding.ts, …) take this state, mutate it only through its undo
 * log, and push events; engine.ts owns the apply() entry point.
 */
import { AccountQueue, AccountSet } from './account-set.ts';
import { Accounts } from './accounts.ts';
import { type CollateralAsset, USDC } from './assets.ts';
import type { OrderBookApi } from './book/types.ts';
import type { Event } from './events.ts';
import type { ApiKey } from './keys.ts';
import { LiquidationRows } from './liquidation-rows.ts';
import { SlackCache } from './margin/slack.ts';
import type { Market } from './market.ts';
import { MatchRows } from './match-rows.ts';
import { PortfolioState } from './portfolio/state.ts';
import { UndoLog } from './undo.ts';

export const MAX_MARKETS = 64;
export const MAX_ASSETS = 16;
/** Tolerated clock skew between an oracle's publish time and the sequencer's (ms). */
export const ORACLE_FUTURE_TOLERANCE_MS = 1_000;

export class EngineState {
  readonly accounts = new Accounts();
  readonly markets: Market[] = [];
  readonly marketBySymbol = new Map<string, number>();
  readonly assets: CollateralAsset[] = [{ ...USDC, deposits: 0, withdrawals: 0, insuranceHoldings: 0 }];
  /** USDC insurance fund (quote units). */
  insuranceFund = 0;
  /** USDC deposits and withdrawals (asset 0), kept here for the conservation check. */
  totalDeposits = 0;
  totalWithdrawals = 0;
  /** Ticks applied so far (liquidation windows count in ticks). */
  tickCount = 0;
  /** API keys and their nonce high-water marks (core/keys.ts). */
  readonly apiKeys = new Map<string, ApiKey>();
  /** Portfolio margin: the scenario set in force, its parameters, derived caches (portfolio/state.ts). */
  readonly portfolio = new PortfolioState();
  /** The id the next order gets (orders of every market share one sequence). */
  nextOrderId = 1;
  /** Seq of the last applied command and its time; metadata, not part of the state hash. */
  seq = 0;
  lastTs = 0;
  readonly undo = new UndoLog();
  events: Event[] = [];
  /** The liquidation rows buffer (reused: see liquidation-rows.ts), and whether this command has written to it. */
  readonly rows = new LiquidationRows();
  private rowsInUse = false;
  /** The taker fills' rows buffer (reused: see match-rows.ts). */
  readonly matchRows = new MatchRows();

  // Derived caches (rebuilt from state, never hashed): see margin/thresholds.ts.
  /** Accounts touched by the current command, whose thresholds are refreshed after it commits. */
  touched: number[] = [];
  touchedCount = 0;
  /** Markets whose every threshold must be refreshed after the current command. */
  marketsDirty: boolean[] = [];
  /** Accounts whose risk cannot be reduced to one threshold price; checked exactly every tick. */
  readonly complexAccounts: Set<number> = new AccountSet();
  /** Accounts with warned = 1 or liquidationSince ≠ 0: checked exactly every tick until they recover. */
  readonly watchedAccounts: Set<number> = new AccountSet();
  /**
   * Accounts whose thresholds were refreshed onto the far side of an
   * unchanged mark (or that are complex): the next tick checks them exactly,
   * since no mark move will trigger a scan. Derived from state by
   * refreshAccount, so a rebuild reproduces it.
   */
  readonly recheckAccounts = new AccountQueue();
  /** Complex accounts' distance from their warning line at their last check (margin/slack.ts). */
  readonly slack = new SlackCache();
  /** True after a rollback that may have left caches behind the state: the next tick rebuilds them. */
  cachesStale = false;
  /**
   * Cancels every resting order of an account and returns how many; the order
   * book installs it. Liquidation calls it before closing positions.
   */
  cancelAccountOrders: (account: number) => number = () => 0;

  /** Scratch for the tick: candidate ids and a per-account stamp to de-duplicate them. */
  scratchCandidates = new Int32Array(0);
  scratchSeen = new Float64Array(0);
  /** Marks scratchSeen per tick; not state, so it never repeats even when a tick is rolled back. */
  scratchStamp = 0;
  scratchMoved: boolean[] = [];

  /** Makes each market's order book (the fast one; tests swap in the naive reference). */
  newBook: (undo: UndoLog) => OrderBookApi = () => {
    throw new Error('no order book factory installed');
  };

  touch(account: number): void {
    this.touched[this.touchedCount++] = account;
  }

  /**
   * The current command's liquidation rows: the first call pushes them, as one
   * liquidationBatch event, onto the command's events, where each row then
   * records its place among the objects.
   */
  liquidationRows(): LiquidationRows {
    const rows = this.rows;
    if (!this.rowsInUse) {
      this.rowsInUse = true;
      rows.reset(this.events);
      this.events.push({ type: 'liquidationBatch', rows, epoch: rows.epoch });
    }
    return rows;
  }

  /** A new command (or a rolled-back one) starts with no rows; apply() calls this with each new event list. */
  resetLiquidationRows(): void {
    this.rowsInUse = false;
  }
}
