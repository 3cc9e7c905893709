/**
 * bin/server.ts main() in this process: it returns a handle whose stop()
 * closes the sockets, drains the loop into the journal, writes a final
 * snapshot and stops the portfolio pool, without ending the process; a
 * second main() on the same journal recovers exactly that state. On the way,
 * the admin key file the first start wrote is loaded with the SDK, and the
 * portfolio pool's metrics are scraped from /metrics while it recomputes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from '../../bin/config.ts';
import { main, type RunningServer } from '../../bin/server.ts';
import { ed25519Signer, GatewayClient, generateEd25519Key, loadAdminKey } from '../../gateway/sdk/index.ts';
import { until } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'clearloop-main-'));
const dataPath = join(dir, 'journal.sqlite');
const configPath = join(dir, 'config.json');
const quiet = () => {};
const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(): void {
  const config = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8'));
  config.persistence.path = dataPath;
  config.gateway.port = 0;
  config.oracle = { ...config.oracle, intervalMs: 10 };
  // A fast pool: prices sampled every 20 ms, a scenario set from 3 observations, recomputes every 50 ms.
  config.portfolio = {
    threads: 1,
    timeoutMs: 10_000,
    recomputeEveryMs: 50,
    horizonMs: 20,
    rebuildEveryMs: 200,
    minObservations: 3,
    runEveryMs: 20,
  };
  writeFileSync(configPath, JSON.stringify(config));
}

/** One sample's value from a Prometheus text exposition (the first line that names it exactly). */
function sample(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('main()', () => {
  it('runs in process, exports the portfolio pool metrics, stops cleanly, and recovers what it stopped with', async () => {
    writeConfig();
    const server = await main([], { configPath, dataPath, port: 0, log: quiet });
    running.push(server);
    expect(server.port).toBeGreaterThan(0);
    expect(server.adminKeyPath).toBe(`${dataPath}.admin-key.json`);

    // The admin key file, through the SDK alone.
    const admin = loadAdminKey({ journal: dataPath });
    expect(admin).toMatchObject({ keyId: 'admin', account: 0 });
    const a = await GatewayClient.connect({ url: server.url, signer: admin.signer, reconnect: false });
    const { account } = await a.createAccount();
    await a.deposit({ account, amount: 1_000_000_000_000 });
    const k = generateEd25519Key();
    await a.registerKey({
      keyId: 'pm-trader',
      account,
      roles: ['trader'],
      scheme: 'ed25519',
      publicKey: k.publicKeyHex,
    });
    const trader = await GatewayClient.connect({
      url: server.url,
      signer: ed25519Signer('pm-trader', k.privateKey),
      reconnect: false,
    });
    await trader.setAccountMarginMode('portfolio');
    await trader.marketOrder({ market: 0, side: 'buy', size: 100_000_000 });
    await trader.marketOrder({ market: 1, side: 'sell', size: 1_000_000_000 });

    // The pool builds a scenario set from the sampled oracle prices, then recomputes the account.
    await until(
      () => server.portfolio.metrics().chargesAccepted > 0,
      30_000,
      `accepted portfolio charges (${JSON.stringify(server.portfolio.metrics())})`,
    );
    // The pool rebuilds its scenario set every 200 ms here, and a charge from the previous set is stale
    // until the next recompute lands: on a busy machine the account can sit on fallback for a moment.
    // Scrape until the gauge shows it back on a fresh charge.
    let text = '';
    await until(
      async () => {
        text = await (await fetch(`${server.http}/metrics`)).text();
        return sample(text, 'clearloop_portfolio_fallback_accounts') === 0;
      },
      30_000,
      'the account on a fresh portfolio charge in /metrics',
    );
    const m = server.portfolio.metrics();
    expect(sample(text, 'clearloop_portfolio_pool_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'clearloop_portfolio_pool_overloads_total')).toBe(m.pool.overloads);
    expect(sample(text, 'clearloop_portfolio_charges_accepted_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'clearloop_portfolio_recompute_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'clearloop_portfolio_last_recompute_seconds')).toBeGreaterThan(0);
    const age = sample(text, 'clearloop_portfolio_last_result_age_seconds') as number;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);
    expect(sample(text, 'clearloop_portfolio_fallback_accounts')).toBe(0);
    expect(text).toContain('clearloop_portfolio_fallbacks_total');

    // Stop: connections close, the listener goes, the journal and a final snapshot hold the state.
    const closed = new Promise<void>((resolve) => trader.on('disconnect', () => resolve()));
    const seqBefore = server.engine.seq;
    const stopping = server.stop();
    expect(server.stop()).toBe(stopping);
    const stopped = await stopping;
    await closed;
    expect(stopped.seq).toBeGreaterThanOrEqual(seqBefore);
    expect(stopped.snapshotSeq).toBe(stopped.seq);
    const hash = server.engine.stateHash();
    await expect(fetch(`${server.http}/health`)).rejects.toThrow();
    await a.close();
    await trader.close();

    const lines: string[] = [];
    const again = await main([], { configPath, dataPath, port: 0, log: (l) => lines.push(l) });
    running.push(again);
    expect(again.engine.seq).toBe(stopped.seq);
    // From the final snapshot, with nothing after it to replay.
    expect(lines.find((l) => l.startsWith('recovered'))).toMatch(
      new RegExp(`recovered seq ${stopped.seq} \\(snapshot\\)`),
    );
    expect(again.engine.stateHash()).toBe(hash);
    // The default config's start-up warm-up ran (3 crashes of 50,000 accounts, 5,000 liquidations each),
    // before the listener, and left the recovered engine as it was.
    const warm = lines.findIndex((l) => /^warm-up: 15000 liquidations on throwaway engines in \d+ ms$/.test(l));
    expect(warm).toBeGreaterThanOrEqual(0);
    expect(warm).toBeLessThan(lines.findIndex((l) => l.startsWith('clearloop listening')));
    // The server's engine keeps a crash's buffers reserved as its accounts grow (Engine.reserveCrashBuffers):
    // room for liquidating a quarter of them, 4 rows and undo entries each. (Capacity is not state.)
    again.engine.reserveAccounts(10_000);
    expect(again.engine.rows.capacity).toBeGreaterThanOrEqual(again.engine.accounts.capacity);
    expect(again.engine.undo.capacity).toBeGreaterThanOrEqual(again.engine.accounts.capacity);
    expect(again.engine.accounts.portfolio[account]).toBe(1);
    await again.stop();
  });
});
