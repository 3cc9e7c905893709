/**
 * validateInvariants(): the checks tests run after every command (Drift's
 * validation pass). Each returns a sentence naming what broke.
 *   - conservation: Σ collateral + Σ PnL pools + Σ fee pools + insurance
 *     = deposits − withdrawals, to the unit;
 *   - every ledger is a non-negative safe integer;
 *   - the curve: reserves positive, quoteReserve × baseReserve = k;
 *   - open interest: long − short = −(AMM net position), and each side equals
 *     the sum of the positions on it;
 *   - positions: a flat position has no quote entry;
 *   - per collateral asset: balances + insurance holdings = its deposits − withdrawals;
 *   - resting orders: each account's openBids / openAsks columns equal the
 *     sizes it rests on each side, and reduceOnlyOrders its reduce-only count.
 */
import { ASK, BID } from './book/types.ts';
import type { Market } from './market.ts';
import type { EngineState } from './state.ts';

const CURVE_TOLERANCE = 1e-9;

export function validateInvariants(s: EngineState): string[] {
  const out: string[] = [];
  const n = s.accounts.count;
  const col = s.accounts.collateral;
  let total = s.insuranceFund;
  if (!Number.isSafeInteger(s.insuranceFund) || s.insuranceFund < 0) out.push(`insurance fund ${s.insuranceFund}`);
  for (let a = 0; a < n; a++) {
    const c = col[a];
    if (!Number.isSafeInteger(c) || c < 0) out.push(`account ${a} collateral ${c}`);
    total += c;
  }
  for (const m of s.markets) {
    const where = `market ${m.id}`;
    for (const [name, v] of [
      ['pnlPool', m.pnlPool],
      ['feePool', m.feePool],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 0) out.push(`${where} ${name} ${v}`);
    }
    total += m.pnlPool + m.feePool;
    for (let a = 0; a < n; a++) {
      const iso = m.positions.isolatedCollateral[a];
      if (!Number.isSafeInteger(iso) || iso < 0) out.push(`${where} account ${a} isolated collateral ${iso}`);
      if (iso !== 0 && m.positions.isolated[a] !== 1)
        out.push(`${where} account ${a} has isolated collateral but is cross`);
      total += iso;
    }
    if (!(m.baseReserve > 0) || !(m.quoteReserve > 0) || !(m.k > 0) || !(m.pegE6 > 0)) {
      out.push(`${where} curve not positive`);
    }
    const product = m.baseReserve * m.quoteReserve;
    if (Math.abs(product - m.k) > m.k * CURVE_TOLERANCE) out.push(`${where} k ${m.k} ≠ ${product}`);
    if (m.openInterestLong - m.openInterestShort !== -m.ammNetBase) {
      out.push(`${where} OI long ${m.openInterestLong} − short ${m.openInterestShort} ≠ −AMM ${m.ammNetBase}`);
    }
    let longs = 0;
    let shorts = 0;
    const pos = m.positions;
    for (let a = 0; a < n; a++) {
      const b = pos.base[a];
      if (!Number.isSafeInteger(b)) out.push(`${where} account ${a} base ${b}`);
      if (b > 0) longs += b;
      else shorts -= b;
      if (b === 0 && pos.quoteEntry[a] !== 0) out.push(`${where} account ${a} flat with entry ${pos.quoteEntry[a]}`);
      if (!Number.isSafeInteger(pos.pnl[a])) out.push(`${where} account ${a} pnl ${pos.pnl[a]}`);
      if (!Number.isSafeInteger(pos.quoteEntry[a])) out.push(`${where} account ${a} quote entry ${pos.quoteEntry[a]}`);
    }
    if (longs !== m.openInterestLong || shorts !== m.openInterestShort) {
      out.push(`${where} OI ${m.openInterestLong}/${m.openInterestShort} ≠ positions ${longs}/${shorts}`);
    }
    restingOrders(m, n, out);
  }
  const expected = s.totalDeposits - s.totalWithdrawals;
  if (total !== expected) out.push(`conservation: ledgers ${total} ≠ deposits − withdrawals ${expected}`);
  // Other collateral assets: balances + insurance holdings = deposits − withdrawals, per asset.
  for (let i = 1; i < s.assets.length; i++) {
    const asset = s.assets[i];
    let held = asset.insuranceHoldings;
    const col = s.accounts.balances[i];
    for (let a = 0; a < n; a++) {
      if (!Number.isSafeInteger(col[a]) || col[a] < 0) out.push(`asset ${asset.symbol} account ${a} balance ${col[a]}`);
      held += col[a];
    }
    if (held !== asset.deposits - asset.withdrawals) {
      out.push(
        `conservation of ${asset.symbol}: held ${held} ≠ deposits − withdrawals ${asset.deposits - asset.withdrawals}`,
      );
    }
  }
  return out;
}

/** The per-account order columns against the book itself. */
function restingOrders(m: Market, n: number, out: string[]): void {
  const bids = new Float64Array(n);
  const asks = new Float64Array(n);
  const reduceOnly = new Float64Array(n);
  for (const side of [BID, ASK] as const) {
    for (const id of m.book.orderIds(side)) {
      const o = m.book.get(id);
      if (o === undefined || o.account >= n) {
        out.push(`market ${m.id} order ${id} has no account`);
        continue;
      }
      (side === BID ? bids : asks)[o.account] += o.size;
      if (o.reduceOnly) reduceOnly[o.account]++;
    }
  }
  const pos = m.positions;
  for (let a = 0; a < n; a++) {
    if (pos.openBids[a] !== bids[a] || pos.openAsks[a] !== asks[a] || pos.reduceOnlyOrders[a] !== reduceOnly[a]) {
      out.push(
        `market ${m.id} account ${a} open bids/asks/reduce-only ${pos.openBids[a]}/${pos.openAsks[a]}/${pos.reduceOnlyOrders[a]} ≠ book ${bids[a]}/${asks[a]}/${reduceOnly[a]}`,
      );
    }
  }
}
