/**
 * Account history queries for the gateway's history endpoints: one account,
 * a time range [fromTs, toTs), optional kinds and market, newest or oldest
 * first, in pages. The cursor is the (ts, id) of the last row returned, so a
 * page is one index range scan on history_by_account however deep it is, and
 * rows written after a page was read never shift the pages that follow.
 */
import type Database from 'better-sqlite3';
import type { Event } from '../core/events.ts';
import { packr } from './codec.ts';
import { PersistenceError } from './errors.ts';
import { type HistoryKind, isHistoryKind } from './history-kinds.ts';

export const HISTORY_PAGE_DEFAULT = 100;
export const HISTORY_PAGE_MAX = 1_000;
/** Rows per query when scanning for export. */
export const HISTORY_SCAN_BATCH = 1_000;

export interface HistoryRecord {
  /** Row id: strictly increasing in commit order. */
  id: number;
  seq: number;
  ts: number;
  kind: HistoryKind;
  account: number;
  market: number | null;
  event: Event;
}

export interface HistoryPageQuery {
  account: number;
  /** Inclusive, ms. */
  fromTs?: number;
  /** Exclusive, ms. */
  toTs?: number;
  kinds?: readonly HistoryKind[];
  market?: number;
  /** Default HISTORY_PAGE_DEFAULT, at most HISTORY_PAGE_MAX. */
  limit?: number;
  /** From the previous page's `nextCursor`. */
  cursor?: string | null;
  order?: 'asc' | 'desc';
}

export interface HistoryPage {
  items: HistoryRecord[];
  /** Pass back for the next page; null when this was the last. */
  nextCursor: string | null;
}

export interface HistoryScanFilter {
  account?: number;
  fromTs?: number;
  toTs?: number;
  kinds?: readonly HistoryKind[];
}

interface Row {
  id: number;
  seq: number;
  ts: number;
  kind: HistoryKind;
  account: number;
  market: number | null;
  payload: Uint8Array;
}

const COLUMNS = 'id, seq, ts, kind, account, market, payload';
const CURSOR_PREFIX = 'h1.';

export function encodeCursor(ts: number, id: number): string {
  return `${CURSOR_PREFIX}${ts}.${id}`;
}

export function decodeCursor(cursor: string): { ts: number; id: number } {
  const m = /^h1\.(-?\d+)\.(\d+)$/.exec(cursor);
  const ts = m === null ? Number.NaN : Number(m[1]);
  const id = m === null ? Number.NaN : Number(m[2]);
  if (!Number.isSafeInteger(ts) || !Number.isSafeInteger(id)) {
    throw new PersistenceError('BAD_CURSOR', `cursor ${JSON.stringify(cursor)} is not one this store issued`);
  }
  return { ts, id };
}

function badQuery(detail: string): PersistenceError {
  return new PersistenceError('BAD_QUERY', detail);
}

function checkKinds(kinds: readonly string[] | undefined): void {
  if (kinds === undefined) return;
  if (!Array.isArray(kinds) || kinds.length === 0) throw badQuery('kinds must be a non-empty array when given');
  for (const k of kinds) if (!isHistoryKind(k)) throw badQuery(`unknown history kind ${JSON.stringify(k)}`);
}

function checkTime(name: string, v: number | undefined): void {
  if (v !== undefined && !Number.isSafeInteger(v)) throw badQuery(`${name} must be an integer (ms), got ${v}`);
}

export class HistoryQuery {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  page(q: HistoryPageQuery): HistoryPage {
    if (!Number.isSafeInteger(q.account) || q.account < 0)
      throw badQuery(`account must be a non-negative integer, got ${q.account}`);
    const limit = q.limit ?? HISTORY_PAGE_DEFAULT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > HISTORY_PAGE_MAX) {
      throw badQuery(`limit must be an integer in [1, ${HISTORY_PAGE_MAX}], got ${limit}`);
    }
    checkTime('fromTs', q.fromTs);
    checkTime('toTs', q.toTs);
    checkKinds(q.kinds);
    if (q.market !== undefined && (!Number.isSafeInteger(q.market) || q.market < 0)) {
      throw badQuery(`market must be a non-negative integer, got ${q.market}`);
    }
    const order = q.order ?? 'asc';
    if (order !== 'asc' && order !== 'desc') throw badQuery(`order must be asc or desc, got ${String(order)}`);
    const cursor = q.cursor === undefined || q.cursor === null ? null : decodeCursor(q.cursor);

