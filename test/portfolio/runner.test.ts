/**
 * The portfolio runner beside a live loop, with real worker threads: the
 * charges it computes come back as journaled commands the engine applies;
 * it builds scenario sets from sampled oracle prices; and when a worker is
 * killed or the pool never answers, the failure is counted, the loop runs
 * on, and the engine holds portfolio accounts to cross margin and says so
 * (portfolioFallback) — until a good result brings them back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scenarioSetCommand } from '../../core/portfolio/scenario-command.ts';
import { chargeBatch } from '../../core/risk/portfolio.ts';
import { sharedInt32, snapshotOf } from '../../core/risk/snapshot.ts';
import { correlatedSet, UNIT } from './helpers.ts';
import { FAULTY_WORKER, LoopFixture, ManualClock, market2, REAL_CLOCK } from './loop-fixture.ts';

const fixtures: LoopFixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

/** Three portfolio accounts holding a hedge, an unhedged long and nothing; a cross account trading. */
function withBook(): LoopFixture {
  const f = new LoopFixture();
  fixtures.push(f);
  market2(f, 4, 100_000);
  f.turn([scenarioSetCommand(correlatedSet(1))]);
  f.turn([0, 1, 2].map((account) => ({ type: 'setAccountMarginMode', account, mode: 'portfolio' })));
  f.turn([
    { type: 'marketOrder', account: 0, market: 0, side: 'buy', size: 10 * UNIT },
    { type: 'marketOrder', account: 0, market: 1, side: 'sell', size: 20 * UNIT },
    { type: 'marketOrder', account: 1, market: 0, side: 'buy', size: 5 * UNIT },
  ]);
  return f;
}

const fallbackEvents = (f: LoopFixture) => f.eventsOf('portfolioFallback').map((x) => [x.account, x.active, x.reason]);

describe('the runner with a working pool', () => {
  it('recomputes after turns; the engine applies the charges, which are the in-process ones', async () => {
    const f = withBook();
    const runner = f.startRunner(new ManualClock());
    await f.turnsUntil(() => runner.metrics().chargesAccepted >= 1);
    const applied = f.eventsOf('portfolioCharges');
    expect(applied.length).toBeGreaterThanOrEqual(1);
    expect(applied[0]).toMatchObject({ version: 1, applied: 3, skipped: 0 });
    const snap = snapshotOf(f.engine, [0, 1, 2]);
    const charges = new Float64Array(3);
    chargeBatch(f.engine.portfolio.set!, snap.positions, snap.prices, 0, 3, charges);
    expect([0, 1, 2].map((a) => f.engine.accounts.portfolioCharge[a])).toEqual(Array.from(charges));
    const m = runner.metrics();
    expect(m.pool).toMatchObject({ recomputesOk: m.chargesSubmitted, workerFailures: 0, timeouts: 0 });
    expect(m.chargesRejected).toBe(0);
    expect(fallbackEvents(f)).toEqual([]);
  });

  it('samples oracle prices at the horizon and installs a scenario set with its charges in one turn', async () => {
    const f = new LoopFixture();
    fixtures.push(f);
    market2(f, 2, 100_000);
    f.turn([{ type: 'setAccountMarginMode', account: 0, mode: 'portfolio' }]);
    f.turn([{ type: 'marketOrder', account: 0, market: 0, side: 'buy', size: UNIT }]);
    expect(fallbackEvents(f)).toEqual([[0, true, 'NO_CHARGE']]);
    const clock = new ManualClock();
    const runner = f.startRunner(clock, {
      horizonMs: 1_000,
      minObservations: 6,
      historyObservations: 20,
      rebuildEveryMs: 1,
    });
    let step = 0;
    await f.turnsUntil(() => {
      // A correlated walk, one observation per horizon.
      step++;
      clock.advance(1_000);
      const a = Math.round(100_000_000 * (1 + 0.01 * Math.sin(step)));
      const b = Math.round(50_000_000 * (1 + 0.008 * Math.sin(step) + 0.002 * Math.cos(step)));
      f.loop.submit({ type: 'oracle', market: 0, source: 0, price: a, confidence: 0, publishTs: f.time + 1 });
      f.loop.submit({ type: 'oracle', market: 1, source: 0, price: b, confidence: 0, publishTs: f.time + 1 });
      return runner.metrics().setsAccepted >= 1 && runner.metrics().chargesAccepted >= 1;
    }, 1_000);
    expect(f.engine.portfolio.set?.version).toBe(0);
    expect(f.engine.portfolio.set?.historicalCount).toBeGreaterThanOrEqual(5);
    expect(runner.metrics().observations).toBeGreaterThanOrEqual(6);
    // The set and the charges over it landed together: the account went straight back to portfolio margin.
    expect(fallbackEvents(f)).toEqual([
      [0, true, 'NO_CHARGE'],
      [0, false, null],
    ]);
  });
});

