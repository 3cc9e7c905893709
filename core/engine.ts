/**
 * The engine: one apply(command, ts) entry point over EngineState. apply()
 * never throws: a rejection is a value with a stable code, and a thrown bug
 * is caught, rolled back and reported as INTERNAL_ERROR, so replaying a
 * poison command cannot crash recovery. Either way the state is unchanged.
 * After a command commits, the derived risk caches of the accounts and
 * markets it touched are refreshed (margin/thresholds.ts).
 */
import { createAsset, createMarket, setPaused, updateMarket } from './admin.ts';
import { NaiveBook } from './book/naive-book.ts';
import { OrderBook } from './book/orderbook.ts';
import type { AuthedCommand, Command } from './commands.ts';
import { type L2Depth, l2Depth } from './depth.ts';
import { type ErrorCode, OutOfRange, type Rejection, reject } from './errors.ts';
import type { Event } from './events.ts';
import { fundingTick } from './funding.ts';
import { deposit, setMarginMode, transferIsolated, withdraw } from './funds.ts';
import { stateHash } from './hash.ts';
import { validateInvariants } from './invariants.ts';
import { advanceNonce, consumeNonce, registerKey, revokeKey } from './keys.ts';
import { liquidateCollateral, takeover } from './liquidation.ts';
import { reserveOrder } from './margin/fair-order.ts';
import { refreshAccount, refreshMarket } from './margin/thresholds.ts';
import type { Market } from './market.ts';
import { applyOracleUpdate } from './oracle.ts';
import { amendOrder, batch, cancelAll, cancelAllInMarket, cancelOrder, placeOrder } from './orders.ts';
import { setPortfolioParams } from './portfolio/admin.ts';
import { applyPortfolioCharges } from './portfolio/charges.ts';
import { setAccountMarginMode } from './portfolio/mode.ts';
import { applyScenarioSet } from './portfolio/scenario-command.ts';
import { settleFunding, settlePnl } from './settle.ts';
import { EngineState } from './state.ts';
import { rebuildCaches, tick } from './tick.ts';
import { marketOrder } from './trade.ts';
import { checkAuthShape, checkShape } from './validate.ts';

export type Outcome =
  | { readonly ok: true; readonly seq: number; readonly events: Event[] }
  | { readonly ok: false; readonly seq: number; readonly code: ErrorCode; readonly message: string };

/** Most depth levels one query returns per side. */
export const MAX_DEPTH_LEVELS = 500;

export interface EngineOptions {
  /** Which order book implementation to use: the fast one, or the naive reference (tests). */
  book?: 'fast' | 'naive';
}

export class Engine extends EngineState {
  /** Scratch for refreshCaches' de-duplication (not state). */
  private refreshStamp = new Float64Array(0);
  private refreshEpoch = 0;

  constructor(options: EngineOptions = {}) {
    super();
    this.newBook = options.book === 'naive' ? (undo) => new NaiveBook(undo) : (undo) => new OrderBook(undo);
    this.cancelAccountOrders = (account) => {
      let n = 0;
      for (const m of this.markets) n += cancelAllInMarket(this, m, account, 'liquidation');
      return n;
    };
  }

  /** Replay sets this: events are dropped as they are made (nobody reads a replayed command's events). */
  discardEvents = false;

  /** Apply one command at sequencer time `ts` (ms). Time never runs backwards inside the engine. */
  apply(cmd: AuthedCommand, ts: number): Outcome {
    const seq = ++this.seq;
    // The sequencer's clock is trusted but checked: a time that is not a safe integer is ignored.
    if (Number.isSafeInteger(ts) && ts > this.lastTs) this.lastTs = ts;
    const now = this.lastTs;
    this.events = this.discardEvents ? DISCARD : [];
    this.resetLiquidationRows();
    const matchRows = this.matchRows;
    matchRows.newCommand();
    const matchRowsBefore = matchRows.count;
    this.touchedCount = 0;
    let result: Rejection | null;
    try {
      result = checkShape(cmd);
      // A signed command consumes its nonce first, and keeps it consumed even if rejected (core/keys.ts).
      if (result === null && cmd.auth !== undefined) result = checkAuthShape(cmd.auth) ?? consumeNonce(this, cmd.auth);
      if (result === null) result = this.dispatch(cmd, now);
    } catch (err) {
      if (err instanceof OutOfRange) result = reject('OUT_OF_RANGE', err.message);
      else {
        result = reject('INTERNAL_ERROR', err instanceof Error ? err.message : String(err));
        this.cachesStale = true;
      }
    }
    if (result !== null) {
      this.undo.rollback();
      this.events = this.discardEvents ? DISCARD : [];
      this.resetLiquidationRows();
      matchRows.truncate(matchRowsBefore);
      if (this.marketsDirty.length > 0) this.marketsDirty.length = 0;
      return { ok: false, seq, code: result.code, message: result.message };
    }
    this.undo.commit();
    this.refreshCaches();
    return { ok: true, seq, events: this.events };
  }

