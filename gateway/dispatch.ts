/**
 * One request, whatever carried it (a WebSocket frame, an HTTP request):
 *
 *   envelope schema ─ op known ─ params schema ─ transport allowed ─ op live
 *   ─ authentication (signed ops) ─ role ─ per-key rate limit ─ execute
 *
 * Each step that fails answers with its code. Commands go to the loop and are
 * acknowledged from the loop's reply callback, after their turn is journaled;
 * queries read committed state; session ops change the connection.
 */

import { classicEvents } from '../core/classic-events.ts';
import type { AuthedCommand, Command } from '../core/commands.ts';
import type { Engine, Outcome } from '../core/engine.ts';
import { authenticate, authenticateSession } from './auth/authenticate.ts';
import { isDurable } from './auth/engine-keys.ts';
import type { KeyRecord, KeyRegistry } from './auth/keys.ts';
import { type Encoding, encode } from './codec/codec.ts';
import type { DeadmanSwitch } from './deadman.ts';
import type { LoopDriver } from './driver.ts';
import { type WireError, wireError } from './errors.ts';
import type { GatewayLimits } from './limits.ts';
import type { GatewayMetrics } from './metrics.ts';
import { hasRole, type OpSpec, opSpec } from './ops.ts';
import type { Reply, Request, RequestId } from './protocol.ts';
import { isWireError, type QueryDeps, runQuery } from './queries.ts';
import { checkEnvelope } from './schema/envelope.ts';
import type { ReplyMode, Session } from './session.ts';
import { type SubscriptionDeps, subscribe, unsubscribe } from './subscriptions.ts';
import type { BucketMap } from './token-bucket.ts';

/** Where a request came from and how to answer it. */
export interface Responder {
  readonly transport: 'ws' | 'http';
  readonly session: Session | null;
  readonly encoding: Encoding;
  /** performance.now() when the request arrived. */
  readonly receivedAt: number;
  send(reply: Reply): void;
  /** Sends `{ id, ok: true, result: { seq } }` (the ack of a command under replies 'ack'). */
  sendAck(id: RequestId | null, seq: number): void;
}

export interface DispatchDeps extends QueryDeps, SubscriptionDeps {
  engine: Engine;
  keys: KeyRegistry;
  keyBuckets: BucketMap;
  driver: LoopDriver;
  deadman: DeadmanSwitch;
  metrics: GatewayMetrics;
  limits: GatewayLimits;
  clock: () => number;
  closing(): boolean;
}

function idOf(value: unknown): RequestId | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as { id?: unknown }).id;
  if (
    (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) ||
    (typeof id === 'string' && id.length > 0 && id.length <= 64)
  ) {
    return id;
  }
  return null;
}

function schemaMessage(check: OpSpec['check'] | typeof checkEnvelope, value: unknown, where: string): string {
  const first = check.Errors(value).First();
  return first === undefined ? where : `${where}${first.path || '/'}: ${first.message}`;
}

export class Dispatcher {
  /** Encoded public ticker replies by encoding + market, valid while engine.seq is tickerSeq. */
  private readonly tickers = new Map<string, string | Uint8Array>();
  private tickerSeq = -1;

  constructor(private readonly d: DispatchDeps) {}

  /**
   * The encoded reply to a public `ticker` query (id null), built once per engine state: a ticker is
   * a function of engine state, which changes only when the loop applies a command (engine.seq).
   */
  tickerReply(market: number, encoding: Encoding): string | Uint8Array | null {
    const e = this.d.engine;
    if (this.tickerSeq !== e.seq) {
      this.tickerSeq = e.seq;
      this.tickers.clear();
    }
    const k = `${encoding}${market}`;
    let body = this.tickers.get(k);
    if (body === undefined) {
      const answer = runQuery('ticker', { market }, null, this.d);
      if (answer instanceof Promise || isWireError(answer)) return null;
      body = encode({ id: null, ok: true, result: answer }, encoding);
      this.tickers.set(k, body);
    }
    return body;
  }

  fail(r: Responder, id: RequestId | null, e: WireError, seq?: number): void {
    this.d.metrics.errors.inc({ code: e.code });
    if (seq === undefined) r.send({ id, ok: false, code: e.code, message: e.message });
    else r.send({ id, ok: false, code: e.code, message: e.message, seq });
  }

