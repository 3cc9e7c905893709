/**
 * A KeyRegistry backed by engine state (core/keys.ts): keys are registered
 * and revoked by journaled engine commands, and every signed command carries
 * its nonce to the engine, which consumes it durably — so keys and replay
 * protection survive a restart exactly as the journal replays.
 *
 * The gateway still checks nonces synchronously when it authenticates: the
 * high-water mark it checks against is the larger of the engine's and the
 * highest nonce it has accepted since (commands in flight, and signed
 * queries, whose nonces are not journaled: replaying a query changes
 * nothing).
 */
import type { KeyObject } from 'node:crypto';
import type { Engine } from '../../core/engine.ts';
import type { Role } from '../protocol.ts';
import { ed25519PublicKeyFromRaw, type KeyRecord, type KeyRegistration, type KeyRegistry } from './keys.ts';

export class EngineKeyRegistry implements KeyRegistry {
  /** Registrations and revocations go to the engine as commands (dispatch.ts checks this flag). */
  readonly durable = true;
  private readonly pending = new Map<string, number>();
  /** Per key id: the engine's ApiKey object a record was built from (a new registration is a new object). */
  private readonly records = new Map<string, { source: object; record: KeyRecord }>();

  constructor(private readonly engine: Engine) {}

  get size(): number {
    let n = 0;
    for (const k of this.engine.apiKeys.values()) if (!k.revoked) n++;
    return n;
  }

  get(keyId: string): KeyRecord | undefined {
    const k = this.engine.apiKeys.get(keyId);
    if (k === undefined || k.revoked) return undefined;
    const cached = this.records.get(keyId);
    if (cached !== undefined && cached.source === k) return cached.record;
    let publicKey: KeyObject | null = null;
    let secret: Buffer | null = null;
    if (k.scheme === 'ed25519') publicKey = ed25519PublicKeyFromRaw(k.material);
    else secret = Buffer.from(k.material, 'hex');
    const record: KeyRecord = {
      keyId,
      account: k.account,
      roles: Object.freeze([...k.roles]) as readonly Role[],
      scheme: k.scheme,
      publicKey,
      secret,
    };
    this.records.set(keyId, { source: k, record });
    return record;
  }

  /** Not used: registrations are engine commands (see `durable`). */
  register(_reg: KeyRegistration): string | null {
    return 'keys are registered through the engine (registerKey command)';
  }

  /** Not used: revocations are engine commands (see `durable`). */
  revoke(_keyId: string): boolean {
    return false;
  }

  lastNonce(keyId: string): number {
    return Math.max(this.engine.apiKeys.get(keyId)?.nonce ?? 0, this.pending.get(keyId) ?? 0);
  }

  advanceNonce(keyId: string, nonce: number): boolean {
    if (!(nonce > this.lastNonce(keyId))) return false;
    this.pending.set(keyId, nonce);
    return true;
  }
}

export function isDurable(keys: KeyRegistry): keys is EngineKeyRegistry {
  return (keys as { durable?: boolean }).durable === true;
}
