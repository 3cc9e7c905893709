/**
 * Start-up: the newest snapshot that loads and checks, then the journal
 * after it, with every hash checkpoint on the way compared.
 *
 *   - A snapshot that fails its checksums, does not decode or does not
 *     restore to its recorded hash is skipped for the one before it, and
 *     finally for genesis (an empty engine and the journal from seq 1).
 *   - A snapshot the journal cannot continue (pruned past it) is skipped.
 *   - A good snapshot ahead of the journal stops start-up: the journal lost
 *     turns that were acknowledged, and an operator must decide.
 *   - A bad last turn is a torn tail: recovery stops after the turn before
 *     it, says so, and (when writable) moves the bad row to journal_torn so
 *     the loop can journal new turns after the good ones.
 */
import type Database from 'better-sqlite3';
import { Engine } from '../core/engine.ts';
import { PersistenceError } from './errors.ts';
import type { JournalReader } from './journal-reader.ts';
import type { JournalWriter } from './journal-writer.ts';
import { type ReplayResult, replayJournal, type TornTail } from './replay.ts';
import type { SnapshotRef, SnapshotStore } from './snapshot-store.ts';

export interface RecoveryOptions {
  /** Recover to this seq rather than to the end of the journal. */
  toSeq?: number;
  /** Compare the hash at every journaled checkpoint. Default true. */
  checkHashes?: boolean;
  /** Move a torn tail out of the journal. Default: true when the store is writable. */
  repairTornTail?: boolean;
}

export interface SkippedSnapshot {
  seq: number;
  path: string;
  reason: string;
}

export type RecoveryStart = { kind: 'snapshot'; seq: number; path: string } | { kind: 'genesis' };

export interface RecoveryReport {
  start: RecoveryStart;
  skippedSnapshots: SkippedSnapshot[];
  replay: ReplayResult;
  /** The seq the recovered engine holds. */
  seq: number;
  tornTail: TornTail | null;
  tornTailRemoved: boolean;
  /** One sentence per notable thing that happened, for the log. */
  notes: string[];
}

export interface Recovered {
  engine: Engine;
  report: RecoveryReport;
}

export class Recovery {
  constructor(
    private readonly reader: JournalReader,
    private readonly snapshots: SnapshotStore,
    /** Null for a read-only store. */
    private readonly db: Database.Database | null,
    private readonly writer: JournalWriter | null,
    /** Cuts history back to the recovered seq (history written past a torn tail). */
    private readonly truncateHistory: ((seq: number) => number) | null = null,
  ) {}

  recover(options: RecoveryOptions = {}): Recovered {
    const toSeq = options.toSeq ?? Number.POSITIVE_INFINITY;
    const bounds = this.reader.bounds();
    const skipped: SkippedSnapshot[] = [];
    const notes: string[] = [];
    let engine: Engine | null = null;
    let start: RecoveryStart = { kind: 'genesis' };
    const candidates = this.snapshots
      .list()
      .filter((s) => s.seq <= toSeq)
      .reverse();
    for (const ref of candidates) {
      const pruned = bounds.firstSeq !== null ? bounds.firstSeq > ref.seq + 1 : bounds.prunedThrough > ref.seq;
      if (pruned && ref.seq < bounds.lastSeq) {
        skipped.push({ ...at(ref), reason: `the journal was pruned past it (it starts at seq ${bounds.firstSeq})` });
        continue;
      }
      try {
        engine = this.snapshots.load(ref);
      } catch (err) {
        skipped.push({ ...at(ref), reason: err instanceof Error ? err.message : String(err) });
        continue;
      }
      if (ref.seq > bounds.lastSeq) {
        throw new PersistenceError(
          'SNAPSHOT_AHEAD_OF_JOURNAL',
          `snapshot ${ref.path} holds seq ${ref.seq} but the journal ends at seq ${bounds.lastSeq}: ` +
            'the journal lost acknowledged turns. Move the snapshot aside to recover from the journal alone.',
          ref.seq,
        );
      }
      start = { kind: 'snapshot', seq: ref.seq, path: ref.path };
      break;
    }
    for (const s of skipped) notes.push(`skipped snapshot at seq ${s.seq}: ${s.reason}`);
    if (engine === null) {
      const genesisPossible = bounds.prunedThrough === 0 && (bounds.firstSeq === null || bounds.firstSeq === 1);
      if (!genesisPossible) {
        throw new PersistenceError(
          'NO_RECOVERY_START',
          `no usable snapshot (${skipped.length} skipped) and the journal starts at seq ${bounds.firstSeq ?? bounds.prunedThrough + 1}, not 1`,
        );
      }
      engine = new Engine();
      notes.push('started from genesis');
    } else {
      notes.push(`started from the snapshot at seq ${engine.seq}`);
    }
    const replay = replayJournal(engine, this.reader, { toSeq, checkHashes: options.checkHashes ?? true });
    notes.push(
      `replayed ${replay.commands} commands in ${replay.turns} turns to seq ${replay.lastSeq}, ${replay.checkpointsVerified} hash checkpoints verified`,
    );
    if (replay.poisonCount > 0) notes.push(`${replay.poisonCount} commands hit INTERNAL_ERROR during replay (poison)`);
    let tornTailRemoved = false;
    if (replay.tornTail !== null) {
      const t = replay.tornTail;
      notes.push(
        `the journal tail is torn at seq ${t.firstSeq}..${t.lastSeq} (${t.reason}); recovered to seq ${replay.lastSeq}, the last complete turn`,
      );
      if ((options.repairTornTail ?? true) && this.db !== null) {
        this.removeTornTail(t);
        tornTailRemoved = true;
        notes.push(`moved the torn turn to journal_torn`);
      }
    }
    if (this.writer !== null && toSeq === Number.POSITIVE_INFINITY) {
      const cut = this.truncateHistory?.(engine.seq) ?? 0;
      if (cut > 0) notes.push(`removed ${cut} history rows past seq ${engine.seq}`);
      this.writer.refresh();
      if (this.writer.seq !== engine.seq) {
        throw new PersistenceError(
          'JOURNAL_CORRUPT',
          `recovered to seq ${engine.seq} but the journal ends at seq ${this.writer.seq}`,
          engine.seq,
        );
      }
    }
    return {
      engine,
      report: {
        start,
        skippedSnapshots: skipped,
        replay,
        seq: engine.seq,
        tornTail: replay.tornTail,
        tornTailRemoved,
        notes,
      },
    };
  }

  private removeTornTail(t: TornTail): void {
    const db = this.db!;
    db.transaction(() => {
      db.prepare(
        `INSERT INTO journal_torn (first_seq, last_seq, ts, cmds, crc, hash, reason)
         SELECT first_seq, last_seq, ts, cmds, crc, hash, ? FROM journal WHERE first_seq >= ?`,
      ).run(t.reason, t.firstSeq);
      db.prepare('DELETE FROM journal WHERE first_seq >= ?').run(t.firstSeq);
    })();
  }
}

function at(ref: SnapshotRef): { seq: number; path: string } {
  return { seq: ref.seq, path: ref.path };
}
