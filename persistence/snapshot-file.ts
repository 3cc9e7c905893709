/**
 * One snapshot, one file. Why a file beside the database rather than rows in
 * it: a snapshot of a million accounts is up to ~300 MB of columns; written
 * into SQLite it would pass through the WAL (written twice), hold the single
 * write lock the loop's per-turn commit needs, and bloat the journal file. As
 * a file it is written by another thread with no lock in common with the
 * loop, and made atomic the classic way: write `.tmp`, fsync, rename, fsync
 * the directory. A file under its final name is therefore complete; the
 * checksums below still catch one that was damaged afterwards or truncated
 * by a filesystem that reordered the rename before the data.
 *
 * Columns are run-length coded over their 8-byte values (bit patterns, so
 * −0 and NaN payloads survive): most accounts hold no position in most
 * markets and most flags are 0, so the snapshot bench's million accounts
 * (a fifth of them trading) take 4.8 MB rather than 288 MB of raw columns,
 * and writing and fsyncing is what a snapshot file costs.
 *
 * Layout, format 2 (integers little-endian u32, values little-endian float64):
 *   "CLSNAP\0\0" · file format · header length · CRC-32 of header
 *   header: MessagePack { seq, hash, meta (the EngineSnapshot minus its
 *           columns), columns: [name, length][], chunkBytes }
 *   per column: coded byte length (float64) · CRC-32 of each ≤ chunkBytes
 *           chunk of the coded bytes · the coded bytes: records of
 *           [kind u32, count u32] then, for kind 0 (literal), `count` values,
 *           for kind 1 (repeat), one value that fills `count` slots
 *   trailer "CLSNAPOK" · float64 byte length of everything before it
 * Format 1 (still read): per column, its raw bytes in chunks of ≤ chunkBytes,
 * each as length · CRC-32 · bytes.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import type { EngineSnapshot } from '../core/snapshot.ts';
import { decodeValue, encodeValue } from './codec.ts';
import { PersistenceError } from './errors.ts';

export const SNAPSHOT_FILE_VERSION = 2;
/** Format 1: raw columns. Still read. */
const SNAPSHOT_FILE_VERSION_RAW = 1;
export const SNAPSHOT_CHUNK_BYTES = 1 << 20;
/** A header larger than this is taken for corruption rather than read. */
export const SNAPSHOT_HEADER_MAX_BYTES = 64 << 20;
export const SNAPSHOT_EXTENSION = '.clsnap';

const MAGIC = Buffer.from('CLSNAP\0\0', 'latin1');
const TRAILER_MAGIC = Buffer.from('CLSNAPOK', 'latin1');
const PREFIX_BYTES = 20;
const TRAILER_BYTES = 16;

/** Record kinds of a coded column. */
const LITERAL = 0;
const REPEAT = 1;
/** Equal neighbours from which a repeat record pays (16 bytes against 8 per value in a literal). */
const MIN_REPEAT = 3;

export type SnapshotMeta = Omit<EngineSnapshot, 'columns'>;

interface Header {
  seq: number;
  hash: string;
  meta: SnapshotMeta;
  columns: [name: string, length: number][];
  chunkBytes: number;
}

export interface SnapshotHeader {
  seq: number;
  hash: string;
  lastTs: number;
  accountCount: number;
  columns: number;
  fileBytes: number;
}

export function snapshotFileName(seq: number): string {
  return `snapshot-${String(seq).padStart(16, '0')}${SNAPSHOT_EXTENSION}`;
}

/** The seq in a snapshot file name, or null when the name is not one. */
export function seqOfSnapshotFile(name: string): number | null {
  const m = /^snapshot-(\d{16})\.clsnap$/.exec(name);
  return m === null ? null : Number(m[1]);
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('snapshot files hold little-endian float64; this host is big-endian');
}

function u32(...values: number[]): Buffer {
  const b = Buffer.allocUnsafe(4 * values.length);
  for (let i = 0; i < values.length; i++) b.writeUInt32LE(values[i], 4 * i);
  return b;
}

/** Most bytes encodeColumn writes for `n` values: a literal header, then at worst the values themselves. */
export function codedBound(n: number): number {
  return 8 * n + 8;
}

