/** The gateway's pure pieces, at their boundaries: scanner, canonical form, buckets, depth book, codes, op table, wiring. */
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../core/engine.ts';
import { ErrorCodes } from '../../core/errors.ts';
import { DEFAULT_LOOP_OPTIONS, Loop } from '../../core/loop.ts';
import { canonicalJson, signingPayload } from '../../gateway/auth/canonical.ts';
import { scanMsgpack } from '../../gateway/codec/msgpack-scan.ts';
import { CommitFeed } from '../../gateway/commit-feed.ts';
import { GatewayErrorCodes } from '../../gateway/errors.ts';
import { resolveLimits } from '../../gateway/limits.ts';
import { loadNativeUws } from '../../gateway/native.ts';
import { OPS } from '../../gateway/ops.ts';
import { UNSIGNED_OPS } from '../../gateway/protocol.ts';
import { DepthBook } from '../../gateway/sdk/depth-book.ts';
import { startGateway } from '../../gateway/server.ts';
import { TokenBucket } from '../../gateway/token-bucket.ts';

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

describe('scanMsgpack', () => {
  it('accepts plain values and refuses depth past the limit, at the boundary', () => {
    expect(scanMsgpack(packr.pack({ a: [1, 'x', null, true, 1.5], b: { c: -3 } }), 8, 100)).toBeNull();
    const nest = (n: number) => new Uint8Array([...new Array(n).fill(0x91), 0xc0]);
    expect(scanMsgpack(nest(8), 8, 100)).toBeNull();
    expect(scanMsgpack(nest(9), 8, 100)).toMatch(/nesting/);
  });

  it('counts elements against maxItems', () => {
    expect(scanMsgpack(packr.pack([1, 2, 3, 4]), 8, 4)).toBeNull();
    expect(scanMsgpack(packr.pack([1, 2, 3, 4, 5]), 8, 4)).toMatch(/elements/);
  });

  it('refuses trailing bytes, truncation and invalid UTF-8', () => {
    expect(scanMsgpack(new Uint8Array([0xc0, 0xc0]), 8, 10)).toMatch(/trailing/);
    expect(scanMsgpack(new Uint8Array([0xcd, 0x01]), 8, 10)).toMatch(/truncated/);
    expect(scanMsgpack(new Uint8Array([0xa2, 0xff, 0xfe]), 8, 10)).toMatch(/UTF-8/);
    expect(scanMsgpack(new Uint8Array([]), 8, 10)).toMatch(/truncated/);
  });
});

describe('canonical body', () => {
  it('sorts keys at every level and ignores encoding', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 'x' }], c: true } })).toBe(
      '{"a":{"c":true,"d":[2,{"y":"x","z":1}]},"b":1}',
    );
    expect(signingPayload({ op: 'ping', params: undefined, key: 'k', ts: 5, nonce: 6 })).toBe(
      'clearloop-v1\n{"key":"k","nonce":6,"op":"ping","params":{},"ts":5}',
    );
  });
});

describe('TokenBucket', () => {
  it('allows the burst, then the refill rate', () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(99)).toBe(false);
    expect(b.take(100)).toBe(true);
  });
});

describe('DepthBook', () => {
  it('applies deltas in seq order, ignores stale ones and reports a gap', () => {
    const b = new DepthBook();
    expect(b.applyDelta(1, { type: 'delta', levels: 2, bids: [], asks: [] })).toBe('unsynced');
    b.applySnapshot(5, {
      type: 'snapshot',
      levels: 2,
      bids: [
        [10, 1],
        [9, 2],
      ],
      asks: [[11, 1]],
    });
    expect(b.applyDelta(5, { type: 'delta', levels: 2, bids: [[10, 7]], asks: [] })).toBe('stale');
    expect(
      b.applyDelta(6, {
        type: 'delta',
        levels: 2,
        bids: [
          [10, 0],
          [8, 4],
        ],
        asks: [[12, 3]],
      }),
    ).toBe('applied');
    expect(b.bidLevels()).toEqual([
      [9, 2],
      [8, 4],
    ]);
    expect(b.askLevels()).toEqual([
      [11, 1],
      [12, 3],
    ]);
    expect(b.applyDelta(8, { type: 'delta', levels: 2, bids: [], asks: [] })).toBe('gap');
    expect(b.synced).toBe(false);
  });
});

describe('codes and ops', () => {
  it('keeps gateway codes disjoint from engine codes', () => {
    for (const code of Object.keys(GatewayErrorCodes)) expect(Object.hasOwn(ErrorCodes, code)).toBe(false);
  });

  it('lists as unsigned exactly the ops that need no signature', () => {
    const none = Object.entries(OPS)
      .filter(([, s]) => s.auth === 'none')
      .map(([op]) => op)
      .sort();
    expect([...UNSIGNED_OPS].sort()).toEqual(none);
  });

  it('validates limits with a precise RangeError', () => {
    expect(() => resolveLimits({ maxPayloadBytes: 1 })).toThrow(/limits.maxPayloadBytes must be an integer within/);
    expect(() => resolveLimits({ nope: 1 } as never)).toThrow(/not a known limit/);
  });

  it('loads the native uWS binary', () => {
    expect(Function.prototype.toString.call(loadNativeUws().App)).toContain('[native code]');
  });
});

describe('wiring', () => {
  it('stops loudly when the Loop was not built with the CommitFeed', async () => {
    const engine = new Engine();
    const feed = new CommitFeed();
    const loop = new Loop(engine, Date.now, null, DEFAULT_LOOP_OPTIONS, null);
    let fatal: unknown = null;
    const gw = await startGateway({
      engine,
      loop,
      feed,
      tickIntervalMs: 5,
      processMetrics: false,
      onFatal: (e) => (fatal = e),
    });
    await new Promise((r) => setTimeout(r, 50));
    await gw.close();
    expect(String(fatal)).toMatch(/CommitFeed/);
  });
});
