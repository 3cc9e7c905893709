/**
 * Retention: the newest K snapshots stay; turns before the oldest of them
 * are kept, pruned or archived as configured, and recovery still works.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../persistence/database.ts';
import { JournalReader } from '../../persistence/journal-reader.ts';
import { openStore, type Store } from '../../persistence/store.ts';
import { DEFAULT_STREAM, turnsOf } from './command-stream.ts';
import { journaled, straightEngine, type TempDir, tempDir } from './harness.ts';

const TURNS = turnsOf({ ...DEFAULT_STREAM, seed: 31, turns: 40 });

let tmp: TempDir;
let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores) if (!s.closed) await s.close();
  stores = [];
  tmp.cleanup();
});

function run(options: Parameters<typeof openStore>[1]) {
  tmp = tempDir();
  const store = openStore(tmp.dbPath, options);
  stores.push(store);
  const j = journaled(store.journal);
  const seqs: number[] = [];
  TURNS.forEach((t, i) => {
    j.run(t);
    if (i % 8 === 7) seqs.push(store.writeSnapshot(j.engine).seq);
  });
  return { store, j, seqs };
}

describe('retention', () => {
  it('keeps the newest K snapshots', () => {
    const { store, seqs } = run({ keepSnapshots: 2 });
    expect(store.snapshots.list().map((s) => s.seq)).toEqual(seqs.slice(-2));
  });

  it("keeps every turn with journalRetention 'keep'", () => {
    const { store } = run({ keepSnapshots: 2 });
    expect(store.reader.bounds()).toMatchObject({ firstSeq: 1, turns: TURNS.length, prunedThrough: 0 });
  });

  it("prunes turns before the oldest kept snapshot with 'prune', and still recovers", () => {
    const { store, j, seqs } = run({ keepSnapshots: 2, journalRetention: 'prune' });
    const oldestKept = seqs[seqs.length - 2];
    const b = store.reader.bounds();
    expect(b.prunedThrough).toBe(oldestKept);
    expect(b.firstSeq).toBe(oldestKept + 1);
    expect(b.lastSeq).toBe(j.engine.seq);
    expect(store.recovery.recover().engine.stateHash()).toBe(straightEngine(TURNS).stateHash());
  });

  it("moves them to the archive file with 'archive'", () => {
    const { store, seqs } = run({ keepSnapshots: 1, journalRetention: 'archive' });
    const archivePath = `${tmp.dbPath}.archive`;
    expect(existsSync(archivePath)).toBe(true);
    const archive = openDatabase(archivePath, { synchronous: 'NORMAL', readonly: true, cacheSizeMiB: 8 });
    try {
      const archived = new JournalReader(archive).bounds();
      expect(archived.firstSeq).toBe(1);
      expect(archived.lastSeq).toBe(seqs[seqs.length - 1]);
      // The newest snapshot holds the last turn, so every turn moved out.
      expect(store.reader.bounds()).toMatchObject({ firstSeq: null, turns: 0, lastSeq: seqs[seqs.length - 1] });
    } finally {
      archive.close();
    }
    expect(store.recovery.recover().engine.stateHash()).toBe(straightEngine(TURNS).stateHash());
  });

  it('prunes in bounded steps', () => {
    const { store, j } = run({ keepSnapshots: 1 });
    const pruner = openStore(tmp.dbPath, { keepSnapshots: 1, journalRetention: 'prune' });
    stores.push(pruner);
    expect(pruner.pruneJournalStep(5)).toBe(5);
    let steps = 1;
    while (pruner.pruneJournalStep(5) > 0) steps++;
    expect(steps).toBeGreaterThan(2);
    expect(store.reader.bounds().prunedThrough).toBe(store.snapshots.list()[0].seq);
    expect(j.engine.seq).toBe(store.reader.bounds().lastSeq);
  });
});
