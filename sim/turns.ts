/**
 * One simulated step is one turn of the live loop (core/loop.ts): the
 * queued commands are applied in order through Engine.apply at the turn's
 * time, then one `tick`. The simulator runs the turn itself rather than
 * through Loop because it needs to look at the state between commands (the
 * funding and insurance metrics); the engine path is the same apply() call.
 *
 * The queue is two arrays swapped each turn (no per-turn allocation); a
 * command submitted while a turn runs (from an outcome handler) lands in
 * the next turn, as it would in the live loop.
 */
import type { Command } from '../core/commands.ts';
import type { Engine, Outcome } from '../core/engine.ts';

export type OutcomeHandler = (outcome: Outcome) => void;

/** Sees every applied command and its outcome (the metrics). */
export interface Observer {
  observe(cmd: Command, outcome: Outcome, ts: number): void;
}

const TICK: Command = Object.freeze({ type: 'tick' }) as Command;

export interface JournalEntry {
  ts: number;
  cmd: Command;
}

export class Turns {
  private cmds: Command[] = [];
  private handlers: (OutcomeHandler | null)[] = [];
  private spareCmds: Command[] = [];
  private spareHandlers: (OutcomeHandler | null)[] = [];
  /** Commands applied so far, ticks included. */
  applied = 0;
  readonly journal: JournalEntry[] | null;

  constructor(
    readonly engine: Engine,
    private readonly observer: Observer,
    keepJournal = false,
  ) {
    this.journal = keepJournal ? [] : null;
  }

  submit(cmd: Command, onOutcome: OutcomeHandler | null = null): void {
    this.cmds.push(cmd);
    this.handlers.push(onOutcome);
  }

  /** Apply one command now, outside a turn (setup). */
  applyNow(cmd: Command, ts: number): Outcome {
    return this.apply(cmd, ts);
  }

  /** Apply the queued commands, then a tick; returns the tick's outcome. */
  runTurn(ts: number): Outcome {
    const cmds = this.cmds;
    const handlers = this.handlers;
    this.cmds = this.spareCmds;
    this.handlers = this.spareHandlers;
    for (let i = 0; i < cmds.length; i++) {
      const outcome = this.apply(cmds[i], ts);
      const h = handlers[i];
      if (h !== null) h(outcome);
    }
    cmds.length = 0;
    handlers.length = 0;
    this.spareCmds = cmds;
    this.spareHandlers = handlers;
    return this.apply(TICK, ts);
  }

  private apply(cmd: Command, ts: number): Outcome {
    const outcome = this.engine.apply(cmd, ts);
    this.applied++;
    if (this.journal !== null) this.journal.push({ ts, cmd });
    this.observer.observe(cmd, outcome, ts);
    return outcome;
  }
}
