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
  /**
   * Is any risk unit of the account below maintenance right now? What an
   * off-chain bot computes from public state; memoised for the step (the
   * state does not change while agents decide), so bots watching the same
   * account share one computation.
   */
  distressed(account: number): boolean;
  submit(cmd: Command, onOutcome?: OutcomeHandler): void;
}

export interface Agent {
  readonly kind: AgentKind;
  readonly name: string;
  /** Accounts the agent owns (for PnL accounting). */
  readonly accounts: readonly number[];
  /**
   * The next step at which the agent wants to act (it is not called before);
   * absent: it acts every step. Read again after each act.
   */
  wakeStep?(): number;
  act(ctx: StepContext): void;
  /** Events of the turn's tick. */
  onTick?(events: readonly Event[], ctx: StepContext): void;
}
