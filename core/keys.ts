/**
 * API keys and their nonce high-water marks, as engine state: registered
 * and revoked by journaled commands, advanced by the `auth` that signed
 * commands carry (or by `advanceNonce` for signed queries), so replay
 * protection survives a restart exactly as the journal replays.
 *
 * A signed command consumes its nonce even when the command itself is
 * rejected: a captured request that failed once (say, for margin) cannot be
 * replayed later when it would succeed. That write is the one exception to
 * "a rejection changes nothing", and it touches only the key's nonce.
 */
import type { AdvanceNonce, Auth, RegisterKey, RevokeKey } from './commands.ts';
import { type Rejection, reject } from './errors.ts';
import type { EngineState } from './state.ts';

export type KeyScheme = 'ed25519' | 'hmac-sha256';

export interface ApiKey {
  readonly keyId: string;
  readonly account: number;
  readonly roles: readonly string[];
  readonly scheme: KeyScheme;
  /** Ed25519: the 32-byte public key; HMAC: the shared secret (hex). */
  readonly material: string;
  revoked: boolean;
  /** The highest nonce accepted. */
  nonce: number;
}

export const KEY_ID_RE = /^[A-Za-z0-9._:-]{1,64}$/;
const ROLE_RE = /^[a-z-]{1,32}$/;
export const MAX_KEYS = 1_000_000;

export function registerKey(s: EngineState, cmd: RegisterKey): Rejection | null {
  if (!s.accounts.exists(cmd.account)) return reject('UNKNOWN_ACCOUNT', `account ${cmd.account}`);
  if (s.apiKeys.size >= MAX_KEYS) return reject('TOO_MANY_KEYS', `at most ${MAX_KEYS}`);
  const existing = s.apiKeys.get(cmd.keyId);
  if (existing !== undefined && !existing.revoked) return reject('DUPLICATE_KEY', cmd.keyId);
  const key: ApiKey = {
    keyId: cmd.keyId,
    account: cmd.account,
    roles: Object.freeze([...new Set(cmd.roles)]),
    scheme: cmd.scheme,
    material: cmd.material,
    revoked: false,
    // A re-registered id keeps its high-water mark: old nonces stay dead.
    nonce: existing?.nonce ?? 0,
  };
  s.apiKeys.set(cmd.keyId, key);
  s.undo.onRollback(() => {
    if (existing === undefined) s.apiKeys.delete(cmd.keyId);
    else s.apiKeys.set(cmd.keyId, existing);
  });
  s.events.push({
    type: 'keyRegistered',
    keyId: cmd.keyId,
    account: cmd.account,
    roles: [...key.roles],
    scheme: cmd.scheme,
  });
  return null;
}

export function revokeKey(s: EngineState, cmd: RevokeKey): Rejection | null {
  const key = s.apiKeys.get(cmd.keyId);
  if (key === undefined || key.revoked) return reject('UNKNOWN_KEY', cmd.keyId);
  s.undo.set(key, 'revoked', true);
  s.events.push({ type: 'keyRevoked', keyId: cmd.keyId });
  return null;
}

/**
 * Check and consume a nonce. Returns a rejection without writing anything
 * when the key is unknown or the nonce is not above the high-water mark.
 * The write is not undo-logged: it stays even if the command is rejected.
 */
export function consumeNonce(s: EngineState, auth: Auth): Rejection | null {
  const key = s.apiKeys.get(auth.keyId);
  if (key === undefined || key.revoked) return reject('UNKNOWN_KEY', auth.keyId);
  if (!(auth.nonce > key.nonce)) return reject('NONCE_USED', `nonce ${auth.nonce} ≤ ${key.nonce}`);
  key.nonce = auth.nonce;
  return null;
}

export function advanceNonce(s: EngineState, cmd: AdvanceNonce): Rejection | null {
  return consumeNonce(s, { keyId: cmd.keyId, nonce: cmd.nonce });
}

export function checkKeyShape(c: Record<string, unknown>): Rejection | null {
  if (typeof c.keyId !== 'string' || !KEY_ID_RE.test(c.keyId)) return reject('BAD_COMMAND', 'keyId');
  if (c.type !== 'registerKey') return null;
  if (!Array.isArray(c.roles) || c.roles.length === 0 || c.roles.length > 8) return reject('BAD_COMMAND', 'roles');
  for (const r of c.roles) if (typeof r !== 'string' || !ROLE_RE.test(r)) return reject('BAD_COMMAND', 'roles');
  if (c.scheme !== 'ed25519' && c.scheme !== 'hmac-sha256') return reject('BAD_COMMAND', 'scheme');
  if (typeof c.material !== 'string' || !/^([0-9a-f]{2}){16,64}$/.test(c.material)) {
    return reject('BAD_COMMAND', 'material must be 16 to 64 bytes of lower-case hex');
  }
  if (c.scheme === 'ed25519' && c.material.length !== 64) return reject('BAD_COMMAND', 'an Ed25519 key is 32 bytes');
  return null;
}

/** Keys in keyId order, for the state hash and snapshots. */
export function sortedKeys(s: EngineState): ApiKey[] {
  return [...s.apiKeys.values()].sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0));
}
