/**
 * AccountSet and AccountQueue against a plain Set: the same members and the
 * same iteration order after any sequence of operations (the tick's checks,
 * and so its events, follow that order). Reproduce a failure with FC_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccountQueue, AccountSet } from '../../core/account-set.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.log('fast-check seed', seed);

const id = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 5_000 }));

describe('AccountSet', () => {
  it('keeps the members and insertion order of a Set', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('add' as const), a: id }),
      fc.record({ k: fc.constant('delete' as const), a: id }),
      fc.record({ k: fc.constant('clear' as const), a: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const set = new AccountSet();
        const ref = new Set<number>();
        for (const { k, a } of ops) {
          if (k === 'add') {
            set.add(a);
            ref.add(a);
          } else if (k === 'delete') expect(set.delete(a)).toBe(ref.delete(a));
          else {
            set.clear();
            ref.clear();
          }
          expect(set.has(a)).toBe(ref.has(a));
        }
        expect([...set]).toEqual([...ref]);
        expect(set.size).toBe(ref.size);
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('AccountQueue', () => {
  it('keeps the members and first-insertion order of a Set emptied by clear()', () => {
    const op = fc.oneof(
      { weight: 8, arbitrary: fc.record({ k: fc.constant('add' as const), a: id }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('clear' as const), a: fc.constant(0) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const q = new AccountQueue();
        const ref = new Set<number>();
        for (const { k, a } of ops) {
          if (k === 'add') {
            q.add(a);
            ref.add(a);
          } else {
            q.clear();
            ref.clear();
          }
          expect(q.has(a)).toBe(ref.has(a));
          expect(q.size).toBe(ref.size);
        }
        const order: number[] = [];
        for (let i = 0; i < q.size; i++) order.push(q.at(i));
        expect(order).toEqual([...ref]);
        expect([...q]).toEqual([...ref]);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('rejects ids that are not account ids', () => {
    const q = new AccountQueue();
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 32]) expect(() => q.add(bad)).toThrow(RangeError);
    expect(q.size).toBe(0);
  });
});
