/**
 * Every write of an oracle update goes through the undo log: the source's
 * record (replaced whole), the fields the update gathers and writes in one
 * loop (core/oracle.ts flushWrites), and the mark the update refreshes. An
 * update applied after an undo mark and rolled back to it must leave the
 * state hash, the sources and every market field where they were, on the
 * first price, on later ones, across several sources, and when a guard
 * turns on or off. A seeded stream of updates (each either kept or rolled
 * back) must end on the state of the kept updates applied alone.
 */
import { describe, expect, it } from 'vitest';
import type { OraclePrice } from '../../core/commands.ts';
import type { Engine } from '../../core/engine.ts';
import { applyOracleUpdate } from '../../core/oracle.ts';
import { Rng } from '../support/rng.ts';
import { marketFixture, oraclePrice, T0 } from './helpers.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.log('seed', seed);

function update(source: number, price: number, publishTs: number, confidence = 0): OraclePrice {
  return { type: 'oracle', market: 0, source, price, confidence, publishTs };
}

/** Apply `cmd` after an undo mark, check it wrote something, roll it back and check nothing is left. */
function appliedThenRolledBack(e: Engine, cmd: OraclePrice, ts: number): void {
  const m = e.markets[0];
  const hash = e.stateHash();
  const fields = Array.from(m.f);
  const sources = JSON.stringify(m.sources);
  const to = e.undo.mark();
  expect(applyOracleUpdate(e, m, cmd, ts)).toBeNull();
  expect(Array.from(m.f)).not.toEqual(fields);
  e.undo.rollback(to);
  expect(Array.from(m.f)).toEqual(fields);
  expect(JSON.stringify(m.sources)).toBe(sources);
  expect(e.stateHash()).toBe(hash);
  e.events = [];
}

describe('an oracle update rolled back by the undo log', () => {
  it('leaves nothing behind: first price, later prices, several sources, guards turning on and off', () => {
    const { e } = marketFixture({ params: { oracleSources: 3 }, oraclePrice: null });
    appliedThenRolledBack(e, update(0, 100_000_000, T0), T0); // first price: TWAP and funding clocks start
    oraclePrice(e, 0, 100_000_000, T0, 0);
    appliedThenRolledBack(e, update(1, 101_000_000, T0 + 1_000), T0 + 1_000);
    oraclePrice(e, 0, 101_000_000, T0 + 1_000, 1);
    appliedThenRolledBack(e, update(2, 160_000_000, T0 + 2_000), T0 + 2_000); // median moves, no jump yet
    oraclePrice(e, 0, 130_000_000, T0 + 2_000, 0);
    oraclePrice(e, 0, 131_000_000, T0 + 2_000, 2);
    expect(e.markets[0].oracleJumpActive).toBe(true);
    appliedThenRolledBack(e, update(1, 100_000_000, T0 + 3_000), T0 + 3_000); // the jump guard turns off
    appliedThenRolledBack(e, update(1, 131_000_000, T0 + 3_000, 5_000_000), T0 + 3_000); // confidence guard on
  });

  it('keeps exactly the kept updates of a seeded stream', () => {
    const r = new Rng(seed);
    const kept = marketFixture({ params: { oracleSources: 2 }, oraclePrice: null });
    const alone = marketFixture({ params: { oracleSources: 2 }, oraclePrice: null });
    let price = 100_000_000;
    let ts = T0;
    for (let i = 0; i < 300; i++) {
      ts += 1 + r.int(5_000);
      price = Math.max(1_000_000, Math.round(price * (1 + r.between(-0.2, 0.2))));
      const cmd = update(r.int(2), price, ts, r.int(3_000_000));
      if (r.chance(0.4)) {
        appliedThenRolledBack(kept.e, cmd, ts);
        continue;
      }
      const a = kept.e.apply(cmd, ts);
      const b = alone.e.apply(cmd, ts);
      expect(a.ok).toBe(b.ok);
      expect(kept.e.stateHash()).toBe(alone.e.stateHash());
    }
  });
});