  handle(value: unknown, r: Responder): void {
    const d = this.d;
    if (!checkEnvelope.Check(value)) {
      return this.fail(r, idOf(value), wireError('BAD_SCHEMA', schemaMessage(checkEnvelope, value, '')));
    }
    const req = value as Request;
    const id = req.id ?? null;
    const spec = opSpec(req.op);
    if (spec === undefined) return this.fail(r, id, wireError('BAD_SCHEMA', `unknown op ${req.op}`));
    const params = (req.params ?? {}) as Record<string, unknown>;
    if (!spec.check.Check(params))
      return this.fail(r, id, wireError('BAD_SCHEMA', schemaMessage(spec.check, params, '/params')));
    if (spec.wsOnly && r.transport !== 'ws')
      return this.fail(r, id, wireError('NOT_AVAILABLE', `${req.op} needs a WebSocket`));
    let key: KeyRecord | null = null;
    const logon = r.session === null ? null : r.session.logon;
    // On a logged-on connection, an unsigned request to a signed op (or to an optional one, with a
    // nonce) is authenticated by the logon; `logon` itself is always signed.
    const viaSession =
      logon !== null &&
      req.sig === undefined &&
      req.op !== 'logon' &&
      (spec.auth === 'signed' || (spec.auth === 'optional' && req.nonce !== undefined));
    if (viaSession || spec.auth === 'signed' || (spec.auth === 'optional' && req.sig !== undefined)) {
      const auth = viaSession
        ? authenticateSession(req, logon.key, d.keys)
        : authenticate(
            req,
            req.params as Record<string, unknown> | undefined,
            d.keys,
            d.clock(),
            d.limits.timestampWindowMs,
          );
      if (!auth.ok) return this.fail(r, id, auth.error);
      key = auth.key;
      if (spec.auth === 'signed' && !hasRole(key, spec.roles)) {
        return this.fail(r, id, wireError('FORBIDDEN', `${req.op} needs one of the roles ${spec.roles.join(', ')}`));
      }
      if (!d.keyBuckets.take(key.keyId, d.clock()))
        return this.fail(r, id, wireError('RATE_LIMITED', `key ${key.keyId}`));
    }
    switch (spec.kind) {
      case 'command': {
        const cmd = spec.toCommand!(params, key!);
        // With engine-backed keys the nonce travels with the command and is consumed durably.
        if (key !== null && isDurable(d.keys))
          (cmd as AuthedCommand).auth = { keyId: key.keyId, nonce: req.nonce as number };
        return this.command(cmd, id, r);
      }
      case 'query':
        return this.whenSettled(r, id, () => this.query(req.op, params, key, id, r));
      case 'keys':
        return this.keys(
          req.op,
          params,
          id,
          r,
          key === null ? undefined : { keyId: key.keyId, nonce: req.nonce as number },
        );
      default:
        return this.session(req.op, params, key, id, r, req.nonce);
    }
  }

  /** Submit to the loop; the reply is released by the loop after the turn's journal commit. */
  command(cmd: Command, id: RequestId | null, r: Responder): void {
    const d = this.d;
    if (d.closing() || !d.driver.healthy) return this.fail(r, id, wireError('UNAVAILABLE'));
    const s = r.session;
    const receivedAt = r.receivedAt;
    if (s !== null) s.inflight++;
    d.driver.submit(cmd, (outcome: Outcome) => {
      if (outcome.ok) {
        // A logon with replies 'ack' gets { seq } only; the events go out on the private streams.
        if (s !== null && s.logon !== null && s.logon.replies === 'ack') r.sendAck(id, outcome.seq);
        else r.send({ id, ok: true, result: { seq: outcome.seq, events: classicEvents(outcome.events) } });
      }
      // A rejected command is journaled too: its seq lets a client find it there.
      else this.fail(r, id, { code: outcome.code, message: outcome.message }, outcome.seq);
      d.metrics.ackLatency.observe((performance.now() - receivedAt) / 1000);
      if (s !== null) s.commandDone();
    });
  }

  /** Run `fn` now, or after the connection's in-flight commands are acknowledged. */
  private whenSettled(r: Responder, id: RequestId | null, fn: () => void): void {
    const s = r.session;
    if (s === null || s.inflight === 0) return fn();
    if (s.deferred.length >= this.d.limits.maxDeferredQueriesPerConnection) {
      return this.fail(r, id, wireError('RATE_LIMITED', 'too many queries waiting for commands'));
    }
    s.deferred.push(fn);
  }

  private query(
    op: string,
    params: Record<string, unknown>,
    key: KeyRecord | null,
    id: RequestId | null,
    r: Responder,
  ): void {
    let answer: unknown;
    try {
      answer = runQuery(op, params, key, this.d);
    } catch (err) {
      return this.fail(r, id, sourceError(err));
    }
    if (answer instanceof Promise) {
      answer.then(
        (a) => this.answer(a, id, r),
        (err) => this.fail(r, id, sourceError(err)),
      );
      return;
    }
    this.answer(answer, id, r);
  }

  private answer(a: unknown, id: RequestId | null, r: Responder): void {
    if (isWireError(a)) this.fail(r, id, a);
    else r.send({ id, ok: true, result: a });
  }

