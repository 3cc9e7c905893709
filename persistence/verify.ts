/**
 * Verification (cli verify): replay the journal from genesis, or from a
 * snapshot when the journal was pruned, and compare every stored hash on
 * the way: each journaled checkpoint, and each snapshot file the replay
 * passes. Read-only; problems are collected as sentences naming the seq.
 */
import { Engine } from '../core/engine.ts';
import { isPersistenceError } from './errors.ts';
import { type ReplayResult, replayJournal } from './replay.ts';
import type { SnapshotRef } from './snapshot-store.ts';
import type { Store } from './store.ts';

export type VerifyFrom = 'auto' | 'genesis' | 'oldest-snapshot' | 'latest-snapshot';

export interface VerifyReport {
  ok: boolean;
  start: { kind: 'genesis' } | { kind: 'snapshot'; seq: number; path: string };
  replay: ReplayResult | null;
  /** Snapshots whose seq the replay passed, with whether their hash matched. */
  snapshots: { seq: number; path: string; ok: boolean; detail: string }[];
  problems: string[];
}

export function verifyStore(store: Store, from: VerifyFrom = 'auto'): VerifyReport {
  const bounds = store.reader.bounds();
  const refs = store.snapshots.list();
  const problems: string[] = [];
  const checked: VerifyReport['snapshots'] = [];
  const genesisPossible = bounds.prunedThrough === 0 && (bounds.firstSeq === null || bounds.firstSeq === 1);
  let engine: Engine | null = null;
  let start: VerifyReport['start'] = { kind: 'genesis' };
  if (from === 'genesis' || (from === 'auto' && genesisPossible)) {
    if (!genesisPossible) problems.push(`cannot verify from genesis: the journal starts at seq ${bounds.firstSeq}`);
    else engine = new Engine();
  } else {
    const order = from === 'latest-snapshot' ? [...refs].reverse() : refs;
    for (const ref of order) {
      try {
        engine = store.snapshots.load(ref);
        start = { kind: 'snapshot', seq: ref.seq, path: ref.path };
        checked.push({ seq: ref.seq, path: ref.path, ok: true, detail: 'loaded and restored to its recorded hash' });
        break;
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        checked.push({ seq: ref.seq, path: ref.path, ok: false, detail });
        problems.push(`snapshot at seq ${ref.seq} is unusable: ${detail}`);
      }
    }
    if (engine === null && problems.length === 0) problems.push('no snapshot to start from');
  }
  if (engine === null) return { ok: false, start, replay: null, snapshots: checked, problems };

  const startSeq = engine.seq;
  const bySeq = new Map<number, SnapshotRef>(refs.filter((r) => r.seq > startSeq).map((r) => [r.seq, r]));
  let replay: ReplayResult | null = null;
  try {
    replay = replayJournal(engine, store.reader, {
      afterTurn: (turn, e) => {
        const ref = bySeq.get(turn.lastSeq);
        if (ref === undefined) return;
        bySeq.delete(turn.lastSeq);
        let recorded: string;
        try {
          recorded = store.snapshots.header(ref).hash;
        } catch (err) {
          const detail = err instanceof Error ? err.message : String(err);
          checked.push({ seq: ref.seq, path: ref.path, ok: false, detail });
          problems.push(`snapshot at seq ${ref.seq} is unreadable: ${detail}`);
          return;
        }
        const hash = e.stateHash();
        const ok = hash === recorded;
        const detail = ok ? 'hash matches the replayed state' : `records hash ${recorded}, replay gives ${hash}`;
        checked.push({ seq: ref.seq, path: ref.path, ok, detail });
        if (!ok) problems.push(`snapshot at seq ${ref.seq} ${detail}`);
      },
    });
  } catch (err) {
    problems.push(isPersistenceError(err) ? err.message : `replay failed: ${String(err)}`);
  }
  if (replay !== null) {
    if (replay.tornTail !== null) {
      problems.push(
        `the journal tail is torn at seq ${replay.tornTail.firstSeq}..${replay.tornTail.lastSeq} (${replay.tornTail.reason})`,
      );
    }
    for (const ref of bySeq.values()) {
      if (ref.seq > replay.lastSeq)
        problems.push(`snapshot at seq ${ref.seq} is beyond the journal's end (seq ${replay.lastSeq})`);
      else checked.push({ seq: ref.seq, path: ref.path, ok: true, detail: 'not at a turn boundary; not compared' });
    }
  }
  return { ok: problems.length === 0, start, replay, snapshots: checked, problems };
}
