/**
 * The background worker: snapshots written off the loop's thread from a
 * replica rebuilt from the journal, equal to the live engine at that seq;
 * one at a time; WAL checkpoints on request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../persistence/store.ts';
import { DEFAULT_STREAM, turnsOf } from './command-stream.ts';
import { journaled, type TempDir, tempDir } from './harness.ts';

let tmp: TempDir;
let store: Store;
afterEach(async () => {
  await store.close();
  tmp.cleanup();
});

describe('background worker', () => {
  it('writes snapshots of committed seqs that hold the live state, and keeps its replica between them', async () => {
    tmp = tempDir();
    store = openStore(tmp.dbPath, { keepSnapshots: 2, journalRetention: 'prune' });
    store.startBackground();
    const j = journaled(store.journal);
    const turns = turnsOf({ ...DEFAULT_STREAM, seed: 41, turns: 60 });
    for (const t of turns.slice(0, 30)) j.run(t);
    const first = await store.snapshotInBackground(j.engine.seq);
    expect(first).toMatchObject({ seq: j.engine.seq, hash: j.engine.stateHash() });
    expect(first.replayedCommands).toBe(j.engine.seq);

    for (const t of turns.slice(30)) j.run(t);
    const second = await store.snapshotInBackground(j.engine.seq);
    expect(second).toMatchObject({ seq: j.engine.seq, hash: j.engine.stateHash() });
    expect(second.replayedCommands).toBe(j.engine.seq - first.seq);
    expect(store.snapshots.list().map((s) => s.seq)).toEqual([first.seq, second.seq]);

    const { engine } = store.recovery.recover();
    expect(engine.stateHash()).toBe(j.engine.stateHash());
  });

  it('refuses a second snapshot while one is being written', async () => {
    tmp = tempDir();
    store = openStore(tmp.dbPath);
    const j = journaled(store.journal);
    for (const t of turnsOf({ ...DEFAULT_STREAM, seed: 42, turns: 10 })) j.run(t);
    const bg = store.startBackground();
    const a = bg.snapshot(j.engine.seq);
    await expect(bg.snapshot(j.engine.seq)).rejects.toThrow('SNAPSHOT_BUSY');
    await expect(a).resolves.toMatchObject({ seq: j.engine.seq });
  });

  it('reports a seq the journal does not reach', async () => {
    tmp = tempDir();
    store = openStore(tmp.dbPath);
    const j = journaled(store.journal);
    for (const t of turnsOf({ ...DEFAULT_STREAM, seed: 43, turns: 5 })) j.run(t);
    await expect(store.startBackground().snapshot(j.engine.seq + 5)).rejects.toThrow(
      `JOURNAL_GAP: the journal ends at seq ${j.engine.seq}, before the requested seq ${j.engine.seq + 5}`,
    );
  });

  it('reports a worker that dies, once, and refuses requests after it instead of waiting on it', async () => {
    tmp = tempDir();
    store = openStore(tmp.dbPath);
    const bg = store.startBackground();
    await bg.checkpoint(); // it is up
    const problems: string[] = [];
    const reported = new Promise<void>((resolve) =>
      bg.onProblem((err) => {
        problems.push(err.message);
        resolve();
      }),
    );
    // Killed while idle (nothing pending), as an out-of-memory kill or a crash in a native module would.
    await (bg as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await reported;
    expect(problems).toEqual(['BACKGROUND_FAILED: the background worker exited with code 1']);
    await expect(bg.checkpoint()).rejects.toThrow('BACKGROUND_FAILED');
    await expect(bg.snapshot(0)).rejects.toThrow('BACKGROUND_FAILED');
    expect(problems).toHaveLength(1);
  });

  it('checkpoints the WAL when asked', async () => {
    tmp = tempDir();
    store = openStore(tmp.dbPath);
    const bg = store.startBackground();
    const j = journaled(store.journal);
    for (const t of turnsOf({ ...DEFAULT_STREAM, seed: 44, turns: 10 })) j.run(t);
    const r = await bg.checkpoint();
    expect(r.busy).toBe(0);
    expect(r.checkpointed).toBe(r.log);
    expect(r.log).toBeGreaterThan(0);
  });
});
