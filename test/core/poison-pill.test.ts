/**
 * Poison pills: a command during which apply() throws (a bug, or a corrupt
 * journal entry) must be rolled back completely, reported as INTERNAL_ERROR,
 * and leave an engine that keeps working — so replaying the journal that
 * holds it can never crash recovery (DESIGN.md, The loop).
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { replay } from '../../core/loop.ts';
import type { Market } from '../../core/market.ts';
import { eventsOf, marketFixture, ok, oneEvent, oraclePrice, orderCmd, T0, UNIT, USD } from './helpers.ts';

/** Make `market.params` throw once the curve has moved, i.e. in the middle of a fill. */
function poisonParams(market: Market): () => void {
  const params = market.params;
  const reserve = market.baseReserve;
  Object.defineProperty(market, 'params', {
    configurable: true,
    get() {
      if (market.baseReserve !== reserve) throw new Error('poisoned params');
      return params;
    },
  });
  return () =>
    Object.defineProperty(market, 'params', { value: params, writable: true, configurable: true, enumerable: true });
}

describe('a command that throws inside apply()', () => {
  it('is rolled back completely, even after it moved the curve, and reported as INTERNAL_ERROR', () => {
    const { e, market } = marketFixture();
    const cure = poisonParams(market);
    const before = e.stateHash();
    const seq = e.seq;
    const out = e.apply(orderCmd(0, 'buy', UNIT), T0);
    expect(out).toMatchObject({ ok: false, seq: seq + 1, code: 'INTERNAL_ERROR' });
    expect(out.ok === false && out.message).toContain('poisoned params');
    expect(e.stateHash()).toBe(before);
    expect(market.baseReserve).toBe(1e12);
    expect(market.positions.base[0]).toBe(0);
    expect(market.feePool).toBe(0);
    expect(e.accounts.collateral[0]).toBe(10_000 * USD);
    cure();
    expect(e.validateInvariants()).toEqual([]);
  });

  it('leaves an engine that keeps working: the same order, cured, fills exactly as on an engine that never saw it', () => {
    const poisoned = marketFixture();
    const healthy = marketFixture();
    const cure = poisonParams(poisoned.market);
    expect(poisoned.e.apply(orderCmd(0, 'buy', UNIT), T0).ok).toBe(false);
    // Commands that do not touch the poisoned path carry on meanwhile.
    for (const f of [poisoned, healthy]) ok(f.e, { type: 'deposit', account: 1, amount: USD }, T0);
    cure();
    for (const f of [poisoned, healthy]) {
      expect(oneEvent(ok(f.e, orderCmd(0, 'buy', UNIT), T0), 'fill').quote).toBe(100_100_101);
      ok(f.e, { type: 'tick' }, T0);
    }
    expect(poisoned.e.stateHash()).toBe(healthy.e.stateHash());
  });

  it('keeps failing the same way when replayed from a journal, without stopping the replay', () => {
    const corrupt = {
      type: 'deposit',
      account: 0,
      get amount(): number {
        throw new Error('corrupt journal entry');
      },
    } as unknown as Command;
    const cmds: Command[] = [
      { type: 'createMarket', symbol: 'ETH', initialPrice: 100_000_000, baseReserve: 1e12 },
      { type: 'createAccount' },
      { type: 'deposit', account: 0, amount: 1_000 * USD },
      corrupt,
      { type: 'oracle', market: 0, source: 0, price: 100_000_000, confidence: 0, publishTs: T0 },
      { type: 'marketOrder', account: 0, market: 0, side: 'buy', size: UNIT },
    ];
    const journal = cmds.map((cmd, i) => ({ seq: i + 1, ts: T0, cmd }));

    const hashes: string[] = [];
    for (let run = 0; run < 2; run++) {
      const e = new Engine();
      const outcomes = journal.map((x) => e.apply(x.cmd, x.ts));
      expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['ok', 'ok', 'ok', 'INTERNAL_ERROR', 'ok', 'ok']);
      hashes.push(e.stateHash());
      // The recovery path (loop.ts replay) gets through the same journal to the same state.
      const recovered = new Engine();
      expect(replay(recovered, journal)).toBe(journal.length);
      expect(recovered.stateHash()).toBe(e.stateHash());
      expect(recovered.validateInvariants()).toEqual([]);
    }
    expect(hashes[0]).toBe(hashes[1]);
  });

  it('in the middle of a liquidating tick is rolled back, and the next tick liquidates as if it never happened', () => {
    // $20 of collateral, 1 unit long at $100, then the oracle drops to $85: below maintenance.
    const build = () => {
      const f = marketFixture({ deposits: [20 * USD] });
      ok(f.e, orderCmd(0, 'buy', UNIT), T0);
      ok(f.e, { type: 'tick' }, T0);
      oraclePrice(f.e, 0, 85_000_000, T0 + 1_000);
      return f;
    };
    const poisoned = build();
    const healthy = build();
    const hook = poisoned.e.cancelAccountOrders;
    poisoned.e.cancelAccountOrders = () => {
      throw new Error('order book unavailable');
    };
    const before = poisoned.e.stateHash();
    const out = poisoned.e.apply({ type: 'tick' }, T0 + 1_000);
    expect(out).toMatchObject({ ok: false, code: 'INTERNAL_ERROR' });
    expect(poisoned.e.stateHash()).toBe(before);
    expect(poisoned.e.accounts.liquidationSince[0]).toBe(0);
    poisoned.e.cancelAccountOrders = hook;

    for (const f of [poisoned, healthy]) {
      const started = ok(f.e, { type: 'tick' }, T0 + 1_000);
      expect(oneEvent(started, 'liquidationStarted').account).toBe(0);
      const closed = ok(f.e, { type: 'tick' }, T0 + 1_000);
      expect(eventsOf(closed, 'liquidation').length).toBeGreaterThan(0);
    }
    expect(poisoned.e.stateHash()).toBe(healthy.e.stateHash());
    expect(poisoned.market.positions.base[0]).toBe(healthy.market.positions.base[0]);
  });
});
