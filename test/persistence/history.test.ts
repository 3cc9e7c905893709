/**
 * History: the rows written with each turn are exactly the account-facing
 * events of its outcomes, and pages (either order, any page size, any time
 * window, kind and market filters) cover them once each.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import type { Event } from '../../core/events.ts';
import { CSV_HEADER, exportHistory } from '../../persistence/history-export.ts';
import { type HistoryKind, historyKindOf } from '../../persistence/history-kinds.ts';
import type { HistoryPageQuery, HistoryRecord } from '../../persistence/history-query.ts';
import { historySource } from '../../persistence/history-source.ts';
import { openStore, type Store } from '../../persistence/store.ts';
import { turnsOf } from './command-stream.ts';
import { journaled, type TempDir, tempDir } from './harness.ts';

interface Expected {
  seq: number;
  ts: number;
  kind: HistoryKind;
  account: number;
  market: number | null;
  event: Event;
}

let tmp: TempDir;
let store: Store;
let expected: Expected[];

beforeAll(() => {
  tmp = tempDir();
  store = openStore(tmp.dbPath);
  const j = journaled(store.journal);
  for (const t of turnsOf({ seed: 21, turns: 80, maxCommandsPerTurn: 40, markets: 3, maxAccounts: 12 })) j.run(t);
  expected = [];
  for (const { entry, outcome } of j.committed) {
    if (!outcome.ok) continue;
    for (const ev of classicEvents(outcome.events)) {
      const kind = historyKindOf(ev.type);
      if (kind === undefined) continue;
      const f = ev as unknown as { account: number; market?: number };
      expected.push({ seq: entry.seq, ts: entry.ts, kind, account: f.account, market: f.market ?? null, event: ev });
    }
  }
});

afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

function allPages(q: Omit<HistoryPageQuery, 'cursor'>): HistoryRecord[] {
  const out: HistoryRecord[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = store.history.page({ ...q, cursor });
    expect(page.items.length).toBeLessThanOrEqual(q.limit ?? 100);
    out.push(...page.items);
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

const strip = (r: HistoryRecord) => ({
  seq: r.seq,
  ts: r.ts,
  kind: r.kind,
  account: r.account,
  market: r.market,
  event: r.event,
});

describe('history', () => {
  it('holds every fill, funding payment, deposit and withdrawal of the committed turns', () => {
    const kinds = new Set(expected.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['deposit', 'fill', 'funding', 'withdrawal']);
    const rows = [...store.history.scan()].map(strip);
    expect(rows).toEqual(expected);
  });

  it('pages one account oldest first, in pages of any size, each row once', () => {
    for (const account of [0, 1, 3]) {
      const want = expected.filter((e) => e.account === account);
      expect(want.length).toBeGreaterThan(5);
      for (const limit of [1, 7, 1000]) expect(allPages({ account, limit }).map(strip)).toEqual(want);
    }
  });

  it('pages newest first', () => {
    const want = expected.filter((e) => e.account === 2).reverse();
    expect(allPages({ account: 2, limit: 5, order: 'desc' }).map(strip)).toEqual(want);
  });

  it('filters by time window, kind and market', () => {
    const mine = expected.filter((e) => e.account === 1);
    const fromTs = mine[Math.floor(mine.length / 4)].ts;
    const toTs = mine[Math.floor((3 * mine.length) / 4)].ts;
    expect(allPages({ account: 1, fromTs, toTs, limit: 4 }).map(strip)).toEqual(
      mine.filter((e) => e.ts >= fromTs && e.ts < toTs),
    );
    expect(allPages({ account: 1, kinds: ['fill'], market: 1, limit: 3 }).map(strip)).toEqual(
      mine.filter((e) => e.kind === 'fill' && e.market === 1),
    );
    expect(allPages({ account: 1, kinds: ['deposit', 'withdrawal'] }).map(strip)).toEqual(
      mine.filter((e) => e.kind === 'deposit' || e.kind === 'withdrawal'),
    );
  });

  it('keeps pages stable while new rows arrive', () => {
    const first = store.history.page({ account: 0, limit: 3 });
    const j = journaled(store.journal, 0, store.recovery.recover().engine);
    j.run({ ts: 1_900_000_000_000, cmds: [{ type: 'deposit', account: 0, amount: 77 }] });
    const rest = allPages({ account: 0, limit: 1000 }).slice(3);
    const second = store.history.page({ account: 0, limit: 1000, cursor: first.nextCursor });
    expect(second.items).toEqual(rest);
    expect(rest[rest.length - 1].event).toMatchObject({ type: 'deposited', amount: 77 });
  });

  it('rejects a cursor it did not issue and out-of-range queries', () => {
    expect(() => store.history.page({ account: 0, cursor: 'abc' })).toThrow(
      'BAD_CURSOR: cursor "abc" is not one this store issued',
    );
    expect(() => store.history.page({ account: 0, limit: 0 })).toThrow(
      'BAD_QUERY: limit must be an integer in [1, 1000], got 0',
    );
    expect(() => store.history.page({ account: -1 })).toThrow(
      'BAD_QUERY: account must be a non-negative integer, got -1',
    );
    expect(() => store.history.page({ account: 0, kinds: ['trade' as HistoryKind] })).toThrow(
      'BAD_QUERY: unknown history kind "trade"',
    );
  });

  it('exports CSV and JSON lines', () => {
    const csv: string[] = [];
    const n = exportHistory(store.history, { account: 1 }, 'csv', (l) => csv.push(l));
    expect(csv[0]).toBe(CSV_HEADER);
    expect(csv).toHaveLength(n + 1);
    const fill = csv.find((l) => l.split(',')[3] === 'fill')!;
    expect(fill.split(',')).toHaveLength(CSV_HEADER.split(',').length);
    const lines: string[] = [];
    exportHistory(store.history, { kinds: ['funding'] }, 'jsonl', (l) => lines.push(l));
    expect(lines.map((l) => JSON.parse(l).kind)).toEqual(
      expected.filter((e) => e.kind === 'funding').map(() => 'funding'),
    );
  });

  it('serves the gateway: one kind, newest first, BAD_ errors for bad input', () => {
    const source = historySource(store.history);
    const want = expected.filter((e) => e.account === 1 && e.kind === 'fill').reverse();
    const got: HistoryRecord[] = [];
    let cursor: string | null = null;
    do {
      const page = source.query('fill', 1, undefined, undefined, cursor, 4);
      got.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(got.map(strip)).toEqual(want);
    expect(() => source.query('trades', 1, undefined, undefined, null, 10)).toThrow(
      expect.objectContaining({ code: 'BAD_QUERY' }),
    );
    expect(() => source.query('fill', 1, undefined, undefined, 'x', 10)).toThrow(
      expect.objectContaining({ code: 'BAD_CURSOR' }),
    );
  });

  it('writes no history when the store is opened without it', async () => {
    const other = tempDir();
    const s = openStore(other.dbPath, { history: 'off' });
    const j = journaled(s.journal);
    for (const t of turnsOf({ seed: 22, turns: 5, maxCommandsPerTurn: 10, markets: 1, maxAccounts: 5 })) j.run(t);
    expect(s.history.counts()).toEqual({});
    await s.close();
    other.cleanup();
  });
});
