/**
 * A strict MessagePack decoder for untrusted frames: one pass over the
 * bytes that checks and builds the value together (it used to be a
 * structural scan followed by msgpackr; doing both in one walk halves the
 * cost per frame). It refuses, with a reason:
 *   - truncation and trailing bytes (exactly one value must fill the frame);
 *   - a declared length or element count the rest of the frame cannot hold
 *     (so a "4 GiB string" header costs nothing and allocates nothing);
 *   - nesting past maxDepth and more than maxItems elements in all (both
 *     checked before descending, so recursion is bounded by maxDepth);
 *   - every extension type (fixext, ext 8/16/32: timestamps included) and the
 *     reserved byte 0xc1;
 *   - map keys that are not strings, and the keys __proto__, constructor and
 *     prototype;
 *   - strings that are not valid UTF-8.
 * What passes is plain MessagePack, decoded as msgpackr decodes it with
 * mapsAsObjects and int64AsType 'number': nil → null, booleans, numbers
 * (64-bit integers as the nearest double), strings, binary (a Buffer copy),
 * arrays and plain objects.
 */
import { isUtf8 } from 'node:buffer';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type MsgpackDecoded = { ok: true; value: unknown } | { ok: false; reason: string };

class Refused {
  constructor(readonly reason: string) {}
}

// The frame being decoded (decoding never nests, so module state is safe).
let src: Uint8Array = new Uint8Array(0);
let pos = 0;
let end = 0;
let items = 0;
let maxDepth = 0;
let maxItems = 0;
const EMPTY = new Uint8Array(0);

export function decodeMsgpack(data: Uint8Array, depthLimit: number, itemLimit: number): MsgpackDecoded {
  src = data;
  pos = 0;
  end = data.length;
  items = 0;
  maxDepth = depthLimit;
  maxItems = itemLimit;
  let value: unknown;
  try {
    value = read(0);
  } catch (err) {
    src = EMPTY;
    if (err instanceof Refused) return { ok: false, reason: err.reason };
    throw err;
  }
  src = EMPTY;
  if (pos !== end) return { ok: false, reason: `${end - pos} trailing bytes after the value` };
  return { ok: true, value };
}

/** The structural check alone: null when the frame is acceptable, else the reason. */
export function scanMsgpack(data: Uint8Array, depthLimit: number, itemLimit: number): string | null {
  const r = decodeMsgpack(data, depthLimit, itemLimit);
  return r.ok ? null : r.reason;
}

function refuse(reason: string): never {
  throw new Refused(reason);
}

function need(n: number): void {
  if (end - pos < n) refuse('truncated frame');
}

function u8(): number {
  need(1);
  return src[pos++];
}
function u16(): number {
  need(2);
  const v = (src[pos] << 8) | src[pos + 1];
  pos += 2;
  return v;
}
function u32(): number {
  need(4);
  const v = src[pos] * 16_777_216 + ((src[pos + 1] << 16) | (src[pos + 2] << 8) | src[pos + 3]);
  pos += 4;
  return v;
}
/** A DataView over the current frame, for the rare floats and wide signed integers. */
function viewAt(n: number): DataView {
  need(n);
  return new DataView(src.buffer, src.byteOffset, src.byteLength);
}

function read(depth: number): unknown {
  if (pos >= end) refuse('truncated frame');
  const b = src[pos++];
  if (b <= 0x7f) return b;
  if (b >= 0xe0) return b - 0x100;
  if (b <= 0x8f) return readMap(b & 0x0f, depth);
  if (b <= 0x9f) return readArray(b & 0x0f, depth);
  if (b <= 0xbf) return readShort(b & 0x1f);
  let v: number;
  switch (b) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return readBin(u8());
    case 0xc5:
      return readBin(u16());
    case 0xc6:
      return readBin(u32());
    case 0xca:
      v = viewAt(4).getFloat32(pos);
      pos += 4;
      return v;
    case 0xcb:
      v = viewAt(8).getFloat64(pos);
      pos += 8;
      return v;
    case 0xcc:
      return u8();
    case 0xcd:
      return u16();
    case 0xce:
      return u32();
    case 0xcf:
      v = u32() * 4_294_967_296;
      return v + u32();
    case 0xd0:
      return (u8() << 24) >> 24;
    case 0xd1:
      return (u16() << 16) >> 16;
    case 0xd2:
      return u32() | 0;
    case 0xd3:
      v = (u32() | 0) * 4_294_967_296;
      return v + u32();
    case 0xd9:
      return readStr(u8());
    case 0xda:
      return readStr(u16());
    case 0xdb:
      return readStr(u32());
    case 0xdc:
      return readArray(u16(), depth);
    case 0xdd:
      return readArray(u32(), depth);
    case 0xde:
      return readMap(u16(), depth);
    case 0xdf:
      return readMap(u32(), depth);
    case 0xc1:
      return refuse('reserved byte 0xc1');
    default:
      return refuse(`extension type 0x${b.toString(16)} is not accepted`);
  }
}

