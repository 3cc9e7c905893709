/**
 * The exchange as `npm start` runs it and the benchmarks as `npm run bench`
 * runs them: compiled by scripts/build.mjs and run with plain Node, not
 * through tsx. Everything that finds a file of its own at run time is
 * checked from the compiled tree: the config, the background (journal and
 * snapshot) worker, the portfolio pool's worker, the simulator's market data
 * and the bench runner's list of benchmarks. The build goes to a directory of its own inside the
 * repository (so it resolves the repository's node_modules and config, as
 * dist/ does), removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSigner, Provisioner, readAdminKeyFile } from '../../bots/accounts.ts';
import { REPO_ROOT, spawnServer } from '../../bots/server-process.ts';
import { DEFAULT_SCENARIO_CONFIG } from '../../core/risk/config.ts';
import { RiskPool } from '../../core/risk/pool.ts';
import { buildScenarioSet } from '../../core/risk/scenarios.ts';
import { sharedInt32 } from '../../core/risk/snapshot.ts';
import { bytesOf, PRICE_USD, randomRows, syntheticHistory, USD } from '../risk/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';

const OUT = join(REPO_ROOT, `.tmp-build-${process.pid}`);
let dataDir = '';

beforeAll(() => {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), OUT], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  dataDir = mkdtempSync(join(tmpdir(), 'clearloop-compiled-'));
}, 120_000);

afterAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
});

describe('the compiled exchange', () => {
  it('starts on its default config, serves, stops with a snapshot and recovers from it', async () => {
    const dataPath = join(dataDir, 'journal.sqlite');
    const entry = join(OUT, 'bin', 'server.js');
    const lines: string[] = [];
    const first = await spawnServer({ dataPath, entry, onLine: (l) => lines.push(l) });
    try {
      // The genesis markets come from config/default.json, found from dist's layout.
      expect(lines.some((l) => /genesis: 3 markets/.test(l))).toBe(true);
      const health = await fetch(`${first.http}/health`);
      expect(health.status).toBe(200);
      const admin = await Provisioner.connect(first.url, adminSigner(readAdminKeyFile(first.adminKeyPath)));
      const bot = await admin.account({ name: 'compiled', roles: ['trader'], deposit: 1_000 * USD });
      expect(bot.account).toBeGreaterThanOrEqual(0);
      await admin.close();
    } finally {
      expect(await first.stop()).toBe(0);
    }
    // The background worker (compiled) wrote the snapshot the stop reported.
    const snapshot = lines.map((l) => /snapshot at seq (\d+) written/.exec(l)).find((m) => m !== null);
    expect(snapshot).toBeDefined();
    const again: string[] = [];
    const second = await spawnServer({ dataPath, entry, onLine: (l) => again.push(l) });
    expect(await second.stop()).toBe(0);
    const recovered = again.map((l) => /recovered seq (\d+)/.exec(l)).find((m) => m !== null);
    expect(Number(recovered![1])).toBeGreaterThanOrEqual(Number(snapshot![1]));
  });

  it("runs the portfolio pool's compiled worker, whose results equal the sources' worker's", async () => {
    const compiled = (await import(pathToFileURL(join(OUT, 'core', 'risk', 'pool.js')).href)) as {
      RiskPool: typeof RiskPool;
    };
    const markets = 4;
    const rows = 300;
    const accounts = sharedInt32(rows);
    for (let i = 0; i < rows; i++) accounts[i] = i;
    const snap = {
      seq: 7,
      ts: 1_000,
      markets,
      accounts,
      positions: randomRows(rows, markets, 11, 0.5),
      prices: new Float64Array(markets).map((_, i) => (i + 1) * 2_000 * PRICE_USD),
      cross: null,
      floorE6: 0,
    };
    const set = buildScenarioSet(syntheticHistory(markets, 600, 5), DEFAULT_SCENARIO_CONFIG, 1);
    const a = new compiled.RiskPool({ threads: 1, timeoutMs: 60_000, clock: new ManualClock() });
    const b = new RiskPool({ threads: 1, timeoutMs: 60_000, clock: new ManualClock() });
    try {
      const [x, y] = await Promise.all([a.recomputeAll(snap, set), b.recomputeAll(snap, set)]);
      if (!x.ok) throw new Error(`compiled pool: ${x.code}: ${x.message}`);
      if (!y.ok) throw new Error(`source pool: ${y.code}: ${y.message}`);
      expect(bytesOf(x.charges).equals(bytesOf(y.charges))).toBe(true);
      expect(x.charges.some((c) => c > 0)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("simulator reads the market data kept beside the sources (sim/data), not beside dist's files", () => {
    const out = join(dataDir, 'sim');
    const r = spawnSync(
      process.execPath,
      [join(OUT, 'sim', 'cli.js'), 'may-2021', '--seed', '1', '--steps', '200', '--out', out, '--no-html'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/may-2021 seed 1: 200 steps, \d+ commands/);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
  });

  it('bench runner lists the compiled benchmarks (and refuses an unknown one, changing nothing)', () => {
    const r = spawnSync(process.execPath, [join(OUT, 'bench', 'run.js'), 'no-such-bench'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no benchmark named no-such-bench; have: .*\bbook\b.*\bengine\b/);
  });
});
