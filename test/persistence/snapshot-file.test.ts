/**
 * The snapshot file format: run-length coded columns round-trip bit for bit
 * (−0, NaN payloads, runs at every boundary), a damaged or cut file is
 * refused with SNAPSHOT_CORRUPT, and files of format 1 (raw columns) are
 * still read.
 */
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../../core/snapshot.ts';
import { encodeValue } from '../../persistence/codec.ts';
import {
  codedBound,
  decodeColumn,
  encodeColumn,
  readSnapshotFile,
  snapshotFileName,
  writeSnapshotFile,
} from '../../persistence/snapshot-file.ts';
import { DEFAULT_STREAM, rng, turnsOf } from './command-stream.ts';
import { straightEngine, type TempDir, tempDir } from './harness.ts';

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** Bit patterns of a column, to compare NaN payloads and −0 exactly. */
function bits(c: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(c.buffer, c.byteOffset, c.length));
}

/** A column of runs and singles drawn from a few values, including −0 and two different NaNs. */
function randomColumn(next: () => number, n: number): Float64Array {
  const c = new Float64Array(n);
  const w = new BigUint64Array(c.buffer);
  const values = [0n, 0x8000000000000000n, 0x7ff8000000000000n, 0x7ff8000000000badn, 0x3ff0000000000000n];
  for (let i = 0; i < n; ) {
    const len = next() < 0.5 ? 1 : 1 + Math.floor(next() * 9);
    const v = next() < 0.3 ? BigInt(Math.floor(next() * 2 ** 52)) : values[Math.floor(next() * values.length)];
    for (let k = 0; k < len && i < n; k++) w[i++] = v;
  }
  return c;
}

function roundTrip(c: Float64Array): { coded: number; back: Float64Array } {
  const out = new Uint32Array(codedBound(c.length) / 4);
  const coded = encodeColumn(c, out);
  const back = new Float64Array(c.length);
  expect(decodeColumn(Buffer.from(out.buffer, 0, coded), back)).toBeNull();
  return { coded, back };
}

describe('column coding', () => {
  it('round-trips random columns bit for bit and never exceeds its bound', () => {
    const seed = 0x5eed;
    const next = rng(seed);
    for (let t = 0; t < 300; t++) {
      const c = randomColumn(next, Math.floor(next() * 200));
      const { coded, back } = roundTrip(c);
      expect(bits(back), `seed ${seed}, case ${t}`).toEqual(bits(c));
      expect(coded).toBeLessThanOrEqual(codedBound(c.length));
    }
  });

  it('codes a column of one value in one record and a column of distinct values as one literal', () => {
    expect(roundTrip(new Float64Array(1_000_000).fill(-0)).coded).toBe(16);
    const distinct = Float64Array.from({ length: 1000 }, (_, i) => i);
    expect(roundTrip(distinct).coded).toBe(8 + 8000);
  });

  it('refuses coded bytes that do not fill the column exactly', () => {
    const c = Float64Array.from([1, 1, 1, 1, 2]);
    const out = new Uint32Array(codedBound(c.length) / 4);
    const coded = Buffer.from(out.buffer, 0, encodeColumn(c, out));
    expect(decodeColumn(coded, new Float64Array(6))).toBe('holds 5 values, expected 6');
    expect(decodeColumn(coded, new Float64Array(4))).toMatch(/holds 1 values, 0 slots left/);
    expect(decodeColumn(coded.subarray(0, coded.length - 3), new Float64Array(5))).toMatch(/runs past the end/);
    const bad = Buffer.from(coded);
    bad.writeUInt32LE(7, 0);
    expect(decodeColumn(bad, new Float64Array(5))).toBe('unknown record kind 7 at byte 0');
  });
});

describe('snapshot files', () => {
  const engine = straightEngine(turnsOf({ ...DEFAULT_STREAM, seed: 7, turns: 30 }));

  it('read back what was written, column for column', () => {
    const snap = takeSnapshot(engine);
    const { path, bytes } = writeSnapshotFile(tmp.dir, snap);
    expect(readFileSync(path).length).toBe(bytes);
    const back = readSnapshotFile(path);
    expect(back.hash).toBe(snap.hash);
    expect([...back.columns.keys()]).toEqual([...snap.columns.keys()]);
    for (const [name, c] of snap.columns) expect(bits(back.columns.get(name)!), name).toEqual(bits(c));
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses every single-byte flip and every cut', () => {
    const { path } = writeSnapshotFile(tmp.dir, takeSnapshot(engine));
    const good = readFileSync(path);
    const step = Math.max(1, Math.floor(good.length / 400));
    for (let at = 0; at < good.length; at += step) {
      const b = Buffer.from(good);
      b[at] ^= 0x5a;
      writeFileSync(path, b);
      expect(() => readSnapshotFile(path), `flip at byte ${at}`).toThrow(/^SNAPSHOT_CORRUPT: /);
    }
    for (const cut of [1, 9, 17, good.length >> 1, good.length - 21]) {
      writeFileSync(path, good);
      truncateSync(path, good.length - cut);
      expect(() => readSnapshotFile(path), `cut ${cut}`).toThrow(/^SNAPSHOT_CORRUPT: /);
    }
  });

  it('still reads format 1 (raw columns)', () => {
    const snap = takeSnapshot(engine);
    const path = join(tmp.dir, snapshotFileName(snap.seq));
    writeFileSync(path, formatOne(snap));
    const back = readSnapshotFile(path);
    expect(back.seq).toBe(snap.seq);
    for (const [name, c] of snap.columns) expect(bits(back.columns.get(name)!), name).toEqual(bits(c));
  });
});

/** A file in format 1, as the previous writer laid it out. */
function formatOne(snap: ReturnType<typeof takeSnapshot>): Buffer {
  const { columns, ...meta } = snap;
  const chunkBytes = 64; // small, so columns span several chunks
  const header = Buffer.from(
    encodeValue({
      seq: snap.seq,
      hash: snap.hash,
      meta,
      columns: [...columns].map(([name, c]) => [name, c.length]),
      chunkBytes,
    }),
  );
  const u32 = (...v: number[]) => {
    const b = Buffer.alloc(4 * v.length);
    for (let i = 0; i < v.length; i++) b.writeUInt32LE(v[i], 4 * i);
    return b;
  };
  const parts: Buffer[] = [Buffer.from('CLSNAP\0\0', 'latin1'), u32(1, header.length, crc32(header)), header];
  for (const c of columns.values()) {
    const raw = Buffer.from(c.buffer, c.byteOffset, c.length * 8);
    for (let off = 0; off < raw.length; off += chunkBytes) {
      const chunk = raw.subarray(off, off + chunkBytes);
      parts.push(u32(chunk.length, crc32(chunk)), Buffer.from(chunk));
    }
  }
  const before = parts.reduce((s, p) => s + p.length, 0);
  const trailer = Buffer.alloc(16);
  trailer.write('CLSNAPOK', 0, 'latin1');
  trailer.writeDoubleLE(before, 8);
  return Buffer.concat([...parts, trailer]);
}
