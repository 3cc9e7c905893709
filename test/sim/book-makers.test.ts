/**
 * Makers quoting on the book (`makers.executor = 'book'`): each keeps one
 * post-only order per side and amends it in place as the oracle moves,
 * rather than cancelling and placing anew every step; its orders rest near
 * the oracle; the run stays a pure function of the seed (the order ids the
 * makers learn from outcomes included), and its journal replays to the
 * same state.
 */
import { describe, expect, it } from 'vitest';
import { BID } from '../../core/book/types.ts';
import { Engine } from '../../core/engine.ts';
import type { ScenarioSpec } from '../../sim/config.ts';
import { findScenario } from '../../sim/scenarios.ts';
import { simulate } from '../../sim/simulate.ts';

const STEPS = 800;

function bookMakers(name: string): ScenarioSpec {
  const s = findScenario(name);
  return { ...s, population: { ...s.population, makers: { ...s.population.makers, executor: 'book' } } };
}

describe('makers quoting on the book', () => {
  const spec = bookMakers('luna-2022');
  const r = simulate(spec, { seed: 3, maxSteps: STEPS, journal: true });
  const journal = r.turns.journal ?? [];
  const maker = r.population.first.find((a) => a.kind === 'maker');
  if (maker === undefined) throw new Error('no maker');
  const account = maker.accounts[0];
  const count = (type: string) =>
    journal.filter(({ cmd }) => cmd.type === type && 'account' in cmd && cmd.account === account).length;

  it('amends its orders in place instead of cancelling and placing every step', () => {
    expect(count('cancelAll')).toBe(0);
    expect(count('amendOrder')).toBeGreaterThan(STEPS);
    expect(count('placeOrder')).toBeLessThan(count('amendOrder') / 4);
    expect(r.engine.markets[0].book.accountOrderCount(account)).toBeLessThanOrEqual(2);
  });

  it('rests one order per side around the oracle, bid below ask', () => {
    const m = r.engine.markets[0];
    const ids = m.book.ordersOfAccount(account);
    expect(ids.length).toBe(2);
    const bid = ids.find((id) => m.book.get(id)?.side === BID) ?? -1;
    const ask = ids.find((id) => m.book.get(id)?.side !== BID) ?? -1;
    expect(m.book.priceOf(bid)).toBeLessThan(m.book.priceOf(ask));
    for (const id of [bid, ask]) expect(Math.abs(m.book.priceOf(id) / m.oraclePrice - 1)).toBeLessThan(0.01);
  });

  it('trades: takers fill against its quotes', () => {
    expect(r.summary.agents.maker.pnlUsd).not.toBe(0);
    expect(r.engine.markets[0].positions.base[account]).not.toBe(0);
  });

  it('is deterministic and its journal replays to the same state', () => {
    const again = simulate(spec, { seed: 3, maxSteps: STEPS });
    expect(JSON.stringify(again.summary)).toBe(JSON.stringify(r.summary));
    const e = new Engine();
    for (const { cmd, ts } of journal) e.apply(cmd, ts);
    expect(e.stateHash()).toBe(r.summary.stateHash);
  });
});
