/**
 * The op table: for every wire operation, its params schema (compiled once),
 * whether it must be signed, which roles may call it, what kind of work it is,
 * and, for commands, how its params become an engine Command.
 *
 * Adding an engine command to the wire is one entry here plus its params
 * schema in schema/params.ts (the order-book ops were added that way).
 */
import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import type { Command } from '../core/commands.ts';
import type { KeyRecord } from './auth/keys.ts';
import type { Role } from './protocol.ts';
import { P } from './schema/params.ts';

export type OpKind = 'command' | 'query' | 'session' | 'keys';
export type AuthMode = 'none' | 'signed' | 'optional';

export interface OpSpec {
  readonly kind: OpKind;
  readonly auth: AuthMode;
  /** Roles allowed to call a signed op (any one suffices). */
  readonly roles: readonly Role[];
  readonly check: TypeCheck<TSchema>;
  readonly wsOnly: boolean;
  /** Command ops: params (validated) and the signing key → the engine command. */
  readonly toCommand?: (p: Record<string, unknown>, key: KeyRecord) => Command;
}

const TRADER: readonly Role[] = ['trader'];
const ADMIN: readonly Role[] = ['admin'];
const READERS: readonly Role[] = ['trader', 'read-only', 'liquidator', 'admin'];

type Params = Record<string, unknown>;
/** Copy the listed fields that are present (absent optionals stay absent in the journal). */
function pick<T extends object>(base: T, p: Params, fields: readonly string[]): T {
  const out = base as Record<string, unknown>;
  for (const f of fields) if (p[f] !== undefined) out[f] = p[f];
  return base;
}

function spec(
  kind: OpKind,
  auth: AuthMode,
  roles: readonly Role[],
  schema: TSchema,
  extra: Partial<Pick<OpSpec, 'wsOnly' | 'toCommand'>> = {},
): OpSpec {
  return { kind, auth, roles, check: TypeCompiler.Compile(schema), wsOnly: false, ...extra };
}

function command(roles: readonly Role[], schema: TSchema, toCommand: OpSpec['toCommand']): OpSpec {
  return spec('command', 'signed', roles, schema, { toCommand });
}

