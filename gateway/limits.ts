/**
 * Every limit the gateway enforces, named, with its unit in the name and a
 * default. Nothing is unbounded. resolveLimits() validates overrides with a
 * precise RangeError per bad field (as piscina validates its options).
 */

export interface GatewayLimits {
  /** Largest WebSocket frame accepted; larger frames close the connection with 1009. */
  maxPayloadBytes: number;
  /** Largest HTTP request body; larger bodies get 413 PAYLOAD_TOO_LARGE. */
  maxHttpBodyBytes: number;
  /** Deepest nesting of arrays/maps/objects in a message. */
  maxNestingDepth: number;
  /** Most array elements + map entries in one message. */
  maxItemsPerMessage: number;
  /** Buffered output past which a connection is a slow consumer (closed with 4001). */
  slowConsumerBytes: number;
  /** Seconds without traffic before a connection is closed (the server pings before that). 0 disables. */
  idleTimeoutSec: number;
  /** Simultaneous WebSocket connections. */
  maxConnections: number;
  /** Per-connection token bucket: refill rate and capacity (messages). */
  connectionRatePerSec: number;
  connectionBurst: number;
  /** Per-key token bucket (signed requests, over every connection and HTTP). */
  keyRatePerSec: number;
  keyBurst: number;
  /** Per-remote-address token bucket for HTTP requests. */
  httpAddressRatePerSec: number;
  httpAddressBurst: number;
  /** Subscriptions one connection may hold. */
  maxSubscriptionsPerConnection: number;
  /** Undecodable frames tolerated on one connection before it is closed with 4002. */
  maxBadFrames: number;
  /** A signed request's ts must be within this many ms of the gateway clock. */
  timestampWindowMs: number;
  /** Depth levels per side: default and maximum. */
  depthLevelsDefault: number;
  depthLevelsMax: number;
  /** Recent public trades and funding events kept per market for the REST endpoints. */
  recentTradesPerMarket: number;
  recentFundingPerMarket: number;
  /** Dead man's switch bounds. */
  deadmanMinMs: number;
  deadmanMaxMs: number;
  /** Queries that wait behind a connection's in-flight commands (read-your-writes). */
  maxDeferredQueriesPerConnection: number;
}

export const DEFAULT_LIMITS: Readonly<GatewayLimits> = Object.freeze({
  maxPayloadBytes: 64 * 1024,
  maxHttpBodyBytes: 64 * 1024,
  maxNestingDepth: 8,
  maxItemsPerMessage: 4_096,
  slowConsumerBytes: 4 * 1024 * 1024,
  idleTimeoutSec: 60,
  maxConnections: 20_000,
  connectionRatePerSec: 200,
  connectionBurst: 400,
  keyRatePerSec: 100,
  keyBurst: 200,
  httpAddressRatePerSec: 1_000,
  httpAddressBurst: 2_000,
  maxSubscriptionsPerConnection: 64,
  maxBadFrames: 16,
  timestampWindowMs: 5_000,
  depthLevelsDefault: 20,
  depthLevelsMax: 100,
  recentTradesPerMarket: 1_000,
  recentFundingPerMarket: 1_000,
  deadmanMinMs: 100,
  deadmanMaxMs: 600_000,
  maxDeferredQueriesPerConnection: 256,
});

const BOUNDS: Record<keyof GatewayLimits, readonly [number, number]> = {
  maxPayloadBytes: [256, 16 * 1024 * 1024],
  maxHttpBodyBytes: [256, 16 * 1024 * 1024],
  maxNestingDepth: [3, 64],
  maxItemsPerMessage: [16, 1_000_000],
  slowConsumerBytes: [1_024, 1024 * 1024 * 1024],
  idleTimeoutSec: [0, 3_600],
  maxConnections: [1, 1_000_000],
  connectionRatePerSec: [1, 10_000_000],
  connectionBurst: [1, 10_000_000],
  keyRatePerSec: [1, 10_000_000],
  keyBurst: [1, 10_000_000],
  httpAddressRatePerSec: [1, 10_000_000],
  httpAddressBurst: [1, 10_000_000],
  maxSubscriptionsPerConnection: [1, 10_000],
  maxBadFrames: [0, 1_000_000],
  timestampWindowMs: [100, 3_600_000],
  depthLevelsDefault: [1, 1_000],
  depthLevelsMax: [1, 1_000],
  recentTradesPerMarket: [1, 1_000_000],
  recentFundingPerMarket: [1, 1_000_000],
  deadmanMinMs: [1, 86_400_000],
  deadmanMaxMs: [1, 86_400_000],
  maxDeferredQueriesPerConnection: [1, 1_000_000],
};

export function resolveLimits(overrides: Partial<GatewayLimits> = {}): GatewayLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(BOUNDS, name)) throw new RangeError(`limits.${name} is not a known limit`);
    const [min, max] = BOUNDS[name as keyof GatewayLimits];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new RangeError(`limits.${name} must be an integer within [${min}, ${max}], got ${String(value)}`);
    }
    out[name as keyof GatewayLimits] = value;
  }
  if (out.depthLevelsDefault > out.depthLevelsMax)
    throw new RangeError('limits.depthLevelsDefault must not exceed depthLevelsMax');
  if (out.deadmanMinMs > out.deadmanMaxMs) throw new RangeError('limits.deadmanMinMs must not exceed deadmanMaxMs');
  return out;
}