/**
 * Run-length code `column` into `out` (at least codedBound(length) bytes,
 * 4-byte aligned); returns the bytes written. Values are compared as bit
 * patterns, so −0, 0 and NaN payloads stay what they were.
 */
export function encodeColumn(column: Float64Array, out: Uint32Array): number {
  const n = column.length;
  const u = new Uint32Array(column.buffer, column.byteOffset, 2 * n);
  let o = 0;
  let literalFrom = 0;
  let i = 0;
  while (i < n) {
    const lo = u[2 * i];
    const hi = u[2 * i + 1];
    let j = i + 1;
    while (j < n && u[2 * j] === lo && u[2 * j + 1] === hi) j++;
    if (j - i >= MIN_REPEAT) {
      if (i > literalFrom) {
        out[o] = LITERAL;
        out[o + 1] = i - literalFrom;
        out.set(u.subarray(2 * literalFrom, 2 * i), o + 2);
        o += 2 + 2 * (i - literalFrom);
      }
      out[o] = REPEAT;
      out[o + 1] = j - i;
      out[o + 2] = lo;
      out[o + 3] = hi;
      o += 4;
      literalFrom = j;
    }
    i = j;
  }
  if (n > literalFrom) {
    out[o] = LITERAL;
    out[o + 1] = n - literalFrom;
    out.set(u.subarray(2 * literalFrom, 2 * n), o + 2);
    o += 2 + 2 * (n - literalFrom);
  }
  return 4 * o;
}

/**
 * Decode the coded bytes `src` into `column` (zero-filled, as a new
 * Float64Array is). Returns null, or what is wrong with the bytes.
 */
export function decodeColumn(src: Buffer, column: Float64Array): string | null {
  const n = column.length;
  const bytes = new Uint8Array(column.buffer, column.byteOffset, 8 * n);
  const words = new BigUint64Array(column.buffer, column.byteOffset, n);
  let p = 0;
  let k = 0;
  while (p < src.length) {
    if (p + 8 > src.length) return `record header cut at byte ${p}`;
    const kind = src.readUInt32LE(p);
    const count = src.readUInt32LE(p + 4);
    p += 8;
    if (count === 0 || count > n - k) return `record at byte ${p - 8} holds ${count} values, ${n - k} slots left`;
    if (kind === LITERAL) {
      if (p + 8 * count > src.length) return `literal at byte ${p - 8} runs past the end`;
      bytes.set(src.subarray(p, p + 8 * count), 8 * k);
      p += 8 * count;
    } else if (kind === REPEAT) {
      if (p + 8 > src.length) return `repeat at byte ${p - 8} runs past the end`;
      const value = src.readBigUInt64LE(p);
      if (value !== 0n) words.fill(value, k, k + count);
      p += 8;
    } else {
      return `unknown record kind ${kind} at byte ${p - 8}`;
    }
    k += count;
  }
  return k === n ? null : `holds ${k} values, expected ${n}`;
}

