/**
 * Test scaffolding: a temp directory per test, a loop that journals a
 * stream of turns into a store (one stream turn = one loop turn), and the
 * reference every recovery is compared with: the same commands applied
 * straight to a fresh engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classicEvents } from '../../core/classic-events.ts';
import type { Command } from '../../core/commands.ts';
import { Engine, type Outcome } from '../../core/engine.ts';
import { DEFAULT_LOOP_OPTIONS, type JournalEntry, type JournalSink, Loop } from '../../core/loop.ts';
import type { Turn } from './command-stream.ts';

export interface TempDir {
  dir: string;
  dbPath: string;
  cleanup(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'clearloop-persistence-'));
  return { dir, dbPath: join(dir, 'journal.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Journaled {
  engine: Engine;
  loop: Loop;
  /** Every committed (entry, outcome), in seq order. */
  committed: { entry: JournalEntry; outcome: Outcome }[];
  /** Run one stream turn through the loop. */
  run(turn: Turn): void;
}

/**
 * A loop over `engine` (a fresh one by default) journaling into `sink`, with
 * the loop's default options (so a tick ends every turn, as in production)
 * except that a stream turn always fits in one loop turn.
 */
export function journaled(sink: JournalSink | null, hashEveryTurns = 3, engine = new Engine()): Journaled {
  let now = 0;
  const committed: Journaled['committed'] = [];
  const options = { ...DEFAULT_LOOP_OPTIONS, maxCommandsPerTurn: 1 << 20, hashEveryTurns };
  const loop = new Loop(
    engine,
    () => now,
    sink,
    options,
    // Read later than the turn: kept with its events expanded now (a batch of book matches is valid for its turn only).
    (entry, outcome) =>
      committed.push({ entry, outcome: outcome.ok ? { ...outcome, events: classicEvents(outcome.events) } : outcome }),
  );
  return {
    engine,
    loop,
    committed,
    run(turn: Turn) {
      now = turn.ts;
      for (const c of turn.cmds) loop.submit(c);
      loop.runTurn();
    },
  };
}

/** Does the loop end each turn with a tick command? (The reference must do the same.) */
export const LOOP_TICKS = (DEFAULT_LOOP_OPTIONS as { tickEveryTurn?: boolean }).tickEveryTurn === true;

/**
 * The reference: every command of `turns` applied straight to a fresh engine
 * (each turn followed by a tick when the loop adds one), up to `toSeq`.
 */
export function straightEngine(turns: readonly Turn[], toSeq = Number.POSITIVE_INFINITY): Engine {
  const e = new Engine();
  const tick = { type: 'tick' } as Command;
  for (const t of turns) {
    for (const c of LOOP_TICKS ? [...t.cmds, tick] : t.cmds) {
      if (e.seq >= toSeq) return e;
      e.apply(c, t.ts);
    }
  }
  return e;
}