/** Checks a container header before anything is allocated or descended into. */
function open(count: number, elements: number, isMap: boolean, depth: number): void {
  if (elements > end - pos) refuse(`declared ${isMap ? 'map' : 'array'} size ${count} exceeds the frame`);
  items += count;
  if (items > maxItems) refuse(`more than ${maxItems} elements`);
  if (depth >= maxDepth) refuse(`nesting deeper than ${maxDepth}`);
}

function readArray(count: number, depth: number): unknown[] {
  open(count, count, false, depth);
  const out = new Array<unknown>(count);
  for (let i = 0; i < count; i++) out[i] = read(depth + 1);
  return out;
}

function readMap(count: number, depth: number): Record<string, unknown> {
  open(count, count * 2, true, depth);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    if (pos >= end) refuse('truncated frame');
    const b = src[pos++];
    let n: number;
    if (b >= 0xa0 && b <= 0xbf) n = b & 0x1f;
    else if (b === 0xd9) n = u8();
    else if (b === 0xda) n = u16();
    else if (b === 0xdb) n = u32();
    else return refuse('map keys must be strings');
    const key = readShort(n);
    if ((n === 9 || n === 11) && FORBIDDEN_KEYS.has(key)) refuse(`forbidden key ${key}`);
    out[key] = read(depth + 1);
  }
  return out;
}

/**
 * Short strings (keys, ops, sides) repeat from frame to frame: they come from a small cache keyed by
 * their bytes (no new string, no re-hashing when used as a property name).
 */
const KEY_CACHE_SIZE = 4096;
const keyBytes: (Uint8Array | null)[] = new Array(KEY_CACHE_SIZE).fill(null);
const keyStrings: string[] = new Array(KEY_CACHE_SIZE).fill('');

function readShort(n: number): string {
  if (n === 0 || n > 16 || n > end - pos) return readStr(n);
  const from = pos;
  const slot = (n * 31 + src[from] * 7 + src[from + n - 1] * 131 + src[from + (n >> 1)] * 17) & (KEY_CACHE_SIZE - 1);
  const cached = keyBytes[slot];
  if (cached !== null && cached.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (cached[i] !== src[from + i]) {
        same = false;
        break;
      }
    }
    if (same) {
      pos += n;
      return keyStrings[slot];
    }
  }
  const key = readStr(n);
  keyBytes[slot] = src.slice(from, from + n);
  keyStrings[slot] = key;
  return key;
}

function readStr(n: number): string {
  if (n > end - pos) refuse(`declared string length ${n} exceeds the frame`);
  const from = pos;
  pos += n;
  if (n <= 32) {
    // Short ASCII strings (ops, sides) are built in place: cheaper than a native decoder call.
    let ascii = true;
    for (let i = from; i < pos; i++) {
      if (src[i] > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return n === 0 ? '' : String.fromCharCode.apply(null, src.subarray(from, pos) as unknown as number[]);
  }
  const bytes = src.subarray(from, pos);
  if (!isUtf8(bytes)) refuse('string is not valid UTF-8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function readBin(n: number): Buffer {
  if (n > end - pos) refuse(`declared length ${n} exceeds the frame`);
  const out = Buffer.from(src.subarray(pos, pos + n));
  pos += n;
  return out;
}
