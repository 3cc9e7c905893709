/**
 * Accounts as columns indexed by account id (0, 1, 2, … in creation order).
 * Positions live with their market (see market.ts), also indexed by account.
 */
import { grown } from './columns.ts';

export class Accounts {
  count = 0;
  /** USDC collateral (asset 0), integer quote units; never negative. */
  collateral = new Float64Array(16);
  /** Balances of the other collateral assets, indexed by asset id (slot 0 aliases `collateral`). */
  balances: Float64Array[] = [this.collateral];
  /** Tick number + 1 at which the account entered liquidation; 0 when it is not in liquidation. */
  liquidationSince = new Float64Array(16);
  /** 1 while a margin warning has been sent and the account has not recovered. */
  warned = new Float64Array(16);
  // ─── Portfolio margin (core/portfolio/) ───
  /** 1 when the account's cross pool is on portfolio margin. */
  portfolio = new Float64Array(16);
  /** ⌈scenario charge⌉ in force, integer quote units; NaN when the account has none. */
  portfolioCharge = new Float64Array(16);
  /** Time (ms) of the positions and prices that charge priced. */
  portfolioChargeTs = new Float64Array(16);
  /** Scenario-set version of that charge. */
  portfolioChargeVersion = new Float64Array(16);
  /** 1 while the tick has announced (portfolioFallback) that the account is held to cross margin. */
  portfolioFallback = new Float64Array(16);
  /** Portfolio accounts: seq of the last change of the portfolio row (a base, non-USDC collateral, the switch); 0 for cross. */
  positionSeq = new Float64Array(16);

  get capacity(): number {
    return this.collateral.length;
  }

  /** Ensure room for `n` accounts. Growth happens outside the undo log: capacity is not state. */
  reserve(n: number): void {
    this.collateral = grown(this.collateral, n);
    this.balances[0] = this.collateral;
    const c = this.collateral.length;
    for (let i = 1; i < this.balances.length; i++) this.balances[i] = grown(this.balances[i], c);
    this.liquidationSince = grown(this.liquidationSince, c);
    this.warned = grown(this.warned, c);
    this.portfolio = grown(this.portfolio, c);
    this.portfolioCharge = grown(this.portfolioCharge, c);
    this.portfolioChargeTs = grown(this.portfolioChargeTs, c);
    this.portfolioChargeVersion = grown(this.portfolioChargeVersion, c);
    this.portfolioFallback = grown(this.portfolioFallback, c);
    this.positionSeq = grown(this.positionSeq, c);
  }

  addAssetColumn(): void {
    this.balances.push(new Float64Array(this.capacity));
  }

  exists(account: number): boolean {
    return Number.isInteger(account) && account >= 0 && account < this.count;
  }
}

/** Account columns that are state (hashed and snapshotted), in a fixed order. */
export const ACCOUNT_COLUMNS = [
  'collateral',
  'liquidationSince',
  'warned',
  'portfolio',
  'portfolioCharge',
  'portfolioChargeTs',
  'portfolioChargeVersion',
  'portfolioFallback',
  'positionSeq',
] as const;
