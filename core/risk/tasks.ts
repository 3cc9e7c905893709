/**
 * Messages between the pool (pool.ts) and its workers (worker.ts): plain
 * data and typed arrays. Position matrices, outputs and scenario returns
 * travel in SharedArrayBuffers, so a task message costs the same for ten
 * accounts or a hundred thousand.
 */
import type { ScenarioConfig } from './config.ts';
import type { PriceHistory } from './history.ts';
import type { ScenarioSet } from './scenarios.ts';

/** Charge rows [from, to) of `positions`; write charges (and floored requirements when `cross` is set). */
export interface ChargeTask {
  readonly kind: 'charges';
  readonly set: ScenarioSet;
  readonly positions: Float64Array;
  readonly prices: Float64Array;
  readonly from: number;
  readonly to: number;
  readonly charges: Float64Array;
  readonly cross: Float64Array | null;
  readonly floorE6: number;
  readonly requirements: Float64Array | null;
}

export interface ScenarioTask {
  readonly kind: 'scenarios';
  readonly history: PriceHistory;
  readonly config: ScenarioConfig;
  readonly version: number;
}

export type RiskTask = ChargeTask | ScenarioTask;

export interface ChargeReply {
  readonly kind: 'charges';
  readonly rows: number;
}

export interface ScenarioReply {
  readonly kind: 'scenarios';
  readonly set: ScenarioSet;
}

export type RiskReply = ChargeReply | ScenarioReply;
