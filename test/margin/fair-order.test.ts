/**
 * The tick liquidates distressed accounts in a documented order: lowest
 * equity / maintenance first, ties by account id. It sorts with a radix
 * sort over the ratio's bits (core/margin/fair-order.ts); this checks it against the
 * comparator it replaces, on ties, negative ratios, −0 and ids out of order.
 */
import { describe, expect, it } from 'vitest';
import { fairOrder } from '../../core/margin/fair-order.ts';
import { fcSeed, Rng } from './helpers.ts';

const seed = fcSeed();

function reference(accounts: number[], ratios: number[]): number[] {
  return accounts.map((_, i) => i).sort((x, y) => ratios[x] - ratios[y] || accounts[x] - accounts[y]);
}

describe('fair liquidation order', () => {
  it('sorts by ratio, then account id, exactly as the comparator does', () => {
    const r = new Rng(seed);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(r.next() * 300);
      const pool = [-3.5, -1, -0, 0, 1e-300, 0.25, 0.5, 0.5000000000000001, 0.9, 1, -1e-300, -1234567.89];
      const ratios: number[] = [];
      const accounts: number[] = [];
      const used = new Set<number>();
      for (let i = 0; i < n; i++) {
        ratios.push(
          r.next() < 0.5
            ? pool[Math.floor(r.next() * pool.length)]
            : (r.next() - 0.3) * 10 ** Math.floor(r.next() * 12 - 6),
        );
        let a = Math.floor(r.next() * (round % 2 === 0 ? 1_000 : 2 ** 31 - 1));
        while (used.has(a)) a = (a + 1) % (2 ** 31 - 1);
        used.add(a);
        accounts.push(a);
      }
      if (round % 3 === 0) accounts.sort((x, y) => x - y); // the common case: a scan's ascending ids
      expect(fairOrder(accounts, ratios), `round ${round} (seed ${seed})`).toEqual(reference(accounts, ratios));
    }
  });
});
