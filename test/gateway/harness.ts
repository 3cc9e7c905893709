/**
 * A fresh Engine + Loop (no journal) + gateway on 127.0.0.1:0 per test, with
 * two markets priced by an oracle, funded accounts and one key per role.
 * Tests talk to it only over real sockets, through the SDK or raw frames.
 */
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { DEFAULT_LOOP_OPTIONS, Loop } from '../../core/loop.ts';
import { CommitFeed } from '../../gateway/commit-feed.ts';
import type { GatewayLimits } from '../../gateway/limits.ts';
import type { Role } from '../../gateway/protocol.ts';
import type { HistorySource } from '../../gateway/queries.ts';
import { GatewayClient } from '../../gateway/sdk/client.ts';
import { ed25519Signer, generateEd25519Key, hmacSigner, type Signer } from '../../gateway/sdk/signer.ts';
import { type Gateway, startGateway } from '../../gateway/server.ts';

export const BTC = 0;
export const ETH = 1;
export const BTC_PRICE = 60_000_000_000;
export const ETH_PRICE = 3_000_000_000;
export const FUNDS = 1_000_000_000_000; // 1M USD
export const ADMIN_ACCOUNT = 0;
export const TRADER = 1;
export const TRADER2 = 2;
export const LIQUIDATOR = 3;

export interface TestGateway {
  engine: Engine;
  loop: Loop;
  gw: Gateway;
  url: string;
  http: string;
  signers: Record<'admin' | 'trader' | 'trader2' | 'hmacTrader' | 'oracle' | 'liquidator' | 'reader', Signer>;
  client(signer?: Signer | null, encoding?: 'json' | 'msgpack', reconnect?: boolean): Promise<GatewayClient>;
  stop(): Promise<void>;
}

export interface TestOptions {
  limits?: Partial<GatewayLimits>;
  cancelAllForAccount?: (account: number) => void;
  history?: HistorySource;
  tickIntervalMs?: number;
  fundingIntervalMs?: number;
  /** Market parameters for both markets (core/params.ts names). */
  marketParams?: Record<string, number>;
}

const LONG_STALENESS = { oracleMaxStaleTradeMs: 86_400_000, oracleMaxStaleMarginMs: 86_400_000 };

export async function startTestGateway(opts: TestOptions = {}): Promise<TestGateway> {
  const engine = new Engine();
  const feed = new CommitFeed();
  const loop = new Loop(engine, Date.now, null, DEFAULT_LOOP_OPTIONS, feed.onCommitted);
  const now = Date.now();
  const must = (c: Command) => {
    const r = engine.apply(c, now);
    if (!r.ok) throw new Error(`setup ${c.type}: ${r.code} ${r.message}`);
  };
  const params = {
    ...LONG_STALENESS,
    ...(opts.fundingIntervalMs ? { fundingIntervalMs: opts.fundingIntervalMs } : {}),
    ...opts.marketParams,
  };
  must({ type: 'createMarket', symbol: 'BTC-PERP', initialPrice: BTC_PRICE, baseReserve: 1_000_000 * 1e9, params });
  must({ type: 'createMarket', symbol: 'ETH-PERP', initialPrice: ETH_PRICE, baseReserve: 1_000_000 * 1e9, params });
  must({ type: 'oracle', market: BTC, source: 0, price: BTC_PRICE, confidence: BTC_PRICE / 10_000, publishTs: now });
  must({ type: 'oracle', market: ETH, source: 0, price: ETH_PRICE, confidence: ETH_PRICE / 10_000, publishTs: now });
  for (let a = 0; a < 6; a++) {
    must({ type: 'createAccount' });
    must({ type: 'deposit', account: a, amount: FUNDS });
  }
  const gw = await startGateway({
    engine,
    loop,
    feed,
    limits: opts.limits,
    cancelAllForAccount: opts.cancelAllForAccount,
    history: opts.history,
    tickIntervalMs: opts.tickIntervalMs,
    processMetrics: false,
  });
  const ed = (keyId: string, account: number, roles: Role[]) => {
    const k = generateEd25519Key();
    const err = gw.keys.register({ keyId, account, roles, scheme: 'ed25519', publicKey: k.publicKeyHex });
    if (err !== null) throw new Error(err);
    return ed25519Signer(keyId, k.privateKey);
  };
  const secret = 'ab'.repeat(32);
  gw.keys.register({ keyId: 'hmac-trader', account: TRADER2, roles: ['trader'], scheme: 'hmac-sha256', secret });
  const signers = {
    admin: ed('admin', ADMIN_ACCOUNT, ['admin']),
    trader: ed('trader', TRADER, ['trader']),
    trader2: ed('trader2', TRADER2, ['trader']),
    hmacTrader: hmacSigner('hmac-trader', secret),
    oracle: ed('oracle', ADMIN_ACCOUNT, ['oracle']),
    liquidator: ed('liquidator', LIQUIDATOR, ['liquidator']),
    reader: ed('reader', TRADER, ['read-only']),
  };
  const url = `ws://127.0.0.1:${gw.port}`;
  const clients: GatewayClient[] = [];
  return {
    engine,
    loop,
    gw,
    url,
    http: `http://127.0.0.1:${gw.port}`,
    signers,
    async client(signer = null, encoding = 'msgpack', reconnect = false) {
      const c = await GatewayClient.connect({ url, signer, encoding, reconnect, requestTimeoutMs: 10_000 });
      clients.push(c);
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await gw.close();
    },
  };
}

/** Resolves when `pred` holds, polling every few ms; rejects after `timeoutMs` (a bound, not a timing assertion). */
export async function until(
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
