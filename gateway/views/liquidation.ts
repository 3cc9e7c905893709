/**
 * Read-only views for liquidators and risk watchers: the insurance fund, and
 * the accounts in liquidation whose positions a takeover would accept now
 * (core/liquidation-queue.ts), per market.
 */
import type { Engine } from '../../core/engine.ts';
import { accountsInLiquidation, type TakeoverCandidate, takeoverCandidates } from '../../core/liquidation-queue.ts';
import type { Market } from '../../core/market.ts';

export interface InsuranceView {
  /** USDC the insurance fund holds, quote units (1e-6 USD). */
  insuranceFund: number;
  /** Other collateral the fund bought from bankrupt accounts, per asset (base units, 1e-9). */
  assets: { asset: number; symbol: string; amount: number }[];
  /** Engine time and seq of the state read. */
  ts: number;
  seq: number;
}

export function insuranceView(engine: Engine): InsuranceView {
  const assets = [];
  for (let i = 1; i < engine.assets.length; i++) {
    const a = engine.assets[i];
    assets.push({ asset: i, symbol: a.symbol, amount: a.insuranceHoldings });
  }
  return { insuranceFund: engine.insuranceFund, assets, ts: engine.lastTs, seq: engine.seq };
}

export interface LiquidatableAccount extends Omit<TakeoverCandidate, 'market'> {
  /**
   * Ticks (loop turns) until the backstop may close it: 1 means the next
   * turn's tick may, and a takeover journaled in that turn is applied
   * before its tick.
   */
  ticksLeft: number;
}

export interface LiquidatableView {
  market: number;
  symbol: string;
  /** Ticks applied so far (the engine's tick count after the last committed turn). */
  tick: number;
  /** Engine time and seq of the state read. */
  ts: number;
  seq: number;
  /** Most urgent first (fewest ticks left, then lowest equity / maintenance), at most MAX_LIQUIDATABLE. */
  accounts: LiquidatableAccount[];
  /** True when more accounts were in liquidation in this market than the list holds. */
  truncated: boolean;
}

/** Most accounts one liquidatable message or answer lists. */
export const MAX_LIQUIDATABLE = 500;

function urgency(a: LiquidatableAccount, b: LiquidatableAccount): number {
  const ra = a.maintenance > 0 ? a.equity / a.maintenance : a.equity;
  const rb = b.maintenance > 0 ? b.equity / b.maintenance : b.equity;
  return a.ticksLeft - b.ticksLeft || ra - rb || a.account - b.account;
}

/** The market's takeover candidates among `accounts` (default: a scan for every account in liquidation). */
export function liquidatableView(
  engine: Engine,
  m: Market,
  accounts: Iterable<number> = accountsInLiquidation(engine),
): LiquidatableView {
  const tick = engine.tickCount;
  const list: LiquidatableAccount[] = [];
  for (const a of accounts) {
    for (const c of takeoverCandidates(engine, a, m.id)) {
      const { market: _m, ...rest } = c;
      list.push({ ...rest, ticksLeft: Math.max(1, c.backstopTick - tick) });
    }
  }
  list.sort(urgency);
  const truncated = list.length > MAX_LIQUIDATABLE;
  if (truncated) list.length = MAX_LIQUIDATABLE;
  return { market: m.id, symbol: m.symbol, tick, ts: engine.lastTs, seq: engine.seq, accounts: list, truncated };
}
