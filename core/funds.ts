/**
 * Money in and out of accounts: deposits and withdrawals of any collateral
 * asset, the insurance fund's deposits, margin mode per position and
 * transfers between cross collateral and an isolated position. Every
 * transfer debits one ledger and credits another by the same integer.
 * A portfolio account's withdrawal is checked by the portfolio requirement,
 * exactly (portfolio/check.ts).
 */
import type { Deposit, SetMarginMode, TransferIsolated, Withdraw } from './commands.ts';
import { type Rejection, reject } from './errors.ts';
import { isolatedHealth, meetsInitialLossesOnly } from './margin/health.ts';
import type { Market } from './market.ts';
import { checkOracleForMargin } from './oracle.ts';
import { crossPoolMeetsInitial } from './portfolio/check.ts';
import { collateralChanged } from './portfolio/row.ts';
import { settleAccount, settleFunding, settlePnl } from './settle.ts';
import type { EngineState } from './state.ts';

function assetOf(s: EngineState, asset: number | undefined): number | Rejection {
  const id = asset ?? 0;
  return s.assets[id] === undefined ? reject('UNKNOWN_ASSET', `asset ${id}`) : id;
}

export function deposit(s: EngineState, cmd: Deposit): Rejection | null {
  const asset = assetOf(s, cmd.asset);
  if (typeof asset !== 'number') return asset;
  const u = s.undo;
  const a = cmd.account;
  const col = s.accounts.balances[asset];
  const info = s.assets[asset];
  const next = col[a] + cmd.amount;
  const total = asset === 0 ? s.totalDeposits : info.deposits;
  if (!Number.isSafeInteger(next) || !Number.isSafeInteger(total + cmd.amount)) {
    return reject('OUT_OF_RANGE', 'the balance would exceed the safe range');
  }
  u.at(col, a, next);
  if (asset !== 0) {
    u.set(info, 'deposits', info.deposits + cmd.amount);
    collateralChanged(s, a, asset, cmd.amount);
  } else {
    u.set(s, 'totalDeposits', s.totalDeposits + cmd.amount);
    // New USDC pays any debt the cross account owes a PnL pool first.
    for (const m of s.markets) {
      if (m.positions.pnl[a] < 0 && m.positions.isolated[a] === 0) settlePnl(s, m, a);
    }
  }
  s.touch(a);
  s.events.push({ type: 'deposited', account: a, asset, amount: cmd.amount, balance: col[a] });
  return null;
}

/** Every market where the account's cross equity depends on the oracle must have a fresh price. */
function checkCrossOracles(s: EngineState, account: number, ts: number): Rejection | null {
  for (const m of s.markets) {
    if (m.positions.base[account] === 0 || m.positions.isolated[account] === 1) continue;
    const stale = checkOracleForMargin(m, ts);
    if (stale !== null) return stale;
  }
  const balances = s.accounts.balances;
  for (let i = 1; i < balances.length; i++) {
    if (balances[i][account] === 0) continue;
    const m = s.markets[s.assets[i].priceMarket];
    const stale = checkOracleForMargin(m, ts);
    if (stale !== null) return stale;
  }
  return null;
}

export function withdraw(s: EngineState, cmd: Withdraw, ts: number): Rejection | null {
  const asset = assetOf(s, cmd.asset);
  if (typeof asset !== 'number') return asset;
  const u = s.undo;
  const a = cmd.account;
  settleAccount(s, a);
  const col = s.accounts.balances[asset];
  if (col[a] < cmd.amount) return reject('INSUFFICIENT_COLLATERAL', `balance ${col[a]} < ${cmd.amount}`);
  if (s.accounts.liquidationSince[a] !== 0) return reject('IN_LIQUIDATION', `account ${a}`);
  const stale = checkCrossOracles(s, a, ts);
  if (stale !== null) return stale;
  const info = s.assets[asset];
  u.at(col, a, col[a] - cmd.amount);
  if (asset !== 0) {
    u.set(info, 'withdrawals', info.withdrawals + cmd.amount);
    collateralChanged(s, a, asset, -cmd.amount);
  } else u.set(s, 'totalWithdrawals', s.totalWithdrawals + cmd.amount);
  if (!crossPoolMeetsInitial(s, a, true)) return reject('INSUFFICIENT_MARGIN');
  s.touch(a);
  s.events.push({ type: 'withdrawn', account: a, asset, amount: cmd.amount, balance: col[a] });
  return null;
}

export function setMarginMode(s: EngineState, m: Market, cmd: SetMarginMode): Rejection | null {
  const a = cmd.account;
  const pos = m.positions;
  const want = cmd.isolated ? 1 : 0;
  if (pos.isolated[a] === want) return null;
  if (pos.base[a] !== 0 || pos.pnl[a] !== 0)
    return reject('POSITION_OPEN', 'close the position before changing its margin mode');
  if (pos.isolatedCollateral[a] !== 0) return reject('POSITION_OPEN', 'move the isolated collateral out first');
  s.undo.at(pos.isolated, a, want);
  s.touch(a);
  s.events.push({ type: 'marginModeSet', account: a, market: m.id, isolated: cmd.isolated });
  return null;
}

export function transferIsolated(s: EngineState, m: Market, cmd: TransferIsolated, ts: number): Rejection | null {
  const a = cmd.account;
  const pos = m.positions;
  const u = s.undo;
  if (!Number.isSafeInteger(cmd.amount) || cmd.amount === 0)
    return reject('BAD_AMOUNT', 'amount must be a non-zero integer');
  if (pos.isolated[a] !== 1) return reject('NOT_ISOLATED', `market ${m.id} is cross for account ${a}`);
  if (s.accounts.liquidationSince[a] !== 0) return reject('IN_LIQUIDATION', `account ${a}`);
  settleFunding(s, m, a);
  settlePnl(s, m, a);
  const col = s.accounts.collateral;
  const iso = pos.isolatedCollateral;
  if (cmd.amount > 0) {
    settleAccount(s, a);
    if (col[a] < cmd.amount) return reject('INSUFFICIENT_COLLATERAL', `collateral ${col[a]} < ${cmd.amount}`);
    u.at(col, a, col[a] - cmd.amount);
    u.at(iso, a, iso[a] + cmd.amount);
    const stale = checkCrossOracles(s, a, ts);
    if (stale !== null) return stale;
    if (!crossPoolMeetsInitial(s, a, true)) return reject('INSUFFICIENT_MARGIN', 'cross account after the transfer');
  } else {
    const out = -cmd.amount;
    if (iso[a] < out) return reject('INSUFFICIENT_COLLATERAL', `isolated collateral ${iso[a]} < ${out}`);
    u.at(iso, a, iso[a] - out);
    u.at(col, a, col[a] + out);
    if (pos.base[a] !== 0) {
      const stale = checkOracleForMargin(m, ts);
      if (stale !== null) return stale;
    }
    if (!meetsInitialLossesOnly(isolatedHealth(m, a)))
      return reject('INSUFFICIENT_MARGIN', 'isolated position after the transfer');
  }
  s.touch(a);
  s.events.push({ type: 'isolatedTransfer', account: a, market: m.id, amount: cmd.amount, isolatedCollateral: iso[a] });
  return null;
}
