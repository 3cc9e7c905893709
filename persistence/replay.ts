/**
 * Replay of journaled turns into an engine, for recovery, the background
 * snapshotter and `cli verify`. It never throws on a poison command: apply()
 * already turns a thrown bug into INTERNAL_ERROR, and should apply itself
 * ever throw, the command is counted as poison and replay goes on (the next
 * hash checkpoint says whether the state still matches).
 *
 * It stops with a PersistenceError naming the seq on a hash checkpoint that
 * does not match, a gap in the seqs, or a bad turn that is followed by good
 * ones. A bad last turn is a torn tail: replay stops after the turn before
 * it and says so in its result.
 */
import type { Engine, Outcome } from '../core/engine.ts';
import type { JournalEntry } from '../core/loop.ts';
import { PersistenceError } from './errors.ts';
import { JournalReader, type Turn, type TurnRow } from './journal-reader.ts';

/** At most this many poison commands are listed in a result (all are counted). */
export const POISON_LIST_MAX = 100;

export interface PoisonCommand {
  seq: number;
  message: string;
}

export interface TornTail {
  /** First seq of the bad turn; everything from here on is not replayed. */
  firstSeq: number;
  lastSeq: number;
  reason: string;
}

export interface ReplayResult {
  /** Seq the engine held before replay. */
  fromSeq: number;
  /** Seq the engine holds after. */
  lastSeq: number;
  turns: number;
  commands: number;
  checkpointsVerified: number;
  poisonCount: number;
  poison: PoisonCommand[];
  tornTail: TornTail | null;
}

export interface ReplayOptions {
  /** Stop after this seq (inclusive). Default: the end of the journal. */
  toSeq?: number;
  /** Compare the engine's hash with every checkpoint passed. Default true. */
  checkHashes?: boolean;
  /** Called after each turn is applied (verify uses it to check snapshot hashes). */
  afterTurn?: (turn: Turn, engine: Engine) => void;
  /** Called with every replayed command's outcome (the background history writer). */
  onOutcome?: (entry: JournalEntry, outcome: Outcome) => void;
}

export function replayJournal(engine: Engine, reader: JournalReader, options: ReplayOptions = {}): ReplayResult {
  const toSeq = options.toSeq ?? Number.POSITIVE_INFINITY;
  const checkHashes = options.checkHashes ?? true;
  const result: ReplayResult = {
    fromSeq: engine.seq,
    lastSeq: engine.seq,
    turns: 0,
    commands: 0,
    checkpointsVerified: 0,
    poisonCount: 0,
    poison: [],
    tornTail: null,
  };
  if (engine.seq >= toSeq) return result;
  // Nobody reads the events of a replayed command unless onOutcome asks for them: drop them as made.
  const discarding = engine.discardEvents;
  if (options.onOutcome === undefined) engine.discardEvents = true;
  try {
    replayRows(engine, reader, toSeq, checkHashes, result, options);
  } finally {
    engine.discardEvents = discarding;
  }
  result.lastSeq = engine.seq;
  return result;
}

function replayRows(
  engine: Engine,
  reader: JournalReader,
  toSeq: number,
  checkHashes: boolean,
  result: ReplayResult,
  options: ReplayOptions,
): void {
  for (const row of reader.rows(engine.seq + 1)) {
    if (row.lastSeq <= engine.seq) continue;
    if (row.firstSeq > engine.seq + 1) {
      throw new PersistenceError(
        'JOURNAL_GAP',
        `the journal jumps from seq ${engine.seq} to a turn starting at seq ${row.firstSeq}`,
        engine.seq + 1,
      );
    }
    const checked = JournalReader.check(row);
    if (!checked.ok) {
      result.tornTail = tornOrCorrupt(reader, row, checked.reason);
      break;
    }
    applyTurn(engine, checked.turn, toSeq, result, options.onOutcome);
    result.turns++;
    const turn = checked.turn;
    if (engine.seq === turn.lastSeq) {
      if (checkHashes && turn.hash !== null) {
        const hash = engine.stateHash();
        if (hash !== turn.hash) {
          throw new PersistenceError(
            'HASH_MISMATCH',
            `after replaying to seq ${turn.lastSeq} the state hash is ${hash}, but the journal recorded ${turn.hash} at that seq`,
            turn.lastSeq,
          );
        }
        result.checkpointsVerified++;
      }
      options.afterTurn?.(turn, engine);
    }
    if (engine.seq >= toSeq) break;
  }
}

function applyTurn(
  engine: Engine,
  turn: Turn,
  toSeq: number,
  result: ReplayResult,
  onOutcome: ReplayOptions['onOutcome'],
): void {
  for (const e of turn.entries) {
    if (e.seq <= engine.seq) continue;
    if (e.seq > toSeq) return;
    let message: string | null = null;
    let outcome: Outcome | null = null;
    try {
      outcome = engine.apply(e.cmd, e.ts);
      if (!outcome.ok && outcome.code === 'INTERNAL_ERROR') message = outcome.message;
    } catch (err) {
      message = `apply threw: ${err instanceof Error ? err.message : String(err)}`;
      // The command counts as rejected; the next hash checkpoint tells whether the state held.
      if (engine.seq === e.seq - 1) engine.seq = e.seq;
    }
    result.commands++;
    if (engine.seq !== e.seq) {
      // apply() always advances seq by one; anything else is an engine bug we must not build on.
      throw new PersistenceError(
        'JOURNAL_CORRUPT',
        `applying seq ${e.seq} left the engine at seq ${engine.seq}`,
        e.seq,
      );
    }
    if (outcome !== null) onOutcome?.(e, outcome);
    if (message !== null) {
      result.poisonCount++;
      if (result.poison.length < POISON_LIST_MAX) result.poison.push({ seq: e.seq, message });
    }
  }
}

function tornOrCorrupt(reader: JournalReader, row: TurnRow, reason: string): TornTail {
  if (reader.hasTurnsAfter(row.firstSeq)) {
    throw new PersistenceError(
      'JOURNAL_CORRUPT',
      `the turn at seq ${row.firstSeq}..${row.lastSeq} is bad (${reason}) and later turns follow it`,
      row.firstSeq,
    );
  }
  return { firstSeq: row.firstSeq, lastSeq: row.lastSeq, reason };
}
