/**
 * Replay drops events as they are made (Engine.discardEvents): nobody reads a
 * replayed command's events, and not building them makes start-up ~20%
 * faster. Dropping them must change nothing else: the same commands give the
 * same outcomes and the same state hash, triggers included (they truncate
 * the event list when a triggered order fails).
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../core/engine.ts';
import { genesis, orderFlow } from '../orders/stream.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.log('discard-events seed', seed);

describe('an engine that discards its events', () => {
  it('reaches the same outcomes and state hashes as one that keeps them', () => {
    const keeping = new Engine();
    const discarding = new Engine();
    discarding.discardEvents = true;
    const t0 = 1_700_000_000_000;
    for (const c of genesis(t0)) {
      expect(keeping.apply(c, t0).ok).toBe(true);
      expect(discarding.apply(c, t0).ok).toBe(true);
    }
    const flow = orderFlow(seed, 6_000, t0 + 1);
    let events = 0;
    for (let i = 0; i < flow.length; i++) {
      const { ts, cmd } = flow[i];
      const a = keeping.apply(cmd, ts);
      const b = discarding.apply(cmd, ts);
      expect(b.ok, `seed ${seed} command ${i}`).toBe(a.ok);
      if (!a.ok && !b.ok) expect(b.code, `seed ${seed} command ${i}`).toBe(a.code);
      if (a.ok) events += a.events.length;
      if (b.ok) expect(b.events.length).toBe(0);
      if (i % 250 === 0) expect(discarding.stateHash(), `seed ${seed} command ${i}`).toBe(keeping.stateHash());
    }
    expect(events).toBeGreaterThan(1_000);
    expect(discarding.stateHash()).toBe(keeping.stateHash());
  });
});
