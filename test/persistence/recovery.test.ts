/**
 * Recovery equals straight replay: for many seeds, journal a random stream,
 * snapshot at random turn boundaries, then recover (from the newest
 * snapshot, from genesis, and to a random earlier seq) and compare with the
 * same commands applied straight to a fresh engine.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../persistence/store.ts';
import { rng, turnsOf } from './command-stream.ts';
import { journaled, straightEngine, type TempDir, tempDir } from './harness.ts';

const SEEDS = 24;

let tmp: TempDir | null = null;
let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
  tmp?.cleanup();
  tmp = null;
});

describe('snapshot + replay equals straight replay', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}`, () => {
      tmp = tempDir();
      const r = rng(seed * 7919);
      const turns = turnsOf({
        seed,
        turns: 30 + Math.floor(r() * 40),
        maxCommandsPerTurn: 40,
        markets: 1 + (seed % 3),
        maxAccounts: 40,
      });
      const store = openStore(tmp.dbPath, { keepSnapshots: 10 });
      stores.push(store);
      const j = journaled(store.journal, 1 + (seed % 4));
      const snapshotAt = new Set([Math.floor(r() * turns.length), Math.floor(r() * turns.length)]);
      for (let i = 0; i < turns.length; i++) {
        j.run(turns[i]);
        if (snapshotAt.has(i)) store.writeSnapshot(j.engine);
      }
      const expected = straightEngine(turns).stateHash();
      expect(j.engine.stateHash(), `live, seed ${seed}`).toBe(expected);

      const fromSnapshot = store.recovery.recover();
      expect(fromSnapshot.engine.stateHash(), `from snapshot, seed ${seed}`).toBe(expected);
      expect(fromSnapshot.engine.seq).toBe(j.engine.seq);
      expect(fromSnapshot.report.start.kind).toBe('snapshot');

      const noSnapshots = openStore(tmp.dbPath, { readonly: true, snapshotDir: `${tmp.dir}/none` });
      stores.push(noSnapshots);
      const genesis = noSnapshots.recovery.recover();
      expect(genesis.report.start.kind).toBe('genesis');
      expect(genesis.engine.stateHash(), `from genesis, seed ${seed}`).toBe(expected);

      const toSeq = 1 + Math.floor(r() * j.engine.seq);
      const partial = store.recovery.recover({ toSeq });
      expect(partial.engine.seq).toBe(toSeq);
      expect(partial.engine.stateHash(), `to seq ${toSeq}, seed ${seed}`).toBe(
        straightEngine(turns, toSeq).stateHash(),
      );
    });
  }
});
