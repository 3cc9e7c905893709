/** The crash loop's signed workload: traders sending commands and recording every acknowledgement. */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isEngineCode } from '../../gateway/errors.ts';
import { type CommandAck, GatewayClient, GatewayError } from '../../gateway/sdk/client.ts';
import { ed25519Signer, generateEd25519Key, type Signer } from '../../gateway/sdk/signer.ts';
import { between, intBetween, LOOPBACK, pick, type Rng, sleep } from './crash-server.ts';

// ───────────────────────────── the workload ─────────────────────────────

/** A signer that remembers the nonce of the request it signed last (the SDK signs synchronously in request()). */
class RecordingSigner implements Signer {
  last = 0;
  constructor(private readonly inner: Signer) {}
  get keyId(): string {
    return this.inner.keyId;
  }
  get scheme(): Signer['scheme'] {
    return this.inner.scheme;
  }
  sign(payload: string): string {
    return this.inner.sign(payload);
  }
  nextNonce(): number {
    this.last = this.inner.nextNonce();
    return this.last;
  }
}

/** A reply the server sent for a command: accepted (with its seq) or rejected by the engine (journaled, no seq). */
export interface AckRecord {
  ok: boolean;
  /** The seq from an accepted command's reply; null for a rejection (the reply carries none). */
  seq: number | null;
  code: string | null;
  op: string;
  params: Record<string, unknown>;
  keyId: string;
  nonce: number;
  /** The account a trader key acts for (null for admin ops). */
  account: number | null;
  epoch: number;
}

interface Trader {
  keyId: string;
  account: number;
  signer: RecordingSigner;
  /** Orders that rested, by id → market (fills and cancels are not tracked: a stale cancel is a rejection). */
  resting: Map<number, number>;
}

interface MarketRef {
  market: number;
  price: number;
  tickSize: number;
  minOrderSize: number;
}

export interface WorkloadCounters {
  sent: number;
  accepted: number;
  rejectedByEngine: number;
  /** Refused before the engine (rate limits, auth): never journaled. */
  refusedByGateway: number;
  /** DISCONNECTED / TIMEOUT: the outcome is unknown (the kill came first). */
  unknown: number;
  byOp: Record<string, number>;
  codes: Record<string, number>;
}

/** The commands the crash loop sends, and every reply it got; lives across restarts. */
export class Workload {
  readonly acks: AckRecord[] = [];
  /** Requests whose reply never came (keyId/nonce), to count how many still reached the journal. */
  readonly unknown: { keyId: string; nonce: number; op: string }[] = [];
  readonly counters: WorkloadCounters = {
    sent: 0,
    accepted: 0,
    rejectedByEngine: 0,
    refusedByGateway: 0,
    unknown: 0,
    byOp: {},
    codes: {},
  };
  private readonly traders: Trader[] = [];
  private admin: RecordingSigner | null = null;
  private adminMaterial = '';
  private keyAttempts = 0;
  epoch = 0;

  constructor(
    private readonly rng: Rng,
    private readonly o: { traders: number; depositAmount: number },
  ) {}

  /** (Re)load the admin key the server wrote (kept across restarts, so its nonces keep rising). */
  loadAdminKey(keyPath: string): void {
    const k = JSON.parse(readFileSync(keyPath, 'utf8')) as { keyId: string; privateKeyPkcs8: string };
    if (this.admin !== null && k.privateKeyPkcs8 === this.adminMaterial) return;
    // The server writes the PKCS#8 DER as hex; the SDK only reads PEM (ed25519PrivateKeyFromPem).
    const key = createPrivateKey({ key: Buffer.from(k.privateKeyPkcs8, 'hex'), format: 'der', type: 'pkcs8' });
    this.admin = new RecordingSigner(ed25519Signer(k.keyId, key));
    this.adminMaterial = k.privateKeyPkcs8;
  }

