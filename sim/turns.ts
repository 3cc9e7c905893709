/**
 * One simulated step is one turn of the live loop (core/loop.ts): the
 * queued commands are applied in order through Engine.apply at the turn's
 * time, then one `tick`. The simulator runs the turn itself rather than
 * through Loop because it needs to look at the state between commands (the
 * funding and insurance metrics); the engine path is the same apply() call.
 *
 * The queue is two pairs of arrays swapped each turn, kept at their size
 * (no per-turn allocation); a command submitted while a turn runs (from an
 * outcome handler) lands in the next turn, as it would in the live loop.
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
  // The queue: `queued` commands and their handlers at the front of two arrays that only grow.
  // Truncating an array (length = 0) hands its backing store back, so every turn would grow it
  // anew; a count keeps the slots. A turn swaps in the spare pair before applying, so commands
  // submitted meanwhile queue for the next turn.
  private cmds: Command[] = [];
  private handlers: (OutcomeHandler | null)[] = [];
  private queued = 0;
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
    const n = this.queued;
    if (n < this.cmds.length) {
      this.cmds[n] = cmd;
      this.handlers[n] = onOutcome;
    } else {
      this.cmds.push(cmd);
      this.handlers.push(onOutcome);
    }
    this.queued = n + 1;
  }

  /** Apply one command now, outside a turn (setup). */
  applyNow(cmd: Command, ts: number): Outcome {
    return this.apply(cmd, ts);
  }

  /** Apply the queued commands, then a tick; returns the tick's outcome. */
  runTurn(ts: number): Outcome {
    const cmds = this.cmds;
    const handlers = this.handlers;
    const n = this.queued;
    this.cmds = this.spareCmds;
    this.handlers = this.spareHandlers;
    this.queued = 0;
    this.spareCmds = cmds;
    this.spareHandlers = handlers;
    for (let i = 0; i < n; i++) {
      const outcome = this.apply(cmds[i], ts);
      const h = handlers[i];
      if (h !== null) {
        handlers[i] = null;
        h(outcome);
      }
    }
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
