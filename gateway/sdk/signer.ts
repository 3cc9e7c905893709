/**
 * Request signing for the SDK: Ed25519 (node:crypto) or HMAC-SHA256 over the
 * canonical body (auth/canonical.ts), with a timestamp and a nonce that
 * increases strictly per signer. Nonces start from the clock in µs, so a
 * restarted client continues above the nonces it used before.
 */
import { createHmac, createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { signingPayload } from '../auth/canonical.ts';

export interface Signer {
  readonly keyId: string;
  readonly scheme: 'ed25519' | 'hmac-sha256';
  /** Hex signature of a signing payload. */
  sign(payload: string): string;
  /** A nonce greater than every nonce this signer issued before. */
  nextNonce(): number;
}

export interface SignatureFields {
  key: string;
  ts: number;
  nonce: number;
  sig: string;
}

function nonceSource(clock: () => number): () => number {
  let last = 0;
  return () => {
    last = Math.max(last + 1, Math.floor(clock() * 1000));
    return last;
  };
}

export function ed25519Signer(keyId: string, privateKey: KeyObject, clock: () => number = Date.now): Signer {
  const next = nonceSource(clock);
  return {
    keyId,
    scheme: 'ed25519',
    sign: (payload) => sign(null, Buffer.from(payload, 'utf8'), privateKey).toString('hex'),
    nextNonce: next,
  };
}

export function hmacSigner(keyId: string, secretHex: string, clock: () => number = Date.now): Signer {
  const secret = Buffer.from(secretHex, 'hex');
  const next = nonceSource(clock);
  return {
    keyId,
    scheme: 'hmac-sha256',
    sign: (payload) => createHmac('sha256', secret).update(payload, 'utf8').digest('hex'),
    nextNonce: next,
  };
}

/** A fresh Ed25519 key pair: the raw public key as hex (what registerKey takes) and the private KeyObject. */
export function generateEd25519Key(): { publicKeyHex: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKeyHex: der.subarray(der.length - 32).toString('hex'), privateKey };
}

/** An Ed25519 private key from its PKCS#8 PEM. */
export function ed25519PrivateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function signFields(
  signer: Signer,
  op: string,
  params: Record<string, unknown> | undefined,
  ts: number,
): SignatureFields {
  const nonce = signer.nextNonce();
  const sig = signer.sign(signingPayload({ op, params, key: signer.keyId, ts, nonce }));
  return { key: signer.keyId, ts, nonce, sig };
}
