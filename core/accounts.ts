/**
 * Accounts as columns indexed by account id (0, 1, 2, … in creation order).
 * Positions live with their market (see market.ts), also indexed by account.
 */
import { grown } from './columns.ts';

export class Accounts {
  count = 0;
  /** Quote collateral, integer quote units; never negative. */
  collateral = new Float64Array(16);

  get capacity(): number {
    return this.collateral.length;
  }

  /** Ensure room for `n` accounts. Growth happens outside the undo log: capacity is not state. */
  reserve(n: number): void {
    this.collateral = grown(this.collateral, n);
  }

  exists(account: number): boolean {
    return Number.isInteger(account) && account >= 0 && account < this.count;
  }
}
