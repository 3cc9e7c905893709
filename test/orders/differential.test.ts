/**
 * The fast order book against the naive reference, through the whole
 * engine: on seeded random order streams (≥ 10,000 orders mixing every type
 * and flag), both engines produce identical outcomes (every event, every
 * rejection) and identical state hashes after every command, and the
 * engine's invariants (conservation to the unit) hold throughout.
 */
import { describe, expect, it } from 'vitest';
import { classicEvents } from '../../core/classic-events.ts';
import { Engine, type Outcome } from '../../core/engine.ts';
import { genesis, orderFlow } from './stream.ts';

/** An outcome as text, its events as the classic ones they stand for (a batch of book matches names its rows by position). */
function outcomeText(o: Outcome): string {
  return JSON.stringify(o.ok ? { ...o, events: classicEvents(o.events) } : o);
}

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.log('order-flow seed', seed);

describe('fast book vs naive book through the engine', () => {
  it('gives identical fills, rejections and state hashes on 12,000 random commands', () => {
    const fast = new Engine({ book: 'fast' });
    const naive = new Engine({ book: 'naive' });
    const t0 = 1_700_000_000_000;
    for (const c of genesis(t0)) {
      expect(fast.apply(c, t0).ok).toBe(true);
      naive.apply(c, t0);
    }
    let filled = 0;
    let rested = 0;
    const codes = new Set<string>();
    const flow = orderFlow(seed, 12_000, t0 + 1);
    for (let i = 0; i < flow.length; i++) {
      const { ts, cmd } = flow[i];
      const before = i % 7 === 0 ? fast.stateHash() : null;
      const a = fast.apply(cmd, ts);
      if (before !== null && !a.ok) expect(fast.stateHash(), `rejected command ${i} changed state`).toBe(before);
      const b = naive.apply(cmd, ts);
      const sa = outcomeText(a);
      const sb = outcomeText(b);
      if (sa !== sb) throw new Error(`seed ${seed} command ${i} ${JSON.stringify(cmd)}: outcomes differ\n${sa}\n${sb}`);
      if (i % 50 === 0 || !a.ok) {
        expect(fast.stateHash(), `seed ${seed} command ${i}`).toBe(naive.stateHash());
      }
      const broken = fast.validateInvariants();
      if (broken.length > 0) throw new Error(`seed ${seed} command ${i} ${JSON.stringify(cmd)}: ${broken.join('; ')}`);
      if (a.ok) {
        for (const e of classicEvents(a.events)) {
          if (e.type === 'fill') filled++;
          if (e.type === 'orderRested') rested++;
        }
      } else codes.add(a.code);
    }
    expect(fast.stateHash()).toBe(naive.stateHash());
    // The stream exercised the machinery it claims to.
    expect(filled).toBeGreaterThan(1_000);
    expect(rested).toBeGreaterThan(500);
    console.log(`fills ${filled}, rested ${rested}, rejection codes: ${[...codes].sort().join(' ')}`);
  });
});

describe('snapshots with a live order book', () => {
  it('restore to the same state hash at random points of the order flow, and continue identically', async () => {
    const { takeSnapshot, restoreEngine } = await import('../../core/snapshot.ts');
    const straight = new Engine();
    const t0 = 1_700_000_000_000;
    for (const c of genesis(t0)) straight.apply(c, t0);
    const flow = orderFlow(seed + 1, 4_000, t0 + 1);
    let restored: Engine | null = null;
    for (let i = 0; i < flow.length; i++) {
      const { ts, cmd } = flow[i];
      const a = straight.apply(cmd, ts);
      if (restored !== null) {
        const b = restored.apply(cmd, ts);
        expect(outcomeText(b), `seed ${seed + 1} command ${i}`).toBe(outcomeText(a));
      }
      if (i % 997 === 500) {
        restored = restoreEngine(takeSnapshot(straight));
        expect(restored.stateHash()).toBe(straight.stateHash());
      }
    }
    expect(restored?.stateHash()).toBe(straight.stateHash());
  });
});