describe('the runner when the pool fails', () => {
  it('a killed worker: counted, the loop runs on, accounts fall back with an event, and the next result restores them', async () => {
    const f = withBook();
    const started = sharedInt32(1);
    const runner = f.startRunner(new ManualClock(), {
      workerFile: FAULTY_WORKER,
      workerData: { fault: 'spinFirst', started },
    });
    f.turn();
    expect(runner.metrics().pool.inFlight).toBe(1);
    while (Atomics.load(started, 0) === 0) await new Promise((r) => setTimeout(r, 2));
    // Kill the pool's worker thread while it works.
    await Promise.all(runner.threads.map((w) => w.terminate()));
    await f.turnsUntil(() => runner.metrics().failures.WORKER_FAILED === 1);
    // The loop keeps trading while the charges age; after maxChargeAgeMs the tick announces the fallback.
    f.time += 16_000;
    f.turn([...f.oracles(), { type: 'marketOrder', account: 3, market: 0, side: 'buy', size: UNIT }]);
    expect(fallbackEvents(f)).toEqual([
      [0, true, 'STALE_CHARGE'],
      [1, true, 'STALE_CHARGE'],
      [2, true, 'STALE_CHARGE'],
    ]);
    // A fresh worker serves the next recompute: back on portfolio margin.
    await f.turnsUntil(() => runner.metrics().chargesAccepted >= 1);
    f.turn();
    expect(fallbackEvents(f).slice(3)).toEqual([
      [0, false, null],
      [1, false, null],
      [2, false, null],
    ]);
    expect(runner.metrics().pool.workerFailures).toBe(1);
  });

  it('a pool that never answers: each job times out (a tiny deadline), counted; the engine runs on fallback margin', async () => {
    const f = withBook();
    const runner = f.startRunner(REAL_CLOCK, {
      timeoutMs: 20,
      workerFile: FAULTY_WORKER,
      workerData: { fault: 'hang' },
    });
    await f.turnsUntil(() => (runner.metrics().failures.TIMEOUT ?? 0) >= 2);
    f.time += 16_000;
    f.turn([...f.oracles(), { type: 'marketOrder', account: 3, market: 1, side: 'sell', size: UNIT }]);
    expect(fallbackEvents(f).map(([, active, reason]) => [active, reason])).toEqual([
      [true, 'STALE_CHARGE'],
      [true, 'STALE_CHARGE'],
      [true, 'STALE_CHARGE'],
    ]);
    const m = runner.metrics();
    expect(m.chargesSubmitted).toBe(0);
    expect(m.pool.timeouts).toBe(m.failures.TIMEOUT);
    expect(m.busySkips).toBeGreaterThan(0);
    // Nothing crashed: the engine keeps accepting orders and its invariants hold (LoopFixture checks them).
    f.turn([{ type: 'marketOrder', account: 0, market: 0, side: 'buy', size: UNIT }]);
  });
});
