/**
 * The engine: one apply(command, ts) entry point over EngineState. apply()
 * never throws: a rejection is a value with a stable code, and a thrown bug
 * is caught, rolled back and reported as INTERNAL_ERROR, so replaying a
 * poison command cannot crash recovery. Either way the state is unchanged.
 */
import type { Command } from './commands.ts';
import { type ErrorCode, type Rejection, reject } from './errors.ts';
import type { Event } from './events.ts';
import { fundingTick } from './funding.ts';
import { stateHash } from './hash.ts';
import { validateInvariants } from './invariants.ts';
import { accountHealth, hasOpenPositions } from './margin.ts';
import { MARKET_ACTIVE, MARKET_PAUSED, Market, MF } from './market.ts';
import { applyOracleUpdate, checkOracleForMargin } from './oracle.ts';
import { type MarketParams, resolveParams } from './params.ts';
import { settleAccount, settleFunding, settlePnl } from './settle.ts';
import { EngineState, MAX_MARKETS } from './state.ts';
import { marketOrder } from './trade.ts';
import { checkShape } from './validate.ts';

export type Outcome =
  | { readonly ok: true; readonly seq: number; readonly events: Event[] }
  | { readonly ok: false; readonly seq: number; readonly code: ErrorCode; readonly message: string };

export class Engine extends EngineState {
  /** Apply one command at sequencer time `ts` (ms). Time never runs backwards inside the engine. */
  apply(cmd: Command, ts: number): Outcome {
    const seq = ++this.seq;
    if (ts > this.lastTs) this.lastTs = ts;
    const now = this.lastTs;
    this.events = [];
    let result: Rejection | null;
    try {
      result = checkShape(cmd) ?? this.dispatch(cmd, now);
    } catch (err) {
      result = reject('INTERNAL_ERROR', err instanceof Error ? err.message : String(err));
    }
    if (result !== null) {
      this.undo.rollback();
      this.events = [];
      return { ok: false, seq, code: result.code, message: result.message };
    }
    this.undo.commit();
    return { ok: true, seq, events: this.events };
  }

  stateHash(): string {
    return stateHash(this);
  }

  /** Violations of the engine's invariants (empty when all hold). Tests run it after every command. */
  validateInvariants(): string[] {
    return validateInvariants(this);
  }

  private market(id: number): Market | Rejection {
    const m = this.markets[id];
    return m === undefined ? reject('UNKNOWN_MARKET', `market ${id}`) : m;
  }

