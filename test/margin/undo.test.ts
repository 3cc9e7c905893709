/**
 * The undo log logs a slot of a small typed array (and the last object field
 * set) once per generation (core/undo.ts). Random writes to small arrays
 * (more than it remembers at once, so some are forgotten and logged again),
 * large arrays and object fields, with marks, partial rollbacks to a mark,
 * full rollbacks and commits: every rollback must restore exactly the state
 * seen when the mark (or the last commit) was taken. Owners with per-slot
 * stamps (atField, as a market's field vector) take part, written through
 * atField and plain at() alike.
 */
import { describe, expect, it } from 'vitest';
import { UndoLog } from '../../core/undo.ts';
import { fcSeed, Rng } from './helpers.ts';

const seed = fcSeed();

interface World {
  small: Float64Array[];
  ints: Int32Array[];
  large: Float64Array;
  obj: { x: number; y: number; v: unknown };
  owners: { f: Float64Array; fStamps: Float64Array }[];
}

function snapshot(w: World): string {
  return JSON.stringify({
    small: w.small.map((a) => Array.from(a)),
    ints: w.ints.map((a) => Array.from(a)),
    large: Array.from(w.large),
    obj: w.obj,
    owners: w.owners.map((o) => Array.from(o.f)),
  });
}

describe('undo log', () => {
  it('restores the state at the mark or the last commit after any mix of writes', () => {
    const r = new Rng(seed);
    const u = new UndoLog();
    const w: World = {
      small: Array.from({ length: 12 }, () => new Float64Array(40)),
      ints: Array.from({ length: 3 }, () => new Int32Array(64)),
      large: new Float64Array(500),
      obj: { x: 0, y: 0, v: null },
      owners: Array.from({ length: 3 }, () => ({ f: new Float64Array(30), fStamps: new Float64Array(30) })),
    };
    let committed = snapshot(w);
    const marks: { at: number; state: string }[] = [];
    let rollbacks = 0;
    for (let step = 0; step < 200_000; step++) {
      const roll = r.next();
      if (roll < 0.15) {
        const o = w.owners[r.int(3)];
        if (r.chance(0.8)) u.atField(o, r.int(o.f.length), r.int(1000));
        else u.at(o.f, r.int(o.f.length), r.int(1000));
      } else if (roll < 0.45) {
        const a = w.small[r.int(r.chance(0.8) ? 3 : 12)];
        u.at(a, r.int(a.length), r.int(1000));
      } else if (roll < 0.55) {
        const a = w.ints[r.int(3)];
        u.at(a, r.int(a.length), r.int(1000) - 500);
      } else if (roll < 0.75) {
        u.at(w.large, r.int(w.large.length), r.int(1000));
      } else if (roll < 0.85) {
        const k = r.int(3);
        if (k === 0) u.set(w.obj, 'x', r.int(1000));
        else if (k === 1) u.set(w.obj, 'y', r.int(1000));
        else u.set(w.obj, 'v', r.chance(0.5) ? { n: r.int(10) } : r.int(10));
      } else if (roll < 0.9) {
        marks.push({ at: u.mark(), state: snapshot(w) });
      } else if (roll < 0.95) {
        if (marks.length > 0) {
          const i = r.int(marks.length);
          u.rollback(marks[i].at);
          expect(snapshot(w), `step ${step} (seed ${seed}): rollback to a mark`).toBe(marks[i].state);
          marks.length = i;
          rollbacks++;
        }
      } else if (roll < 0.98) {
        u.commit();
        committed = snapshot(w);
        marks.length = 0;
      } else {
        u.rollback();
        expect(snapshot(w), `step ${step} (seed ${seed}): full rollback`).toBe(committed);
        marks.length = 0;
        rollbacks++;
      }
    }
    expect(rollbacks).toBeGreaterThan(1_000);
  });

  it('never takes a stamp from another log for its own generation', () => {
    // Two logs writing the same owner in turn: each must log its first write of a generation, even
    // when the other log stamped that slot in a generation of its own.
    const a = new UndoLog();
    const b = new UndoLog();
    const o = { f: new Float64Array(4), fStamps: new Float64Array(4) };
    // Two fresh logs: with a counter each, both would be in their first generation here.
    a.atField(o, 1, 5);
    a.commit();
    b.atField(o, 1, 7);
    b.rollback();
    expect(o.f[1]).toBe(5);
    o.f[1] = 0;
    for (let round = 0; round < 100; round++) {
      const log = round % 2 === 0 ? a : b;
      const before = o.f[1];
      log.atField(o, 1, round + 1);
      log.atField(o, 1, round + 1000);
      log.rollback();
      expect(o.f[1], `round ${round}`).toBe(before);
      log.atField(o, 1, round + 1);
      log.commit();
    }
    expect(o.f[1]).toBe(100);
  });
});
