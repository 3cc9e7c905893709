/** Writing HTTP responses from uWS handlers (synchronously or later), and the error-code → status map. */
import type { HttpResponse } from 'uWebSockets.js';
import { type Encoding, encode } from '../codec/codec.ts';
import type { Reply } from '../protocol.ts';

const STATUS: Record<string, string> = {
  BAD_FRAME: '400 Bad Request',
  BAD_SCHEMA: '400 Bad Request',
  UNAUTHORIZED: '401 Unauthorized',
  BAD_SIGNATURE: '401 Unauthorized',
  NONCE_REPLAYED: '401 Unauthorized',
  STALE_TIMESTAMP: '401 Unauthorized',
  FORBIDDEN: '403 Forbidden',
  NOT_FOUND: '404 Not Found',
  UNKNOWN_MARKET: '404 Not Found',
  UNKNOWN_ACCOUNT: '404 Not Found',
  UNKNOWN_ASSET: '404 Not Found',
  PAYLOAD_TOO_LARGE: '413 Payload Too Large',
  RATE_LIMITED: '429 Too Many Requests',
  TOO_MANY_SUBSCRIPTIONS: '429 Too Many Requests',
  INTERNAL_ERROR: '500 Internal Server Error',
  NOT_AVAILABLE: '501 Not Implemented',
  UNAVAILABLE: '503 Service Unavailable',
};

/** HTTP status line for a reply: 200, the table above, or 422 for any other engine rejection. */
export function statusOf(reply: Reply): string {
  if (reply.ok) return '200 OK';
  return STATUS[reply.code] ?? '422 Unprocessable Entity';
}

export const CONTENT_TYPE: Record<Encoding, string> = { json: 'application/json', msgpack: 'application/msgpack' };

/** Tracks whether the client went away before the answer was ready. */
export interface ResponseState {
  aborted: boolean;
  done: boolean;
}

export function track(res: HttpResponse): ResponseState {
  const state = { aborted: false, done: false };
  res.onAborted(() => {
    state.aborted = true;
  });
  return state;
}

export function writeRaw(
  res: HttpResponse,
  state: ResponseState,
  status: string,
  contentType: string,
  body: string | Uint8Array,
  closeConnection = false,
): void {
  if (state.aborted || state.done) return;
  state.done = true;
  res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', contentType).end(body, closeConnection);
  });
}

export function writeReply(
  res: HttpResponse,
  state: ResponseState,
  reply: Reply,
  encoding: Encoding,
  closeConnection = false,
): void {
  writeRaw(res, state, statusOf(reply), CONTENT_TYPE[encoding], encode(reply, encoding), closeConnection);
}
