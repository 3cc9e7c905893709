/**
 * bin/cli.ts, run as the operator runs it (a tsx subprocess), on a good and
 * a tampered journal; and verifyStore in-process for the cases that need no
 * subprocess.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../../core/snapshot.ts';
import { decodeTurn, encodeTurn } from '../../persistence/codec.ts';
import { CSV_HEADER } from '../../persistence/history-export.ts';
import { writeSnapshotFile } from '../../persistence/snapshot-file.ts';
import { openStore } from '../../persistence/store.ts';
import { verifyStore } from '../../persistence/verify.ts';
import { DEFAULT_STREAM, turnsOf } from './command-stream.ts';
import { journaled, type TempDir, tempDir } from './harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/cli.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: TempDir;
let lastSeq = 0;
let checkpoints = 0;

beforeAll(async () => {
  tmp = tempDir();
  const store = openStore(tmp.dbPath);
  const j = journaled(store.journal, 1);
  turnsOf({ ...DEFAULT_STREAM, seed: 51, turns: 30 }).forEach((t, i) => {
    j.run(t);
    if (i === 12) store.writeSnapshot(j.engine);
  });
  lastSeq = j.engine.seq;
  checkpoints = store.reader.checkpoints().length;
  await store.close();
});

afterAll(() => tmp.cleanup());

/** Change one deposit in a middle turn and re-checksum the row: it decodes, but replays to another state. */
async function tamper(dbPath: string): Promise<number> {
  const store = openStore(dbPath);
  try {
    for (const row of store.reader.rows(1)) {
      if (row.firstSeq < 200) continue;
      const entries = decodeTurn(row.cmds, row.firstSeq, row.ts, row.lastSeq - row.firstSeq + 1);
      const dep = entries.find((e) => e.cmd.type === 'deposit');
      if (dep === undefined || dep.cmd.type !== 'deposit') continue;
      dep.cmd.amount += 1;
      const blob = encodeTurn(entries);
      store.db.prepare('UPDATE journal SET cmds = ?, crc = ? WHERE first_seq = ?').run(blob, crc32(blob), row.firstSeq);
      return row.lastSeq;
    }
    throw new Error('no turn to tamper with');
  } finally {
    await store.close();
  }
}

describe('cli', () => {
  it('verify passes on a good journal, naming what it compared', () => {
    const r = cli('verify', '--db', tmp.dbPath);
    expect(r.stdout).toContain(
      `replayed ${lastSeq} commands in 30 turns to seq ${lastSeq}; ${checkpoints} hash checkpoints matched`,
    );
    expect(r.stdout).toMatch(/snapshot seq \d+: ok \(hash matches the replayed state\)/);
    expect(r.stdout).toContain('verify: ok');
    expect(r.status).toBe(0);
  });

  it('inspect, snapshot and export run on it', () => {
    const snap = cli('snapshot', '--db', tmp.dbPath);
    expect(snap.status, snap.stderr).toBe(0);
    expect(snap.stdout).toContain(`: seq ${lastSeq}, hash `);
    const inspect = cli('inspect', '--db', tmp.dbPath, '--json');
    expect(inspect.status, inspect.stderr).toBe(0);
    const i = JSON.parse(inspect.stdout);
    expect(i.journal).toMatchObject({ firstSeq: 1, lastSeq, turns: 30, checkpoints });
    expect(i.snapshots.map((s: { seq: number }) => s.seq)).toContain(lastSeq);
    const csv = cli('export', '--db', tmp.dbPath, '--format', 'csv', '--account', '1', '--kind', 'fill,deposit');
    expect(csv.status, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.slice(1).every((l) => l.split(',')[4] === '1' && /^(fill|deposit)$/.test(l.split(',')[3]))).toBe(true);
  });

  it('verify fails on a tampered journal, naming the seq', async () => {
    const t = tempDir();
    try {
      spawnSync('cp', ['-r', `${tmp.dbPath}`, t.dbPath]);
      const seq = await tamper(t.dbPath);
      const r = cli('verify', '--db', t.dbPath, '--snapshots', `${t.dir}/none`);
      expect(r.stdout).toContain(`problem: HASH_MISMATCH: after replaying to seq ${seq} the state hash is`);
      expect(r.stdout).toContain('verify: FAILED');
      expect(r.status).toBe(1);
    } finally {
      t.cleanup();
    }
  });

  it('exits 2 with a message when there is no journal', () => {
    const r = cli('inspect', '--db', `${tmp.dir}/missing.sqlite`);
    expect(r.stderr).toContain(`error: no journal at ${tmp.dir}/missing.sqlite`);
    expect(r.status).toBe(2);
  });
});

describe('verifyStore', () => {
  it('flags a snapshot whose recorded hash the replay does not reach', async () => {
    const t = tempDir();
    const store = openStore(t.dbPath, { keepSnapshots: 5 });
    const j = journaled(store.journal, 1);
    for (const turn of turnsOf({ ...DEFAULT_STREAM, seed: 52, turns: 12 })) j.run(turn);
    const wrong = takeSnapshot(j.engine);
    wrong.hash = 'f'.repeat(64);
    writeSnapshotFile(store.snapshots.dir, wrong);
    const r = verifyStore(store);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      `snapshot at seq ${j.engine.seq} records hash ${'f'.repeat(64)}, replay gives ${j.engine.stateHash()}`,
    ]);
    await store.close();
    t.cleanup();
  });

  it('starts from the oldest snapshot once the journal is pruned', async () => {
    const t = tempDir();
    const store = openStore(t.dbPath, { keepSnapshots: 2, journalRetention: 'prune' });
    const j = journaled(store.journal, 1);
    turnsOf({ ...DEFAULT_STREAM, seed: 53, turns: 20 }).forEach((turn, i) => {
      j.run(turn);
      if (i % 5 === 4) store.writeSnapshot(j.engine);
    });
    const r = verifyStore(store);
    expect(r.problems).toEqual([]);
    expect(r.start).toMatchObject({ kind: 'snapshot', seq: store.snapshots.list()[0].seq });
    await store.close();
    t.cleanup();
  });
});