  private dispatch(cmd: Command, ts: number): Rejection | null {
    const u = this.undo;
    if ('account' in cmd && !this.accounts.exists(cmd.account))
      return reject('UNKNOWN_ACCOUNT', `account ${cmd.account}`);
    switch (cmd.type) {
      case 'createMarket':
        return this.createMarket(cmd.symbol, cmd.initialPrice, cmd.baseReserve, cmd.params, ts);
      case 'updateMarket': {
        const m = this.market(cmd.market);
        if (m instanceof Market === false) return m;
        const params = resolveParams({ ...m.params, ...cmd.params });
        if (typeof params === 'string') return reject('INVALID_PARAMS', params);
        if (params.oracleSources !== m.params.oracleSources)
          return reject('INVALID_PARAMS', 'oracleSources cannot change');
        u.set(m, 'params', params);
        this.events.push({ type: 'marketUpdated', market: m.id, params });
        return null;
      }
      case 'pauseMarket':
      case 'resumeMarket': {
        const m = this.market(cmd.market);
        if (m instanceof Market === false) return m;
        const pause = cmd.type === 'pauseMarket';
        if (pause && m.status === MARKET_PAUSED) return reject('MARKET_PAUSED', `market ${m.id}`);
        if (!pause && m.status === MARKET_ACTIVE) return reject('MARKET_ACTIVE', `market ${m.id}`);
        u.at(m.f, MF.status, pause ? MARKET_PAUSED : MARKET_ACTIVE);
        this.events.push({ type: pause ? 'marketPaused' : 'marketResumed', market: m.id });
        return null;
      }
      case 'createAccount': {
        const account = this.accounts.count;
        this.reserveAccounts(account + 1);
        u.set(this.accounts, 'count', account + 1);
        this.events.push({ type: 'accountCreated', account });
        return null;
      }
      case 'deposit': {
        const col = this.accounts.collateral;
        const next = col[cmd.account] + cmd.amount;
        if (!Number.isSafeInteger(next) || !Number.isSafeInteger(this.totalDeposits + cmd.amount)) {
          return reject('OUT_OF_RANGE', 'collateral would exceed the safe range');
        }
        u.at(col, cmd.account, next);
        u.set(this, 'totalDeposits', this.totalDeposits + cmd.amount);
        // New collateral pays any settled-out debt first.
        for (const m of this.markets) if (m.positions.pnl[cmd.account] < 0) settlePnl(this, m, cmd.account);
        this.events.push({ type: 'deposited', account: cmd.account, amount: cmd.amount, collateral: col[cmd.account] });
        return null;
      }
      case 'withdraw':
        return this.withdraw(cmd.account, cmd.amount, ts);
      case 'insuranceDeposit': {
        const next = this.insuranceFund + cmd.amount;
        if (!Number.isSafeInteger(next) || !Number.isSafeInteger(this.totalDeposits + cmd.amount)) {
          return reject('OUT_OF_RANGE', 'insurance fund would exceed the safe range');
        }
        u.set(this, 'insuranceFund', next);
        u.set(this, 'totalDeposits', this.totalDeposits + cmd.amount);
        this.events.push({ type: 'insuranceDeposited', amount: cmd.amount, insuranceFund: next });
        return null;
      }
      case 'marketOrder': {
        const m = this.market(cmd.market);
        if (m instanceof Market === false) return m;
        return marketOrder(this, m, cmd, ts);
      }
      case 'oracle': {
        const m = this.market(cmd.market);
        if (m instanceof Market === false) return m;
        return applyOracleUpdate(this, m, cmd, ts);
      }
      case 'fundingTick': {
        const m = this.market(cmd.market);
        if (m instanceof Market === false) return m;
        return fundingTick(this, m, ts);
      }
      case 'settlePnl': {
        const m = this.market(cmd.market);
        if (m instanceof Market === false) return m;
        settleFunding(this, m, cmd.account);
        settlePnl(this, m, cmd.account);
        return null;
      }
    }
  }

  private createMarket(
    symbol: string,
    initialPrice: number,
    baseReserve: number,
    overrides: Partial<MarketParams> | undefined,
    ts: number,
  ): Rejection | null {
    if (this.markets.length >= MAX_MARKETS) return reject('TOO_MANY_MARKETS', `at most ${MAX_MARKETS}`);
    if (this.marketBySymbol.has(symbol)) return reject('DUPLICATE_MARKET', symbol);
    const params = resolveParams(overrides as Record<string, unknown> | undefined);
    if (typeof params === 'string') return reject('INVALID_PARAMS', params);
    if (!Number.isSafeInteger(baseReserve * 2)) return reject('OUT_OF_RANGE', 'baseReserve');
    const id = this.markets.length;
    const m = new Market(id, symbol, params, initialPrice, baseReserve, ts, this.accounts.capacity);
    this.markets.push(m);
    this.marketBySymbol.set(symbol, id);
    this.undo.onRollback(() => {
      this.markets.pop();
      this.marketBySymbol.delete(symbol);
    });
    this.events.push({ type: 'marketCreated', market: id, symbol, params });
    return null;
  }

  private withdraw(account: number, amount: number, ts: number): Rejection | null {
    const u = this.undo;
    settleAccount(this, account);
    const col = this.accounts.collateral;
    if (col[account] < amount) return reject('INSUFFICIENT_COLLATERAL', `collateral ${col[account]} < ${amount}`);
    if (hasOpenPositions(this, account)) {
      for (const m of this.markets) {
        if (m.positions.base[account] === 0) continue;
        const stale = checkOracleForMargin(m, ts);
        if (stale !== null) return stale;
      }
    }
    u.at(col, account, col[account] - amount);
    u.set(this, 'totalWithdrawals', this.totalWithdrawals + amount);
    // Only losses count: unsettled or unrealised profit never backs a withdrawal.
    const h = accountHealth(this, account);
    if (Math.floor(h.equityLossesOnly) < Math.ceil(h.initialRequirement)) return reject('INSUFFICIENT_MARGIN');
    this.events.push({ type: 'withdrawn', account, amount, collateral: col[account] });
    return null;
  }

  /** Capacity is not state: growing it outside the undo log is safe. */
  reserveAccounts(n: number): void {
    if (n <= this.accounts.capacity) return;
    this.accounts.reserve(n);
    for (const m of this.markets) m.positions.reserve(this.accounts.capacity);
  }
}