  /**
   * Keep the fills' rows of every command from now on until
   * releaseMatchRows(), for a caller that reads several outcomes together
   * (the loop holds them for a turn). Otherwise a command's `takerMatches`
   * are valid until the next command that fills (core/match-rows.ts).
   * Starts the buffer over: earlier batches become stale.
   */
  holdMatchRows(): void {
    this.matchRows.clear();
    this.matchRows.held = true;
  }

  /** Let go of the rows holdMatchRows() kept: the next command that fills starts the buffer over. */
  releaseMatchRows(): void {
    this.matchRows.held = false;
  }

  stateHash(): string {
    return stateHash(this);
  }

  /** Violations of the engine's invariants (empty when all hold). Tests run it after every command. */
  validateInvariants(): string[] {
    return validateInvariants(this);
  }

  /** L2 depth of a market: book levels merged with levels synthesised from the curve, tagged by source. */
  depth(market: number, levels: number): L2Depth | null {
    const m = this.markets[market];
    return m === undefined ? null : l2Depth(m, Math.max(1, Math.min(levels, MAX_DEPTH_LEVELS)));
  }

  /** Rebuild every derived cache from state (after a restore). */
  rebuildCaches(): void {
    rebuildCaches(this);
  }

  private refreshCaches(): void {
    const dirty = this.marketsDirty;
    if (dirty.length > 0) {
      for (let i = 0; i < dirty.length; i++) if (dirty[i] === true) refreshMarket(this, this.markets[i]);
      dirty.length = 0;
    }
    const t = this.touched;
    const n = this.touchedCount;
    if (n <= 2) {
      for (let i = 0; i < n; i++) if (i === 0 || t[i] !== t[i - 1]) refreshAccount(this, t[i]);
    } else {
      // A tick or a sweep touches an account many times: refresh each once.
      if (this.refreshStamp.length < this.accounts.capacity)
        this.refreshStamp = new Float64Array(this.accounts.capacity);
      const stamp = ++this.refreshEpoch;
      for (let i = 0; i < n; i++) {
        const a = t[i];
        if (this.refreshStamp[a] === stamp) continue;
        this.refreshStamp[a] = stamp;
        refreshAccount(this, a);
      }
    }
    this.touchedCount = 0;
  }

  private market(id: number): Market | Rejection {
    return this.markets[id] ?? reject('UNKNOWN_MARKET', `market ${id}`);
  }

  private dispatch(cmd: Command, ts: number): Rejection | null {
    // Orders first (most of the traffic): the same checks as the general path below, in its order.
    if (cmd.type === 'marketOrder' || cmd.type === 'placeOrder') {
      if (!this.accounts.exists(cmd.account)) return reject('UNKNOWN_ACCOUNT', `account ${cmd.account}`);
      const m = this.markets[cmd.market];
      if (m === undefined) return reject('UNKNOWN_MARKET', `market ${cmd.market}`);
      return cmd.type === 'marketOrder' ? marketOrder(this, m, cmd, ts) : placeOrder(this, m, cmd, ts);
    }
    if ('account' in cmd && !this.accounts.exists(cmd.account))
      return reject('UNKNOWN_ACCOUNT', `account ${cmd.account}`);
    switch (cmd.type) {
      case 'createMarket':
        return createMarket(this, cmd, ts);
      case 'createAsset':
        return createAsset(this, cmd);
      case 'createAccount': {
        const account = this.accounts.count;
        this.reserveAccounts(account + 1);
        this.undo.set(this.accounts, 'count', account + 1);
        this.undo.at(this.accounts.portfolioCharge, account, Number.NaN); // no charge (portfolio/row.ts)
        this.events.push({ type: 'accountCreated', account });
        return null;
      }
      case 'deposit':
        return deposit(this, cmd);
      case 'withdraw':
        return withdraw(this, cmd, ts);
      case 'insuranceDeposit': {
        const next = this.insuranceFund + cmd.amount;
        if (!Number.isSafeInteger(next) || !Number.isSafeInteger(this.totalDeposits + cmd.amount)) {
          return reject('OUT_OF_RANGE', 'insurance fund would exceed the safe range');
        }
        this.undo.set(this, 'insuranceFund', next);
        this.undo.set(this, 'totalDeposits', this.totalDeposits + cmd.amount);
        this.events.push({ type: 'insuranceDeposited', amount: cmd.amount, insuranceFund: next });
        return null;
      }
      case 'tick':
        return tick(this, ts);
      case 'liquidateCollateral':
        if (!this.accounts.exists(cmd.liquidator)) return reject('UNKNOWN_ACCOUNT', `liquidator ${cmd.liquidator}`);
        return liquidateCollateral(this, cmd, ts);
      case 'setAccountMarginMode':
        return setAccountMarginMode(this, cmd);
      case 'scenarioSet':
        return applyScenarioSet(this, cmd);
      case 'portfolioMargin':
        return applyPortfolioCharges(this, cmd);
      case 'setPortfolioParams':
        return setPortfolioParams(this, cmd);
      case 'registerKey':
        return registerKey(this, cmd);
      case 'revokeKey':
        return revokeKey(this, cmd);
      case 'advanceNonce':
        return advanceNonce(this, cmd);
      case 'cancelAll':
        return cancelAll(this, cmd);
      case 'batch':
        return batch(cmd, ts, (op, t) => this.dispatch(op, t));
      default:
        return this.marketCommand(cmd, ts);
    }
  }

