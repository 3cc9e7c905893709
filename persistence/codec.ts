/**
 * The journal's encoding: plain MessagePack through msgpackr, with records
 * and the extra type extensions off, so any MessagePack reader can decode a
 * turn. (msgpackr writes `undefined` as fixext1 type 0, the convention most
 * implementations share; it keeps `{ worstPrice: undefined }` distinct from
 * a missing field, which the engine can tell apart.)
 *
 * One turn is one blob. In the common case it is the array of the turn's
 * commands; every command ran at the turn's time and their seqs follow the
 * turn's first seq. A turn whose entries do not share one time, or whose
 * commands hold a −0, is a map instead: { cmds, ts?: number[], nz?: paths }.
 *
 * Turns are read back by fast-unpack.ts, which decodes the common case
 * itself (about 4× msgpackr's speed on journal turns) and hands any other
 * blob to msgpackr, so the result is always msgpackr's.
 */
import { Packr } from 'msgpackr';
import type { Command } from '../core/commands.ts';
import type { JournalEntry } from '../core/loop.ts';
import { fastUnpack, GIVE_UP } from './fast-unpack.ts';
import { hasNegativeZero, negativeZeroPaths, restoreNegativeZeros, type ValuePath } from './negative-zero.ts';

export const packr = new Packr({ useRecords: false, moreTypes: false });

interface TurnMap {
  cmds: unknown[];
  ts?: number[];
  nz?: ValuePath[];
}

export function encodeTurn(entries: readonly JournalEntry[]): Uint8Array {
  const n = entries.length;
  const ts = entries[0].ts;
  const cmds: Command[] = new Array(n);
  let sameTs = true;
  let negativeZero = false;
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    cmds[i] = e.cmd;
    if (e.ts !== ts) sameTs = false;
    if (!negativeZero && hasNegativeZero(e.cmd)) negativeZero = true;
  }
  if (sameTs && !negativeZero) return packr.pack(cmds);
  const map: TurnMap = { cmds };
  if (!sameTs) map.ts = entries.map((e) => e.ts);
  if (negativeZero) map.nz = negativeZeroPaths(cmds);
  return packr.pack(map);
}

/**
 * The entries of a turn from its blob. Throws (a plain Error) when the blob
 * is not a turn of `count` commands; the reader turns that into a torn tail
 * or a corrupt-journal error.
 */
export function decodeTurn(blob: Uint8Array, firstSeq: number, ts: number, count: number): JournalEntry[] {
  let v: unknown = fastUnpack(blob);
  if (v === GIVE_UP) v = packr.unpack(blob);
  let cmds: unknown[];
  let times: number[] | null = null;
  if (Array.isArray(v)) {
    cmds = v;
  } else if (typeof v === 'object' && v !== null && Array.isArray((v as TurnMap).cmds)) {
    const map = v as TurnMap;
    cmds = map.cmds;
    if (map.nz !== undefined) restoreNegativeZeros(cmds, map.nz);
    if (map.ts !== undefined) {
      if (!Array.isArray(map.ts) || map.ts.length !== cmds.length) throw new Error('turn time list does not match');
      times = map.ts;
    }
  } else {
    throw new Error('turn blob is neither a command array nor a turn map');
  }
  if (cmds.length !== count) throw new Error(`turn holds ${cmds.length} commands, its row says ${count}`);
  const out: JournalEntry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = { seq: firstSeq + i, ts: times === null ? ts : times[i], cmd: cmds[i] as Command };
  }
  return out;
}

/** Encode a small value faithfully (−0 kept): snapshot metadata and history payloads. */
export function encodeValue(value: unknown): Uint8Array {
  const wrapper: { v: unknown; nz?: ValuePath[] } = { v: value };
  if (hasNegativeZero(value)) wrapper.nz = negativeZeroPaths({ v: value });
  return packr.pack(wrapper);
}

export function decodeValue(blob: Uint8Array): unknown {
  const o = packr.unpack(blob) as { v: unknown; nz?: ValuePath[] };
  if (typeof o !== 'object' || o === null || !('v' in o)) throw new Error('not an encoded value');
  if (o.nz !== undefined) restoreNegativeZeros(o, o.nz);
  return o.v;
}
