/**
 * A structural pre-check of a MessagePack frame, run before msgpackr sees
 * it. It walks the bytes iteratively (no recursion, so hostile nesting
 * cannot overflow the stack) and refuses, with a reason:
 *   - truncation and trailing bytes (exactly one value must fill the frame);
 *   - a declared length or element count the rest of the frame cannot hold
 *     (so a "4 GiB string" header costs nothing);
 *   - nesting past maxDepth and more than maxItems elements in all;
 *   - every extension type (fixext, ext 8/16/32: timestamps included) and the
 *     reserved byte 0xc1;
 *   - map keys that are not strings, and the keys __proto__, constructor and
 *     prototype;
 *   - strings that are not valid UTF-8.
 * What passes is plain MessagePack: nil, booleans, numbers, strings, binary,
 * arrays and string-keyed maps.
 */
import { isUtf8 } from 'node:buffer';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function scanMsgpack(buf: Uint8Array, maxDepth: number, maxItems: number): string | null {
  const len = buf.length;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // Open containers: elements still to read, whether it is a map, elements read so far.
  const remaining: number[] = [1];
  const isMap: boolean[] = [false];
  const read: number[] = [0];
  let items = 0;
  let pos = 0;
  while (remaining.length > 0) {
    const top = remaining.length - 1;
    if (remaining[top] === 0) {
      remaining.pop();
      isMap.pop();
      read.pop();
      continue;
    }
    remaining[top]--;
    const isKey = isMap[top] && read[top] % 2 === 0;
    read[top]++;
    if (pos >= len) return 'truncated frame';
    const b = buf[pos++];
    let strLen = -1;
    let skip = 0;
    let count = -1;
    let map = false;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      skip = 0;
    } else if (b >= 0x80 && b <= 0x8f) {
      count = b & 0x0f;
      map = true;
    } else if (b >= 0x90 && b <= 0x9f) {
      count = b & 0x0f;
    } else if (b >= 0xa0 && b <= 0xbf) {
      strLen = b & 0x1f;
    } else {
      const need = HEADER_BYTES[b] ?? -1;
      if (need < 0) return b === 0xc1 ? 'reserved byte 0xc1' : `extension type 0x${b.toString(16)} is not accepted`;
      if (pos + need > len) return 'truncated frame';
      const n = need === 1 ? buf[pos] : need === 2 ? view.getUint16(pos) : need === 4 ? view.getUint32(pos) : 0;
      switch (b) {
        case 0xc4:
        case 0xc5:
        case 0xc6:
          skip = n;
          break;
        case 0xd9:
        case 0xda:
        case 0xdb:
          strLen = n;
          break;
        case 0xdc:
        case 0xdd:
          count = n;
          break;
        case 0xde:
        case 0xdf:
          count = n;
          map = true;
          break;
        default:
        // Fixed-width numbers: the bytes after the type byte are the value itself.
      }
      pos += need;
    }
    if (isKey && strLen < 0) return 'map keys must be strings';
    if (strLen >= 0) {
      if (strLen > len - pos) return `declared string length ${strLen} exceeds the frame`;
      const bytes = buf.subarray(pos, pos + strLen);
      if (!isUtf8(bytes)) return 'string is not valid UTF-8';
      if (isKey && strLen <= 11 && FORBIDDEN_KEYS.has(Buffer.from(bytes).toString('latin1'))) {
        return `forbidden key ${Buffer.from(bytes).toString('latin1')}`;
      }
      pos += strLen;
      continue;
    }
    if (skip > 0) {
      if (skip > len - pos) return `declared length ${skip} exceeds the frame`;
      pos += skip;
      continue;
    }
    if (count >= 0) {
      const elements = map ? count * 2 : count;
      if (elements > len - pos) return `declared ${map ? 'map' : 'array'} size ${count} exceeds the frame`;
      items += count;
      if (items > maxItems) return `more than ${maxItems} elements`;
      if (remaining.length > maxDepth) return `nesting deeper than ${maxDepth}`;
      remaining.push(elements);
      isMap.push(map);
      read.push(0);
    }
  }
  if (pos !== len) return `${len - pos} trailing bytes after the value`;
  return null;
}

/**
 * Bytes following the type byte: a length field (bin, str, array, map) or
 * the value itself (fixed-width numbers). Extension types and 0xc1 are absent.
 */
const HEADER_BYTES: Record<number, number> = {
  196: 1,
  197: 2,
  198: 4,
  202: 4,
  203: 8,
  204: 1,
  205: 2,
  206: 4,
  207: 8,
  208: 1,
  209: 2,
  210: 4,
  211: 8,
  217: 1,
  218: 2,
  219: 4,
  220: 2,
  221: 4,
  222: 2,
  223: 4,
};
