/**
 * Poison commands: a command whose apply throws is rejected live with
 * INTERNAL_ERROR and journaled like any other; replaying it must never
 * throw, so recovery cannot crash-loop on it. Nor may commands that are not
 * commands at all (garbage in a journal row).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { openStore, type Store } from '../../persistence/store.ts';
import { DEFAULT_STREAM, turnsOf } from './command-stream.ts';
import { journaled, type TempDir, tempDir } from './harness.ts';

/** The marker deposit amount that makes the (spied) engine throw. */
const POISON_AMOUNT = 424_242;

let tmp: TempDir;
let store: Store;
afterEach(async () => {
  vi.restoreAllMocks();
  await store.close();
  tmp.cleanup();
});

function poisonEngine(): void {
  const proto = Engine.prototype as unknown as { dispatch: (cmd: Command, ts: number) => unknown };
  const real = proto.dispatch;
  vi.spyOn(proto, 'dispatch').mockImplementation(function (this: Engine, cmd: Command, ts: number) {
    if (cmd.type === 'deposit' && cmd.amount === POISON_AMOUNT) throw new TypeError('poison pill');
    return real.call(this, cmd, ts);
  });
}

describe('poison commands', () => {
  it('replays a command whose apply throws without throwing, and reaches the same state', () => {
    tmp = tempDir();
    store = openStore(tmp.dbPath);
    poisonEngine();
    const turns = turnsOf({ ...DEFAULT_STREAM, seed: 5, turns: 20 });
    turns[10].cmds.splice(2, 0, { type: 'deposit', account: 0, amount: POISON_AMOUNT });
    const j = journaled(store.journal, 1);
    for (const t of turns) j.run(t);
    const live = j.committed.find((c) => c.entry.cmd.type === 'deposit' && c.entry.cmd.amount === POISON_AMOUNT)!;
    expect(live.outcome).toMatchObject({ ok: false, code: 'INTERNAL_ERROR' });

    const { engine, report } = store.recovery.recover();
    expect(report.replay.poisonCount).toBe(1);
    expect(report.replay.poison[0]).toEqual({ seq: live.entry.seq, message: expect.stringContaining('poison pill') });
    expect(engine.stateHash()).toBe(j.engine.stateHash());
    expect(report.replay.checkpointsVerified).toBe(turns.length);
  });

  it('replays journal rows holding values that are not commands', () => {
    tmp = tempDir();
    store = openStore(tmp.dbPath);
    const j = journaled(store.journal, 1);
    for (const t of turnsOf({ ...DEFAULT_STREAM, seed: 6, turns: 5 })) j.run(t);
    const junk = [null, 42, 'deposit', [], { type: 'nope' }, { type: 'deposit', account: 'x', amount: -1 }];
    let seq = j.engine.seq;
    const entries = junk.map((cmd) => ({ seq: ++seq, ts: j.engine.lastTs, cmd: cmd as unknown as Command }));
    const outcomes = entries.map((e) => j.engine.apply(e.cmd, e.ts));
    expect(outcomes.every((o) => !o.ok && o.code === 'BAD_COMMAND')).toBe(true);
    store.journal.commitTurn(entries, outcomes, j.engine.stateHash());
    const { engine, report } = store.recovery.recover();
    expect(engine.seq).toBe(seq);
    expect(engine.stateHash()).toBe(j.engine.stateHash());
    expect(report.replay.poisonCount).toBe(0);
  });

  it('goes on past a command on which apply itself throws', () => {
    tmp = tempDir();
    store = openStore(tmp.dbPath);
    const turns = turnsOf({ ...DEFAULT_STREAM, seed: 8, turns: 12 });
    turns[6].cmds.push({ type: 'deposit', account: 1, amount: POISON_AMOUNT });
    const j = journaled(store.journal, 1);
    for (const t of turns) j.run(t);
    const realApply = Engine.prototype.apply;
    vi.spyOn(Engine.prototype, 'apply').mockImplementation(function (this: Engine, cmd: Command, ts: number) {
      if (cmd.type === 'deposit' && cmd.amount === POISON_AMOUNT) throw new RangeError('apply blew up');
      return realApply.call(this, cmd, ts);
    });
    const { engine, report } = store.recovery.recover({ checkHashes: false });
    expect(engine.seq).toBe(j.engine.seq);
    expect(report.replay.poisonCount).toBe(1);
    expect(report.replay.poison[0].message).toBe('apply threw: apply blew up');
  });
});
