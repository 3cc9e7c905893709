/**
 * Authentication and authorisation over real sockets: bad signatures,
 * replayed and lower nonces, stale timestamps and role violations are each
 * rejected with their code, and none changes the engine's state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Request } from '../../gateway/protocol.ts';
import { restSignedGet } from '../../gateway/sdk/http.ts';
import { ed25519Signer, generateEd25519Key, type Signer, signFields } from '../../gateway/sdk/signer.ts';
import { BTC, BTC_PRICE, startTestGateway, type TestGateway, TRADER, TRADER2 } from './harness.ts';
import { rawClient } from './raw.ts';

let t: TestGateway;
let hash: string;
beforeEach(async () => {
  t = await startTestGateway({ tickIntervalMs: 60_000 });
  hash = t.engine.stateHash();
});
afterEach(async () => {
  await t.stop();
});

const ORDER = { market: BTC, side: 'buy', size: 1_000_000 };

function signed(signer: Signer, op: string, params: Record<string, unknown>, id = 1, ts = Date.now()): Request {
  return { id, op, params, ...signFields(signer, op, params, ts) };
}

async function send(req: Request | string) {
  const c = await rawClient(t.url);
  const reply = await c.roundTrip(typeof req === 'string' ? req : JSON.stringify(req));
  c.close();
  return reply as { ok: boolean; code?: string; id: unknown };
}

describe('signatures', () => {
  it('rejects a flipped signature byte with BAD_SIGNATURE', async () => {
    const req = signed(t.signers.trader, 'marketOrder', ORDER);
    req.sig = (req.sig![0] === '0' ? '1' : '0') + req.sig!.slice(1);
    expect((await send(req)).code).toBe('BAD_SIGNATURE');
  });

  it('rejects a body changed after signing with BAD_SIGNATURE', async () => {
    const req = signed(t.signers.trader, 'marketOrder', ORDER);
    (req.params as Record<string, unknown>).size = 2_000_000;
    expect((await send(req)).code).toBe('BAD_SIGNATURE');
  });

  it('rejects a signature by another key under this key id', async () => {
    const impostor = ed25519Signer('trader', generateEd25519Key().privateKey);
    expect((await send(signed(impostor, 'marketOrder', ORDER))).code).toBe('BAD_SIGNATURE');
  });

  it('rejects a wrong HMAC and accepts a right one', async () => {
    const req = signed(t.signers.hmacTrader, 'marketOrder', ORDER);
    const bad = { ...req, sig: 'f'.repeat(64) };
    expect((await send(bad)).code).toBe('BAD_SIGNATURE');
    expect(t.engine.stateHash()).toBe(hash);
    expect((await send(req)).ok).toBe(true);
  });

  it('rejects unsigned private requests and unknown keys with UNAUTHORIZED', async () => {
    expect((await send({ id: 1, op: 'marketOrder', params: ORDER })).code).toBe('UNAUTHORIZED');
    const ghost = ed25519Signer('ghost', generateEd25519Key().privateKey);
    expect((await send(signed(ghost, 'marketOrder', ORDER))).code).toBe('UNAUTHORIZED');
    expect((await send({ id: 1, op: 'subscribe', params: { channel: 'fills' } })).code).toBe('UNAUTHORIZED');
  });
});

describe('nonces and timestamps', () => {
  it('rejects a replayed frame with NONCE_REPLAYED', async () => {
    const frame = JSON.stringify(signed(t.signers.trader, 'account', {}));
    expect((await send(frame)).ok).toBe(true);
    expect((await send(frame)).code).toBe('NONCE_REPLAYED');
  });

  it('rejects a lower nonce than the last accepted', async () => {
    const params = {};
    const ts = Date.now();
    const high = { id: 1, op: 'account', params, ...signFields(t.signers.trader, 'account', params, ts) };
    const low = { id: 2, op: 'account', params, ...signFields(t.signers.trader, 'account', params, ts) };
    // Sign `low` with a smaller nonce by hand: same key, nonce below `high`'s.
    const lowNonce = high.nonce - 10;
    const { signingPayload } = await import('../../gateway/auth/canonical.ts');
    low.nonce = lowNonce;
    low.sig = t.signers.trader.sign(signingPayload({ op: 'account', params, key: 'trader', ts, nonce: lowNonce }));
    expect((await send(high)).ok).toBe(true);
    expect((await send(low)).code).toBe('NONCE_REPLAYED');
  });

  it('rejects stale and future timestamps with STALE_TIMESTAMP', async () => {
    expect((await send(signed(t.signers.trader, 'marketOrder', ORDER, 1, Date.now() - 60_000))).code).toBe(
      'STALE_TIMESTAMP',
    );
    expect((await send(signed(t.signers.trader, 'marketOrder', ORDER, 1, Date.now() + 60_000))).code).toBe(
      'STALE_TIMESTAMP',
    );
    expect(t.engine.stateHash()).toBe(hash);
  });
});

describe('roles', () => {
  it('forbids a trader pushing oracle prices', async () => {
    const params = { market: BTC, source: 0, price: BTC_PRICE * 2, confidence: 1, publishTs: Date.now() };
    expect((await send(signed(t.signers.trader, 'oracle', params))).code).toBe('FORBIDDEN');
    expect(t.engine.stateHash()).toBe(hash);
    expect((await send(signed(t.signers.oracle, 'oracle', params))).ok).toBe(true);
  });

  it('forbids read-only keys to trade and traders to credit deposits', async () => {
    expect((await send(signed(t.signers.reader, 'marketOrder', ORDER))).code).toBe('FORBIDDEN');
    expect((await send(signed(t.signers.trader, 'deposit', { account: TRADER, amount: 1_000 }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await send(signed(t.signers.trader, 'pauseMarket', { market: BTC }))).code).toBe('FORBIDDEN');
    expect(
      (
        await send(
          signed(t.signers.trader, 'registerKey', {
            keyId: 'x',
            account: 1,
            roles: ['admin'],
            scheme: 'hmac-sha256',
            secret: 'aa'.repeat(16),
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect(t.engine.stateHash()).toBe(hash);
  });

  it('forbids reading another account unless admin', async () => {
    expect((await send(signed(t.signers.trader, 'account', { account: 2 }))).code).toBe('FORBIDDEN');
    expect((await send(signed(t.signers.admin, 'account', { account: 2 }))).ok).toBe(true);
    expect((await send(signed(t.signers.reader, 'account', {}))).ok).toBe(true);
  });

  it('rejects bad signed REST with 401 and accepts a good one', async () => {
    const impostor = ed25519Signer('trader', generateEd25519Key().privateKey);
    const bad = await restSignedGet(t.http, '/v1/account', 'account', {}, impostor);
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    const good = await restSignedGet(t.http, '/v1/account', 'account', {}, t.signers.trader);
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ ok: true, result: { account: TRADER } });
  });
});

describe('session logon', () => {
  const logonFrame = (signer: Signer, params: Record<string, unknown> = {}, ts = Date.now()) =>
    JSON.stringify(signed(signer, 'logon', params, 1, ts));
  let nonce = Date.now() * 1000 + 1e9;
  const order = (id: number, n = ++nonce) => JSON.stringify({ id, op: 'marketOrder', params: ORDER, nonce: n });

  async function loggedOn(signer: Signer, params: Record<string, unknown> = {}) {
    const c = await rawClient(t.url);
    const reply = await c.roundTrip(logonFrame(signer, params));
    expect(reply).toMatchObject({ ok: true, result: { keyId: signer.keyId } });
    return c;
  }

  it('accepts orders with a nonce and no signature after a signed logon, and only on that socket', async () => {
    const c = await loggedOn(t.signers.trader);
    const ok = (await c.roundTrip(order(2))) as { ok: boolean; result: { seq: number; events: unknown[] } };
    expect(ok.ok).toBe(true);
    expect(ok.result.events.length).toBeGreaterThan(0);
    expect(t.engine.stateHash()).not.toBe(hash);
    const other = await rawClient(t.url);
    const before = t.engine.stateHash();
    expect(await other.roundTrip(order(3))).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(t.engine.stateHash()).toBe(before);
    other.close();
    c.close();
  });

  it('rejects a logon with a bad signature, a replayed nonce or a stale timestamp, and stays logged off', async () => {
    const c = await rawClient(t.url);
    const bad = signed(t.signers.trader, 'logon', {});
    bad.sig = (bad.sig![0] === '0' ? '1' : '0') + bad.sig!.slice(1);
    expect(await c.roundTrip(JSON.stringify(bad))).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(await c.roundTrip(order(2))).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    const stale = logonFrame(t.signers.trader, {}, Date.now() - 60_000);
    expect(await c.roundTrip(stale)).toMatchObject({ ok: false, code: 'STALE_TIMESTAMP' });
    const good = logonFrame(t.signers.trader);
    expect(await c.roundTrip(good)).toMatchObject({ ok: true });
    // The same logon frame replayed on another socket.
    const thief = await rawClient(t.url);
    expect(await thief.roundTrip(good)).toMatchObject({ ok: false, code: 'NONCE_REPLAYED' });
    expect(await thief.roundTrip(order(3))).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(t.engine.stateHash()).toBe(hash);
    thief.close();
    c.close();
  });

  it('keeps the per-key nonce rule: replayed, lower and missing nonces are rejected', async () => {
    const c = await loggedOn(t.signers.trader);
    const n = ++nonce;
    expect(await c.roundTrip(order(2, n))).toMatchObject({ ok: true });
    const after = t.engine.stateHash();
    expect(await c.roundTrip(order(3, n))).toMatchObject({ ok: false, code: 'NONCE_REPLAYED' });
    expect(await c.roundTrip(order(4, n - 5))).toMatchObject({ ok: false, code: 'NONCE_REPLAYED' });
    expect(await c.roundTrip(JSON.stringify({ id: 5, op: 'marketOrder', params: ORDER }))).toMatchObject({
      ok: false,
      code: 'UNAUTHORIZED',
    });
    // key / ts without a signature are not a session request.
    const withKey = JSON.stringify({ id: 6, op: 'marketOrder', params: ORDER, nonce: ++nonce, key: 'trader' });
    expect(await c.roundTrip(withKey)).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(t.engine.stateHash()).toBe(after);
    c.close();
  });

  it('still enforces roles under a logon', async () => {
    const reader = await loggedOn(t.signers.reader);
    expect(await reader.roundTrip(order(2))).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    const q = JSON.stringify({ id: 3, op: 'account', params: {}, nonce: ++nonce });
    expect(await reader.roundTrip(q)).toMatchObject({ ok: true, result: { account: TRADER } });
    const trader = await loggedOn(t.signers.trader);
    const price = { market: BTC, source: 0, price: BTC_PRICE * 2, confidence: 1, publishTs: Date.now() };
    const push = JSON.stringify({ id: 4, op: 'oracle', params: price, nonce: ++nonce });
    expect(await trader.roundTrip(push)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    const other = JSON.stringify({ id: 5, op: 'account', params: { account: 2 }, nonce: ++nonce });
    expect(await trader.roundTrip(other)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(t.engine.stateHash()).toBe(hash);
    reader.close();
    trader.close();
  });

  it('ends with logout, with the connection, and when the key is revoked', async () => {
    const c = await loggedOn(t.signers.trader);
    expect(await c.roundTrip(JSON.stringify({ id: 2, op: 'logout' }))).toMatchObject({
      ok: true,
      result: { loggedOut: true, keyId: 'trader' },
    });
    expect(await c.roundTrip(order(3))).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    c.close();
    const again = await loggedOn(t.signers.trader);
    again.close();
    await again.closed;
    const fresh = await rawClient(t.url);
    expect(await fresh.roundTrip(order(4))).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    fresh.close();
    const revoked = await loggedOn(t.signers.trader);
    expect(t.gw.keys.revoke('trader')).toBe(true);
    expect(await revoked.roundTrip(order(5))).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(t.engine.stateHash()).toBe(hash);
    revoked.close();
  });

  it('answers with { seq } only when the logon asks for ack replies, and keeps per-request signing working', async () => {
    const c = await loggedOn(t.signers.trader, { replies: 'ack' });
    const ack = (await c.roundTrip(order(2))) as { ok: boolean; result: Record<string, unknown> };
    expect(ack.ok).toBe(true);
    expect(Object.keys(ack.result)).toEqual(['seq']);
    // A signed request on the logged-on socket is verified on its own signature (here, another key's).
    const other = signed(t.signers.hmacTrader, 'account', {}, 3);
    expect(await c.roundTrip(JSON.stringify(other))).toMatchObject({ ok: true, result: { account: TRADER2 } });
    const forged = { ...signed(t.signers.hmacTrader, 'account', {}, 4), sig: 'f'.repeat(64) };
    expect(await c.roundTrip(JSON.stringify(forged))).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    const bad = JSON.stringify(signed(t.signers.trader, 'logon', { replies: 'all' }));
    expect(await c.roundTrip(bad)).toMatchObject({ ok: false, code: 'BAD_SCHEMA' });
    c.close();
  });

  it('is refused over HTTP', async () => {
    const res = await fetch(`${t.http}/v1/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: logonFrame(t.signers.trader),
    });
    expect(await res.json()).toMatchObject({ ok: false, code: 'NOT_AVAILABLE' });
  });
});

describe('session logon with engine-backed keys', () => {
  it('consumes the logon nonce in engine state (journaled) before the logon takes effect', async () => {
    const { Engine } = await import('../../core/engine.ts');
    const { DEFAULT_LOOP_OPTIONS, Loop } = await import('../../core/loop.ts');
    const { CommitFeed } = await import('../../gateway/commit-feed.ts');
    const { EngineKeyRegistry } = await import('../../gateway/auth/engine-keys.ts');
    const { startGateway } = await import('../../gateway/server.ts');
    const engine = new Engine();
    const now = Date.now();
    const stale = { oracleMaxStaleTradeMs: 86_400_000, oracleMaxStaleMarginMs: 86_400_000 };
    for (const c of [
      { type: 'createMarket', symbol: 'BTC-PERP', initialPrice: BTC_PRICE, baseReserve: 1e15, params: stale },
      { type: 'oracle', market: 0, source: 0, price: BTC_PRICE, confidence: BTC_PRICE / 10_000, publishTs: now },
      { type: 'createAccount' },
      { type: 'deposit', account: 0, amount: 1e12 },
    ])
      expect(engine.apply(c as never, now).ok).toBe(true);
    const key = generateEd25519Key();
    const reg = { type: 'registerKey', keyId: 'dk', account: 0, roles: ['trader'], scheme: 'ed25519' };
    expect(engine.apply({ ...reg, material: key.publicKeyHex } as never, now).ok).toBe(true);
    const feed = new CommitFeed();
    const journaled: string[] = [];
    const loop = new Loop(
      engine,
      Date.now,
      {
        commitTurn: (entries) => {
          for (const e of entries) journaled.push(e.cmd.type);
        },
      },
      DEFAULT_LOOP_OPTIONS,
      feed.onCommitted,
    );
    const gw = await startGateway({ engine, loop, feed, keys: new EngineKeyRegistry(engine), processMetrics: false });
    try {
      const signer = ed25519Signer('dk', key.privateKey);
      const c = await rawClient(`ws://127.0.0.1:${gw.port}`);
      const logon = signed(signer, 'logon', {});
      const reply = (await c.roundTrip(JSON.stringify(logon))) as { ok: boolean; result: { seq: number } };
      expect(reply.ok).toBe(true);
      expect(reply.result.seq).toBeGreaterThan(0);
      expect(journaled).toContain('advanceNonce');
      expect(engine.apiKeys.get('dk')!.nonce).toBe(logon.nonce);
      const orderNonce = logon.nonce! + 1;
      const ack = await c.roundTrip(JSON.stringify({ id: 2, op: 'marketOrder', params: ORDER, nonce: orderNonce }));
      expect(ack).toMatchObject({ ok: true });
      expect(engine.apiKeys.get('dk')!.nonce).toBe(orderNonce);
      c.close();
    } finally {
      await gw.close();
    }
  });
});
