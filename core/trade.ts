/**
 * Market orders against the vAMM. The order fills up to its worst price
 * (the rest is dropped, as an IOC); guards and margin are checked on the
 * result, and any failure rolls the whole command back through the undo log.
 */
import { baseToReachPrice, type Direction, swapBase } from '../vamm/curve.ts';
import { maxFillBase, withinPriceBand } from '../vamm/guards.ts';
import { RATIO_PRECISION } from '../vamm/precision.ts';
import { computeSpreads, spreadCharge } from '../vamm/spread.ts';
import type { MarketOrder } from './commands.ts';
import { type Rejection, reject } from './errors.ts';
import { healthFor, meetsInitial } from './margin/health.ts';
import { refreshMark } from './mark.ts';
import { MARKET_PAUSED, type Market, MF } from './market.ts';
import { checkOracleForMargin, checkOracleForTrade, confidenceE6, volatilityE6 } from './oracle.ts';
import { applyFill } from './position.ts';
import { settleFunding, settlePnl } from './settle.ts';
import type { EngineState } from './state.ts';

export function spreadsOf(m: Market) {
  return computeSpreads(m.params, {
    ammNetBase: m.ammNetBase,
    baseReserve: m.baseReserve,
    volatilityE6: volatilityE6(m, m.params.fundingIntervalMs),
    oracleConfidenceE6: confidenceE6(m),
  });
}

export function marketOrder(s: EngineState, m: Market, cmd: MarketOrder, ts: number): Rejection | null {
  if (m.status === MARKET_PAUSED) return reject('MARKET_PAUSED', `market ${m.id}`);
  const a = cmd.account;
  const pos = m.positions;
  const p = m.params;
  const u = s.undo;
  const direction: Direction = cmd.side === 'buy' ? 'long' : 'short';
  const sign = direction === 'long' ? 1 : -1;
  if (cmd.size < p.minOrderSize) return reject('BAD_AMOUNT', `size below the minimum ${p.minOrderSize}`);

  settleFunding(s, m, a);
  const b0 = pos.base[a];
  let size = cmd.size;
  if (cmd.reduceOnly === true) {
    if (b0 === 0 || b0 > 0 === sign > 0) return reject('REDUCE_ONLY');
    size = Math.min(size, Math.abs(b0));
  }
  const reducing = b0 !== 0 && b0 > 0 !== sign > 0 && size <= Math.abs(b0);
  if (!reducing && s.accounts.liquidationSince[a] !== 0) return reject('IN_LIQUIDATION', `account ${a}`);
  const guard = reducing ? checkOracleForMargin(m, ts) : checkOracleForTrade(m, ts);
  if (guard !== null) return guard;

  const spreads = spreadsOf(m);
  const spread = direction === 'long' ? spreads.longSpreadE6 : spreads.shortSpreadE6;
  let fill = size;
  const worst = cmd.worstPrice ?? 0;
  if (worst > 0) {
    const curveTarget =
      direction === 'long'
        ? (worst * RATIO_PRECISION) / (RATIO_PRECISION + spread)
        : (worst * RATIO_PRECISION) / (RATIO_PRECISION - spread);
    fill = Math.min(fill, baseToReachPrice(m, direction, curveTarget));
    if (fill <= 0) return reject('WORST_PRICE', `worst price ${worst}`);
  }
  if (fill > maxFillBase(m.baseReserve, p.maxFillFractionE6)) {
    return reject('FILL_TOO_LARGE', `at most ${maxFillBase(m.baseReserve, p.maxFillFractionE6)} base units per fill`);
  }
  const swap = swapBase(m, direction, fill);
  if (swap === null) return reject('FILL_TOO_LARGE', 'the fill would exhaust the reserve');
  if (!reducing && !withinPriceBand(swap.postPriceE6, m.oraclePrice, p.priceBandE6)) {
    return reject('PRICE_BAND', `post-trade price ${Math.round(swap.postPriceE6)} vs oracle ${m.oraclePrice}`);
  }
  const spreadFee = spreadCharge(swap.quote, spread);
  const fee = Math.ceil((swap.quote * p.takerFeeE6) / RATIO_PRECISION);
  if (!Number.isSafeInteger(swap.quote + spreadFee + fee)) return reject('OUT_OF_RANGE', 'fill notional');

  // Curve and AMM inventory.
  u.at(m.f, MF.baseReserve, swap.baseReserve);
  u.at(m.f, MF.quoteReserve, swap.quoteReserve);
  u.at(m.f, MF.ammNetBase, m.ammNetBase - sign * fill);
  const realised = applyFill(s, m, a, sign * fill, direction === 'long' ? -swap.quote : swap.quote);
  settlePnl(s, m, a);

  // Fees and spread are paid from collateral into the fee pool.
  // A risk-reducing trade is never refused for fees: it pays what collateral holds.
  const col = pos.isolated[a] === 1 ? pos.isolatedCollateral : s.accounts.collateral;
  const charge = reducing ? Math.min(fee + spreadFee, col[a]) : fee + spreadFee;
  if (col[a] < charge) return reject('INSUFFICIENT_COLLATERAL', `fees ${charge} > collateral ${col[a]}`);
  if (charge > 0) {
    u.at(col, a, col[a] - charge);
    u.at(m.f, MF.feePool, m.feePool + charge);
  }
  refreshMark(s, m, ts);
  if (!reducing && !meetsInitial(healthFor(s, m, a))) return reject('INSUFFICIENT_MARGIN');
  s.touch(a);

  s.events.push({
    type: 'fill',
    account: a,
    market: m.id,
    side: cmd.side,
    base: fill,
    quote: swap.quote,
    price: Math.round(swap.avgPriceE6),
    fee,
    spreadFee,
    realisedPnl: realised,
    liquidity: 'amm',
    positionBase: pos.base[a],
  });
  return null;
}
