/**
 * API keys and their nonce high-water marks, behind one interface so the
 * in-memory registry here can later be replaced by one backed by engine
 * state (registerKey / revokeKey commands, and the nonce journaled with
 * every signed command; see docs/PROTOCOL.md "Durability of keys and
 * nonces"). This gateway persists nothing itself.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ROLES, type Role } from '../protocol.ts';

export type KeyScheme = 'ed25519' | 'hmac-sha256';

export interface KeyRecord {
  readonly keyId: string;
  readonly account: number;
  readonly roles: readonly Role[];
  readonly scheme: KeyScheme;
  /** Ed25519 public key (scheme ed25519). */
  readonly publicKey: KeyObject | null;
  /** Shared secret (scheme hmac-sha256). */
  readonly secret: Buffer | null;
}

/** What registration takes: raw key material as hex. */
export interface KeyRegistration {
  keyId: string;
  account: number;
  roles: readonly Role[];
  scheme: KeyScheme;
  /** 32-byte raw Ed25519 public key, hex (scheme ed25519). */
  publicKey?: string;
  /** 16–64-byte secret, hex (scheme hmac-sha256). */
  secret?: string;
}

export interface KeyRegistry {
  get(keyId: string): KeyRecord | undefined;
  /** Adds or replaces a key; returns an error message when the registration is invalid. */
  register(reg: KeyRegistration): string | null;
  /** Removes a key; false when it did not exist. Its nonce high-water mark is kept, so the id cannot be replayed. */
  revoke(keyId: string): boolean;
  /** The highest nonce accepted for the key (0 when none). */
  lastNonce(keyId: string): number;
  /** Accepts `nonce` only if it is greater than lastNonce, and records it. */
  advanceNonce(keyId: string, nonce: number): boolean;
  readonly size: number;
}

export const KEY_ID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';
const KEY_ID_RE = new RegExp(KEY_ID_PATTERN);
/** DER prefix of an SPKI-wrapped raw Ed25519 public key (RFC 8410). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function ed25519PublicKeyFromRaw(rawHex: string): KeyObject | null {
  if (!/^[0-9a-f]{64}$/.test(rawHex)) return null;
  try {
    return createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(rawHex, 'hex')]),
      format: 'der',
      type: 'spki',
    });
  } catch {
    return null;
  }
}

export class InMemoryKeyRegistry implements KeyRegistry {
  private readonly keys = new Map<string, KeyRecord>();
  private readonly nonces = new Map<string, number>();

  get size(): number {
    return this.keys.size;
  }

  get(keyId: string): KeyRecord | undefined {
    return this.keys.get(keyId);
  }

  register(reg: KeyRegistration): string | null {
    if (typeof reg.keyId !== 'string' || !KEY_ID_RE.test(reg.keyId)) return `keyId must match ${KEY_ID_PATTERN}`;
    if (!Number.isSafeInteger(reg.account) || reg.account < 0) return 'account must be a non-negative integer';
    if (!Array.isArray(reg.roles) || reg.roles.length === 0) return 'roles must be a non-empty list';
    for (const r of reg.roles) if (!ROLES.includes(r)) return `unknown role ${String(r)}`;
    let publicKey: KeyObject | null = null;
    let secret: Buffer | null = null;
    if (reg.scheme === 'ed25519') {
      publicKey = ed25519PublicKeyFromRaw(reg.publicKey ?? '');
      if (publicKey === null) return 'publicKey must be a 32-byte Ed25519 public key in lower-case hex';
    } else if (reg.scheme === 'hmac-sha256') {
      if (typeof reg.secret !== 'string' || !/^([0-9a-f]{2}){16,64}$/.test(reg.secret)) {
        return 'secret must be 16 to 64 bytes in lower-case hex';
      }
      secret = Buffer.from(reg.secret, 'hex');
    } else {
      return 'scheme must be ed25519 or hmac-sha256';
    }
    this.keys.set(reg.keyId, {
      keyId: reg.keyId,
      account: reg.account,
      roles: Object.freeze([...new Set(reg.roles)]),
      scheme: reg.scheme,
      publicKey,
      secret,
    });
    return null;
  }

  revoke(keyId: string): boolean {
    return this.keys.delete(keyId);
  }

  lastNonce(keyId: string): number {
    return this.nonces.get(keyId) ?? 0;
  }

  advanceNonce(keyId: string, nonce: number): boolean {
    if (!(nonce > (this.nonces.get(keyId) ?? 0))) return false;
    this.nonces.set(keyId, nonce);
    return true;
  }
}
