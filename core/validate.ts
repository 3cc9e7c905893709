/**
 * Shape checks for commands arriving at apply(). The gateway validates
 * against its schema first; the engine checks again, because the journal,
 * the simulator and tests feed it directly, and a bad command must be a
 * rejection, never a crash.
 */
import type { Command } from './commands.ts';
import { type Rejection, reject } from './errors.ts';

export function isSafeId(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

export function isPositiveAmount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
}

const ID_FIELDS: Record<string, readonly string[]> = {
  createMarket: [],
  updateMarket: ['market'],
  pauseMarket: ['market'],
  resumeMarket: ['market'],
  createAccount: [],
  createAsset: ['priceMarket'],
  deposit: ['account'],
  withdraw: ['account'],
  setMarginMode: ['account', 'market'],
  transferIsolated: ['account', 'market'],
  liquidate: ['liquidator', 'account', 'market'],
  tick: [],
  insuranceDeposit: [],
  marketOrder: ['account', 'market'],
  oracle: ['market'],
  fundingTick: ['market'],
  settlePnl: ['account', 'market'],
};

/** Null when the command has a known type and well-typed fields. */
export function checkShape(cmd: unknown): Rejection | null {
  if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) return reject('BAD_COMMAND', 'not an object');
  const c = cmd as Record<string, unknown>;
  const type = c.type;
  if (typeof type !== 'string' || !Object.hasOwn(ID_FIELDS, type))
    return reject('BAD_COMMAND', `unknown type ${String(type)}`);
  for (const f of ID_FIELDS[type]) {
    if (!isSafeId(c[f])) return reject('BAD_COMMAND', `${f} must be a non-negative integer`);
  }
  const x = cmd as Command;
  switch (x.type) {
    case 'createMarket':
      if (typeof x.symbol !== 'string' || !/^[A-Z0-9][A-Z0-9-]{0,31}$/.test(x.symbol)) {
        return reject('BAD_COMMAND', 'symbol must be 1-32 of A-Z, 0-9 and -');
      }
      if (!isPositiveAmount(x.initialPrice)) return reject('BAD_PRICE', 'initialPrice');
      if (!isPositiveAmount(x.baseReserve)) return reject('BAD_AMOUNT', 'baseReserve');
      if (x.params !== undefined && (typeof x.params !== 'object' || x.params === null || Array.isArray(x.params))) {
        return reject('BAD_COMMAND', 'params must be an object');
      }
      return null;
    case 'updateMarket':
      if (typeof x.params !== 'object' || x.params === null || Array.isArray(x.params)) {
        return reject('BAD_COMMAND', 'params must be an object');
      }
      return null;
    case 'createAsset':
      if (typeof x.symbol !== 'string' || !/^[A-Z0-9]{1,16}$/.test(x.symbol)) return reject('BAD_COMMAND', 'symbol');
      if (typeof x.initialWeightE6 !== 'number' || typeof x.maintenanceWeightE6 !== 'number') {
        return reject('BAD_COMMAND', 'weights must be numbers');
      }
      return null;
    case 'deposit':
    case 'withdraw':
      if (x.asset !== undefined && !isSafeId(x.asset)) return reject('BAD_COMMAND', 'asset must be a non-negative integer');
      return isPositiveAmount(x.amount) ? null : reject('BAD_AMOUNT', 'amount');
    case 'insuranceDeposit':
      return isPositiveAmount(x.amount) ? null : reject('BAD_AMOUNT', 'amount');
    case 'setMarginMode':
      return typeof x.isolated === 'boolean' ? null : reject('BAD_COMMAND', 'isolated must be a boolean');
    case 'transferIsolated':
      return typeof x.amount === 'number' && Number.isSafeInteger(x.amount) && x.amount !== 0
        ? null
        : reject('BAD_AMOUNT', 'amount must be a non-zero integer');
    case 'liquidate':
      return isPositiveAmount(x.size) ? null : reject('BAD_AMOUNT', 'size');
    case 'marketOrder':
      if (x.side !== 'buy' && x.side !== 'sell') return reject('BAD_COMMAND', 'side must be buy or sell');
      if (!isPositiveAmount(x.size)) return reject('BAD_AMOUNT', 'size');
      if (x.worstPrice !== undefined && (!isSafeId(x.worstPrice) || typeof x.worstPrice !== 'number')) {
        return reject('BAD_PRICE', 'worstPrice');
      }
      if (x.reduceOnly !== undefined && typeof x.reduceOnly !== 'boolean') return reject('BAD_COMMAND', 'reduceOnly');
      return null;
    case 'oracle':
      if (typeof x.source !== 'number' || typeof x.price !== 'number' || typeof x.confidence !== 'number') {
        return reject('BAD_COMMAND', 'source, price and confidence must be numbers');
      }
      if (typeof x.publishTs !== 'number') return reject('BAD_COMMAND', 'publishTs must be a number');
      return null;
    default:
      return null;
  }
}
