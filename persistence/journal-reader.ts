/**
 * Reading the journal back: its bounds, its checkpoints, and its turns in
 * seq order, in bounded batches. Each row is checked (CRC-32, decode, count,
 * seq continuity) before its commands are handed out; a row that fails is
 * reported to the caller, who decides between a torn tail and corruption
 * (replay.ts).
 */
import { crc32 } from 'node:zlib';
import type Database from 'better-sqlite3';
import type { JournalEntry } from '../core/loop.ts';
import { decodeTurn } from './codec.ts';
import { META_PRUNED_THROUGH, readMeta } from './schema.ts';

/** Rows fetched per query while scanning (each row is one turn, up to a few hundred KiB). */
export const TURN_BATCH_ROWS = 32;

export interface TurnRow {
  firstSeq: number;
  lastSeq: number;
  ts: number;
  cmds: Uint8Array;
  crc: number;
  hash: string | null;
}

export interface Turn {
  firstSeq: number;
  lastSeq: number;
  ts: number;
  hash: string | null;
  entries: JournalEntry[];
}

export type CheckedTurn = { ok: true; turn: Turn } | { ok: false; row: TurnRow; reason: string };

export interface JournalBounds {
  /** First seq still in the journal (null when it holds no turns). */
  firstSeq: number | null;
  /** Last seq journaled (or pruned through, when the journal holds no turns). */
  lastSeq: number;
  turns: number;
  /** Turns up to this seq were pruned or archived. */
  prunedThrough: number;
}

interface RawRow {
  first_seq: number;
  last_seq: number;
  ts: number;
  cmds: Uint8Array;
  crc: number;
  hash: string | null;
}

function toRow(r: RawRow): TurnRow {
  return { firstSeq: r.first_seq, lastSeq: r.last_seq, ts: r.ts, cmds: r.cmds, crc: r.crc, hash: r.hash };
}

export class JournalReader {
  private readonly batchFrom: Database.Statement;
  private readonly containing: Database.Statement;
  private readonly after: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.batchFrom = db.prepare(
      'SELECT first_seq, last_seq, ts, cmds, crc, hash FROM journal WHERE first_seq >= ? ORDER BY first_seq LIMIT ?',
    );
    this.containing = db.prepare('SELECT first_seq FROM journal WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1');
    this.after = db.prepare('SELECT EXISTS (SELECT 1 FROM journal WHERE first_seq > ?) AS later');
  }

  bounds(): JournalBounds {
    const r = this.db
      .prepare('SELECT MIN(first_seq) AS first, MAX(last_seq) AS last, COUNT(*) AS turns FROM journal')
      .get() as { first: number | null; last: number | null; turns: number };
    const prunedThrough = Number(readMeta(this.db, META_PRUNED_THROUGH) ?? 0);
    return { firstSeq: r.first, lastSeq: Math.max(r.last ?? 0, prunedThrough), turns: r.turns, prunedThrough };
  }

  /** Every checkpoint hash, in seq order (the seq is the turn's last). */
  checkpoints(): { seq: number; hash: string }[] {
    return this.db
      .prepare('SELECT last_seq AS seq, hash FROM journal WHERE hash IS NOT NULL ORDER BY first_seq')
      .all() as { seq: number; hash: string }[];
  }

  /** True when some turn starts after `firstSeq`. */
  hasTurnsAfter(firstSeq: number): boolean {
    return (this.after.get(firstSeq) as { later: number }).later === 1;
  }

  /** Rows from the turn holding `fromSeq` on (or from the first turn after it), in order. */
  *rows(fromSeq: number): Generator<TurnRow> {
    const holder = this.containing.get(fromSeq) as { first_seq: number } | undefined;
    let next = holder === undefined ? fromSeq : holder.first_seq;
    for (;;) {
      const batch = this.batchFrom.all(next, TURN_BATCH_ROWS) as RawRow[];
      for (const r of batch) yield toRow(r);
      if (batch.length < TURN_BATCH_ROWS) return;
      next = batch[batch.length - 1].first_seq + 1;
    }
  }

  /** Verify and decode one row. */
  static check(row: TurnRow): CheckedTurn {
    const count = row.lastSeq - row.firstSeq + 1;
    if (!Number.isSafeInteger(count) || count < 1)
      return { ok: false, row, reason: `bad seq range ${row.firstSeq}..${row.lastSeq}` };
    if (!(row.cmds instanceof Uint8Array)) return { ok: false, row, reason: 'commands are not a blob' };
    const crc = crc32(row.cmds);
    if (crc !== row.crc) return { ok: false, row, reason: `CRC-32 ${crc} ≠ recorded ${row.crc}` };
    try {
      const entries = decodeTurn(row.cmds, row.firstSeq, row.ts, count);
      return { ok: true, turn: { firstSeq: row.firstSeq, lastSeq: row.lastSeq, ts: row.ts, hash: row.hash, entries } };
    } catch (err) {
      return { ok: false, row, reason: `cannot decode: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}
