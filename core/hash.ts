/**
 * stateHash(): SHA-256 over the whole state in a fixed order. Seq and time
 * are metadata and not hashed, so a rejected command leaves the hash as it
 * was. Typed columns are hashed as their raw bytes (IEEE doubles), which is
 * exact: two states hash equal only if every number is bit-identical.
 */
import { createHash } from 'node:crypto';
import { ACCOUNT_COLUMNS } from './accounts.ts';
import { writeBookState } from './book-state.ts';
import { sortedKeys } from './keys.ts';
import { POSITION_COLUMNS } from './market.ts';
import { MARKET_PARAM_NAMES } from './params.ts';
import { hashPortfolio } from './portfolio/persist.ts';
import type { EngineState } from './state.ts';

function bytes(a: Float64Array, n: number): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, n * 8);
}

export function stateHash(s: EngineState): string {
  const h = createHash('sha256');
  const n = s.accounts.count;
  const head = new Float64Array([
    n,
    s.markets.length,
    s.assets.length,
    s.insuranceFund,
    s.totalDeposits,
    s.totalWithdrawals,
    s.tickCount,
    s.nextOrderId,
  ]);
  h.update(bytes(head, head.length));
  for (const c of ACCOUNT_COLUMNS) h.update(bytes(s.accounts[c], n));
  for (let i = 1; i < s.assets.length; i++) {
    const a = s.assets[i];
    h.update(a.symbol);
    const f = new Float64Array([
      a.priceMarket,
      a.initialWeightE6,
      a.maintenanceWeightE6,
      a.deposits,
      a.withdrawals,
      a.insuranceHoldings,
    ]);
    h.update(bytes(f, f.length));
    h.update(bytes(s.accounts.balances[i], n));
  }
  h.update(JSON.stringify(sortedKeys(s)));
  hashPortfolio(s, h);
  for (const m of s.markets) {
    h.update(m.symbol);
    h.update(bytes(m.f, m.f.length));
    const scalars = new Float64Array(MARKET_PARAM_NAMES.length + 3 * m.sources.length);
    let i = 0;
    for (const f of MARKET_PARAM_NAMES) scalars[i++] = m.params[f];
    for (const src of m.sources) {
      scalars[i++] = src.price;
      scalars[i++] = src.confidence;
      scalars[i++] = src.publishTs;
    }
    h.update(bytes(scalars, scalars.length));
    for (const c of POSITION_COLUMNS) h.update(bytes(m.positions[c], n));
    writeBookState(m.book, h);
    h.update(JSON.stringify(m.triggers));
  }
  return h.digest('hex');
}
