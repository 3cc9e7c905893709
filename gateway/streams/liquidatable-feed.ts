/**
 * The public `liquidatable` stream, per market: the accounts in liquidation
 * whose positions in that market a takeover would accept, with the ticks
 * left before the backstop may close them. Published after every turn in
 * which the list changed (an account entering or leaving, a mark, a size,
 * the ticks left), so a liquidator learns of a new candidate right after
 * the turn whose tick flagged it.
 *
 * The accounts in liquidation are kept from the committed events
 * (liquidationStarted adds, liquidationEnded removes), seeded by one scan
 * when the gateway starts, so a turn costs O(accounts in liquidation), never
 * O(all accounts); the view re-checks each account's flag before listing it.
 */
import type { Engine } from '../../core/engine.ts';
import type { Event } from '../../core/events.ts';
import { accountsInLiquidation } from '../../core/liquidation-queue.ts';
import { liquidatableView } from '../views/liquidation.ts';
import type { Publisher } from './publisher.ts';

export class LiquidatableFeed {
  private readonly accounts = new Set<number>();
  /** Per market: the last published list (JSON of its accounts), to skip unchanged turns. */
  private readonly last = new Map<number, string>();

  constructor(
    private readonly engine: Engine,
    private readonly publisher: Publisher,
  ) {
    for (const a of accountsInLiquidation(engine)) this.accounts.add(a);
  }

  onEvent(e: Event): void {
    if (e.type === 'liquidationStarted') this.started(e.account);
    else if (e.type === 'liquidationEnded') this.ended(e.account);
  }

  started(account: number): void {
    this.accounts.add(account);
  }

  ended(account: number): void {
    this.accounts.delete(account);
  }

  /** After a turn: publish each subscribed market whose list changed. */
  publishChanged(): void {
    const markets = this.engine.markets;
    for (let i = 0; i < markets.length; i++) {
      if (this.publisher.marketSubscribers('liquidatable', i) === 0) {
        this.last.delete(i);
        continue;
      }
      const prev = this.last.get(i);
      if (this.accounts.size === 0 && prev === '[]') continue;
      const view = liquidatableView(this.engine, markets[i], this.accounts);
      const key = JSON.stringify(view.accounts);
      if (key === prev) continue;
      this.last.set(i, key);
      this.publisher.publish('liquidatable', { market: i }, view);
    }
  }
}
