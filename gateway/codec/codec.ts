/**
 * Frames ⇄ values. Text frames carry JSON, binary frames carry plain
 * MessagePack (no records extension, no structured clone, no extension types
 * at all on input); both carry the same schema. Decoding never throws: a bad
 * frame is a reason string. Encoding produces what uWS and fetch can send.
 */
import { Packr, Unpackr } from 'msgpackr';
import { jsonNestingExceeds } from './json-scan.ts';
import { scanMsgpack } from './msgpack-scan.ts';

export type Encoding = 'json' | 'msgpack';

export interface DecodeLimits {
  maxNestingDepth: number;
  maxItemsPerMessage: number;
}

export type Decoded = { ok: true; value: unknown } | { ok: false; reason: string };

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeFrame(data: Uint8Array, encoding: Encoding, limits: DecodeLimits): Decoded {
  if (encoding === 'msgpack') {
    const reason = scanMsgpack(data, limits.maxNestingDepth, limits.maxItemsPerMessage);
    if (reason !== null) return { ok: false, reason };
    try {
      return { ok: true, value: unpackr.unpack(data) };
    } catch (err) {
      return { ok: false, reason: `MessagePack: ${err instanceof Error ? err.message : String(err)}` };
    }
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
