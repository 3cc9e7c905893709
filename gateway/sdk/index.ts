/** The client SDK: WebSocket client, L2 book, signing, REST helpers. */
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
