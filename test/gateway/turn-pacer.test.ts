/**
 * Turn pacing: the sub-millisecond wake-up (gateway/turn-pacer.ts) and the
 * driver's gap between turns (gateway/driver.ts). Real timers and a real
 * worker thread; gaps are tens of ms so that a loaded CI machine cannot
 * blur what is asserted (order and batching, and "not before the gap").
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH, parseConfig } from '../../bin/config.ts';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { DEFAULT_LOOP_OPTIONS, Loop } from '../../core/loop.ts';
import { CommitFeed } from '../../gateway/commit-feed.ts';
import { LoopDriver } from '../../gateway/driver.ts';
import { DEFAULT_MIN_TURN_GAP_US, TurnPacer } from '../../gateway/turn-pacer.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TurnPacer', () => {
  const pacers: TurnPacer[] = [];
  afterEach(async () => {
    await Promise.all(pacers.splice(0).map((p) => p.close()));
  });

  it('wakes once, not before the delay', async () => {
    const times: number[] = [];
    const p = new TurnPacer(() => times.push(performance.now()));
    pacers.push(p);
    await sleep(50); // the worker starts
    const t0 = performance.now();
    p.arm(15_000);
    expect(p.pending).toBe(true);
    await sleep(200);
    expect(times).toHaveLength(1);
    expect(times[0] - t0).toBeGreaterThanOrEqual(14.5);
    expect(p.pending).toBe(false);
  });

  it('a second arm replaces the first; cancel drops it', async () => {
    let wakes = 0;
    const p = new TurnPacer(() => wakes++);
    pacers.push(p);
    await sleep(50);
    p.arm(500_000);
    p.arm(5_000);
    await sleep(150);
    expect(wakes).toBe(1);
    p.arm(5_000);
    p.cancel();
    await sleep(100);
    expect(wakes).toBe(1);
    // Re-armed many times in a row: still one wake.
    for (let i = 0; i < 100; i++) p.arm(2_000);
    await sleep(150);
    expect(wakes).toBe(2);
  });

  it('after close, arm wakes at once instead of never', async () => {
    let wakes = 0;
    const p = new TurnPacer(() => wakes++);
    await p.close();
    p.arm(1_000_000);
    await sleep(20);
    expect(wakes).toBe(1);
  });
});

describe('LoopDriver pacing', () => {
  function setup(minTurnGapUs: number, maxBatchBeforeGap?: number) {
    const engine = new Engine();
    const feed = new CommitFeed();
    const loop = new Loop(engine, Date.now, null, { ...DEFAULT_LOOP_OPTIONS, tickEveryTurn: false }, feed.onCommitted);
    const turns: { at: number; seq: number }[] = [];
    const driver = new LoopDriver(
      engine,
      loop,
      feed,
      Date.now,
      { tickIntervalMs: 60_000, fundingRetryMs: 1_000, minTurnGapUs, maxBatchBeforeGap },
      {
        afterTurn: () => turns.push({ at: performance.now(), seq: engine.seq }),
        periodic: () => {},
        fatal: (err) => {
          throw err;
        },
        observe: () => {},
      },
    );
    const acked: number[] = [];
    const submit = () => {
      const cmd: Command = { type: 'createAccount' };
      driver.submit(cmd, (o) => acked.push(o.seq));
    };
    return { driver, turns, acked, submit, engine };
  }

  it('runs a command after a quiet spell at once, and batches what arrives within the gap', async () => {
    const { driver, turns, acked, submit } = setup(40_000);
    try {
      await sleep(50);
      submit();
      await sleep(5);
      // First turn: nothing ran before, so no gap to wait for.
      expect(turns).toHaveLength(1);
      const first = turns[0].at;
      submit();
      submit();
      submit();
      await sleep(5);
      expect(turns).toHaveLength(1); // waiting for the gap
      await sleep(150);
      expect(turns).toHaveLength(2);
      expect(turns[1].at - first).toBeGreaterThanOrEqual(39);
      expect(acked).toEqual([1, 2, 3, 4]);
      expect(driver.pacedTurns).toBe(1);
    } finally {
      driver.stop();
    }
  });

  it('a backlog of maxBatchBeforeGap commands does not wait for the gap', async () => {
    const { driver, turns, acked, submit } = setup(100_000, 3);
    try {
      await sleep(50);
      submit();
      await sleep(5);
      expect(turns).toHaveLength(1);
      submit();
      submit();
      await sleep(5);
      expect(turns).toHaveLength(1);
      submit(); // the third queued command reaches the batch size
      await sleep(20);
      expect(turns).toHaveLength(2);
      expect(acked).toEqual([1, 2, 3, 4]);
    } finally {
      driver.stop();
    }
  });

  it('without a gap every submission runs at the next setImmediate', async () => {
    const { driver, turns, submit } = setup(0);
    try {
      submit();
      await sleep(5);
      submit();
      await sleep(5);
      expect(turns).toHaveLength(2);
      expect(driver.pacedTurns).toBe(0);
    } finally {
      driver.stop();
    }
  });

  it('rejects a gap out of range', () => {
    expect(() => setup(-1)).toThrow(RangeError);
    expect(() => setup(200_000)).toThrow(RangeError);
  });
});

describe('loop.minTurnGapUs in the server config', () => {
  const base = () => JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as { loop: Record<string, unknown> };

  it('defaults to DEFAULT_MIN_TURN_GAP_US when absent, takes 0 and 250, and refuses values out of range', () => {
    expect(parseConfig(base()).loop.minTurnGapUs).toBe(DEFAULT_MIN_TURN_GAP_US);
    const absent = base();
    delete absent.loop.minTurnGapUs;
    expect(parseConfig(absent).loop.minTurnGapUs).toBe(DEFAULT_MIN_TURN_GAP_US);
    for (const ok of [0, 250]) {
      const c = base();
      c.loop.minTurnGapUs = ok;
      expect(parseConfig(c).loop.minTurnGapUs).toBe(ok);
    }
    for (const bad of [-1, 100_001, 2.5, '250']) {
      const c = base();
      c.loop.minTurnGapUs = bad;
      expect(() => parseConfig(c)).toThrow(/minTurnGapUs/);
    }
  });
});
