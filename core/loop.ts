/**
 * The loop: one turn drains the inbox, stamps each command with its seq and
 * the turn's time, applies it, commits the turn to the journal in one
 * transaction, and only then releases the replies. A client never sees the
 * result of a command that is not durable.
 *
 * No clock and no I/O here: the clock and the journal are injected by the
 * process entry point (bin/), which also decides when turns run.
 */
import type { Command } from './commands.ts';
import type { Engine, Outcome } from './engine.ts';

/** One journaled command: the engine's seq, the sequencer's time, the command. */
export interface JournalEntry {
  seq: number;
  ts: number;
  cmd: Command;
}

/** Where a turn goes before its replies are released. Must be durable when it returns. */
export interface JournalSink {
  /**
   * Commit one turn atomically. `hash` is the state hash after the turn's last
   * command when this turn is a checkpoint, otherwise null.
   */
  commitTurn(entries: readonly JournalEntry[], outcomes: readonly Outcome[], hash: string | null): void;
}

export type Reply = (outcome: Outcome) => void;

export interface LoopOptions {
  /** Most commands in one turn (bounds reply latency and transaction size). */
  maxCommandsPerTurn: number;
  /** Store the state hash with every Nth turn (0: never). */
  hashEveryTurns: number;
  /** Append a `tick` (margin ratios, mark-to-market, liquidations) to every turn. */
  tickEveryTurn: boolean;
}

export const DEFAULT_LOOP_OPTIONS: LoopOptions = {
  maxCommandsPerTurn: 4096,
  hashEveryTurns: 1000,
  tickEveryTurn: true,
};

const TICK: Command = Object.freeze({ type: 'tick' }) as Command;

export class Loop {
  private inbox: Command[] = [];
  private replies: (Reply | null)[] = [];
  private turns = 0;
  private readonly entries: JournalEntry[] = [];
  private readonly outcomes: Outcome[] = [];

  constructor(
    readonly engine: Engine,
    private readonly clock: () => number,
    private readonly journal: JournalSink | null,
    private readonly options: LoopOptions = DEFAULT_LOOP_OPTIONS,
    /** Called with every committed outcome after the journal commit (publishing, metrics). */
    private readonly onCommitted: ((entry: JournalEntry, outcome: Outcome) => void) | null = null,
  ) {}

  get pending(): number {
    return this.inbox.length;
  }

  get turnCount(): number {
    return this.turns;
  }

  /** Queue a command; `reply` runs after the turn that applies it is durable. */
  submit(cmd: Command, reply: Reply | null = null): void {
    this.inbox.push(cmd);
    this.replies.push(reply);
  }

  /**
   * Run one turn: the queued commands, then (when enabled) a tick. Returns
   * the number of queued commands applied. If the journal
   * throws, nothing of the turn is acknowledged and the error propagates: the
   * process must stop (the state ran ahead of the journal).
   */
  runTurn(): number {
    if (this.inbox.length === 0 && !this.options.tickEveryTurn) return 0;
    const take = Math.min(this.inbox.length, this.options.maxCommandsPerTurn);
    const cmds = take === this.inbox.length ? this.inbox : this.inbox.slice(0, take);
    const replies = take === this.replies.length ? this.replies : this.replies.slice(0, take);
    if (take === this.inbox.length) {
      this.inbox = [];
      this.replies = [];
    } else {
      this.inbox = this.inbox.slice(take);
      this.replies = this.replies.slice(take);
    }
    const ts = this.clock();
    const entries = this.entries;
    const outcomes = this.outcomes;
    entries.length = 0;
    outcomes.length = 0;
    // The turn's outcomes are read together after its commit: their fills' rows are kept until then.
    this.engine.holdMatchRows();
    try {
      return this.applyTurn(take, cmds, replies, ts);
    } finally {
      this.engine.releaseMatchRows();
    }
  }

  private applyTurn(take: number, cmds: Command[], replies: (Reply | null)[], ts: number): number {
    const entries = this.entries;
    const outcomes = this.outcomes;
    for (let i = 0; i < take; i++) {
      const cmd = cmds[i];
      const outcome = this.engine.apply(cmd, ts);
      entries.push({ seq: outcome.seq, ts: this.engine.lastTs, cmd });
      outcomes.push(outcome);
    }
    if (this.options.tickEveryTurn) {
      const outcome = this.engine.apply(TICK, ts);
      entries.push({ seq: outcome.seq, ts: this.engine.lastTs, cmd: TICK });
      outcomes.push(outcome);
    }
    this.turns++;
    if (this.journal !== null) {
      const every = this.options.hashEveryTurns;
      const hash = every > 0 && this.turns % every === 0 ? this.engine.stateHash() : null;
      this.journal.commitTurn(entries, outcomes, hash);
    }
    if (this.onCommitted !== null) for (let i = 0; i < entries.length; i++) this.onCommitted(entries[i], outcomes[i]);
    for (let i = 0; i < take; i++) {
      const r = replies[i];
      if (r !== null) r(outcomes[i]);
    }
    return take;
  }

  /** Run turns until the inbox is empty (at least one turn). */
  drain(): number {
    let n = this.runTurn();
    while (this.inbox.length > 0) n += this.runTurn();
    return n;
  }
}

/** Replay journaled entries into an engine (recovery, verification). Returns the last seq applied. */
export function replay(engine: Engine, entries: Iterable<JournalEntry>): number {
  for (const e of entries) {
    if (e.seq !== engine.seq + 1) throw new Error(`journal gap: expected seq ${engine.seq + 1}, found ${e.seq}`);
    engine.apply(e.cmd, e.ts);
  }
  return engine.seq;
}
