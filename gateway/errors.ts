/**
 * Wire error codes and WebSocket close codes. An engine rejection travels
 * with its own code (core/errors.ts); the gateway adds the codes below for
 * what it refuses before a command reaches the engine. Like the engine's,
 * a code is never renamed or reused: clients switch on it.
 */
import { type ErrorCode, ErrorCodes } from '../core/errors.ts';

export const GatewayErrorCodes = {
  // Frames and schemas
  BAD_FRAME: 'the frame is not well-formed JSON or MessagePack, or uses a forbidden feature',
  BAD_SCHEMA: 'the message does not match the schema of its operation',
  PAYLOAD_TOO_LARGE: 'the frame or body is larger than the gateway accepts',
  // Authentication and authorisation
  UNAUTHORIZED: 'the operation needs a signed request from a registered key',
  BAD_SIGNATURE: 'the signature does not verify against the key',
  NONCE_REPLAYED: 'the nonce is not greater than the last one accepted for this key',
  STALE_TIMESTAMP: 'the request timestamp is outside the accepted window',
  FORBIDDEN: 'the key’s roles do not allow this operation or account',
  // Limits
  RATE_LIMITED: 'too many requests: the connection’s or the key’s token bucket is empty',
  TOO_MANY_SUBSCRIPTIONS: 'the connection holds the maximum number of subscriptions',
  // Availability
  NOT_AVAILABLE: 'the operation is not available on this gateway (not built yet, or not configured)',
  NOT_FOUND: 'no such route, market or resource',
  UNAVAILABLE: 'the gateway is shutting down or its engine loop has stopped',
  // Client-side only (the SDK): the connection dropped before the reply arrived.
  DISCONNECTED: 'the connection closed before the reply arrived; the outcome of a command is unknown',
} as const;

export type GatewayErrorCode = keyof typeof GatewayErrorCodes;
export type WireErrorCode = ErrorCode | GatewayErrorCode;

export function isEngineCode(code: string): code is ErrorCode {
  return Object.hasOwn(ErrorCodes, code);
}

/** An error reply before it is framed: a value, never thrown across the gateway. */
export interface WireError {
  readonly code: WireErrorCode;
  readonly message: string;
}

export function wireError(code: GatewayErrorCode, detail?: string): WireError {
  const base = GatewayErrorCodes[code];
  return { code, message: detail === undefined ? base : `${base}: ${detail}` };
}

/**
 * WebSocket close codes the gateway sends. 1000–1015 are RFC 6455's; 4000–4999
 * are private to this protocol.
 */
export const CloseCodes = {
  /** The client or the gateway closed normally. */
  NORMAL: 1000,
  /** The gateway is shutting down or draining connections; reconnect later. */
  GOING_AWAY: 1001,
  /** A frame was larger than maxPayloadBytes. */
  MESSAGE_TOO_BIG: 1009,
  /** The engine loop stopped (journal failure): the gateway cannot acknowledge anything. */
  INTERNAL_ERROR: 1011,
  /** Buffered output passed slowConsumerBytes: the client does not read fast enough. */
  SLOW_CONSUMER: 4001,
  /** More than maxBadFrames undecodable frames on one connection. */
  TOO_MANY_BAD_FRAMES: 4002,
  /** The connection was refused because the gateway holds maxConnections. */
  TOO_MANY_CONNECTIONS: 4003,
} as const;

export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];
