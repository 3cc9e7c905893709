/**
 * Dead man's switch: `setDeadman {ms}` arms a per-account deadline; unless
 * the account refreshes it (another setDeadman) before it passes, every order
 * of the account is cancelled (through cancelAllForAccount). `ms: 0` disarms.
 * The driver calls expired() on every periodic tick (resolution: tickIntervalMs).
 */
export class DeadmanSwitch {
  private readonly deadlines = new Map<number, number>();

  /** Arms (or refreshes, or with ms = 0 disarms) the account's switch; returns the deadline or 0. */
  set(account: number, ms: number, nowMs: number): number {
    if (ms === 0) {
      this.deadlines.delete(account);
      return 0;
    }
    const deadline = nowMs + ms;
    this.deadlines.set(account, deadline);
    return deadline;
  }

  /** Accounts whose deadline has passed; they are disarmed (the switch fires once). */
  expired(nowMs: number): number[] {
    const out: number[] = [];
    for (const [account, deadline] of this.deadlines) {
      if (deadline <= nowMs) {
        out.push(account);
        this.deadlines.delete(account);
      }
    }
    return out;
  }

  get armed(): number {
    return this.deadlines.size;
  }
}
