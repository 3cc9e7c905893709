/**
 * API keys and nonces as engine state: registered and revoked by commands,
 * consumed by the auth a signed command carries, kept across snapshots and
 * replay, and consumed even when the signed command itself is rejected.
 */
import { describe, expect, it } from 'vitest';
import type { AuthedCommand } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { restoreEngine, takeSnapshot } from '../../core/snapshot.ts';

const KEY = 'a'.repeat(64);

function setup(): Engine {
  const e = new Engine();
  e.apply({ type: 'createAccount' }, 1);
  e.apply({ type: 'registerKey', keyId: 'k1', account: 0, roles: ['trader'], scheme: 'ed25519', material: KEY }, 1);
  return e;
}

describe('keys and nonces', () => {
  it('accepts increasing nonces and rejects a replayed or lower one with NONCE_USED', () => {
    const e = setup();
    const dep = (nonce: number): AuthedCommand => ({
      type: 'deposit',
      account: 0,
      amount: 5,
      auth: { keyId: 'k1', nonce },
    });
    expect(e.apply(dep(10), 2).ok).toBe(true);
    const replay = e.apply(dep(10), 3);
    expect(replay.ok ? 'ok' : replay.code).toBe('NONCE_USED');
    const lower = e.apply(dep(9), 4);
    expect(lower.ok ? 'ok' : lower.code).toBe('NONCE_USED');
    expect(e.apply(dep(11), 5).ok).toBe(true);
    expect(e.accounts.collateral[0]).toBe(10);
  });

  it('consumes the nonce of a signed command that is rejected, so it cannot be replayed later', () => {
    const e = setup();
    const w = e.apply({ type: 'withdraw', account: 0, amount: 5, auth: { keyId: 'k1', nonce: 7 } } as AuthedCommand, 2);
    expect(w.ok ? 'ok' : w.code).toBe('INSUFFICIENT_COLLATERAL');
    e.apply({ type: 'deposit', account: 0, amount: 5 }, 3);
    const again = e.apply(
      { type: 'withdraw', account: 0, amount: 5, auth: { keyId: 'k1', nonce: 7 } } as AuthedCommand,
      4,
    );
    expect(again.ok ? 'ok' : again.code).toBe('NONCE_USED');
  });

  it('refuses unknown and revoked keys, and a re-registered id keeps its high-water mark', () => {
    const e = setup();
    expect(e.apply({ type: 'advanceNonce', keyId: 'k1', nonce: 50 }, 2).ok).toBe(true);
    const unknown = e.apply({ type: 'advanceNonce', keyId: 'nope', nonce: 1 }, 3);
    expect(unknown.ok ? 'ok' : unknown.code).toBe('UNKNOWN_KEY');
    expect(e.apply({ type: 'revokeKey', keyId: 'k1' }, 4).ok).toBe(true);
    const revoked = e.apply({ type: 'advanceNonce', keyId: 'k1', nonce: 51 }, 5);
    expect(revoked.ok ? 'ok' : revoked.code).toBe('UNKNOWN_KEY');
    e.apply({ type: 'registerKey', keyId: 'k1', account: 0, roles: ['trader'], scheme: 'ed25519', material: KEY }, 6);
    const old = e.apply({ type: 'advanceNonce', keyId: 'k1', nonce: 50 }, 7);
    expect(old.ok ? 'ok' : old.code).toBe('NONCE_USED');
  });

  it('keeps keys and nonces through a snapshot', () => {
    const e = setup();
    e.apply({ type: 'advanceNonce', keyId: 'k1', nonce: 99 }, 2);
    const r = restoreEngine(takeSnapshot(e));
    expect(r.stateHash()).toBe(e.stateHash());
    const replay = r.apply({ type: 'advanceNonce', keyId: 'k1', nonce: 99 }, 3);
    expect(replay.ok ? 'ok' : replay.code).toBe('NONCE_USED');
  });

  it('rejects malformed key commands with BAD_COMMAND', () => {
    const e = setup();
    const bad = [
      { type: 'registerKey', keyId: 'k2', account: 0, roles: [], scheme: 'ed25519', material: KEY },
      { type: 'registerKey', keyId: 'k2', account: 0, roles: ['trader'], scheme: 'rsa', material: KEY },
      { type: 'registerKey', keyId: 'k2', account: 0, roles: ['trader'], scheme: 'ed25519', material: 'zz' },
      { type: 'registerKey', keyId: 'bad key', account: 0, roles: ['trader'], scheme: 'ed25519', material: KEY },
      { type: 'advanceNonce', keyId: 'k1', nonce: -1 },
    ];
    const h = e.stateHash();
    for (const c of bad) {
      const r = e.apply(c as AuthedCommand, 2);
      expect(r.ok ? 'ok' : r.code).toBe('BAD_COMMAND');
    }
    expect(e.stateHash()).toBe(h);
  });
});
