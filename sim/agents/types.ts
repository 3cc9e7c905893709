/**
 * The agent contract. Each step, every agent sees the engine as the last
 * turn left it plus the oracle prices being published this turn, and queues
 * commands; the turn applies them in queue order, then ticks. The tick's
 * events (liquidationStarted, marginWarning, …) are handed to every agent
 * that listens, as the gateway's private and public streams would.
 */
import type { Command } from '../../core/commands.ts';
import type { Engine } from '../../core/engine.ts';
import type { Event } from '../../core/events.ts';
import type { OutcomeHandler } from '../turns.ts';

export type AgentKind = 'trader' | 'maker' | 'arbitrageur' | 'liquidator' | 'attacker';

export interface StepContext {
  readonly engine: Engine;
  readonly step: number;
  readonly ts: number;
  readonly stepMs: number;
  /** Ticks applied so far (the tick that ends this turn will be tick + 1). */
  readonly tick: number;
  /** Oracle price of each market published this turn (1e-6 USD). */
  readonly oracle: Float64Array;
  /** Oracle price of market `m` `stepsAgo` steps ago (clamped to the first step). */
  priceAgo(m: number, stepsAgo: number): number;
  submit(cmd: Command, onOutcome?: OutcomeHandler): void;
}

export interface Agent {
  readonly kind: AgentKind;
  readonly name: string;
  /** Accounts the agent owns (for PnL accounting). */
  readonly accounts: readonly number[];
  /** False when the agent has nothing to do this step (saves shuffling it); absent: always acts. */
  due?(step: number): boolean;
  act(ctx: StepContext): void;
  /** Events of the turn's tick. */
  onTick?(events: readonly Event[], ctx: StepContext): void;
}
