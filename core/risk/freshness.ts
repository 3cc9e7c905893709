/**
 * Which requirement a portfolio-mode account is held to (pure). Its charge
 * counts only while it is trustworthy: computed over the scenario set in
 * force, and recently — a charge prices positions at the prices of its
 * snapshot, so its age bounds how far prices may have moved since. Otherwise
 * the account falls back to the cross-margin requirement, which the engine
 * always has, and the engine says so with an event. A slow, dead or
 * overloaded pool therefore never blocks anything: charges age, accounts
 * fall back, and the next good result brings them back.
 */
import { portfolioRequirement } from './portfolio.ts';

export interface PortfolioMarginParams {
  /** Share of the cross requirement a portfolio account always posts, E6. */
  floorE6: number;
  /** A charge older than this (ms since its snapshot, or its hot-loop check) is not used. */
  maxChargeAgeMs: number;
}

/** Why an account is on cross margin; stable codes for the fallback event. */
export type FallbackReason = 'NO_CHARGE' | 'STALE_CHARGE' | 'SCENARIOS_CHANGED';

export interface ChargeStamp {
  /** ⌈scenario charge⌉, integer quote units; NaN when the account has none. */
  readonly charge: number;
  /** Time of the positions it priced (the snapshot's command time, or the hot-loop check's). */
  readonly ts: number;
  /** Scenario-set version it was computed over. */
  readonly version: number;
}

export interface MarginChoice {
  readonly source: 'portfolio' | 'cross';
  /** Integer quote units. */
  readonly requirement: number;
  readonly reason: FallbackReason | null;
}

export function fallbackReason(
  stamp: ChargeStamp,
  setVersion: number,
  nowTs: number,
  maxAgeMs: number,
): FallbackReason | null {
  if (Number.isNaN(stamp.charge)) return 'NO_CHARGE';
  if (stamp.version !== setVersion) return 'SCENARIOS_CHANGED';
  if (nowTs - stamp.ts > maxAgeMs) return 'STALE_CHARGE';
  return null;
}

/** The requirement in force: the floored portfolio requirement when the charge is fresh, else cross. */
export function chooseRequirement(
  stamp: ChargeStamp,
  setVersion: number,
  nowTs: number,
  crossRequirement: number,
  p: PortfolioMarginParams,
): MarginChoice {
  const reason = fallbackReason(stamp, setVersion, nowTs, p.maxChargeAgeMs);
  if (reason !== null) return { source: 'cross', requirement: Math.ceil(crossRequirement), reason };
  return { source: 'portfolio', requirement: portfolioRequirement(stamp.charge, crossRequirement, p.floorE6), reason };
}
