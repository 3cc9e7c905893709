/**
 * An engine driven by the real Loop, with a portfolio runner and a real risk
 * pool beside it: the shape bin/server.ts wires. The loop's time and the
 * runner's clock are moved by hand (a clock whose timers fire only when it
 * is advanced), or the runner gets the real clock. Every journaled turn and
 * every committed outcome is kept, so a suite can replay the journal.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PortfolioRunner, type PortfolioRunnerOptions } from '../../bin/portfolio-runner.ts';
import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import { Engine, type Outcome } from '../../core/engine.ts';
import type { Event } from '../../core/events.ts';
import { type JournalEntry, Loop } from '../../core/loop.ts';
import type { PoolClock } from '../../core/risk/pool.ts';

export { ManualClock } from '../support/manual-clock.ts';

export const REAL_CLOCK: PoolClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export const FAULTY_WORKER = new URL('../risk/faulty-worker.ts', import.meta.url).href;

export class LoopFixture {
  readonly engine = new Engine();
  /** The loop's time (ms). */
  time = 1_000_000;
  /** Journaled turns, in order, with the state hash after each. */
  readonly turns: { entries: JournalEntry[]; hash: string }[] = [];
  readonly events: Event[] = [];
  readonly loop: Loop;
  runner: PortfolioRunner | null = null;

  constructor() {
    const sink = {
      commitTurn: (entries: readonly JournalEntry[]) => {
        this.turns.push({ entries: entries.map((e) => ({ ...e })), hash: this.engine.stateHash() });
      },
    };
    this.loop = new Loop(
      this.engine,
      () => this.time,
      sink,
      { maxCommandsPerTurn: 4096, hashEveryTurns: 0, tickEveryTurn: true },
      (_entry, outcome: Outcome) => {
        // Read now: a tick's liquidation rows last only until the next tick (core/liquidation-rows.ts).
        if (outcome.ok) this.events.push(...classicEvents(outcome.events));
      },
    );
  }

  startRunner(clock: PoolClock, options: Partial<PortfolioRunnerOptions> = {}): PortfolioRunner {
    this.runner = new PortfolioRunner({
      engine: this.engine,
      loop: this.loop,
      clock,
      options: { threads: 1, timeoutMs: 60_000, ...options },
    });
    return this.runner;
  }

  /** Queue commands that must be accepted, run one turn (and the runner after it). */
  turn(cmds: Command[] = [], dtMs = 0): Outcome[] {
    this.time += dtMs;
    const outcomes: Outcome[] = [];
    for (const c of cmds) this.loop.submit(c, (o) => outcomes.push(o));
    this.loop.runTurn();
    this.runner?.afterTurn();
    for (const [i, o] of outcomes.entries()) {
      if (!o.ok) throw new Error(`${cmds[i].type} rejected: ${o.code} ${o.message}`);
    }
    const broken = this.engine.validateInvariants();
    if (broken.length > 0) throw new Error(`invariants broken: ${broken.join('; ')}`);
    return outcomes;
  }

  /** Run turns (letting pool results arrive between them) until `cond` holds. */
  async turnsUntil(cond: () => boolean, dtMs = 0, maxTurns = 2_000): Promise<void> {
    for (let i = 0; i < maxTurns && !cond(); i++) {
      this.turn([], dtMs);
      await sleep(2);
    }
    if (!cond()) throw new Error('condition not reached');
  }

  /** A fresh oracle price for every market at its current oracle price, published now. */
  oracles(): Command[] {
    return this.engine.markets.map((m) => ({
      type: 'oracle',
      market: m.id,
      source: 0,
      price: m.oraclePrice,
      confidence: 0,
      publishTs: this.time,
    }));
  }

  eventsOf<T extends Event['type']>(type: T): Extract<Event, { type: T }>[] {
    return this.events.filter((x): x is Extract<Event, { type: T }> => x.type === type);
  }

  async close(): Promise<void> {
    await this.runner?.close();
  }
}

/** Two markets at $100 and $50, fed a first oracle price, and `n` funded accounts. */
export function market2(f: LoopFixture, n: number, usd: number): void {
  const P = 1_000_000;
  f.turn([
    { type: 'createMarket', symbol: 'A', initialPrice: 100 * P, baseReserve: 1_000_000 * 1e9 },
    { type: 'createMarket', symbol: 'B', initialPrice: 50 * P, baseReserve: 1_000_000 * 1e9 },
    { type: 'oracle', market: 0, source: 0, price: 100 * P, confidence: 0, publishTs: f.time },
    { type: 'oracle', market: 1, source: 0, price: 50 * P, confidence: 0, publishTs: f.time },
  ]);
  const cmds: Command[] = [];
  for (let a = 0; a < n; a++) {
    cmds.push({ type: 'createAccount' }, { type: 'deposit', account: a, amount: usd * 1_000_000 });
  }
  f.turn(cmds);
}
