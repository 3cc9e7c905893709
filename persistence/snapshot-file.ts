/**
 * One snapshot, one file. Why a file beside the database rather than rows in
 * it: a snapshot of a million accounts is ~100 MB; written into SQLite it
 * would pass through the WAL (written twice), hold the single write lock the
 * loop's per-turn commit needs, and bloat the journal file. As a file it is
 * written by another thread with no lock in common with the loop, and made
 * atomic the classic way: write `.tmp`, fsync, rename, fsync the directory.
 * A file under its final name is therefore complete; the checksums below
 * still catch one that was damaged afterwards or truncated by a filesystem
 * that reordered the rename before the data.
 *
 * Layout (integers little-endian u32, columns as raw little-endian float64):
 *   "CLSNAP\0\0" · file format · header length · CRC-32 of header
 *   header: MessagePack { seq, hash, meta (the EngineSnapshot minus its
 *           columns), columns: [name, length][], chunkBytes }
 *   per column, its bytes in chunks of ≤ chunkBytes: length · CRC-32 · bytes
 *   trailer "CLSNAPOK" · float64 byte length of everything before it
 */
import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import type { EngineSnapshot } from '../core/snapshot.ts';
import { decodeValue, encodeValue } from './codec.ts';
import { PersistenceError } from './errors.ts';

export const SNAPSHOT_FILE_VERSION = 1;
export const SNAPSHOT_CHUNK_BYTES = 1 << 20;
/** A header larger than this is taken for corruption rather than read. */
export const SNAPSHOT_HEADER_MAX_BYTES = 64 << 20;
export const SNAPSHOT_EXTENSION = '.clsnap';

const MAGIC = Buffer.from('CLSNAP\0\0', 'latin1');
const TRAILER_MAGIC = Buffer.from('CLSNAPOK', 'latin1');
const PREFIX_BYTES = 20;
const TRAILER_BYTES = 16;

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
  const path = join(dir, snapshotFileName(snapshot.seq));
  const tmp = join(dir, `.${basename(path)}.${process.pid}-${threadId}.tmp`);
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  const write = (b: Uint8Array) => {
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    bytes += b.length;
  };
  try {
    write(MAGIC);
    write(u32(SNAPSHOT_FILE_VERSION, headerBytes.length, crc32(headerBytes)));
    write(headerBytes);
    for (const c of columns.values()) {
      const raw = new Uint8Array(c.buffer, c.byteOffset, c.length * 8);
      for (let off = 0; off < raw.length; off += SNAPSHOT_CHUNK_BYTES) {
        const chunk = raw.subarray(off, off + SNAPSHOT_CHUNK_BYTES);
        write(u32(chunk.length, crc32(chunk)));
        write(chunk);
      }
    }
    const trailer = Buffer.alloc(TRAILER_BYTES);
    TRAILER_MAGIC.copy(trailer, 0);
    trailer.writeDoubleLE(bytes, 8);
    write(trailer);
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
  if (version !== SNAPSHOT_FILE_VERSION) {
    throw corrupt(path, `file format ${version}; this build reads format ${SNAPSHOT_FILE_VERSION}`);
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
  let expected = PREFIX_BYTES + file.readUInt32LE(12);
  for (const [name, length] of header.columns) {
    if (typeof name !== 'string' || !Number.isSafeInteger(length) || length < 0) throw corrupt(path, 'bad column list');
    const data = length * 8;
    expected += data + 8 * Math.ceil(data / chunk);
  }
  if (file.length !== expected + TRAILER_BYTES) {
    throw corrupt(path, `${file.length} bytes, expected ${expected + TRAILER_BYTES} (truncated or padded)`);
  }
  let pos = PREFIX_BYTES + file.readUInt32LE(12);
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
  if (!file.subarray(pos, pos + 8).equals(TRAILER_MAGIC) || file.readDoubleLE(pos + 8) !== pos) {
    throw corrupt(path, 'trailer missing or wrong');
  }
  return { ...header.meta, columns } as EngineSnapshot;
}