/** Write `snapshot` into `dir` atomically. Returns the final path and its size. */
export function writeSnapshotFile(dir: string, snapshot: EngineSnapshot): { path: string; bytes: number } {
  assertLittleEndian();
  const { columns, ...meta } = snapshot;
  const header: Header = {
    seq: snapshot.seq,
    hash: snapshot.hash,
    meta,
    columns: [...columns].map(([name, c]) => [name, c.length]),
    chunkBytes: SNAPSHOT_CHUNK_BYTES,
  };
  const headerBytes = encodeValue(header);
  let longest = 0;
  for (const c of columns.values()) longest = Math.max(longest, c.length);
  // One scratch buffer for every column's coded bytes, written with the column's checksums in one call.
  const scratch = new Uint32Array(codedBound(longest) / 4);
  const path = join(dir, snapshotFileName(snapshot.seq));
  const tmp = join(dir, `.${basename(path)}.${process.pid}-${threadId}.tmp`);
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  const write = (parts: Uint8Array[]) => {
    let total = 0;
    for (const p of parts) total += p.length;
    let done = writevSync(fd, parts);
    // A short write (rare: signals, full pipes): finish the rest piece by piece.
    for (let i = 0, start = 0; done < total && i < parts.length; start += parts[i].length, i++) {
      const p = parts[i];
      let off = Math.max(0, done - start);
      while (off < p.length) {
        const w = writeSync(fd, p, off, p.length - off);
        off += w;
        done += w;
      }
    }
    bytes += total;
  };
  try {
    write([MAGIC, u32(SNAPSHOT_FILE_VERSION, headerBytes.length, crc32(headerBytes)), headerBytes]);
    for (const c of columns.values()) {
      const coded = new Uint8Array(scratch.buffer, 0, encodeColumn(c, scratch));
      const chunks = Math.ceil(coded.length / SNAPSHOT_CHUNK_BYTES);
      const prefix = Buffer.allocUnsafe(8 + 4 * chunks);
      prefix.writeDoubleLE(coded.length, 0);
      for (let i = 0; i < chunks; i++) {
        const off = i * SNAPSHOT_CHUNK_BYTES;
        prefix.writeUInt32LE(crc32(coded.subarray(off, off + SNAPSHOT_CHUNK_BYTES)), 8 + 4 * i);
      }
      write([prefix, coded]);
    }
    const trailer = Buffer.alloc(TRAILER_BYTES);
    TRAILER_MAGIC.copy(trailer, 0);
    trailer.writeDoubleLE(bytes, 8);
    write([trailer]);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDirectory(dirname(path));
  return { path, bytes };
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function corrupt(path: string, reason: string): PersistenceError {
  return new PersistenceError('SNAPSHOT_CORRUPT', `${path}: ${reason}`);
}

function parseHeader(path: string, prefix: Buffer, readHeader: (len: number) => Buffer): Header {
  if (prefix.length < PREFIX_BYTES || !prefix.subarray(0, 8).equals(MAGIC)) throw corrupt(path, 'not a snapshot file');
  const version = prefix.readUInt32LE(8);
  const length = prefix.readUInt32LE(12);
  const crc = prefix.readUInt32LE(16);
  if (version !== SNAPSHOT_FILE_VERSION && version !== SNAPSHOT_FILE_VERSION_RAW) {
    throw corrupt(
      path,
      `file format ${version}; this build reads formats ${SNAPSHOT_FILE_VERSION_RAW} and ${SNAPSHOT_FILE_VERSION}`,
    );
  }
  if (length > SNAPSHOT_HEADER_MAX_BYTES) throw corrupt(path, `header length ${length} is implausible`);
  const bytes = readHeader(length);
  if (bytes.length !== length) throw corrupt(path, 'truncated in the header');
  if (crc32(bytes) !== crc) throw corrupt(path, 'header CRC-32 mismatch');
  let header: Header;
  try {
    header = decodeValue(bytes) as Header;
  } catch (err) {
    throw corrupt(path, `header does not decode: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.columns) || header.meta == null) {
    throw corrupt(path, 'header is malformed');
  }
  return header;
}

/** The header of a snapshot file (seq, hash, sizes) without reading its columns. */
export function readSnapshotHeader(path: string): SnapshotHeader {
  const fd = openSync(path, 'r');
  try {
    const prefix = Buffer.alloc(PREFIX_BYTES);
    readSync(fd, prefix, 0, PREFIX_BYTES, 0);
    const header = parseHeader(path, prefix, (len) => {
      const b = Buffer.alloc(len);
      return b.subarray(0, readSync(fd, b, 0, len, PREFIX_BYTES));
    });
    return {
      seq: header.seq,
      hash: header.hash,
      lastTs: header.meta.lastTs,
      accountCount: header.meta.accountCount,
      columns: header.columns.length,
      fileBytes: statSync(path).size,
    };
  } finally {
    closeSync(fd);
  }
}

/** Read and check a whole snapshot file. Throws SNAPSHOT_CORRUPT naming the file and the fault. */
export function readSnapshotFile(path: string): EngineSnapshot {
  assertLittleEndian();
  const file = readFileSync(path);
  const header = parseHeader(path, file.subarray(0, PREFIX_BYTES), (len) =>
    file.subarray(PREFIX_BYTES, PREFIX_BYTES + len),
  );
  const chunk = header.chunkBytes;
  if (!Number.isSafeInteger(chunk) || chunk <= 0) throw corrupt(path, `bad chunk size ${chunk}`);
  for (const [name, length] of header.columns) {
    if (typeof name !== 'string' || !Number.isSafeInteger(length) || length < 0) throw corrupt(path, 'bad column list');
  }
  const start = PREFIX_BYTES + file.readUInt32LE(12);
  const version = file.readUInt32LE(8);
  const { columns, end } =
    version === SNAPSHOT_FILE_VERSION_RAW
      ? readRawColumns(path, file, header, start)
      : readCodedColumns(path, file, header, start);
  if (!file.subarray(end, end + 8).equals(TRAILER_MAGIC) || file.readDoubleLE(end + 8) !== end) {
    throw corrupt(path, 'trailer missing or wrong');
  }
  return { ...header.meta, columns } as EngineSnapshot;
}

type ReadColumns = { columns: Map<string, Float64Array>; end: number };

function sizeMismatch(path: string, file: Buffer, expected: number): PersistenceError {
  return corrupt(path, `${file.length} bytes, expected ${expected} (truncated or padded)`);
}

function readCodedColumns(path: string, file: Buffer, header: Header, start: number): ReadColumns {
  const chunk = header.chunkBytes;
  // Walk the column lengths first: a file cut or padded anywhere is told apart from a damaged one.
  const at: number[] = [];
  let pos = start;
  for (const [, length] of header.columns) {
    if (pos + 8 > file.length - TRAILER_BYTES) throw sizeMismatch(path, file, pos + 8 + TRAILER_BYTES);
    const coded = file.readDoubleLE(pos);
    if (!Number.isSafeInteger(coded) || coded < 0 || coded > codedBound(length)) {
      throw corrupt(path, `a column of ${length} values claims ${coded} coded bytes`);
    }
    at.push(pos);
    pos += 8 + 4 * Math.ceil(coded / chunk) + coded;
  }
  if (file.length !== pos + TRAILER_BYTES) throw sizeMismatch(path, file, pos + TRAILER_BYTES);
  const columns = new Map<string, Float64Array>();
  header.columns.forEach(([name, length], index) => {
    const p = at[index];
    const coded = file.readDoubleLE(p);
    const chunks = Math.ceil(coded / chunk);
    const data = p + 8 + 4 * chunks;
    for (let i = 0; i < chunks; i++) {
      const from = data + i * chunk;
      const bytes = file.subarray(from, Math.min(from + chunk, data + coded));
      if (crc32(bytes) !== file.readUInt32LE(p + 8 + 4 * i)) {
        throw corrupt(path, `column ${name}: CRC-32 mismatch in the chunk at byte ${i * chunk}`);
      }
    }
    const column = new Float64Array(length);
    const wrong = decodeColumn(file.subarray(data, data + coded), column);
    if (wrong !== null) throw corrupt(path, `column ${name}: ${wrong}`);
    columns.set(name, column);
  });
  return { columns, end: pos };
}

function readRawColumns(path: string, file: Buffer, header: Header, start: number): ReadColumns {
  const chunk = header.chunkBytes;
  let expected = start;
  for (const [, length] of header.columns) {
    const data = length * 8;
    expected += data + 8 * Math.ceil(data / chunk);
  }
  if (file.length !== expected + TRAILER_BYTES) throw sizeMismatch(path, file, expected + TRAILER_BYTES);
  let pos = start;
  const columns = new Map<string, Float64Array>();
  for (const [name, length] of header.columns) {
    const column = new Float64Array(length);
    const raw = new Uint8Array(column.buffer);
    for (let off = 0; off < raw.length; off += chunk) {
      const len = file.readUInt32LE(pos);
      const crc = file.readUInt32LE(pos + 4);
      pos += 8;
      if (len !== Math.min(chunk, raw.length - off))
        throw corrupt(path, `column ${name}: chunk at byte ${off} has length ${len}`);
      const bytes = file.subarray(pos, pos + len);
      if (crc32(bytes) !== crc) throw corrupt(path, `column ${name}: CRC-32 mismatch in the chunk at byte ${off}`);
      raw.set(bytes, off);
      pos += len;
    }
    columns.set(name, column);
  }
  return { columns, end: pos };
}
