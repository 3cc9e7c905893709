import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalReader } from '../../persistence/journal-reader.ts';
import { JOURNAL_FORMAT_VERSION } from '../../persistence/schema.ts';
import { openStore, type Store } from '../../persistence/store.ts';
import { DEFAULT_STREAM, turnsOf } from './command-stream.ts';
import { journaled, type TempDir, tempDir } from './harness.ts';

let tmp: TempDir;
let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
  tmp?.cleanup();
});

function open(options = {}): Store {
  const s = openStore(tmp.dbPath, options);
  stores.push(s);
  return s;
}

describe('journal', () => {
  it('holds every command that reached the engine, with its seq and time', () => {
    tmp = tempDir();
    const store = open();
    const j = journaled(store.journal);
    for (const t of turnsOf({ ...DEFAULT_STREAM, seed: 3, turns: 30 })) j.run(t);
    const read = [...store.reader.rows(1)].flatMap((row) => {
      const checked = JournalReader.check(row);
      if (!checked.ok) throw new Error(checked.reason);
      return checked.turn.entries;
    });
    expect(read).toEqual(j.committed.map((c) => c.entry));
    expect(store.journal.seq).toBe(j.engine.seq);
  });

  it('stores the hash of every checkpoint turn', () => {
    tmp = tempDir();
    const store = open();
    const j = journaled(store.journal, 2);
    const hashes: { seq: number; hash: string }[] = [];
    turnsOf({ ...DEFAULT_STREAM, seed: 4, turns: 9 }).forEach((t, i) => {
      j.run(t);
      if ((i + 1) % 2 === 0) hashes.push({ seq: j.engine.seq, hash: j.engine.stateHash() });
    });
    expect(store.reader.checkpoints()).toEqual(hashes);
  });

  it('refuses a turn that does not follow the last journaled seq', () => {
    tmp = tempDir();
    const store = open();
    const entry = { seq: 5, ts: 1, cmd: { type: 'createAccount' as const } };
    expect(() =>
      store.journal.commitTurn([entry], [{ ok: false, seq: 5, code: 'BAD_COMMAND', message: '' }], null),
    ).toThrow('JOURNAL_GAP: turn starts at seq 5 but the journal ends at seq 0');
  });

  it('runs in WAL mode with the configured synchronous level', () => {
    tmp = tempDir();
    const normal = open();
    expect(normal.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(normal.db.pragma('synchronous', { simple: true })).toBe(1);
    const full = open({ synchronous: 'FULL' });
    expect(full.db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('refuses a journal written by a newer format version, saying so', () => {
    tmp = tempDir();
    open();
    const raw = new Database(tmp.dbPath);
    raw.prepare("UPDATE meta SET value = ? WHERE key = 'format_version'").run(String(JOURNAL_FORMAT_VERSION + 1));
    raw.close();
    expect(() => openStore(tmp.dbPath)).toThrow(
      `JOURNAL_FORMAT_NEWER: ${tmp.dbPath} has journal format ${JOURNAL_FORMAT_VERSION + 1}; this build reads format ${JOURNAL_FORMAT_VERSION} and older. Upgrade clearloop to open it.`,
    );
  });

  it('refuses a SQLite database that is not a journal', () => {
    tmp = tempDir();
    const raw = new Database(tmp.dbPath);
    raw.exec('CREATE TABLE orders (id INTEGER)');
    raw.close();
    expect(() => openStore(tmp.dbPath)).toThrow(
      `JOURNAL_FORMAT_UNKNOWN: ${tmp.dbPath} holds tables (orders) but no meta table`,
    );
  });

  it('rejects bad options with the field, the allowed range and the value', () => {
    tmp = tempDir();
    expect(() => openStore(tmp.dbPath, { keepSnapshots: 0 })).toThrow(
      'BAD_OPTION: keepSnapshots must be an integer in [1, 1000], got 0',
    );
    expect(() => openStore(tmp.dbPath, { synchronous: 'OFF' as 'FULL' })).toThrow(
      'BAD_OPTION: synchronous must be one of NORMAL, FULL, got "OFF"',
    );
  });

  it('is read-only when opened so', () => {
    tmp = tempDir();
    open();
    const ro = open({ readonly: true });
    expect(() => ro.journal).toThrow('JOURNAL_READONLY');
  });
});
