/**
 * Account setup through the admin key: the server writes the admin's
 * Ed25519 key to `<journal>.admin-key.json` on its first start; with it an
 * operator creates an account per bot, registers one key per bot with the
 * roles it needs, and deposits its collateral. All of it goes over the
 * WebSocket as signed admin requests.
 */
import { randomBytes } from 'node:crypto';
import { ed25519Signer, GatewayClient, generateEd25519Key, type Signer } from '../gateway/sdk/index.ts';
import { Exchange, type Role } from './exchange.ts';

// The admin key file is read by the SDK (gateway/sdk/admin-key.ts); re-exported for the bots' callers.
export { type AdminKeyFile, adminSigner, loadAdminKey, readAdminKeyFile } from '../gateway/sdk/admin-key.ts';

/** One bot's credentials: its account and a key registered for it. */
export interface BotCredentials {
  account: number;
  keyId: string;
  roles: Role[];
  signer: Signer;
}

export interface ProvisionRequest {
  /** Readable part of the key id; a random suffix keeps ids unique across runs on one journal. */
  name: string;
  roles: Role[];
  /** USDC to deposit, quote units (1e-6 USD); 0 deposits nothing. */
  deposit: number;
}

function keyIdFor(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 40);
  return `${clean}-${randomBytes(4).toString('hex')}`;
}

/**
 * The operator's side of bot setup, over one admin connection. Nonces of a
 * key must rise across connections, so this holds the only connection
 * signed by the admin key while it is open.
 */
export class Provisioner {
  readonly ex: Exchange;

  private constructor(readonly client: GatewayClient) {
    this.ex = new Exchange(client);
  }

  static async connect(url: string, admin: Signer): Promise<Provisioner> {
    return new Provisioner(await GatewayClient.connect({ url, signer: admin, requestTimeoutMs: 15_000 }));
  }

  /** A new account with one key holding `roles`, funded with `deposit`. */
  async account(req: ProvisionRequest): Promise<BotCredentials> {
    const account = await this.ex.createAccount();
    const creds = await this.key(account, req.name, req.roles);
    if (req.deposit > 0) await this.ex.deposit(account, req.deposit);
    return creds;
  }

  /** Another key on an existing account (say, a read-only key a liquidator watches it with). */
  async key(account: number, name: string, roles: Role[]): Promise<BotCredentials> {
    const { publicKeyHex, privateKey } = generateEd25519Key();
    const keyId = keyIdFor(name);
    await this.ex.registerKey({ keyId, account, roles, publicKeyHex });
    return { account, keyId, roles, signer: ed25519Signer(keyId, privateKey) };
  }

  deposit(account: number, amount: number): Promise<unknown> {
    return this.ex.deposit(account, amount);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** A bot's own connection: one key per connection, reconnecting with the SDK's backoff. */
export function connectAs(url: string, signer: Signer | null): Promise<GatewayClient> {
  return GatewayClient.connect({ url, signer, requestTimeoutMs: 15_000, reconnect: true });
}