export const OPS: Readonly<Record<string, OpSpec>> = Object.freeze({
  __proto__: null,
  // Trader commands: the account is the key's.
  marketOrder: command(TRADER, P.marketOrder, (p, k) =>
    pick({ type: 'marketOrder', account: k.account, market: p.market, side: p.side, size: p.size } as Command, p, [
      'worstPrice',
      'reduceOnly',
    ]),
  ),
  withdraw: command(TRADER, P.withdraw, (p, k) =>
    pick({ type: 'withdraw', account: k.account, amount: p.amount } as Command, p, ['asset']),
  ),
  setMarginMode: command(
    TRADER,
    P.setMarginMode,
    (p, k) => ({ type: 'setMarginMode', account: k.account, market: p.market, isolated: p.isolated }) as Command,
  ),
  setAccountMarginMode: command(
    TRADER,
    P.setAccountMarginMode,
    (p, k) => ({ type: 'setAccountMarginMode', account: k.account, mode: p.mode }) as Command,
  ),
  transferIsolated: command(
    TRADER,
    P.transferIsolated,
    (p, k) => ({ type: 'transferIsolated', account: k.account, market: p.market, amount: p.amount }) as Command,
  ),
  settlePnl: command(
    TRADER,
    P.settlePnl,
    (p, k) => ({ type: 'settlePnl', account: k.account, market: p.market }) as Command,
  ),
  liquidate: command(
    ['liquidator'],
    P.liquidate,
    (p, k) =>
      ({ type: 'liquidate', liquidator: k.account, account: p.account, market: p.market, size: p.size }) as Command,
  ),
  oracle: command(
    ['oracle'],
    P.oracle,
    (p) =>
      ({
        type: 'oracle',
        market: p.market,
        source: p.source,
        price: p.price,
        confidence: p.confidence,
        publishTs: p.publishTs,
      }) as Command,
  ),
  // Admin commands: deposits as the bridge credits them, markets, assets, insurance.
  deposit: command(ADMIN, P.deposit, (p) =>
    pick({ type: 'deposit', account: p.account, amount: p.amount } as Command, p, ['asset']),
  ),
  createAccount: command(ADMIN, P.createAccount, () => ({ type: 'createAccount' })),
  createMarket: command(ADMIN, P.createMarket, (p) =>
    pick(
      { type: 'createMarket', symbol: p.symbol, initialPrice: p.initialPrice, baseReserve: p.baseReserve } as Command,
      p,
      ['params'],
    ),
  ),
  updateMarket: command(
    ADMIN,
    P.updateMarket,
    (p) => ({ type: 'updateMarket', market: p.market, params: p.params }) as Command,
  ),
  pauseMarket: command(ADMIN, P.pauseMarket, (p) => ({ type: 'pauseMarket', market: p.market }) as Command),
  resumeMarket: command(ADMIN, P.resumeMarket, (p) => ({ type: 'resumeMarket', market: p.market }) as Command),
  insuranceDeposit: command(
    ADMIN,
    P.insuranceDeposit,
    (p) => ({ type: 'insuranceDeposit', amount: p.amount }) as Command,
  ),
  createAsset: command(
    ADMIN,
    P.createAsset,
    (p) =>
      ({
        type: 'createAsset',
        symbol: p.symbol,
        priceMarket: p.priceMarket,
        initialWeightE6: p.initialWeightE6,
        maintenanceWeightE6: p.maintenanceWeightE6,
      }) as Command,
  ),
  fundingTick: command(ADMIN, P.fundingTick, (p) => ({ type: 'fundingTick', market: p.market }) as Command),
  // Keys (gateway-side registry until the engine journals them).
  registerKey: spec('keys', 'signed', ADMIN, P.registerKey),
  revokeKey: spec('keys', 'signed', ADMIN, P.revokeKey),
  // Order book (trader).
  placeOrder: command(TRADER, P.placeOrder, (p, k) => ({ ...p, type: 'placeOrder', account: k.account }) as Command),
  cancelOrder: command(TRADER, P.cancelOrder, (p, k) => ({ ...p, type: 'cancelOrder', account: k.account }) as Command),
  cancelAll: command(TRADER, P.cancelAll, (p, k) => ({ ...p, type: 'cancelAll', account: k.account }) as Command),
  amendOrder: command(TRADER, P.amendOrder, (p, k) => ({ ...p, type: 'amendOrder', account: k.account }) as Command),
  batch: command(
    TRADER,
    P.batch,
    (p, k) =>
      ({
        type: 'batch',
        account: k.account,
        ops: (p.ops as Params[]).map((o) => ({ ...o, account: k.account })),
      }) as Command,
  ),
  orders: spec('query', 'signed', READERS, P.orders),
  // Public queries.
  ping: spec('query', 'none', [], P.ping),
  time: spec('query', 'none', [], P.time),
  markets: spec('query', 'none', [], P.markets),
  ticker: spec('query', 'none', [], P.ticker),
  depth: spec('query', 'none', [], P.depth),
  trades: spec('query', 'none', [], P.trades),
  fundingHistory: spec('query', 'none', [], P.fundingHistory),
  insurance: spec('query', 'none', [], P.insurance),
  liquidatable: spec('query', 'none', [], P.liquidatable),
  // Private queries.
  account: spec('query', 'signed', READERS, P.account),
  positions: spec('query', 'signed', READERS, P.positions),
  history: spec('query', 'signed', READERS, P.history),
  // Session (WebSocket only).
  subscribe: spec('session', 'optional', READERS, P.subscribe, { wsOnly: true }),
  unsubscribe: spec('session', 'none', [], P.unsubscribe, { wsOnly: true }),
  setDeadman: spec('session', 'signed', TRADER, P.setDeadman),
  setCancelOnDisconnect: spec('session', 'signed', TRADER, P.setCancelOnDisconnect, { wsOnly: true }),
  logon: spec('session', 'signed', ['trader', 'read-only', 'liquidator', 'oracle', 'admin'], P.logon, { wsOnly: true }),
  logout: spec('session', 'none', [], P.logout, { wsOnly: true }),
} as unknown as Record<string, OpSpec>);

export function opSpec(op: string): OpSpec | undefined {
  return OPS[op];
}

export function hasRole(key: KeyRecord, roles: readonly Role[]): boolean {
  for (const r of key.roles) if (roles.includes(r)) return true;
  return false;
}

/** The command the dead man's switch and cancel-on-disconnect submit: every order of the account, every market. */
export function cancelAllOrdersCommand(account: number): Command {
  return { type: 'cancelAll', account };
}
