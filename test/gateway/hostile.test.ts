/**
 * Hostile input over a real socket: every frame is answered with an error
 * code or a close code, the engine's state hash does not move, and the
 * server keeps serving. (The idle tick is slowed to a minute so that no turn
 * runs while a test watches the hash.)
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../gateway/errors.ts';
import { startTestGateway, type TestGateway } from './harness.ts';
import { packr, rawClient } from './raw.ts';

const LIMITS = { maxPayloadBytes: 4_096, maxBadFrames: 1_000, connectionRatePerSec: 100_000, connectionBurst: 100_000 };

let t: TestGateway;
let hash: string;
beforeEach(async () => {
  t = await startTestGateway({ limits: LIMITS, tickIntervalMs: 60_000 });
  hash = t.engine.stateHash();
});
afterEach(async () => {
  expect(t.engine.stateHash()).toBe(hash);
  // The server still answers a fresh connection.
  const c = await t.client();
  await expect(c.ping()).resolves.toMatchObject({ pong: true });
  await t.stop();
});

async function expectCode(data: string | Uint8Array, code: string, text?: boolean) {
  const c = await rawClient(t.url);
  const reply = await c.roundTrip(data, text);
  expect(reply, `reply to ${String(data).slice(0, 40)}`).not.toBeNull();
  expect(reply!.ok).toBe(false);
  expect((reply as { code: string }).code).toBe(code);
  c.close();
  return reply!;
}

describe('hostile MessagePack', () => {
  it('answers a truncated frame with BAD_FRAME', async () => {
    const full = packr.pack({ id: 1, op: 'marketOrder', params: { market: 0, side: 'buy', size: 1_000 } });
    for (const cut of [1, 5, full.length - 1]) await expectCode(full.subarray(0, cut), 'BAD_FRAME');
  });

  it('answers nesting thousands deep with BAD_FRAME', async () => {
    const deep = new Uint8Array(4_001).fill(0x91); // 4,000 levels, within the frame limit
    deep[4_000] = 0xc0;
    await expectCode(deep, 'BAD_FRAME');
  });

  it('answers declared lengths of gigabytes with BAD_FRAME', async () => {
    for (const header of [
      [0xdb, 0xff, 0xff, 0xff, 0xff],
      [0xdd, 0xff, 0xff, 0xff, 0xff],
      [0xdf, 0x7f, 0xff, 0xff, 0xff],
      [0xc6, 0xff, 0xff, 0xff, 0xf0],
    ]) {
      await expectCode(new Uint8Array([...header, 0x01, 0x02]), 'BAD_FRAME');
    }
  });

  it('rejects every extension type, timestamps included', async () => {
    await expectCode(new Uint8Array([0xd6, 0xff, 0, 0, 0, 1]), 'BAD_FRAME'); // timestamp 32
    await expectCode(new Uint8Array([0x81, 0xa2, 0x6f, 0x70, 0xd4, 0x01, 0x00]), 'BAD_FRAME'); // {op: fixext1}
    await expectCode(new Uint8Array([0xc7, 0x01, 0x72, 0x00]), 'BAD_FRAME'); // ext8 type 0x72 (msgpackr records)
  });

  it('rejects __proto__ keys and non-string keys', async () => {
    const proto = Buffer.concat([
      Buffer.from([0x82, 0xa2]),
      Buffer.from('op'),
      Buffer.from([0xa4]),
      Buffer.from('ping'),
      Buffer.from([0xa9]),
      Buffer.from('__proto__'),
      Buffer.from([0x81, 0xa1, 0x78, 0x01]),
    ]);
    await expectCode(proto, 'BAD_FRAME');
    await expectCode(new Uint8Array([0x81, 0x01, 0x02]), 'BAD_FRAME');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('answers random bytes with an error, never a crash (fast-check, seeded)', async () => {
    const c = await rawClient(t.url);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 256 }), async (bytes) => {
        const reply = await c.roundTrip(bytes, false);
        expect(reply).not.toBeNull();
        expect(['BAD_FRAME', 'BAD_SCHEMA']).toContain((reply as { code: string }).code);
      }),
      { numRuns: 300, seed: 7 },
    );
    c.close();
  });
});

describe('hostile JSON', () => {
  it('answers malformed JSON and non-objects', async () => {
    await expectCode('{"op":', 'BAD_FRAME');
    for (const v of ['42', '"ping"', 'null', '[]', 'true']) await expectCode(v, 'BAD_SCHEMA');
  });

  it('answers nesting thousands deep with BAD_FRAME', async () => {
    await expectCode(`${'['.repeat(1_500)}${']'.repeat(1_500)}`, 'BAD_FRAME');
    await expectCode(`{"op":"ping","params":${'{"a":'.repeat(500)}1${'}'.repeat(500)}}`, 'BAD_FRAME');
  });

  it('answers __proto__, unknown fields and wrong types with BAD_SCHEMA', async () => {
    await expectCode('{"op":"ping","__proto__":{"polluted":1}}', 'BAD_SCHEMA');
    await expectCode('{"op":"ping","extra":1}', 'BAD_SCHEMA');
    await expectCode('{"op":"ticker","params":{"market":0,"extra":1}}', 'BAD_SCHEMA');
    await expectCode('{"op":"ticker","params":{"market":"0"}}', 'BAD_SCHEMA');
    await expectCode('{"op":"marketOrder","params":{"market":0,"side":"buy","size":1.5}}', 'BAD_SCHEMA');
    await expectCode('{"op":"marketOrder","params":{"market":0,"side":"up","size":1}}', 'BAD_SCHEMA');
    await expectCode('{"op":"marketOrder","params":{"market":0,"side":"buy","size":1e300}}', 'BAD_SCHEMA');
    await expectCode('{"op":"marketOrder","params":{"market":0,"side":"buy","size":-5}}', 'BAD_SCHEMA');
    await expectCode('{"op":"nope"}', 'BAD_SCHEMA');
    await expectCode('{"id":{"x":1},"op":"ping"}', 'BAD_SCHEMA');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('echoes the request id on schema errors when it is well-formed', async () => {
    const reply = await expectCode('{"id":"r-7","op":"ticker","params":{}}', 'BAD_SCHEMA');
    expect(reply.id).toBe('r-7');
  });
});

describe('frames the transport refuses', () => {
  it('closes an oversize frame with 1009', async () => {
    const c = await rawClient(t.url);
    c.ws.send(Buffer.alloc(LIMITS.maxPayloadBytes + 1, 0x20), { binary: true });
    expect((await c.closed).code).toBe(CloseCodes.MESSAGE_TOO_BIG);
  });

  it('drops a frame past the transport cap (abnormal closure)', async () => {
    const c = await rawClient(t.url);
    c.ws.send(Buffer.alloc(LIMITS.maxPayloadBytes * 5, 0x20), { binary: true });
    expect((await c.closed).code).toBe(1006);
  });

  it('drops a text frame that is not UTF-8', async () => {
    const c = await rawClient(t.url);
    c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect([1006, 1007]).toContain((await c.closed).code);
  });

  it('closes a connection that keeps sending bad frames with 4002', async () => {
    await t.stop();
    t = await startTestGateway({ limits: { ...LIMITS, maxBadFrames: 3 }, tickIntervalMs: 60_000 });
    hash = t.engine.stateHash();
    const c = await rawClient(t.url);
    for (let i = 0; i < 5; i++) c.ws.send('{', { binary: false });
    expect((await c.closed).code).toBe(CloseCodes.TOO_MANY_BAD_FRAMES);
  });
});

describe('hostile HTTP bodies', () => {
  it('answers bad JSON, bad UTF-8 and oversize bodies', async () => {
    const post = (body: string | Uint8Array, type = 'application/json') =>
      fetch(`${t.http}/v1/request`, { method: 'POST', headers: { 'content-type': type }, body });
    let r = await post('{"op":');
    expect(r.status).toBe(400);
    expect(((await r.json()) as { code: string }).code).toBe('BAD_FRAME');
    r = await post(new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(((await r.json()) as { code: string }).code).toBe('BAD_FRAME');
    r = await post(new Uint8Array([0xd6, 0xff, 0, 0, 0, 1]), 'application/msgpack');
    expect(r.status).toBe(400);
    r = await post('x'.repeat(70_000));
    expect(r.status).toBe(413);
    r = await post('{"op":"subscribe","params":{"channel":"trades","market":0}}');
    expect(((await r.json()) as { code: string }).code).toBe('NOT_AVAILABLE');
  });
});
