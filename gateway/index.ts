/** The gateway's public surface. The client SDK is gateway/sdk/. */
export {
  InMemoryKeyRegistry,
  type KeyRecord,
  type KeyRegistration,
  type KeyRegistry,
  type KeyScheme,
} from './auth/keys.ts';
export { CommitFeed } from './commit-feed.ts';
export { CloseCodes, GatewayErrorCodes, type WireErrorCode } from './errors.ts';
export { DEFAULT_LIMITS, type GatewayLimits } from './limits.ts';
export { cancelAllOrdersCommand, OPS } from './ops.ts';
export type { HistorySource } from './queries.ts';
export { type Gateway, type GatewayOptions, startGateway } from './server.ts';
export { type DepthSource, vammDepthSource } from './streams/depth-source.ts';
