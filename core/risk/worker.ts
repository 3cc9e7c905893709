/**
 * Piscina worker entry (core/risk/ worker files may use worker APIs; this
 * one needs none). It runs the same pure functions as the hot loop, so its
 * results are the in-process results, bit for bit.
 */
import { chargeBatch, requirementBatch } from './portfolio.ts';
import { buildScenarioSet } from './scenarios.ts';
import type { RiskReply, RiskTask } from './tasks.ts';

export default function runRiskTask(task: RiskTask): RiskReply {
  if (task.kind === 'scenarios') {
    return { kind: 'scenarios', set: buildScenarioSet(task.history, task.config, task.version) };
  }
  const { set, positions, prices, from, to, charges } = task;
  if (task.cross !== null && task.requirements !== null) {
    requirementBatch(set, positions, prices, task.cross, task.floorE6, from, to, charges, task.requirements);
  } else {
    chargeBatch(set, positions, prices, from, to, charges);
  }
  return { kind: 'charges', rows: to - from };
}
