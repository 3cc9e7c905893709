/**
 * A MessagePack reader for the common case of journal turns, which replay
 * and the background replica decode by the million: maps with short ASCII
 * keys, ASCII strings, integers, float64s, booleans, nil, arrays. Short
 * strings (keys, command types, sides) come from a cache, so each is one
 * shared string rather than a fresh one per command: msgpackr's general
 * reader makes a new key string for every property of every map, and storing
 * a property under a fresh key string costs V8 a string-table lookup each.
 *
 * It decodes exactly what msgpackr (useRecords off, mapsAsObjects) decodes,
 * or gives up: on anything outside that subset — a non-ASCII string, a
 * non-string or `__proto__` key, bin, ext (msgpackr's `undefined`), float32,
 * 64-bit integers, bytes past the end or left over — it returns GIVE_UP and
 * the caller hands the blob to msgpackr, so every odd case keeps msgpackr's
 * exact behaviour, errors included.
 */

export const GIVE_UP: unique symbol = Symbol('fast-unpack gives up');

/** Strings up to this many bytes are cached. */
const CACHED_MAX = 24;
const CACHE_SLOTS = 4096;

interface CachedString {
  bytes: Uint8Array;
  value: string;
}

const cache: (CachedString | undefined)[] = new Array(CACHE_SLOTS);

let src: Uint8Array = new Uint8Array(0);
let view: DataView = new DataView(src.buffer);
let pos = 0;
let end = 0;
/** Set when the reader meets something it leaves to msgpackr. */
let gaveUp = false;

export function fastUnpack(blob: Uint8Array): unknown {
  src = blob;
  view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  pos = 0;
  end = blob.length;
  gaveUp = false;
  top = 0;
  const value = read();
  const ok = !gaveUp && pos === end;
  src = new Uint8Array(0);
  return ok ? value : GIVE_UP;
}

function give(): null {
  gaveUp = true;
  pos = end + 1; // every later bounds check fails fast
  return null;
}

function read(): unknown {
  if (pos >= end) return give();
  const b = src[pos++];
  if (b < 0x80) return b;
  if (b < 0x90) return readMap(b & 0x0f);
  if (b < 0xa0) return readArray(b & 0x0f);
  if (b < 0xc0) return readString(b & 0x1f);
  if (b >= 0xe0) return b - 0x100;
  switch (b) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xcb:
      return need(8) ? view.getFloat64(take(8)) : give();
    case 0xcc:
      return need(1) ? src[pos++] : give();
    case 0xcd:
      return need(2) ? view.getUint16(take(2)) : give();
    case 0xce:
      return need(4) ? view.getUint32(take(4)) : give();
    case 0xd0:
      return need(1) ? view.getInt8(take(1)) : give();
    case 0xd1:
      return need(2) ? view.getInt16(take(2)) : give();
    case 0xd2:
      return need(4) ? view.getInt32(take(4)) : give();
    case 0xd9:
      return need(1) ? readString(src[pos++]) : give();
    case 0xda:
      return need(2) ? readString(view.getUint16(take(2))) : give();
    case 0xdc:
      return need(2) ? readArray(view.getUint16(take(2))) : give();
    case 0xdd:
      return need(4) ? readArray(view.getUint32(take(4))) : give();
    case 0xde:
      return need(2) ? readMap(view.getUint16(take(2))) : give();
    case 0xdf:
      return need(4) ? readMap(view.getUint32(take(4))) : give();
    default:
      return give();
  }
}

function need(n: number): boolean {
  return pos + n <= end;
}

/** Move past `n` bytes; returns where they start. */
function take(n: number): number {
  const at = pos;
  pos += n;
  return at;
}

function readArray(length: number): unknown[] | null {
  // Each element takes at least one byte: a longer claim is damage, and msgpackr's to report.
  if (length > end - pos) return give();
  const out: unknown[] = new Array(length);
  for (let i = 0; i < length; i++) out[i] = read();
  return out;
}

