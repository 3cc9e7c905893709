/**
 * The admin key file. On its first start (an empty journal) the server
 * creates the admin account (0) and writes the private half of its Ed25519
 * key beside the journal, as `<journal>.admin-key.json` (mode 0600):
 *
 *   { "keyId": "admin", "account": 0, "publicKey": "<32 bytes hex>",
 *     "privateKeyPkcs8": "<DER PKCS#8 hex>" }
 *
 * Bots, tests and operators load it here to sign as the admin, instead of
 * parsing it by hand. Nonces rise from the clock in µs (signer.ts), so
 * several processes may load the same file one after another; two signing at
 * the same moment may collide on a nonce (NONCE_REUSED): give each its own key.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ed25519Signer, type Signer } from './signer.ts';

export interface AdminKeyFile {
  keyId: string;
  account: number;
  /** Raw Ed25519 public key, hex (what the engine registered). */
  publicKey: string;
  /** DER PKCS#8 private key, hex. */
  privateKeyPkcs8: string;
}

export interface AdminKey extends AdminKeyFile {
  privateKey: KeyObject;
  signer: Signer;
}

/** Where the server writes the admin key for a journal path. */
export function adminKeyPathFor(journalPath: string): string {
  return `${journalPath}.admin-key.json`;
}

/** Parses and checks an admin key file's contents; throws naming the file and the problem. */
export function parseAdminKeyFile(text: string, where = 'admin key file'): AdminKeyFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`);
  }
  const o = raw as Partial<AdminKeyFile> | null;
  if (typeof o !== 'object' || o === null) throw new Error(`${where}: not an admin key file (an object)`);
  if (typeof o.keyId !== 'string' || o.keyId === '') throw new Error(`${where}: keyId must be a string`);
  if (typeof o.account !== 'number' || !Number.isSafeInteger(o.account) || o.account < 0)
    throw new Error(`${where}: account must be a non-negative integer`);
  if (typeof o.privateKeyPkcs8 !== 'string' || !/^([0-9a-f]{2})+$/.test(o.privateKeyPkcs8))
    throw new Error(`${where}: privateKeyPkcs8 must be hex`);
  if (typeof o.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(o.publicKey))
    throw new Error(`${where}: publicKey must be 32 bytes of hex`);
  return { keyId: o.keyId, account: o.account, publicKey: o.publicKey, privateKeyPkcs8: o.privateKeyPkcs8 };
}

/** Reads an admin key file and checks it (the private key must be Ed25519 and match the public key). */
export function readAdminKeyFile(path: string): AdminKeyFile {
  const file = parseAdminKeyFile(readFileSync(path, 'utf8'), path);
  keyOf(file, path);
  return file;
}

function keyOf(file: AdminKeyFile, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(file.privateKeyPkcs8, 'hex'), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new Error(`${where}: privateKeyPkcs8 is not a PKCS#8 key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${where}: the key is not Ed25519`);
  const raw = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  if (raw !== file.publicKey) throw new Error(`${where}: privateKeyPkcs8 does not match publicKey`);
  return key;
}

/** A signer for an admin key file's contents. */
export function adminSigner(file: AdminKeyFile, clock: () => number = Date.now): Signer {
  return ed25519Signer(file.keyId, keyOf(file, `key ${file.keyId}`), clock);
}

/**
 * Loads the admin key: a path to the file, or `{ journal }` for the file the
 * server wrote beside that journal. Returns the file's fields, the private
 * key and a signer (`GatewayClient.connect({ url, signer: admin.signer })`).
 */
export function loadAdminKey(from: string | { journal: string }, clock: () => number = Date.now): AdminKey {
  const path = typeof from === 'string' ? from : adminKeyPathFor(from.journal);
  const file = readAdminKeyFile(path);
  const privateKey = keyOf(file, path);
  return { ...file, privateKey, signer: ed25519Signer(file.keyId, privateKey, clock) };
}