  /**
   * Connect to the server on `port` and send commands until `stop()` resolves
   * (the caller kills the server, then resolves it). Returns when every
   * client is done and closed.
   */
  async run(port: number, stop: Promise<void>): Promise<void> {
    this.epoch++;
    const url = `ws://${LOOPBACK}:${port}`;
    let stopped = false;
    const clients: GatewayClient[] = [];
    const connect = async (signer: Signer, encoding: 'json' | 'msgpack') => {
      const c = await GatewayClient.connect({ url, signer, encoding, reconnect: false, requestTimeoutMs: 5_000 });
      clients.push(c);
      if (stopped) await c.close();
      return c;
    };
    const tasks: Promise<void>[] = [];
    const guard = (p: Promise<void>) =>
      tasks.push(
        p.catch((err) => {
          if (!stopped && !isConnectionLoss(err)) throw err;
        }),
      );
    const stopFlag = stop.then(() => {
      stopped = true;
    });
    try {
      if (this.admin === null) throw new Error('loadAdminKey first');
      const admin = await connect(this.admin, 'msgpack');
      const refs = await this.marketRefs(admin);
      const startTrader = (t: Trader, i: number) => {
        guard(
          (async () => {
            const c = await connect(t.signer, i % 2 === 0 ? 'json' : 'msgpack');
            // Two request streams per trader, so commands are in flight together (and at the kill).
            await Promise.all([0, 1].map(() => this.traderLoop(c, t, refs, () => stopped)));
          })(),
        );
      };
      this.traders.forEach(startTrader);
      guard(
        this.adminLoop(
          admin,
          (t) => startTrader(t, this.traders.length - 1),
          () => stopped,
        ),
      );
      await stopFlag;
    } catch (err) {
      if (!stopped && !isConnectionLoss(err)) throw err;
    } finally {
      await stopFlag;
      // Tasks may start tasks (a trader set up mid-run): wait until none is left.
      for (let n = 0; n < tasks.length; n = tasks.length) await Promise.all(tasks.slice(n));
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    }
  }

  private async marketRefs(c: GatewayClient): Promise<MarketRef[]> {
    const markets = await c.request<
      { market: number; markPrice: number; oraclePrice: number; params: { tickSize: number; minOrderSize: number } }[]
    >('markets', {});
    return markets.map((m) => ({
      market: m.market,
      price: m.markPrice > 0 ? m.markPrice : m.oraclePrice,
      tickSize: Math.max(1, m.params.tickSize),
      minOrderSize: Math.max(1, m.params.minOrderSize),
    }));
  }

  /** Send one signed command; record the reply. Resolves with the ack or null; never rejects on a server answer. */
  private async send(
    c: GatewayClient,
    signer: RecordingSigner,
    op: string,
    params: Record<string, unknown>,
    account: number | null,
  ): Promise<CommandAck | null> {
    signer.last = 0;
    const reply = c.request<CommandAck>(op, params);
    const nonce = signer.last;
    if (nonce === 0) {
      await reply.catch(() => {});
      return null; // not sent (the connection was already gone)
    }
    const n = this.counters;
    n.sent++;
    n.byOp[op] = (n.byOp[op] ?? 0) + 1;
    const base = { op, params, keyId: signer.keyId, nonce, account, epoch: this.epoch };
    try {
      const ack = await reply;
      n.accepted++;
      this.acks.push({ ...base, ok: true, seq: ack.seq, code: null });
      return ack;
    } catch (err) {
      const code = err instanceof GatewayError ? err.code : 'THROWN';
      n.codes[code] = (n.codes[code] ?? 0) + 1;
      if (code === 'DISCONNECTED' || code === 'TIMEOUT') {
        n.unknown++;
        this.unknown.push({ keyId: signer.keyId, nonce, op });
        throw err;
      }
      if (isEngineCode(code)) {
        n.rejectedByEngine++;
        this.acks.push({ ...base, ok: false, seq: null, code });
      } else {
        n.refusedByGateway++;
      }
      return null;
    }
  }

  private async adminLoop(c: GatewayClient, onTrader: (t: Trader) => void, stopped: () => boolean): Promise<void> {
    const admin = this.admin!;
    try {
      await this.adminSteps(c, admin, onTrader, stopped);
    } catch (err) {
      if (!isConnectionLoss(err)) throw err;
    }
  }

  private async adminSteps(
    c: GatewayClient,
    admin: RecordingSigner,
    onTrader: (t: Trader) => void,
    stopped: () => boolean,
  ): Promise<void> {
    while (!stopped()) {
      if (this.traders.length < this.o.traders) {
        const t = await this.setUpTrader(c, admin);
        if (t !== null) {
          this.traders.push(t);
          onTrader(t);
        }
        continue;
      }
      const r = this.rng();
      if (r < 0.85) {
        const t = pick(this.rng, this.traders);
        await this.send(
          c,
          admin,
          'deposit',
          { account: t.account, amount: intBetween(this.rng, 1, 1_000) * 1_000_000 },
          null,
        );
      } else if (r < 0.95) {
        await this.send(c, admin, 'createAccount', {}, null);
      } else {
        // A deposit to an account that does not exist: an engine rejection, journaled.
        await this.send(c, admin, 'deposit', { account: 1_000_000 + intBetween(this.rng, 0, 999), amount: 1 }, null);
      }
      await sleep(between(this.rng, 20, 120));
    }
  }

