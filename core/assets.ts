/**
 * Collateral assets. Asset 0 is USDC, the quote asset, in which every PnL,
 * fee and penalty settles. Other assets (BTC, ETH, …) are valued at the
 * oracle price of a market and counted with a haircut: an initial weight for
 * opening risk and withdrawing, a lower maintenance weight for liquidation.
 * Their amounts are integers in 1e-9 of the asset (base precision).
 */
export interface CollateralAsset {
  readonly id: number;
  readonly symbol: string;
  /** Market whose oracle prices this asset; −1 for USDC. */
  readonly priceMarket: number;
  initialWeightE6: number;
  maintenanceWeightE6: number;
  /**
   * Per-asset conservation: Σ balances + insurance holdings = deposits − withdrawals.
   * USDC's totals live in EngineState.totalDeposits / totalWithdrawals instead.
   */
  deposits: number;
  withdrawals: number;
  /** Units of this asset the insurance fund holds (from collateral it bought in liquidations). */
  insuranceHoldings: number;
}

export const USDC: Readonly<Omit<CollateralAsset, 'deposits' | 'withdrawals' | 'insuranceHoldings'>> = {
  id: 0,
  symbol: 'USDC',
  priceMarket: -1,
  initialWeightE6: 1_000_000,
  maintenanceWeightE6: 1_000_000,
};
