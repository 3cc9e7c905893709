/**
 * Recovery under damage: corrupt and truncated snapshots fall back to the
 * one before, then to genesis; a torn journal tail stops at the last complete
 * turn and says so; a bad turn in the middle, a wrong hash checkpoint, a
 * snapshot ahead of the journal and a pruned journal with no usable snapshot
 * each stop start-up with an error naming the seq.
 */
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../../core/snapshot.ts';
import { writeSnapshotFile } from '../../persistence/snapshot-file.ts';
import { openStore, type Store } from '../../persistence/store.ts';
import { DEFAULT_STREAM, turnsOf } from './command-stream.ts';
import { journaled, straightEngine, type TempDir, tempDir } from './harness.ts';

const TURNS = turnsOf({ ...DEFAULT_STREAM, seed: 99, turns: 40 });
const EXPECTED = straightEngine(TURNS).stateHash();

let tmp: TempDir;
let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores) if (!s.closed) await s.close();
  stores = [];
  tmp.cleanup();
});

function open(path = tmp.dbPath, options = {}): Store {
  const s = openStore(path, { keepSnapshots: 10, ...options });
  stores.push(s);
  return s;
}

/** Journal TURNS with snapshots after the given turn indexes; returns the store and the snapshot paths. */
function journal(snapshotTurns: number[] = [], hashEveryTurns = 4) {
  tmp = tempDir();
  const store = open();
  const j = journaled(store.journal, hashEveryTurns);
  const paths: string[] = [];
  const seqs: number[] = [];
  TURNS.forEach((t, i) => {
    j.run(t);
    if (snapshotTurns.includes(i)) {
      const w = store.writeSnapshot(j.engine);
      paths.push(w.path);
      seqs.push(w.seq);
    }
  });
  return { store, j, paths, seqs };
}

function flipByte(path: string, offsetFromEnd: number): void {
  const b = readFileSync(path);
  b[b.length - offsetFromEnd] ^= 0xff;
  writeFileSync(path, b);
}

describe('snapshot faults', () => {
  it('falls back to the previous snapshot when the newest has corrupt bytes', () => {
    const { store, paths, seqs } = journal([10, 25]);
    flipByte(paths[1], 200);
    const { engine, report } = store.recovery.recover();
    expect(report.start).toEqual({ kind: 'snapshot', seq: seqs[0], path: paths[0] });
    expect(report.skippedSnapshots).toHaveLength(1);
    expect(report.skippedSnapshots[0].reason).toMatch(/^SNAPSHOT_CORRUPT: .*CRC-32 mismatch/);
    expect(engine.stateHash()).toBe(EXPECTED);
  });

  it('falls back when the newest snapshot is truncated', () => {
    const { store, paths, seqs } = journal([10, 25]);
    truncateSync(paths[1], readFileSync(paths[1]).length - 100);
    const { engine, report } = store.recovery.recover();
    expect(report.start).toMatchObject({ kind: 'snapshot', seq: seqs[0] });
    expect(report.skippedSnapshots[0].reason).toMatch(/truncated or padded/);
    expect(engine.stateHash()).toBe(EXPECTED);
  });

  it('falls back when a snapshot does not restore to its recorded hash', () => {
    const { store, j, seqs } = journal([10]);
    // A well-formed file whose state was altered after hashing: every checksum passes, the hash does not.
    const snap = takeSnapshot(j.engine);
    snap.columns.get('collateral')![0] += 1;
    writeSnapshotFile(store.snapshots.dir, snap);
    const { engine, report } = store.recovery.recover();
    expect(report.skippedSnapshots[0].reason).toMatch(/restore failed: snapshot at seq \d+: restored hash/);
    expect(report.start).toMatchObject({ kind: 'snapshot', seq: seqs[0] });
    expect(engine.stateHash()).toBe(EXPECTED);
  });

  it('falls back to genesis when every snapshot is bad', () => {
    const { store, paths } = journal([10, 25]);
    for (const p of paths) flipByte(p, 30);
    const { engine, report } = store.recovery.recover();
    expect(report.start).toEqual({ kind: 'genesis' });
    expect(report.skippedSnapshots).toHaveLength(2);
    expect(engine.stateHash()).toBe(EXPECTED);
  });

  it('stops when a good snapshot is ahead of the journal', () => {
    const { store, j, paths, seqs } = journal([39]);
    // The journal loses its last turns (as a power loss under synchronous=NORMAL could).
    store.db.prepare('DELETE FROM journal WHERE first_seq > ?').run(seqs[0] - 20);
    const last = (store.db.prepare('SELECT MAX(last_seq) AS s FROM journal').get() as { s: number }).s;
    expect(j.engine.seq).toBe(seqs[0]);
    expect(() => store.recovery.recover()).toThrow(
      `SNAPSHOT_AHEAD_OF_JOURNAL: snapshot ${paths[0]} holds seq ${seqs[0]} but the journal ends at seq ${last}`,
    );
  });

  it('stops when the journal was pruned and no snapshot is usable', () => {
    const { store, paths } = journal([10, 25]);
    store.db.prepare('DELETE FROM journal WHERE last_seq <= 40').run();
    const first = (store.db.prepare('SELECT MIN(first_seq) AS s FROM journal').get() as { s: number }).s;
    for (const p of paths) flipByte(p, 30);
    expect(() => store.recovery.recover()).toThrow(
      `NO_RECOVERY_START: no usable snapshot (2 skipped) and the journal starts at seq ${first}, not 1`,
    );
  });
});

