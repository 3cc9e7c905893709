/**
 * History mode 'background': the worker writes the same rows the inline
 * mode would, into its own database, marks how far they go, resumes after a
 * restart without gaps or duplicates; and history written past a torn tail
 * is cut back at recovery, in either mode.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../../persistence/history-query.ts';
import { openStore, type Store } from '../../persistence/store.ts';
import { DEFAULT_STREAM, type Turn, turnsOf } from './command-stream.ts';
import { journaled, type TempDir, tempDir } from './harness.ts';

const TURNS = turnsOf({ ...DEFAULT_STREAM, seed: 61, turns: 50 });

let dirs: TempDir[] = [];
let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores) if (!s.closed) await s.close();
  stores = [];
  for (const d of dirs) d.cleanup();
  dirs = [];
});

function open(dir: TempDir, history: 'inline' | 'background'): Store {
  const s = openStore(dir.dbPath, { history });
  stores.push(s);
  return s;
}

function fresh(): TempDir {
  const d = tempDir();
  dirs.push(d);
  return d;
}

const rows = (s: Store) => [...s.history.scan()].map(({ id: _id, ...rest }: HistoryRecord) => rest);

function inlineReference(turns: readonly Turn[]) {
  const s = open(fresh(), 'inline');
  const j = journaled(s.journal);
  for (const t of turns) j.run(t);
  return rows(s);
}

describe('background history', () => {
  it('writes the rows inline history would, off the loop thread, and says how far they go', async () => {
    const dir = fresh();
    const store = open(dir, 'background');
    const bg = store.startBackground();
    const j = journaled(store.journal);
    for (const t of TURNS) j.run(t);
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM history').get() as { n: number }).n).toBe(0);
    const done = await bg.followThrough(j.engine.seq);
    expect(done.seq).toBe(j.engine.seq);
    expect(store.history.completeThrough()).toBe(j.engine.seq);
    expect(rows(store)).toEqual(inlineReference(TURNS));
  });

  it('resumes after a restart without gaps or duplicates', async () => {
    const dir = fresh();
    const first = open(dir, 'background');
    const bg = first.startBackground();
    const j = journaled(first.journal);
    for (const t of TURNS.slice(0, 20)) j.run(t);
    await bg.followThrough(j.engine.seq);
    for (const t of TURNS.slice(20)) j.run(t); // journaled, not yet followed
    await first.close();

    const second = open(dir, 'background');
    const { engine } = second.recovery.recover();
    expect(second.history.completeThrough()).toBeLessThan(engine.seq);
    await second.startBackground().followThrough(engine.seq);
    expect(second.history.completeThrough()).toBe(engine.seq);
    expect(rows(second)).toEqual(inlineReference(TURNS));
  });

  for (const mode of ['inline', 'background'] as const) {
    it(`cuts history back when recovery drops a torn tail (${mode})`, async () => {
      const dir = fresh();
      const store = open(dir, mode);
      const j = journaled(store.journal);
      for (const t of TURNS) j.run(t);
      if (mode === 'background') await store.startBackground().followThrough(j.engine.seq);
      const last = store.db.prepare('SELECT first_seq FROM journal ORDER BY first_seq DESC LIMIT 1').get() as {
        first_seq: number;
      };
      store.db.prepare('UPDATE journal SET crc = crc + 1 WHERE first_seq = ?').run(last.first_seq);
      await store.close();

      const reopened = open(dir, mode);
      const { engine, report } = reopened.recovery.recover();
      expect(engine.seq).toBe(last.first_seq - 1);
      const reference = inlineReference(TURNS);
      const dropped = reference.filter((r) => r.seq > engine.seq).length;
      expect(dropped).toBeGreaterThan(0); // the torn turn had history
      expect(report.notes).toContain(`removed ${dropped} history rows past seq ${engine.seq}`);
      expect(rows(reopened)).toEqual(reference.filter((r) => r.seq <= engine.seq));
      if (mode === 'background') expect(reopened.history.completeThrough()).toBe(engine.seq);
    });
  }
});
