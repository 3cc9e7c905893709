/**
 * A risk worker with injected faults (tests only), chosen by the pool's
 * workerData: { fault, started? }. `started` (an Int32Array on shared memory)
 * counts tasks that reached the worker, so a test can wait until work is in
 * flight before it kills a thread.
 */
import { workerData } from 'piscina';
import type { RiskReply, RiskTask } from '../../core/risk/tasks.ts';
import runRiskTask from '../../core/risk/worker.ts';

interface FaultData {
  /** spinFirst: the first task to arrive (counted in `started`) spins, later ones run normally. */
  fault: 'none' | 'throw' | 'exit' | 'hang' | 'spinFirst';
  started?: Int32Array;
}

const data = workerData as FaultData;

export default function faultyRiskTask(task: RiskTask): RiskReply | Promise<RiskReply> {
  const before = data.started === undefined ? -1 : Atomics.add(data.started, 0, 1);
  switch (data.fault) {
    case 'throw':
      throw new Error('injected worker fault');
    case 'exit':
      process.exit(3);
      break;
    case 'hang':
      return new Promise<RiskReply>(() => {}); // never answers
    case 'spinFirst':
      if (before === 0) for (;;) {} // never yields: only terminating the thread stops it
      break;
    default:
      break;
  }
  return runRiskTask(task);
}
