/**
 * Random command streams for the property and determinism suites, and the
 * Harness that applies them: the planner (planner.ts, malformed.ts) turns
 * each step into a command and what the reference model is certain of; the
 * Harness applies it and, after every command, checks the engine's
 * invariants, that a rejection changed nothing and carries a known code, and
 * that the engine agrees with the model, which it then updates.
 */

import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import { Engine, type Outcome } from '../../core/engine.ts';
import { ErrorCodes } from '../../core/errors.ts';
import type { Event } from '../../core/events.ts';
import { MARKET_PAUSED } from '../../core/market.ts';
import type { MarketParams } from '../../core/params.ts';
import { curvePrice, eventsOf, extraInvariants, HOUR_MS, ledgerTotal, oneEvent, show, T0 } from './helpers.ts';
import { type Model, newModel, type Planned, Planner } from './planner.ts';
import { Rng, type Setup, type Step } from './streams.ts';

export * from './streams.ts';

export interface RunStats {
  commands: number;
  accepted: number;
  orders: number;
  fills: number;
  fundings: number;
  repegs: number;
  ticks: number;
  liquidations: number;
  bankruptcies: number;
  codes: Record<string, number>;
}

export function emptyStats(): RunStats {
  return {
    commands: 0,
    accepted: 0,
    orders: 0,
    fills: 0,
    fundings: 0,
    repegs: 0,
    ticks: 0,
    liquidations: 0,
    bankruptcies: 0,
    codes: {},
  };
}

export function addStats(into: RunStats, from: RunStats): void {
  for (const k of [
    'commands',
    'accepted',
    'orders',
    'fills',
    'fundings',
    'repegs',
    'ticks',
    'liquidations',
    'bankruptcies',
  ] as const) {
    into[k] += from[k];
  }
  for (const [k, v] of Object.entries(from.codes)) into.codes[k] = (into.codes[k] ?? 0) + v;
}

/**
 * Drives an engine with generated steps and checks, after every command, the
 * engine's invariants, that a rejection changed nothing and carries a known
 * code, and that the engine agrees with a small reference model (accounts,
 * markets, pauses, positions, deposits − withdrawals, oracle ordering).
 */
export class Harness {
  readonly e = new Engine();
  /** Every command applied, with its ts and outcome, and the state hash after it. */
  readonly log: { cmd: unknown; ts: number; outcome: Outcome }[] = [];
  readonly hashes: string[] = [];
  readonly stats = emptyStats();
  private readonly model: Model = newModel();
  private readonly planner: Planner;

  constructor(setup: Setup) {
    this.planner = new Planner(this.e, this.model, this.stats, setup.violent === true);
    for (const spec of setup.markets) this.createMarket(spec.symbol, spec.initialPrice, spec.baseReserve, spec.params);
    for (const amount of setup.deposits) {
      this.run({ cmd: { type: 'createAccount' }, ts: 0, expect: null });
      this.run({ cmd: { type: 'deposit', account: this.model.accounts - 1, amount }, ts: 0, expect: null });
    }
    // A first price from every source, so trading starts at once.
    this.model.markets.forEach((mm, m) => {
      for (let s = 0; s < mm.sources; s++) {
        const price = Math.round(curvePrice(this.e.markets[m]));
        this.run({
          cmd: { type: 'oracle', market: m, source: s, price, confidence: 0, publishTs: T0 },
          ts: T0,
          expect: null,
        });
      }
    });
  }

  private createMarket(symbol: string, initialPrice: number, baseReserve: number, params: Partial<MarketParams>) {
    this.run({ cmd: { type: 'createMarket', symbol, initialPrice, baseReserve, params }, ts: 0, expect: null });
  }

  step(s: Step, index: number): void {
    this.model.stepIndex = index;
    const ts = this.nextTs(s.time);
    const r = new Rng(s.seed);
    this.run(this.planner.plan(s.kind, r, ts));
  }

  /** Time passing: mostly sub-second to seconds, sometimes minutes or hours, sometimes a ts behind the clock. */
  private nextTs(time: number): number {
    const u = time % 1_000;
    const v = Math.floor(time / 1_000);
    let dt: number;
    if (u < 850) dt = v % 600;
    else if (u < 965) dt = 600 + (v % 3_000);
    else if (u < 985) dt = 60_000 + (v % 540_000);
    else if (u < 992) dt = HOUR_MS + (v % (2 * HOUR_MS));
    else dt = -(v % 5_000);
    return Math.max(0, this.model.now + dt);
  }

  private fail(what: string, p: Planned, out: Outcome): never {
    throw new Error(
      `step ${this.model.stepIndex} (command ${this.log.length}): ${what}\n  command: ${show(p.cmd)} at ts ${p.ts}\n  outcome: ${show(out)}`,
    );
  }

