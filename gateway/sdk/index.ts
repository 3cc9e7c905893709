/** The client SDK: WebSocket client, L2 book, signing, the admin key file, REST helpers. */
export {
  type AdminKey,
  type AdminKeyFile,
  adminKeyPathFor,
  adminSigner,
  loadAdminKey,
  parseAdminKeyFile,
  readAdminKeyFile,
} from './admin-key.ts';
export { type ClientOptions, type CommandAck, GatewayClient, GatewayError, type StreamHandler } from './client.ts';
export { type DeltaResult, DepthBook } from './depth-book.ts';
export { restGet, restSignedGet, restSignedPost, signedHeaders } from './http.ts';
export {
  ed25519PrivateKeyFromPem,
  ed25519Signer,
  generateEd25519Key,
  hmacSigner,
  type Signer,
  signFields,
} from './signer.ts';
export type {
  AccountView,
  BatchOp,
  CancelOrderParams,
  EngineEvent,
  HistoryPage,
  HistoryParams,
  InsuranceView,
  LiquidatableView,
  MarketOrderParams,
  OpenOrder,
  ParamsOf,
  PlaceOrderParams,
  PositionView,
  SubscribeResult,
  Ticker,
} from './types.ts';