/**
 * Maps decode through their key sequence: a trie of the key orders seen so
 * far, each with a factory that builds the object as one literal. Objects of
 * one command type then share one hidden class, built without a property
 * store per key (a store that adds a property under a key only known at run
 * time goes through V8's slow path). Each trie node remembers the bytes of
 * the key that last followed it, so a repeated key order is recognised by
 * comparing bytes, without making or looking up a string. Past MAX_SHAPES
 * shapes or MAX_SHAPE_KEYS keys in one map, the reader gives up (msgpackr
 * decodes the blob).
 */
interface Shape {
  next: Map<string, Shape>;
  keys: string[];
  make: ((values: unknown[], at: number) => Record<string, unknown>) | null;
  /** The key (its fixstr header and bytes) seen after this one last time, and where it led. */
  hotBytes: Uint8Array | null;
  hot: Shape | null;
}

const MAX_SHAPES = 4096;
const MAX_SHAPE_KEYS = 32;
const root = shape([]);
let shapeCount = 0;
/** Values of the maps being read, innermost last. */
const values: unknown[] = [];
let top = 0;

function shape(keys: string[]): Shape {
  return { next: new Map(), keys, make: null, hotBytes: null, hot: null };
}

function readMap(length: number): Record<string, unknown> | null {
  if (2 * length > end - pos || length > MAX_SHAPE_KEYS) return give();
  let at = root;
  const base = top;
  for (let i = 0; i < length; i++) {
    const hot = at.hotBytes;
    if (hot !== null && startsWith(hot)) {
      pos += hot.length;
      at = at.hot!;
    } else {
      if (pos >= end) return give();
      const k = src[pos];
      // Keys: fixstr only (msgpackr reads other keys through a conversion this reader does not copy).
      if (k < 0xa0 || k >= 0xc0) return give();
      const keyStart = pos++;
      const key = readString(k & 0x1f);
      if (key === null || key === '__proto__') return give();
      let next = at.next.get(key);
      if (next === undefined) {
        if (shapeCount >= MAX_SHAPES) return give();
        next = shape([...at.keys, key]);
        at.next.set(key, next);
        shapeCount++;
      }
      at.hotBytes = src.slice(keyStart, pos);
      at.hot = next;
      at = next;
    }
    const v = read();
    values[top++] = v;
  }
  top = base;
  if (gaveUp) return null;
  at.make ??= factory(at.keys);
  return at.make(values, base);
}

function startsWith(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (pos + n > end) return false;
  for (let i = 0; i < n; i++) if (src[pos + i] !== bytes[i]) return false;
  return true;
}

/** `(v, at) => ({ k0: v[at], k1: v[at + 1], … })`. Keys are ASCII, quoted by JSON.stringify. */
function factory(keys: string[]): (values: unknown[], at: number) => Record<string, unknown> {
  const fields = keys.map((k, i) => `${JSON.stringify(k)}: v[at + ${i}]`).join(', ');
  return new Function('v', 'at', `return { ${fields} };`) as (values: unknown[], at: number) => Record<string, unknown>;
}

function readString(length: number): string | null {
  if (pos + length > end) return give();
  const start = pos;
  if (length <= CACHED_MAX) {
    let h = length;
    for (let i = start; i < start + length; i++) {
      const c = src[i];
      if (c >= 0x80) return give();
      h = (Math.imul(h, 31) + c) | 0;
    }
    const slot = (h ^ (h >>> 12)) & (CACHE_SLOTS - 1);
    const hit = cache[slot];
    pos += length;
    if (hit !== undefined && hit.bytes.length === length) {
      const bytes = hit.bytes;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (bytes[i] !== src[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return hit.value;
    }
    const value = latin1(start, length);
    cache[slot] = { bytes: src.slice(start, start + length), value };
    return value;
  }
  for (let i = start; i < start + length; i++) if (src[i] >= 0x80) return give();
  pos += length;
  return latin1(start, length);
}

/** ASCII bytes as a string (the caller has checked every byte is below 0x80). */
function latin1(start: number, length: number): string {
  return Buffer.prototype.latin1Slice.call(src, start, start + length) as string;
}
