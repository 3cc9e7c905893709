/**
 * The authentication ladder for a signed request, cheapest and least
 * revealing checks first; each failure is a named result:
 *
 *   fields present ─ UNAUTHORIZED      key registered ─ UNAUTHORIZED
 *   ts within window ─ STALE_TIMESTAMP signature verifies ─ BAD_SIGNATURE
 *   nonce > high-water mark ─ NONCE_REPLAYED
 *
 * The nonce is recorded only after the signature verifies, so nobody can
 * burn another key's nonces. Role checks come after (dispatch.ts).
 */
import { createHmac, timingSafeEqual, verify } from 'node:crypto';
import { type WireError, wireError } from '../errors.ts';
import type { Request } from '../protocol.ts';
import { signingPayload } from './canonical.ts';
import type { KeyRecord, KeyRegistry } from './keys.ts';

export type AuthResult = { ok: true; key: KeyRecord } | { ok: false; error: WireError };

export function verifySignature(key: KeyRecord, payload: string, sigHex: string): boolean {
  const data = Buffer.from(payload, 'utf8');
  if (key.scheme === 'ed25519') {
    if (sigHex.length !== 128 || key.publicKey === null) return false;
    try {
      return verify(null, data, key.publicKey, Buffer.from(sigHex, 'hex'));
    } catch {
      return false;
    }
  }
  if (sigHex.length !== 64 || key.secret === null) return false;
  const expected = createHmac('sha256', key.secret).update(data).digest();
  return timingSafeEqual(expected, Buffer.from(sigHex, 'hex'));
}

export function authenticate(
  req: Request,
  params: Record<string, unknown> | undefined,
  keys: KeyRegistry,
  now: number,
  windowMs: number,
): AuthResult {
  const { key: keyId, ts, nonce, sig } = req;
  if (keyId === undefined || ts === undefined || nonce === undefined || sig === undefined) {
    return { ok: false, error: wireError('UNAUTHORIZED', 'key, ts, nonce and sig are required') };
  }
  const key = keys.get(keyId);
  if (key === undefined) return { ok: false, error: wireError('UNAUTHORIZED', `unknown key ${keyId}`) };
  if (Math.abs(now - ts) > windowMs) {
    return {
      ok: false,
      error: wireError('STALE_TIMESTAMP', `ts ${ts} is ${now - ts} ms from the gateway clock (window ±${windowMs} ms)`),
    };
  }
  const payload = signingPayload({ op: req.op, params, key: keyId, ts, nonce });
  if (!verifySignature(key, payload, sig)) return { ok: false, error: wireError('BAD_SIGNATURE') };
  if (!keys.advanceNonce(keyId, nonce)) {
    return { ok: false, error: wireError('NONCE_REPLAYED', `nonce ${nonce} ≤ last accepted ${keys.lastNonce(keyId)}`) };
  }
  return { ok: true, key };
}

/**
 * A request on a logged-on connection that carries no signature: the
 * connection's logon vouches for the key, and the request's nonce must still
 * pass the key's high-water mark (one counter per key, shared with signed
 * requests). The key must still be the one the logon verified: revoked or
 * re-registered keys end what the logon allowed.
 */
export function authenticateSession(req: Request, logonKey: KeyRecord, keys: KeyRegistry): AuthResult {
  if (req.key !== undefined || req.ts !== undefined) {
    return {
      ok: false,
      error: wireError('UNAUTHORIZED', 'a request under a session logon carries a nonce and no key, ts or sig'),
    };
  }
  const nonce = req.nonce;
  if (nonce === undefined) return { ok: false, error: wireError('UNAUTHORIZED', 'nonce is required') };
  const keyId = logonKey.keyId;
  if (keys.get(keyId) !== logonKey) {
    return { ok: false, error: wireError('UNAUTHORIZED', `key ${keyId} was revoked or replaced since the logon`) };
  }
  if (!keys.advanceNonce(keyId, nonce)) {
    return { ok: false, error: wireError('NONCE_REPLAYED', `nonce ${nonce} ≤ last accepted ${keys.lastNonce(keyId)}`) };
  }
  return { ok: true, key: logonKey };
}