  private keys(
    op: string,
    p: Record<string, unknown>,
    id: RequestId | null,
    r: Responder,
    auth?: { keyId: string; nonce: number },
  ): void {
    const keys = this.d.keys;
    if (isDurable(keys)) {
      // Journaled, with the admin's nonce (so a captured registration cannot be replayed after a
      // restart to bring a revoked key back); the reply comes after the turn is durable.
      if (op === 'revokeKey') {
        const revoke: AuthedCommand = { type: 'revokeKey', keyId: p.keyId as string };
        if (auth !== undefined) revoke.auth = auth;
        return this.command(revoke, id, r);
      }
      const material = (p.scheme === 'ed25519' ? p.publicKey : p.secret) as string | undefined;
      const register: AuthedCommand = {
        type: 'registerKey',
        keyId: p.keyId as string,
        account: p.account as number,
        roles: p.roles as string[],
        scheme: p.scheme as 'ed25519' | 'hmac-sha256',
        material: material ?? '',
      };
      if (auth !== undefined) register.auth = auth;
      return this.command(register, id, r);
    }
    if (op === 'revokeKey')
      return r.send({ id, ok: true, result: { keyId: p.keyId, revoked: keys.revoke(p.keyId as string) } });
    if (!this.d.engine.accounts.exists(p.account as number)) {
      return this.fail(r, id, { code: 'UNKNOWN_ACCOUNT', message: `account ${p.account}` });
    }
    const err = keys.register(p as never);
    if (err !== null) return this.fail(r, id, wireError('BAD_SCHEMA', err));
    r.send({ id, ok: true, result: { keyId: p.keyId, account: p.account, roles: p.roles } });
  }

  /**
   * A verified logon binds the key to this connection (replacing an earlier logon). With engine-backed
   * keys the logon's nonce is first consumed by a journaled advanceNonce, so a captured logon cannot be
   * replayed after a restart; the logon takes effect, and is acknowledged, once that turn is durable.
   */
  private logon(s: Session, key: KeyRecord, replies: ReplyMode, nonce: number, id: RequestId | null, r: Responder) {
    const result = { keyId: key.keyId, account: key.account, roles: key.roles, replies };
    if (!isDurable(this.d.keys)) {
      s.logon = { key, replies };
      return r.send({ id, ok: true, result });
    }
    const d = this.d;
    if (d.closing() || !d.driver.healthy) return this.fail(r, id, wireError('UNAVAILABLE'));
    s.inflight++;
    d.driver.submit({ type: 'advanceNonce', keyId: key.keyId, nonce }, (outcome: Outcome) => {
      if (!outcome.ok) this.fail(r, id, { code: outcome.code, message: outcome.message }, outcome.seq);
      else {
        if (!s.closed) s.logon = { key, replies };
        r.send({ id, ok: true, result: { ...result, seq: outcome.seq } });
      }
      s.commandDone();
    });
  }

  private session(
    op: string,
    p: Record<string, unknown>,
    key: KeyRecord | null,
    id: RequestId | null,
    r: Responder,
    nonce: number | undefined,
  ): void {
    const d = this.d;
    const s = r.session;
    switch (op) {
      case 'logon':
        if (s === null) return this.fail(r, id, wireError('NOT_AVAILABLE', 'logon needs a WebSocket'));
        return this.logon(s, key!, (p.replies as ReplyMode | undefined) ?? 'full', nonce as number, id, r);
      case 'logout': {
        if (s === null) return this.fail(r, id, wireError('NOT_AVAILABLE', 'logout needs a WebSocket'));
        const was = s.logon;
        s.logon = null;
        return r.send({ id, ok: true, result: { loggedOut: was !== null, keyId: was?.key.keyId ?? null } });
      }
      case 'subscribe': {
        if (s === null) return this.fail(r, id, wireError('NOT_AVAILABLE', 'subscribe needs a WebSocket'));
        const out = subscribe(s, p, key, r.encoding, d);
        if ('code' in out) return this.fail(r, id, out);
        r.send({ id, ok: true, result: out.result });
        out.after?.();
        return;
      }
      case 'unsubscribe':
        if (s === null) return this.fail(r, id, wireError('NOT_AVAILABLE', 'unsubscribe needs a WebSocket'));
        return r.send({ id, ok: true, result: unsubscribe(s, p, d.publisher) });
      case 'setDeadman': {
        const ms = p.ms as number;
        if (ms !== 0 && (ms < d.limits.deadmanMinMs || ms > d.limits.deadmanMaxMs)) {
          return this.fail(
            r,
            id,
            wireError('BAD_SCHEMA', `ms must be 0 or within [${d.limits.deadmanMinMs}, ${d.limits.deadmanMaxMs}]`),
          );
        }
        const deadlineTs = d.deadman.set(key!.account, ms, d.clock());
        return r.send({ id, ok: true, result: { account: key!.account, armed: ms !== 0, deadlineTs } });
      }
      case 'setCancelOnDisconnect': {
        if (s === null) return this.fail(r, id, wireError('NOT_AVAILABLE', 'setCancelOnDisconnect needs a WebSocket'));
        if (p.enabled === true) s.cancelOnDisconnect.add(key!.account);
        else s.cancelOnDisconnect.delete(key!.account);
        return r.send({ id, ok: true, result: { account: key!.account, enabled: p.enabled } });
      }
      default:
        return this.fail(r, id, wireError('NOT_AVAILABLE', op));
    }
  }
}

/** An error thrown by a history source: its own BAD_* codes are the caller's fault; the rest is unavailability. */
function sourceError(err: unknown): WireError {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && code.startsWith('BAD_')) return wireError('BAD_SCHEMA', message);
  return wireError('UNAVAILABLE', message);
}
