/**
 * What every bot shares: its own SDK connection, a start/stop lifecycle,
 * timers that stop with it, error counts by stable code, and its PnL read
 * from its account (equity now − equity at start, so deposits made before
 * start are not profit).
 */
import { type GatewayClient, GatewayError } from '../gateway/sdk/index.ts';
import { Exchange } from './exchange.ts';

export type LogFn = (bot: string, line: string) => void;

export interface BotPnl {
  account: number;
  equity: number;
  /** Quote units (1e-6 USD) since start. */
  pnl: number;
  inLiquidation: boolean;
}

/** The stable code of a failed request (GatewayError), or the error's name. */
export function codeOf(err: unknown): string {
  if (err instanceof GatewayError) return err.code;
  if (err instanceof Error) return err.name;
  return 'UNKNOWN';
}

export abstract class Bot {
  readonly ex: Exchange;
  protected running = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tasks = new Set<Promise<void>>();
  /** Failed requests by code. */
  readonly errors = new Map<string, number>();
  private startEquity: number | null = null;
  /** The bot's account, once start() has read it (−1 before, or for a key that reads no account). */
  accountId = -1;

  constructor(
    readonly name: string,
    readonly client: GatewayClient,
    protected readonly log: LogFn = () => {},
  ) {
    this.ex = new Exchange(client);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Subscribe, read the starting state, start the timers. */
  abstract start(): Promise<void>;

  /**
   * Stop the timers, wait for the work in flight (an order whose ack is on
   * its way), then the bot's own clean-up (cancel quotes, …). The connection
   * stays open.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
    await this.onStop();
  }

  protected async onStop(): Promise<void> {}

  /** Count a failed request and return its code. */
  protected noteError(err: unknown, what: string): string {
    const code = codeOf(err);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    if (code !== 'DISCONNECTED' || this.running)
      this.log(this.name, `${what}: ${err instanceof Error ? err.message : String(err)}`);
    return code;
  }

  /** Run `fn` once after `ms`, unless the bot stops first. Errors are counted, never thrown. */
  protected after(ms: number, fn: () => unknown, what = 'timer'): void {
    if (!this.running) return;
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        this.spawn(fn, what);
      },
      Math.max(0, ms),
    );
    this.timers.add(t);
  }

  /** Run `fn` now (while running), tracked so that stop() waits for it. Errors are counted, never thrown. */
  protected spawn(fn: () => unknown, what = 'task'): void {
    if (!this.running) return;
    const task: Promise<void> = Promise.resolve()
      .then(fn)
      .then(
        () => {},
        (err) => {
          this.noteError(err, what);
        },
      )
      .finally(() => this.tasks.delete(task));
    this.tasks.add(task);
  }

  /** Run `fn`, then again `delayMs()` after it settles, until the bot stops: never two at once. */
  protected repeat(delayMs: () => number, fn: () => unknown, what = 'loop'): void {
    const step = async () => {
      try {
        await fn();
      } finally {
        this.after(delayMs(), step, what);
      }
    };
    this.after(delayMs(), step, what);
  }

  /** Record the equity PnL is measured from (call at start; the key must be able to read its account). */
  protected async markStartEquity(): Promise<void> {
    const a = await this.ex.account();
    this.accountId = a.account;
    this.startEquity = a.equity;
  }

  /** Equity now against equity at start; null for a bot without a readable account. */
  async pnl(): Promise<BotPnl | null> {
    if (this.startEquity === null) return null;
    const a = await this.ex.account();
    return { account: a.account, equity: a.equity, pnl: a.equity - this.startEquity, inLiquidation: a.inLiquidation };
  }

  /** A plain-data summary for logs and the demo. */
  abstract stats(): Record<string, unknown>;

  protected errorSummary(): Record<string, number> {
    return Object.fromEntries(this.errors);
  }
}
