/**
 * fast-check property: for any short sequence of book operations and
 * command boundaries (commit or roll back), the fast book and the naive book
 * agree after every step. Short sequences shrink to a minimal failing case.
 *
 * Reproduce with FC_SEED=<seed printed below> npx vitest run test/book/property.test.ts
 * (fast-check also prints the seed and shrink path of a failure).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ASK, BID, GTC, GTT, NO_CLIENT_ID, type Side } from '../../core/book/types.ts';
import { applyOp, expectSame, makePair, type Op, seedFromEnv } from './harness.ts';

type Step =
  | {
      k: 'add';
      side: number;
      tick: number;
      size: number;
      account: number;
      gtt: boolean;
      expiry: number;
      client: number;
    }
  | { k: 'cancel' | 'fillAll'; pick: number }
  | { k: 'cancelByClientId'; account: number; client: number }
  | { k: 'reduce' | 'fill'; pick: number; part: number }
  | { k: 'amend'; pick: number; tick: number; size: number }
  | { k: 'expire'; dt: number }
  | { k: 'cancelAll'; account: number }
  | { k: 'commit' | 'rollback' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant('add' as const),
      side: fc.integer({ min: 0, max: 1 }),
      tick: fc.integer({ min: 0, max: 5 }),
      size: fc.integer({ min: 1, max: 9 }),
      account: fc.integer({ min: 0, max: 3 }),
      gtt: fc.boolean(),
      expiry: fc.integer({ min: 0, max: 40 }),
      client: fc.integer({ min: -1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('cancel' as const, 'fillAll' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('cancelByClientId' as const),
      account: fc.integer({ min: 0, max: 3 }),
      client: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constantFrom('reduce' as const, 'fill' as const),
      pick: fc.nat(),
      part: fc.double({ min: 0, max: 1.2, noNaN: true }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('amend' as const),
      pick: fc.nat(),
      tick: fc.integer({ min: 0, max: 5 }),
      size: fc.integer({ min: 1, max: 12 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('expire' as const), dt: fc.integer({ min: 0, max: 15 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('cancelAll' as const), account: fc.integer({ min: 0, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('commit' as const, 'rollback' as const) }) },
);

describe('fast book vs naive book (fast-check)', () => {
  it('agree after every step of any short sequence, across commits and rollbacks', () => {
    const seed = seedFromEnv(1_618_033);
    console.log(`[book property] seed=${seed} (reproduce: FC_SEED=${seed} npx vitest run test/book/property.test.ts)`);
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const p = makePair({ initialCapacity: 2 });
        let nextId = 1;
        let now = 0;
        let before = p.fast.stateHash();
        const liveIds = () => [...p.naive.orderIds(BID), ...p.naive.orderIds(ASK)];
        const pickId = (pick: number) => {
          const ids = liveIds();
          return ids.length === 0 ? pick : ids[pick % ids.length];
        };
        for (const [i, step] of steps.entries()) {
          let op: Op | undefined;
          switch (step.k) {
            case 'add': {
              const side = step.side as Side;
              op = {
                k: 'add',
                order: {
                  id: nextId++,
                  account: step.account,
                  side,
                  price: side === BID ? 100 - step.tick : 101 + step.tick,
                  size: step.size,
                  timeInForce: step.gtt ? GTT : GTC,
                  expiryTs: now + step.expiry,
                  clientId: step.client < 0 ? NO_CLIENT_ID : step.client,
                },
              };
              break;
            }
            case 'cancel':
              op = { k: 'cancel', id: pickId(step.pick) };
              break;
            case 'fillAll': {
              const id = pickId(step.pick);
              op = { k: 'fill', id, size: p.naive.sizeOf(id) };
              break;
            }
            case 'cancelByClientId':
              op = { k: 'cancelByClientId', account: step.account, clientId: step.client };
              break;
            case 'reduce':
            case 'fill': {
              const id = pickId(step.pick);
              op = { k: step.k, id, size: Math.max(1, Math.round(p.naive.sizeOf(id) * step.part)) };
              break;
            }
            case 'amend': {
              const id = pickId(step.pick);
              const side = p.naive.get(id)?.side ?? ASK;
              op = { k: 'amend', id, price: side === BID ? 100 - step.tick : 101 + step.tick, size: step.size };
              break;
            }
            case 'expire':
              now += step.dt;
              op = { k: 'expire', ts: now };
              break;
            case 'cancelAll':
              op = { k: 'cancelAll', account: step.account };
              break;
            case 'commit':
              p.fastUndo.commit();
              p.naiveUndo.commit();
              before = p.fast.stateHash();
              break;
            case 'rollback':
              p.fastUndo.rollback();
              p.naiveUndo.rollback();
              expect(p.fast.stateHash(), `step ${i}: rollback`).toBe(before);
              break;
          }
          if (op !== undefined)
            expect(applyOp(p.fast, op), `step ${i} ${JSON.stringify(op)}`).toEqual(applyOp(p.naive, op));
          expectSame(p, `step ${i} ${JSON.stringify(step)}`);
        }
      }),
      { seed, numRuns: 400 },
    );
  });
});