    const where = ['account = ?', 'ts >= ?', 'ts < ?'];
    const args: (number | string)[] = [
      q.account,
      q.fromTs ?? Number.MIN_SAFE_INTEGER,
      q.toTs ?? Number.MAX_SAFE_INTEGER,
    ];
    if (cursor !== null) {
      where.push(order === 'asc' ? '(ts, id) > (?, ?)' : '(ts, id) < (?, ?)');
      args.push(cursor.ts, cursor.id);
    }
    if (q.kinds !== undefined) {
      where.push(`kind IN (${q.kinds.map(() => '?').join(', ')})`);
      args.push(...q.kinds);
    }
    if (q.market !== undefined) {
      where.push('market = ?');
      args.push(q.market);
    }
    const dir = order === 'asc' ? 'ASC' : 'DESC';
    const sql = `SELECT ${COLUMNS} FROM history WHERE ${where.join(' AND ')} ORDER BY ts ${dir}, id ${dir} LIMIT ?`;
    args.push(limit + 1);
    const rows = this.statement(sql).all(...args) as Row[];
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toRecord);
    const last = items[items.length - 1];
    return { items, nextCursor: more ? encodeCursor(last.ts, last.id) : null };
  }

  /** Every matching row in commit order, read in batches (export). */
  *scan(filter: HistoryScanFilter = {}): Generator<HistoryRecord> {
    checkTime('fromTs', filter.fromTs);
    checkTime('toTs', filter.toTs);
    checkKinds(filter.kinds);
    const where = ['id > ?', 'ts >= ?', 'ts < ?'];
    const fixed: (number | string)[] = [
      filter.fromTs ?? Number.MIN_SAFE_INTEGER,
      filter.toTs ?? Number.MAX_SAFE_INTEGER,
    ];
    if (filter.account !== undefined) {
      where.push('account = ?');
      fixed.push(filter.account);
    }
    if (filter.kinds !== undefined) {
      where.push(`kind IN (${filter.kinds.map(() => '?').join(', ')})`);
      fixed.push(...filter.kinds);
    }
    const stmt = this.statement(`SELECT ${COLUMNS} FROM history WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`);
    let after = 0;
    for (;;) {
      const rows = stmt.all(after, ...fixed, HISTORY_SCAN_BATCH) as Row[];
      for (const r of rows) yield toRecord(r);
      if (rows.length < HISTORY_SCAN_BATCH) return;
      after = rows[rows.length - 1].id;
    }
  }

  /**
   * The seq through which history is complete: in mode 'background' the
   * worker's progress, otherwise (inline) the end of the journal.
   */
  completeThrough(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'history_through_seq'").get() as
      | { value: string }
      | undefined;
    if (row !== undefined) return Number(row.value);
    const hasJournal = this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'journal'").get() !== undefined;
    if (!hasJournal) return 0;
    return (this.db.prepare('SELECT COALESCE(MAX(last_seq), 0) AS seq FROM journal').get() as { seq: number }).seq;
  }

  /** Rows per kind. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db.prepare('SELECT kind, COUNT(*) AS n FROM history GROUP BY kind').all() as {
      kind: string;
      n: number;
    }[]) {
      out[r.kind] = r.n;
    }
    return out;
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}

function toRecord(r: Row): HistoryRecord {
  return {
    id: r.id,
    seq: r.seq,
    ts: r.ts,
    kind: r.kind,
    account: r.account,
    market: r.market,
    event: packr.unpack(r.payload) as Event,
  };
}