describe('journal faults', () => {
  it('stops at the last complete turn when the last turn is torn, says so, and journals on after it', () => {
    const { store } = journal();
    const lastTurn = store.db
      .prepare('SELECT first_seq, last_seq FROM journal ORDER BY first_seq DESC LIMIT 1')
      .get() as {
      first_seq: number;
      last_seq: number;
    };
    store.db
      .prepare('UPDATE journal SET cmds = substr(cmds, 1, length(cmds) / 2) WHERE first_seq = ?')
      .run(lastTurn.first_seq);
    const { engine, report } = store.recovery.recover();
    expect(engine.seq).toBe(lastTurn.first_seq - 1);
    expect(engine.stateHash()).toBe(straightEngine(TURNS, lastTurn.first_seq - 1).stateHash());
    expect(report.tornTail).toMatchObject({ firstSeq: lastTurn.first_seq, lastSeq: lastTurn.last_seq });
    expect(report.tornTail!.reason).toMatch(/^CRC-32 \d+ ≠ recorded \d+$/);
    expect(report.notes).toContain(
      `the journal tail is torn at seq ${lastTurn.first_seq}..${lastTurn.last_seq} (${report.tornTail!.reason}); recovered to seq ${engine.seq}, the last complete turn`,
    );
    expect(report.tornTailRemoved).toBe(true);
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM journal_torn').get() as { n: number }).n).toBe(1);
    // The loop carries on from the recovered engine; its next turn follows the last good one.
    const next = journaled(store.journal, 4, engine);
    next.run(TURNS[TURNS.length - 1]);
    expect(store.journal.seq).toBe(engine.seq);
  });

  it('recovers to the turn before when the last turn is gone', () => {
    const { store } = journal();
    const last = store.db.prepare('SELECT first_seq FROM journal ORDER BY first_seq DESC LIMIT 1').get() as {
      first_seq: number;
    };
    store.db.prepare('DELETE FROM journal WHERE first_seq = ?').run(last.first_seq);
    const { engine, report } = store.recovery.recover();
    expect(engine.seq).toBe(last.first_seq - 1);
    expect(report.tornTail).toBeNull();
    expect(engine.stateHash()).toBe(straightEngine(TURNS, last.first_seq - 1).stateHash());
  });

  it('recovers the turns before a corrupt WAL tail: SQLite drops the torn transaction', () => {
    const { store } = journal([], 1);
    const checkpoints = store.reader.checkpoints();
    const [beforeLast, last] = checkpoints.slice(-2);
    // A crash image: the database and its WAL as they are on disk now, copied elsewhere.
    const crash = join(tmp.dir, 'crash.sqlite');
    copyFileSync(tmp.dbPath, crash);
    copyFileSync(`${tmp.dbPath}-wal`, `${crash}-wal`);
    flipByte(`${crash}-wal`, 10); // the last frame: the commit frame of the last turn
    const copy = open(crash, { snapshotDir: join(tmp.dir, 'crash-snapshots') });
    const { engine, report } = copy.recovery.recover();
    expect(last.seq).toBeGreaterThan(beforeLast.seq);
    expect(engine.seq).toBe(beforeLast.seq);
    expect(engine.stateHash()).toBe(beforeLast.hash);
    expect(report.replay.checkpointsVerified).toBe(checkpoints.length - 1);
  });

  it('stops with an error naming the seq when a turn in the middle is corrupt', () => {
    const { store } = journal();
    const mid = store.db
      .prepare('SELECT first_seq, last_seq FROM journal ORDER BY first_seq LIMIT 1 OFFSET 10')
      .get() as {
      first_seq: number;
      last_seq: number;
    };
    store.db.prepare('UPDATE journal SET crc = crc + 1 WHERE first_seq = ?').run(mid.first_seq);
    expect(() => store.recovery.recover()).toThrow(
      new RegExp(
        `^JOURNAL_CORRUPT: the turn at seq ${mid.first_seq}\\.\\.${mid.last_seq} is bad \\(CRC-32 \\d+ ≠ recorded \\d+\\) and later turns follow it$`,
      ),
    );
  });

  it('stops with an error naming the seq when a hash checkpoint does not match', () => {
    const { store } = journal([], 2);
    const cp = store.reader.checkpoints()[3];
    store.db.prepare('UPDATE journal SET hash = ? WHERE last_seq = ?').run('0'.repeat(64), cp.seq);
    let err: unknown = null;
    try {
      store.recovery.recover();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'HASH_MISMATCH', seq: cp.seq });
    expect((err as Error).message).toBe(
      `HASH_MISMATCH: after replaying to seq ${cp.seq} the state hash is ${cp.hash}, but the journal recorded ${'0'.repeat(64)} at that seq`,
    );
  });

  it('reports a gap in the seqs', () => {
    const { store } = journal();
    const mid = store.db
      .prepare('SELECT first_seq, last_seq FROM journal ORDER BY first_seq LIMIT 1 OFFSET 5')
      .get() as {
      first_seq: number;
      last_seq: number;
    };
    store.db.prepare('DELETE FROM journal WHERE first_seq = ?').run(mid.first_seq);
    expect(() => store.recovery.recover()).toThrow(
      `JOURNAL_GAP: the journal jumps from seq ${mid.first_seq - 1} to a turn starting at seq ${mid.last_seq + 1}`,
    );
  });

  it('opens a read-only store on a live journal without repairing it', () => {
    const { store } = journal();
    store.db.prepare("UPDATE journal SET cmds = x'00' WHERE first_seq = (SELECT MAX(first_seq) FROM journal)").run();
    const ro = open(tmp.dbPath, { readonly: true });
    const { report } = ro.recovery.recover();
    expect(report.tornTail).not.toBeNull();
    expect(report.tornTailRemoved).toBe(false);
    expect(store.reader.bounds().turns).toBe(TURNS.length);
  });
});
