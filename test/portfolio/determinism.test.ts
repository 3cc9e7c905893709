/**
 * Portfolio margin replays. A journal written by a live loop with the runner
 * and a real pool — scenarioSet and portfolioMargin commands included —
 * replays into a fresh engine, with no pool anywhere, to the same state hash
 * after every turn, also after a round trip through the journal's codec.
 * Snapshots taken anywhere restore to the same hash (through a snapshot file
 * too), rebuild the derived caches, and continue exactly as the original.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../core/engine.ts';
import { type JournalEntry, replay } from '../../core/loop.ts';
import { unitCharges } from '../../core/risk/bounds.ts';
import { restoreEngine, takeSnapshot } from '../../core/snapshot.ts';
import { decodeTurn, encodeTurn } from '../../persistence/codec.ts';
import { readSnapshotFile, writeSnapshotFile } from '../../persistence/snapshot-file.ts';
import { bytesOf } from '../risk/fixtures.ts';
import { UNIT } from './helpers.ts';
import { LoopFixture, ManualClock, market2 } from './loop-fixture.ts';

const fixtures: LoopFixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

/** A live run: trading, oracle moves, mode switches, the runner rebuilding sets and recomputing charges. */
async function liveRun(): Promise<LoopFixture> {
  const f = new LoopFixture();
  fixtures.push(f);
  market2(f, 6, 50_000);
  f.turn([0, 1, 2, 3].map((account) => ({ type: 'setAccountMarginMode', account, mode: 'portfolio' })));
  const clock = new ManualClock();
  const runner = f.startRunner(clock, {
    horizonMs: 1_000,
    minObservations: 5,
    historyObservations: 30,
    rebuildEveryMs: 8_000,
  });
  for (let step = 1; step <= 60; step++) {
    clock.advance(1_000);
    f.time += 1_000;
    const a = Math.round(100_000_000 * (1 + 0.02 * Math.sin(step / 2)));
    const b = Math.round(50_000_000 * (1 + 0.015 * Math.sin(step / 2) + 0.005 * Math.cos(step)));
    const account = step % 6;
    f.turn([
      { type: 'oracle', market: 0, source: 0, price: a, confidence: 0, publishTs: f.time },
      { type: 'oracle', market: 1, source: 0, price: b, confidence: 0, publishTs: f.time },
      {
        type: 'marketOrder',
        account,
        market: step % 2,
        side: step % 3 === 0 ? 'sell' : 'buy',
        size: (1 + (step % 4)) * UNIT,
      },
    ]);
    if (step === 30) f.turn([{ type: 'setPortfolioParams', floorE6: 150_000 }]);
    await new Promise((r) => setTimeout(r, 5)); // let pool results arrive between turns
  }
  await f.turnsUntil(() => runner.metrics().chargesAccepted >= 3 && runner.metrics().setsAccepted >= 2);
  return f;
}

function entriesOf(f: LoopFixture): JournalEntry[] {
  return f.turns.flatMap((t) => t.entries);
}

describe('journal determinism', () => {
  it('a journal with scenarioSet and portfolioMargin commands replays without a pool to the same hash, turn by turn', async () => {
    const f = await liveRun();
    const types = new Set(entriesOf(f).map((e) => e.cmd.type));
    expect(types.has('scenarioSet')).toBe(true);
    expect(types.has('portfolioMargin')).toBe(true);
    expect(f.eventsOf('portfolioCharges').some((x) => x.applied > 0)).toBe(true);

    const direct = new Engine();
    const decoded = new Engine();
    for (const t of f.turns) {
      replay(direct, t.entries);
      expect(direct.stateHash()).toBe(t.hash);
      const first = t.entries[0];
      replay(decoded, decodeTurn(encodeTurn(t.entries), first.seq, first.ts, t.entries.length));
      expect(decoded.stateHash()).toBe(t.hash);
    }
    expect(direct.stateHash()).toBe(f.engine.stateHash());
  });
});

describe('snapshots', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('restore to the same hash at every turn, through a file too, and continue exactly as the original', async () => {
    const f = await liveRun();
    const entries = entriesOf(f);
    dir = mkdtempSync(join(tmpdir(), 'clearloop-portfolio-'));
    const engine = new Engine();
    let checked = 0;
    for (const [i, t] of f.turns.entries()) {
      replay(engine, t.entries);
      if (i % 7 !== 0 && i !== f.turns.length - 1) continue;
      const snap = takeSnapshot(engine);
      const restored =
        i % 2 === 0 ? restoreEngine(snap) : restoreEngine(readSnapshotFile(writeSnapshotFile(dir, snap).path));
      expect(restored.stateHash()).toBe(t.hash);
      // Derived caches come back: the portfolio accounts, the set's unit charges, complex membership.
      expect([...restored.portfolio.accounts].sort()).toEqual([...engine.portfolio.accounts].sort());
      if (engine.portfolio.set !== null) {
        const units = unitCharges(engine.portfolio.set);
        expect(bytesOf(restored.portfolio.units!.long).equals(bytesOf(units.long))).toBe(true);
        expect(bytesOf(restored.portfolio.set!.byMarket).equals(bytesOf(engine.portfolio.set.byMarket))).toBe(true);
      }
      for (const a of engine.portfolio.accounts) expect(restored.complexAccounts.has(a)).toBe(true);
      // Continue the restored engine with the rest of the journal: the same hash after every turn.
      for (const later of f.turns.slice(i + 1)) {
        replay(restored, later.entries);
        expect(restored.stateHash()).toBe(later.hash);
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    expect(entries.length).toBeGreaterThan(100);
  });

  it('keep NaN charges, fallback flags and positionSeq bit for bit', () => {
    const e = new Engine();
    const ok = (c: unknown) => {
      const r = e.apply(c as never, 1_000);
      if (!r.ok) throw new Error(`${r.code} ${r.message}`);
    };
    ok({ type: 'createMarket', symbol: 'A', initialPrice: 100_000_000, baseReserve: 1e15 });
    ok({ type: 'oracle', market: 0, source: 0, price: 100_000_000, confidence: 0, publishTs: 1_000 });
    for (let a = 0; a < 3; a++) {
      ok({ type: 'createAccount' });
      ok({ type: 'deposit', account: a, amount: 1e10 });
    }
    ok({ type: 'setAccountMarginMode', account: 1, mode: 'portfolio' });
    ok({ type: 'tick' }); // announces NO_CHARGE for account 1
    ok({ type: 'marketOrder', account: 1, market: 0, side: 'buy', size: UNIT });
    ok({ type: 'marketOrder', account: 2, market: 0, side: 'buy', size: UNIT });
    expect(e.accounts.portfolioFallback[1]).toBe(1);
    expect(Number.isNaN(e.accounts.portfolioCharge[0])).toBe(true);
    const restored = restoreEngine(takeSnapshot(e));
    for (const c of ['portfolio', 'portfolioCharge', 'portfolioFallback', 'positionSeq'] as const) {
      expect(bytesOf(restored.accounts[c].subarray(0, 3)).equals(bytesOf(e.accounts[c].subarray(0, 3))), c).toBe(true);
    }
    expect(restored.accounts.positionSeq[1]).toBe(e.seq - 1);
    expect(restored.accounts.positionSeq[2]).toBe(0); // cross accounts keep none
  });
});
