/**
 * Engine-level portfolio-margin parameters: every field an integer with a
 * named unit, range-checked with a precise message (as params.ts checks
 * market parameters). They are state: hashed, snapshotted, and changed only
 * by the journaled admin command `setPortfolioParams`.
 */
import { RATIO_PRECISION } from '../../vamm/precision.ts';
import type { PortfolioMarginParams } from '../risk/freshness.ts';

export interface PortfolioParams extends PortfolioMarginParams {
  /** Share of the cross requirement a portfolio account always posts (maintenance and initial), E6. */
  floorE6: number;
  /** A stored charge older than this (ms since the positions and prices it priced) is not used. */
  maxChargeAgeMs: number;
  /** Initial requirement = charge × this (E6, ≥ 100%), floored like maintenance. */
  initialMultiplierE6: number;
}

export const DEFAULT_PORTFOLIO_PARAMS: Readonly<PortfolioParams> = Object.freeze({
  floorE6: 100_000,
  maxChargeAgeMs: 15_000,
  initialMultiplierE6: 1_250_000,
});

export const PORTFOLIO_PARAM_NAMES = ['floorE6', 'maxChargeAgeMs', 'initialMultiplierE6'] as const;

/** Longest charge age allowed: a day. */
export const MAX_CHARGE_AGE_MS = 86_400_000;
/** Largest initial multiplier: 10×. */
export const MAX_INITIAL_MULTIPLIER_E6 = 10 * RATIO_PRECISION;

const RANGES: Record<(typeof PORTFOLIO_PARAM_NAMES)[number], [number, number]> = {
  floorE6: [0, RATIO_PRECISION],
  maxChargeAgeMs: [1, MAX_CHARGE_AGE_MS],
  initialMultiplierE6: [RATIO_PRECISION, MAX_INITIAL_MULTIPLIER_E6],
};

/** Null when valid; otherwise a message naming the first bad field. */
export function checkPortfolioParams(p: Record<string, unknown>): string | null {
  for (const key of Object.keys(p)) {
    if (!(PORTFOLIO_PARAM_NAMES as readonly string[]).includes(key)) return `unknown portfolio parameter ${key}`;
  }
  for (const name of PORTFOLIO_PARAM_NAMES) {
    const v = p[name];
    const [min, max] = RANGES[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return `${name} must be an integer`;
    if (v < min || v > max) return `${name} must be within [${min}, ${max}], got ${v}`;
  }
  return null;
}

/** `current` overlaid with `changes` (own fields only), validated. */
export function resolvePortfolioParams(current: PortfolioParams, changes: unknown): PortfolioParams | string {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) return 'params must be an object';
  const c = changes as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!(PORTFOLIO_PARAM_NAMES as readonly string[]).includes(key)) return `unknown portfolio parameter ${key}`;
  }
  const merged: Record<string, unknown> = { ...current };
  for (const name of PORTFOLIO_PARAM_NAMES) if (Object.hasOwn(c, name)) merged[name] = c[name];
  const bad = checkPortfolioParams(merged);
  return bad === null ? (merged as unknown as PortfolioParams) : bad;
}
