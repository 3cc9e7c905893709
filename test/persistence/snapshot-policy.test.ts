import { describe, expect, it } from 'vitest';
import { SnapshotPolicy } from '../../persistence/snapshot-policy.ts';

describe('snapshot policy', () => {
  it('is due after everyCommands seqs', () => {
    const p = new SnapshotPolicy({ everyCommands: 100, everyMs: 0 }, 50, 0);
    expect(p.due(149, 0)).toBe(false);
    expect(p.due(150, 0)).toBe(true);
  });

  it('is due after everyMs, but only with something new to hold', () => {
    const p = new SnapshotPolicy({ everyCommands: 0, everyMs: 1_000 }, 10, 5_000);
    expect(p.due(11, 5_999)).toBe(false);
    expect(p.due(11, 6_000)).toBe(true);
    expect(p.due(10, 9_000)).toBe(false);
  });

  it('runs one snapshot at a time and counts from the last one that finished', () => {
    const p = new SnapshotPolicy({ everyCommands: 10, everyMs: 0 }, 0, 0);
    p.started();
    expect(p.due(100, 0)).toBe(false);
    p.finished(true, 100, 0);
    expect(p.due(109, 0)).toBe(false);
    expect(p.due(110, 0)).toBe(true);
  });

  it('backs off after a failure', () => {
    const p = new SnapshotPolicy({ everyCommands: 10, everyMs: 0, retryAfterMs: 500 }, 0, 0);
    p.started();
    p.finished(false, 10, 1_000);
    expect(p.due(20, 1_499)).toBe(false);
    expect(p.due(20, 1_500)).toBe(true);
  });

  it('drives a snapshot function from tick', async () => {
    const p = new SnapshotPolicy({ everyCommands: 10, everyMs: 0 }, 0, 0);
    const taken: number[] = [];
    const take = async (seq: number) => {
      taken.push(seq);
      return seq;
    };
    expect(p.tick(5, 0, take, () => 0)).toBeNull();
    await p.tick(12, 0, take, () => 0);
    await Promise.resolve();
    expect(p.busy).toBe(false);
    expect(p.tick(15, 0, take, () => 0)).toBeNull();
    await p.tick(22, 0, take, () => 0);
    expect(taken).toEqual([12, 22]);
  });

  it('rejects a negative interval', () => {
    expect(() => new SnapshotPolicy({ everyMs: -1 }, 0, 0)).toThrow(
      'BAD_OPTION: everyMs must be a non-negative integer, got -1',
    );
  });
});