  /** Commands addressed to one market. */
  private marketCommand(cmd: Command, ts: number): Rejection | null {
    if (!('market' in cmd) || cmd.market === undefined) return reject('BAD_COMMAND', `unhandled type ${cmd.type}`);
    const m = this.market(cmd.market);
    if ('code' in m) return m;
    switch (cmd.type) {
      case 'updateMarket':
        return updateMarket(this, m, cmd);
      case 'pauseMarket':
        return setPaused(this, m, true);
      case 'resumeMarket':
        return setPaused(this, m, false);
      case 'marketOrder':
        return marketOrder(this, m, cmd, ts);
      case 'oracle':
        return applyOracleUpdate(this, m, cmd, ts);
      case 'fundingTick':
        return fundingTick(this, m, ts);
      case 'settlePnl':
        settleFunding(this, m, cmd.account);
        settlePnl(this, m, cmd.account);
        return null;
      case 'setMarginMode':
        return setMarginMode(this, m, cmd);
      case 'transferIsolated':
        return transferIsolated(this, m, cmd, ts);
      case 'placeOrder':
        return placeOrder(this, m, cmd, ts);
      case 'cancelOrder':
        return cancelOrder(this, m, cmd);
      case 'amendOrder':
        return amendOrder(this, m, cmd);
      case 'liquidate':
        if (!this.accounts.exists(cmd.liquidator)) return reject('UNKNOWN_ACCOUNT', `liquidator ${cmd.liquidator}`);
        return takeover(this, m, cmd, ts);
      default:
        return reject('BAD_COMMAND', `unhandled type ${(cmd as Command).type}`);
    }
  }

  /** Capacity is not state: growing it outside the undo log is safe. */
  reserveAccounts(n: number): void {
    if (n <= this.accounts.capacity) return;
    this.accounts.reserve(n);
    const capacity = this.accounts.capacity;
    for (const m of this.markets) m.positions.reserve(capacity);
    if (this.crashReserveShare > 0) this.reserveCrashBuffers(this.crashReserveShare);
  }

  /**
   * From now on, keep the buffers a tick fills in proportion to the accounts
   * it liquidates reserved for a tick that liquidates `share` of them (3 undo
   * entries and 3–4 liquidation rows each; the tick's candidate and
   * fair-order buffers), growing with the accounts, so a crash writes into
   * memory the process already holds (liquidation-rows.ts says why). The
   * server's engine does this; engines that only replay (the background
   * worker's) do not pay the memory: ~90 MB at 1,000,000 accounts.
   */
  reserveCrashBuffers(share = LIQUIDATION_RESERVE_SHARE): void {
    this.crashReserveShare = share;
    const distressed = Math.ceil(this.accounts.capacity * share);
    this.undo.reserve(distressed * 4);
    this.rows.reserve(distressed * 4);
    if (this.scratchCandidates.length < distressed) this.scratchCandidates = new Int32Array(distressed).fill(0);
    reserveOrder(distressed);
  }

  /** The share reserveCrashBuffers keeps reserved (0: none). */
  private crashReserveShare = 0;
}

/** The share of the accounts a tick can liquidate without growing a buffer (reserveCrashBuffers). */
export const LIQUIDATION_RESERVE_SHARE = 0.25;

/** An event list that keeps nothing (Engine.discardEvents). */
const DISCARD = {
  push(): number {
    return 0;
  },
  get length(): number {
    return 0;
  },
  set length(_n: number) {},
} as unknown as Event[];
