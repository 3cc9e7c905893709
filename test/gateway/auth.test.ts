/**
 * Authentication and authorisation over real sockets: bad signatures,
 * replayed and lower nonces, stale timestamps and role violations are each
 * rejected with their code, and none changes the engine's state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Request } from '../../gateway/protocol.ts';
import { restSignedGet } from '../../gateway/sdk/http.ts';
import { ed25519Signer, generateEd25519Key, type Signer, signFields } from '../../gateway/sdk/signer.ts';
import { BTC, BTC_PRICE, startTestGateway, type TestGateway, TRADER } from './harness.ts';
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
