/**
 * Frames ⇄ values. Text frames carry JSON, binary frames carry plain
 * MessagePack (no records extension, no structured clone, no extension types
 * at all on input; decoded by msgpack-scan.ts, encoded by msgpackr); both
 * carry the same schema. Decoding never throws: a bad
 * frame is a reason string. Encoding produces what uWS and fetch can send.
 */
import { Packr } from 'msgpackr';
import { jsonNestingExceeds } from './json-scan.ts';
import { decodeMsgpack } from './msgpack-scan.ts';

export type Encoding = 'json' | 'msgpack';

export interface DecodeLimits {
  maxNestingDepth: number;
  maxItemsPerMessage: number;
}

export type Decoded = { ok: true; value: unknown } | { ok: false; reason: string };

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeFrame(data: Uint8Array, encoding: Encoding, limits: DecodeLimits): Decoded {
  if (encoding === 'msgpack') {
    return decodeMsgpack(data, limits.maxNestingDepth, limits.maxItemsPerMessage);
  }
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { ok: false, reason: 'text is not valid UTF-8' };
  }
  return decodeJsonText(text, limits);
}

export function decodeJsonText(text: string, limits: DecodeLimits): Decoded {
  if (jsonNestingExceeds(text, limits.maxNestingDepth)) {
    return { ok: false, reason: `nesting deeper than ${limits.maxNestingDepth}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reason: `JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(value);
}

export function encodeMsgpack(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function encode(value: unknown, encoding: Encoding): string | Uint8Array {
  return encoding === 'json' ? JSON.stringify(value) : packr.pack(value);
}

/**
 * The reply `{ id, ok: true, result: { seq } }` (a command acknowledged with
 * replies 'ack'), written directly for the message the gateway sends most
 * under load: it decodes to the same value as msgpackr's encoding (which
 * differs only in writing the maps' sizes as map16).
 */
export function encodeAck(id: number | string | null, seq: number, encoding: Encoding): string | Uint8Array {
  if (encoding === 'json' || typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || !(seq >= 0)) {
    return encoding === 'json'
      ? JSON.stringify({ id, ok: true, result: { seq } })
      : packr.pack({ id, ok: true, result: { seq } });
  }
  const out = Buffer.allocUnsafe(ACK_HEAD.length + ACK_MIDDLE.length + 2 * 9);
  out.set(ACK_HEAD, 0);
  let p = writeUint(out, ACK_HEAD.length, id);
  out.set(ACK_MIDDLE, p);
  p = writeUint(out, p + ACK_MIDDLE.length, seq);
  return out.subarray(0, p);
}

/** fixmap(3) "id" */
const ACK_HEAD = Uint8Array.from([0x83, 0xa2, 0x69, 0x64]);
/** "ok" true "result" fixmap(1) "seq" */
const ACK_MIDDLE = Uint8Array.from([
  0xa2,
  0x6f,
  0x6b,
  0xc3,
  0xa6,
  ...Buffer.from('result'),
  0x81,
  0xa3,
  ...Buffer.from('seq'),
]);

/** A non-negative safe integer as msgpackr writes it (smallest unsigned form up to 32 bits). */
function writeUint(out: Buffer, p: number, n: number): number {
  if (n < 0x80) out[p++] = n;
  else if (n < 0x100) {
    out[p++] = 0xcc;
    out[p++] = n;
  } else if (n < 0x10000) {
    out[p++] = 0xcd;
    out.writeUInt16BE(n, p);
    p += 2;
  } else if (n < 0x100000000) {
    out[p++] = 0xce;
    out.writeUInt32BE(n, p);
    p += 4;
  } else {
    // As msgpackr writes integers past 32 bits: a float64, exact for safe integers.
    out[p++] = 0xcb;
    out.writeDoubleBE(n, p);
    p += 8;
  }
  return p;
}
