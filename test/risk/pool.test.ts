/**
 * The risk pool: worker results are the in-process results bit for bit; a
 * worker that throws, exits or is killed, a pool that never answers, a full
 * queue and bad input all resolve as failure values (counted in the metrics)
 * and crash nothing; and an engine whose pool fails keeps running on cross
 * margin. Time is a manual clock: no test waits for a deadline to pass.
 * Workers load TypeScript through tsx (vitest does not transform threads).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { crossHealth } from '../../core/margin/health.ts';
import { DEFAULT_SCENARIO_CONFIG } from '../../core/risk/config.ts';
import { chooseRequirement } from '../../core/risk/freshness.ts';
import { RiskPool, type RiskPoolOptions } from '../../core/risk/pool.ts';
import { chargeBatch, portfolioLoss, requirementBatch } from '../../core/risk/portfolio.ts';
import { buildScenarioSet, type ScenarioSet } from '../../core/risk/scenarios.ts';
import { markPrices, type PositionSnapshot, positionRow, sharedInt32, snapshotOf } from '../../core/risk/snapshot.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { bytesOf, PRICE_USD, randomRows, syntheticHistory, UNIT, USD } from './fixtures.ts';

const FAULTY = new URL('./faulty-worker.ts', import.meta.url).href;
const MARKETS = 8;
const pools: RiskPool[] = [];

function pool(options: Partial<RiskPoolOptions> = {}): RiskPool {
  const p = new RiskPool({ threads: 2, timeoutMs: 60_000, clock: new ManualClock(), ...options });
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function snapshot(rows: number, seed: number, cross = false): PositionSnapshot {
  const accounts = sharedInt32(rows);
  for (let i = 0; i < rows; i++) accounts[i] = i;
  const positions = randomRows(rows, MARKETS, seed, 0.4);
  return {
    seq: 41,
    ts: 7_000,
    markets: MARKETS,
    accounts,
    positions,
    prices: new Float64Array(MARKETS).map((_, i) => (i + 1) * 1_234 * PRICE_USD),
    cross: cross ? new Float64Array(rows).map((_, i) => (i % 7) * 1_000 * USD) : null,
    floorE6: cross ? 100_000 : 0,
  };
}

const SET: ScenarioSet = buildScenarioSet(syntheticHistory(MARKETS, 1_200, 77), DEFAULT_SCENARIO_CONFIG, 5);

/** Wait (without asserting anything about time) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(5);
}

describe('worker results', () => {
  it('equal the in-process computation bit for bit', async () => {
    const p = pool({ minRowsPerTask: 128 });
    const snap = snapshot(3_001, 1, true);
    const out = await p.recomputeAll(snap, SET);
    if (!out.ok) throw new Error(`${out.code}: ${out.message}`);
    expect(out.seqUsed).toBe(41);
    expect(out.tsUsed).toBe(7_000);
    expect(out.version).toBe(5);
    expect(out.tasks).toBeGreaterThan(2);
    const charges = new Float64Array(3_001);
    const requirements = new Float64Array(3_001);
    requirementBatch(SET, snap.positions, snap.prices, snap.cross!, 100_000, 0, 3_001, charges, requirements);
    expect(bytesOf(out.charges).equals(bytesOf(charges))).toBe(true);
    expect(bytesOf(out.requirements!).equals(bytesOf(requirements))).toBe(true);
    // And each equals the hot loop's one-account charge.
    for (const r of [0, 1, 1_500, 3_000]) {
      const row = snap.positions.subarray(r * MARKETS, (r + 1) * MARKETS);
      expect(out.charges[r]).toBe(Math.ceil(portfolioLoss(row, snap.prices, SET)));
    }
    expect(p.metrics()).toMatchObject({ recomputes: 1, recomputesOk: 1, overloads: 0, inFlight: 0 });
  });

  it("time jobs on the clock's elapsed() when it has one (a small recompute is well under a ms)", async () => {
    const clock = new ManualClock();
    // now() stands still (a wall clock in whole ms within one ms); elapsed() moves 0.25 ms a read.
    let t = 0;
    const p = pool({ clock: Object.assign(clock, { elapsed: () => (t += 0.25) }) });
    const out = await p.recomputeAll(snapshot(4, 3), SET);
    if (!out.ok) throw new Error(`${out.code}: ${out.message}`);
    expect(p.metrics().lastRecomputeMs).toBe(0.25);
    // Without elapsed(), durations come from now(): 0 here, where now() stands still.
    const q = pool();
    const again = await q.recomputeAll(snapshot(4, 3), SET);
    if (!again.ok) throw new Error(`${again.code}: ${again.message}`);
    expect(q.metrics().lastRecomputeMs).toBe(0);
  });

  it('rebuild the same scenario set as the in-process builder, bit for bit', async () => {
    const p = pool();
    const history = syntheticHistory(MARKETS, 1_100, 78);
    const out = await p.rebuildScenarios(history, DEFAULT_SCENARIO_CONFIG, 6);
    if (!out.ok) throw new Error(`${out.code}: ${out.message}`);
    const local = buildScenarioSet(history, DEFAULT_SCENARIO_CONFIG, 6);
    for (const key of ['scenarios', 'byMarket', 'weights', 'volatilities', 'correlations', 'ranges'] as const) {
      expect(bytesOf(out.set[key]).equals(bytesOf(local[key])), key).toBe(true);
    }
    expect(out.set.version).toBe(6);
    expect(out.set.tailCount).toBe(local.tailCount);
  });
});

describe('failures are values', () => {
  it('a worker that throws: WORKER_FAILED, counted, nothing left in flight', async () => {
    const p = pool({ workerFile: FAULTY, workerData: { fault: 'throw' } });
    const out = await p.recomputeAll(snapshot(100, 2), SET);
    expect(out).toMatchObject({ ok: false, code: 'WORKER_FAILED' });
    expect(out.ok ? '' : out.message).toContain('injected worker fault');
    expect(p.metrics().workerFailures).toBe(1);
    expect(p.metrics().inFlight).toBe(0);
  });

  it('a worker that exits mid-task: WORKER_FAILED', async () => {
    const p = pool({ workerFile: FAULTY, workerData: { fault: 'exit' } });
    const out = await p.recomputeAll(snapshot(100, 3), SET);
    expect(out).toMatchObject({ ok: false, code: 'WORKER_FAILED' });
  });

  it('a worker killed while it works: WORKER_FAILED; a fresh worker serves the next job', async () => {
    const started = sharedInt32(1);
    const p = pool({ threads: 1, workerFile: FAULTY, workerData: { fault: 'spinFirst', started } });
    const pending = p.recomputeAll(snapshot(100, 4), SET);
    await until(() => Atomics.load(started, 0) > 0);
    await Promise.all(p.threads.map((w) => w.terminate()));
    expect(await pending).toMatchObject({ ok: false, code: 'WORKER_FAILED' });
    expect(p.metrics().workerFailures).toBe(1);
    const next = await p.recomputeAll(snapshot(100, 4), SET);
    expect(next.ok).toBe(true);
  });

  it('a pool that never answers: TIMEOUT at the deadline, not before', async () => {
    const clock = new ManualClock();
    const started = sharedInt32(1);
    const p = pool({ clock, timeoutMs: 5_000, workerFile: FAULTY, workerData: { fault: 'hang', started } });
    const pending = p.recomputeAll(snapshot(100, 5), SET);
    await until(() => Atomics.load(started, 0) > 0);
    clock.advance(4_999);
    expect(p.metrics().inFlight).toBe(1);
    clock.advance(1);
    expect(await pending).toMatchObject({ ok: false, code: 'TIMEOUT' });
    expect(p.metrics()).toMatchObject({ timeouts: 1, inFlight: 0 });
  });

  it('a full queue: OVERLOADED at once, counted; the job in flight is unaffected', async () => {
    const clock = new ManualClock();
    const p = pool({ clock, timeoutMs: 1_000, workerFile: FAULTY, workerData: { fault: 'hang' } });
    const first = p.recomputeAll(snapshot(100, 6), SET);
    const second = await p.recomputeAll(snapshot(100, 7), SET);
    expect(second).toMatchObject({ ok: false, code: 'OVERLOADED' });
    expect(p.metrics()).toMatchObject({ overloads: 1, inFlight: 1 });
    clock.advance(1_000);
    expect(await first).toMatchObject({ ok: false, code: 'TIMEOUT' });
  });

  it('bad input and a closed pool: refused with a precise message, no worker involved', async () => {
    const p = pool();
    const snap = snapshot(10, 8);
    const wrongPrices = await p.recomputeAll({ ...snap, prices: new Float64Array(MARKETS) }, SET);
    expect(wrongPrices).toMatchObject({
      ok: false,
      code: 'BAD_INPUT',
      message: 'recompute: BAD_SNAPSHOT: price of market 0',
    });
    const wrongShape = await p.recomputeAll({ ...snap, markets: 3 }, SET);
    expect(wrongShape).toMatchObject({ ok: false, code: 'BAD_INPUT' });
    const badConfig = await p.rebuildScenarios(
      syntheticHistory(2, 10, 1),
      { ...DEFAULT_SCENARIO_CONFIG, measure: 'x' as 'es' },
      1,
    );
    expect(badConfig).toMatchObject({ ok: false, code: 'BAD_INPUT' });
    expect(p.metrics().badInputs).toBe(3);
    await p.close();
    expect(await p.recomputeAll(snap, SET)).toMatchObject({ ok: false, code: 'CLOSED' });
  });

  it('validates its options with precise errors', () => {
    const clock = new ManualClock();
    expect(() => new RiskPool({ threads: 0, timeoutMs: 1, clock })).toThrow(
      'options.threads must be an integer within [1, 64], got 0',
    );
    expect(() => new RiskPool({ threads: 1, timeoutMs: 1.5, clock })).toThrow('options.timeoutMs');
  });
});

describe('an engine whose pool fails', () => {
  const T0 = 1_000_000;
  function engine(): Engine {
    const e = new Engine();
    const must = (c: Command, ts = T0) => {
      const r = e.apply(c, ts);
      if (!r.ok) throw new Error(`${c.type}: ${r.code} ${r.message}`);
    };
    must({ type: 'createMarket', symbol: 'BTC-PERP', initialPrice: 60_000 * PRICE_USD, baseReserve: 1_000_000 * UNIT });
    must({ type: 'createMarket', symbol: 'ETH-PERP', initialPrice: 3_000 * PRICE_USD, baseReserve: 1_000_000 * UNIT });
    must({ type: 'oracle', market: 0, source: 0, price: 60_000 * PRICE_USD, confidence: PRICE_USD, publishTs: T0 });
    must({ type: 'oracle', market: 1, source: 0, price: 3_000 * PRICE_USD, confidence: PRICE_USD, publishTs: T0 });
    for (let a = 0; a < 4; a++) {
      must({ type: 'createAccount' });
      must({ type: 'deposit', account: a, amount: 100_000 * USD });
    }
    // Account 0: long BTC, short ETH of about the same notional — a hedge.
    must({ type: 'marketOrder', account: 0, market: 0, side: 'buy', size: UNIT / 2 });
    must({ type: 'marketOrder', account: 0, market: 1, side: 'sell', size: 10 * UNIT });
    return e;
  }
  const set = buildScenarioSet(syntheticHistory(2, 500, 9, 0.97), DEFAULT_SCENARIO_CONFIG, 1);
  const params = { floorE6: 100_000, maxChargeAgeMs: 30_000 };

  it('keeps applying commands while the pool hangs, then holds accounts to cross margin', async () => {
    const e = engine();
    const clock = new ManualClock();
    const p = pool({ clock, timeoutMs: 10_000, workerFile: FAULTY, workerData: { fault: 'hang' } });
    const snap = snapshotOf(e, [0, 1, 2, 3], { cross: 'maintenance', floorE6: params.floorE6 });
    const pending = p.recomputeAll(snap, set);
    // The loop does not wait: orders keep going through while the job hangs.
    for (let i = 0; i < 20; i++) {
      const r = e.apply(
        { type: 'marketOrder', account: 1 + (i % 3), market: i % 2, side: 'buy', size: UNIT / 100 },
        T0,
      );
      expect(r.ok).toBe(true);
    }
    clock.advance(10_000);
    const out = await pending;
    expect(out).toMatchObject({ ok: false, code: 'TIMEOUT' });
    // No result ever arrived: account 0 is held to cross margin, with a reason for the event.
    const cross = crossHealth(e, 0).maintenanceRequirement;
    const choice = chooseRequirement({ charge: Number.NaN, ts: 0, version: 0 }, set.version, T0, cross, params);
    expect(choice).toEqual({ source: 'cross', requirement: Math.ceil(cross), reason: 'NO_CHARGE' });
    expect(e.validateInvariants()).toEqual([]);
  });

  it('uses a fresh pool result, and falls back to cross once it is older than the limit', async () => {
    const e = engine();
    const p = pool();
    const snap = snapshotOf(e, [0, 1, 2, 3], { cross: 'maintenance', floorE6: params.floorE6 });
    const out = await p.recomputeAll(snap, set);
    if (!out.ok) throw new Error(`${out.code}: ${out.message}`);
    expect(out.seqUsed).toBe(e.seq);
    expect(out.tsUsed).toBe(e.lastTs);
    // The pool's charge is what the hot loop would compute for the same account and prices.
    expect(out.charges[0]).toBe(Math.ceil(portfolioLoss(positionRow(e, 0), markPrices(e), set)));
    const cross = crossHealth(e, 0).maintenanceRequirement;
    const stamp = { charge: out.charges[0], ts: T0, version: out.version };
    const fresh = chooseRequirement(stamp, set.version, T0 + 30_000, cross, params);
    expect(fresh.source).toBe('portfolio');
    expect(fresh.requirement).toBeLessThan(cross / 2); // the hedge offsets
    expect(out.requirements![0]).toBe(fresh.requirement);
    const stale = chooseRequirement(stamp, set.version, T0 + 30_001, cross, params);
    expect(stale).toEqual({ source: 'cross', requirement: Math.ceil(cross), reason: 'STALE_CHARGE' });
    const newSet = chooseRequirement(stamp, set.version + 1, T0, cross, params);
    expect(newSet.reason).toBe('SCENARIOS_CHANGED');
    // Accounts without positions cost nothing.
    const none = new Float64Array(4);
    chargeBatch(set, snap.positions, snap.prices, 2, 4, none);
    expect(Array.from(none.subarray(2))).toEqual([0, 0]);
  });
});