  /** createAccount → deposit → registerKey (a fresh key id each attempt: an attempt cut by a kill is abandoned). */
  private async setUpTrader(c: GatewayClient, admin: RecordingSigner): Promise<Trader | null> {
    const created = await this.send(c, admin, 'createAccount', {}, null);
    const account = created?.events.find((e) => e.type === 'accountCreated')?.account;
    if (typeof account !== 'number') return null;
    const deposited = await this.send(c, admin, 'deposit', { account, amount: this.o.depositAmount }, null);
    if (deposited === null) return null;
    const keyId = `crash-t${++this.keyAttempts}`;
    const { publicKeyHex, privateKey } = generateEd25519Key();
    const params = { keyId, account, roles: ['trader'], scheme: 'ed25519', publicKey: publicKeyHex };
    const registered = await this.send(c, admin, 'registerKey', params, null);
    if (registered === null) return null;
    return { keyId, account, signer: new RecordingSigner(ed25519Signer(keyId, privateKey)), resting: new Map() };
  }

  private async traderLoop(c: GatewayClient, t: Trader, refs: MarketRef[], stopped: () => boolean): Promise<void> {
    try {
      await this.traderSteps(c, t, refs, stopped);
    } catch (err) {
      if (!isConnectionLoss(err)) throw err;
    }
  }

  private async traderSteps(c: GatewayClient, t: Trader, refs: MarketRef[], stopped: () => boolean): Promise<void> {
    const rng = this.rng;
    while (!stopped()) {
      const ref = pick(rng, refs);
      const side = rng() < 0.5 ? 'buy' : 'sell';
      // $50–$5,000 of notional: small against the deposit, so most orders pass margin.
      const notionalE6 = between(rng, 50, 5_000) * 1e6;
      const size = Math.max(ref.minOrderSize, roundTo(Math.floor((notionalE6 / ref.price) * 1e9), ref.minOrderSize));
      const r = rng();
      if (r < 0.45) {
        // Mostly away from the mark (it rests), sometimes through it (it trades against the curve or the book).
        const away = rng() < 0.85 ? between(rng, 0.002, 0.03) : -between(rng, 0.0005, 0.005);
        const raw = side === 'buy' ? ref.price * (1 - away) : ref.price * (1 + away);
        const price = Math.max(ref.tickSize, roundTo(Math.round(raw), ref.tickSize));
        const params: Record<string, unknown> = { market: ref.market, side, size, price };
        const tif = rng();
        if (tif < 0.1) params.timeInForce = 'IOC';
        else if (tif < 0.2) params.postOnly = true;
        const ack = await this.send(c, t.signer, 'placeOrder', params, t.account);
        for (const e of ack?.events ?? []) {
          if (e.type === 'orderRested' && typeof e.orderId === 'number') t.resting.set(e.orderId, ref.market);
        }
      } else if (r < 0.7 && t.resting.size > 0) {
        const ids = [...t.resting.keys()];
        const orderId = pick(rng, ids);
        const market = t.resting.get(orderId)!;
        t.resting.delete(orderId);
        await this.send(c, t.signer, 'cancelOrder', { market, orderId }, t.account);
      } else if (r < 0.95) {
        await this.send(c, t.signer, 'marketOrder', { market: ref.market, side, size }, t.account);
      } else {
        await this.send(c, t.signer, 'cancelAll', { market: ref.market }, t.account);
        for (const [id, m] of t.resting) if (m === ref.market) t.resting.delete(id);
      }
      // Two streams per key at ~20–60 requests/s each stay under the per-key rate limit (100/s).
      await sleep(between(rng, 15, 45));
    }
  }
}

function roundTo(v: number, step: number): number {
  return step <= 1 ? v : Math.round(v / step) * step;
}

function isConnectionLoss(err: unknown): boolean {
  if (err instanceof GatewayError) return err.code === 'DISCONNECTED' || err.code === 'TIMEOUT';
  const code = (err as { code?: unknown })?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE';
}