  /** Apply one planned command and check everything the model knows. */
  run(p: Planned): void {
    const e = this.e;
    const before = e.stateHash();
    const seqBefore = e.seq;
    const out = e.apply(p.cmd as Command, p.ts);
    // Kept past later commands: a tick's liquidation rows are read now, as the events they stand for.
    this.log.push({ cmd: p.cmd, ts: p.ts, outcome: out.ok ? { ...out, events: classicEvents(out.events) } : out });
    this.model.now = Math.max(this.model.now, p.ts);
    this.stats.commands++;
    if (out.seq !== seqBefore + 1) this.fail(`seq ${out.seq} after ${seqBefore}`, p, out);
    if (e.lastTs !== this.model.now)
      this.fail(`engine time ${e.lastTs} ≠ ${this.model.now} (time must never run backwards)`, p, out);
    if (out.ok) {
      this.stats.accepted++;
      if (p.expect) this.fail(`accepted, but the model expected ${p.expect}`, p, out);
      try {
        const events = classicEvents(out.events);
        this.applyToModel(p, events);
        p.after?.(events);
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err), p, out);
      }
    } else {
      this.stats.codes[out.code] = (this.stats.codes[out.code] ?? 0) + 1;
      if (!Object.hasOwn(ErrorCodes, out.code)) this.fail(`unknown error code ${out.code}`, p, out);
      if (out.code === 'INTERNAL_ERROR') this.fail('INTERNAL_ERROR: apply threw', p, out);
      if (e.stateHash() !== before) this.fail('a rejected command changed the state hash', p, out);
      if (p.expect === null) this.fail('rejected, but the model expected acceptance', p, out);
      if (p.expect !== undefined && out.code !== p.expect) this.fail(`expected ${p.expect}`, p, out);
      if (p.forbid?.includes(out.code)) this.fail(`a reducing order must never be refused with ${out.code}`, p, out);
    }
    this.hashes.push(e.stateHash());
    this.checkState(p, out);
  }

  private applyToModel(p: Planned, events: Event[]): void {
    const cmd = p.cmd as Command;
    switch (cmd.type) {
      case 'createAccount': {
        const id = oneEvent(events, 'accountCreated').account;
        if (id !== this.model.accounts) throw new Error(`new account id ${id}, expected ${this.model.accounts}`);
        this.model.accounts++;
        for (const row of this.model.positions) row.push(0);
        break;
      }
      case 'createMarket': {
        const created = oneEvent(events, 'marketCreated');
        if (created.market !== this.model.markets.length) throw new Error(`new market id ${created.market}`);
        const sources = created.params.oracleSources;
        this.model.markets.push({
          symbol: cmd.symbol,
          sources,
          paused: false,
          lastPublish: new Array(sources).fill(-1),
          lastOraclePrice: 0,
        });
        this.model.positions.push(new Array(this.model.accounts).fill(0));
        break;
      }
      case 'deposit':
        if (oneEvent(events, 'deposited').amount !== cmd.amount) throw new Error('deposited amount');
        if ((cmd.asset ?? 0) === 0) this.model.net += cmd.amount;
        break;
      case 'insuranceDeposit':
        this.model.net += cmd.amount;
        break;
      case 'withdraw':
        if (oneEvent(events, 'withdrawn').amount !== cmd.amount) throw new Error('withdrawn amount');
        if ((cmd.asset ?? 0) === 0) this.model.net -= cmd.amount;
        break;
      case 'createAsset': {
        const created = oneEvent(events, 'assetCreated');
        if (created.asset !== this.model.assets.length) throw new Error(`new asset id ${created.asset}`);
        this.model.assets.push(cmd.symbol);
        break;
      }
      case 'tick':
        this.stats.ticks++;
        break;
      case 'pauseMarket':
        this.model.markets[cmd.market].paused = true;
        break;
      case 'resumeMarket':
        this.model.markets[cmd.market].paused = false;
        break;
      case 'oracle': {
        const mm = this.model.markets[cmd.market];
        mm.lastPublish[cmd.source] = cmd.publishTs;
        const agg = eventsOf(events, 'oraclePrice');
        if (agg.length > 1) throw new Error(`several oraclePrice events: ${show(events)}`);
        if (agg.length === 1) mm.lastOraclePrice = agg[0].price;
        break;
      }
      case 'fundingTick':
        this.stats.fundings++;
        this.stats.repegs += eventsOf(events, 'repeg').length;
        break;
      default:
        break;
    }
    for (const f of eventsOf(events, 'fill')) {
      this.model.positions[f.market][f.account] += f.side === 'buy' ? f.base : -f.base;
    }
    for (const l of eventsOf(events, 'liquidation')) {
      const d = l.side === 'buy' ? l.base : -l.base;
      this.model.positions[l.market][l.account] += d;
      if (l.liquidator >= 0) this.model.positions[l.market][l.liquidator] -= d;
      this.stats.liquidations++;
    }
    this.stats.bankruptcies += eventsOf(events, 'bankruptcy').length;
  }

  private checkState(p: Planned, out: Outcome): void {
    const e = this.e;
    const broken = [...e.validateInvariants(), ...extraInvariants(e)];
    if (broken.length > 0) this.fail(`invariants: ${broken.join('; ')}`, p, out);
    if (e.accounts.count !== this.model.accounts)
      this.fail(`${e.accounts.count} accounts, model ${this.model.accounts}`, p, out);
    if (e.markets.length !== this.model.markets.length)
      this.fail(`${e.markets.length} markets, model ${this.model.markets.length}`, p, out);
    if (e.totalDeposits - e.totalWithdrawals !== this.model.net)
      this.fail(`deposits − withdrawals ${e.totalDeposits - e.totalWithdrawals}, model ${this.model.net}`, p, out);
    if (ledgerTotal(e) !== this.model.net) this.fail(`ledgers hold ${ledgerTotal(e)}, model ${this.model.net}`, p, out);
    this.model.markets.forEach((mm, id) => {
      const m = e.markets[id];
      if ((m.status === MARKET_PAUSED) !== mm.paused) this.fail(`market ${id} paused ≠ model ${mm.paused}`, p, out);
      const row = this.model.positions[id];
      for (let a = 0; a < this.model.accounts; a++) {
        if (m.positions.base[a] !== row[a])
          this.fail(`market ${id} account ${a} position ${m.positions.base[a]}, fills say ${row[a]}`, p, out);
      }
    });
  }
}
