/**
 * REST helpers over fetch: public GETs, and signed requests carrying the
 * signature in x-cl-key / x-cl-ts / x-cl-nonce / x-cl-sig over the same
 * canonical body as a WebSocket request (op + params).
 */
import type { Reply } from '../protocol.ts';
import { type Signer, signFields } from './signer.ts';

function queryString(params: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

export async function restGet(
  baseUrl: string,
  path: string,
  params: Record<string, unknown> = {},
): Promise<{ status: number; body: Reply }> {
  const res = await fetch(`${baseUrl}${path}${queryString(params)}`);
  return { status: res.status, body: (await res.json()) as Reply };
}

/** Signed GET: `op` is the op the route maps to (account, positions, history, orders). */
export async function restSignedGet(
  baseUrl: string,
  path: string,
  op: string,
  params: Record<string, unknown>,
  signer: Signer,
  clock: () => number = Date.now,
): Promise<{ status: number; body: Reply }> {
  const f = signFields(signer, op, params, clock());
  const res = await fetch(`${baseUrl}${path}${queryString(params)}`, {
    headers: { 'x-cl-key': f.key, 'x-cl-ts': String(f.ts), 'x-cl-nonce': String(f.nonce), 'x-cl-sig': f.sig },
  });
  return { status: res.status, body: (await res.json()) as Reply };
}

/** Signed POST with a JSON body (POST /v1/orders → marketOrder). */
export async function restSignedPost(
  baseUrl: string,
  path: string,
  op: string,
  params: Record<string, unknown>,
  signer: Signer,
  clock: () => number = Date.now,
): Promise<{ status: number; body: Reply }> {
  const f = signFields(signer, op, params, clock());
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-cl-key': f.key,
      'x-cl-ts': String(f.ts),
      'x-cl-nonce': String(f.nonce),
      'x-cl-sig': f.sig,
    },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Reply };
}

/** Signed headers for a request body (benches build their own requests). */
export function signedHeaders(
  signer: Signer,
  op: string,
  params: Record<string, unknown>,
  ts: number,
): Record<string, string> {
  const f = signFields(signer, op, params, ts);
  return { 'x-cl-key': f.key, 'x-cl-ts': String(f.ts), 'x-cl-nonce': String(f.nonce), 'x-cl-sig': f.sig };
}
