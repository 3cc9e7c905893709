/**
 * The canonical body a signature covers, identical whichever encoding
 * carried the request:
 *
 *   clearloop-v1\n{"key":…,"nonce":…,"op":…,"params":{…},"ts":…}
 *
 * JSON with object keys sorted by code unit at every level, no whitespace,
 * arrays in order, numbers as JavaScript prints them (the schema admits only
 * safe integers), absent params as {}. The request id is not covered: it is
 * the client's correlation handle, and the nonce already makes each signed
 * body single-use.
 */
import { SIGNING_DOMAIN } from '../protocol.ts';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('canonicalJson: non-finite number');
    if (value === undefined) throw new TypeError('canonicalJson: undefined');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export interface SignedFields {
  op: string;
  params: Record<string, unknown> | undefined;
  key: string;
  ts: number;
  nonce: number;
}

export function signingPayload(f: SignedFields): string {
  return `${SIGNING_DOMAIN}\n${canonicalJson({ key: f.key, nonce: f.nonce, op: f.op, params: f.params ?? {}, ts: f.ts })}`;
}
