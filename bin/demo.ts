/**
 * The demo: a real exchange process on loopback with bots trading on it.
 *
 *   npm run demo                       60 s, random-walk oracle feeder, temp journal
 *   npm run demo -- --seconds 20       shorter
 *   npm run demo -- --oracle replay    replay sim/data/*-2021-05-19-1m.csv (returns, rebased)
 *   npm run demo -- --oracle replay --csv BTC-PERP=sim/data/btc-usdt-perp-2020-03-12-1m.csv
 *   npm run demo -- --oracle builtin   the server's own simulated oracle, no feeder bot
 *   npm run demo -- --data ./data/demo keep the journal there (a rerun recovers it)
 *
 * It writes a demo config (the default one with the built-in oracle off when
 * the feeder runs, a 100-tick liquidator window and 15 s funding), starts
 * bin/server.ts on port 0, creates an account and a key per bot with the
 * admin key the server wrote, starts the bots (an oracle feeder, a market
 * maker on every market, a calm noise taker, three small leveraged takers,
 * a liquidator following the public liquidatable feed), prints a summary every few seconds, shocks
 * BTC halfway through against the leveraged takers' net position (so there
 * is something to liquidate), and stops
 * everything: bots (the maker pulls its quotes), connections, then the
 * server with SIGTERM (it snapshots and closes its journal).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { adminSigner, type BotCredentials, connectAs, Provisioner, readAdminKeyFile } from '../bots/accounts.ts';
import type { Bot, LogFn } from '../bots/bot.ts';
import { Liquidator } from '../bots/liquidator.ts';
import { MarketMaker, type MarketMakerMarket } from '../bots/market-maker.ts';
import { MarketWatch } from '../bots/market-watch.ts';
import { NoiseTaker, type NoiseTakerMarket } from '../bots/noise-taker.ts';
import { OracleFeeder } from '../bots/oracle-feeder.ts';
import { CsvReplay, DEFAULT_WALK, type PricePath, RandomWalk } from '../bots/price-path.ts';
import { REPO_ROOT, spawnServer, writeDemoConfig } from '../bots/server-process.ts';
import type { GatewayClient } from '../gateway/sdk/index.ts';

const USD = 1_000_000;
const BASE = 1_000_000_000;

const DEFAULT_REPLAY: Record<string, string> = {
  'BTC-PERP': 'sim/data/btc-usdt-2021-05-19-1m.csv',
  'ETH-PERP': 'sim/data/eth-usdt-2021-05-19-1m.csv',
  'SOL-PERP': 'sim/data/sol-usdt-2021-05-19-1m.csv',
};

interface Args {
  seconds: number;
  every: number;
  data: string | null;
  keep: boolean;
  oracle: 'walk' | 'replay' | 'builtin';
  csv: Record<string, string>;
  seed: number;
  shock: number;
  shockAt: number;
  verbose: boolean;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string', default: '60' },
      every: { type: 'string', default: '5' },
      data: { type: 'string' },
      keep: { type: 'boolean', default: false },
      oracle: { type: 'string', default: 'walk' },
      csv: { type: 'string', multiple: true },
      seed: { type: 'string', default: '1' },
      shock: { type: 'string', default: '-0.08' },
      'shock-at': { type: 'string', default: '0.5' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run demo -- [--seconds 60] [--every 5] [--oracle walk|replay|builtin] [--csv SYMBOL=path]…\n' +
        '                      [--seed 1] [--shock -0.08] [--shock-at 0.5] [--data DIR] [--keep] [--verbose]\n',
    );
    process.exit(0);
  }
  const num = (name: string, v: string, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new RangeError(`--${name} must be a number in [${min}, ${max}], got ${v}`);
    return n;
  };
  const oracle = values.oracle as string;
  if (oracle !== 'walk' && oracle !== 'replay' && oracle !== 'builtin')
    throw new RangeError(`--oracle must be walk, replay or builtin, got ${oracle}`);
  const csv: Record<string, string> = oracle === 'replay' ? { ...DEFAULT_REPLAY } : {};
  for (const c of values.csv ?? []) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new RangeError(`--csv takes SYMBOL=path, got ${c}`);
    csv[c.slice(0, eq)] = c.slice(eq + 1);
  }
  return {
    seconds: num('seconds', values.seconds as string, 1, 86_400),
    every: num('every', values.every as string, 1, 3_600),
    data: values.data ?? null,
    keep: values.keep as boolean,
    oracle,
    csv,
    seed: Math.floor(num('seed', values.seed as string, 0, 2 ** 31 - 1)),
    shock: num('shock', values.shock as string, -0.5, 0.5),
    shockAt: num('shock-at', values['shock-at'] as string, 0, 1),
    verbose: values.verbose as boolean,
  };
}

// Formatting.
const usd = (q: number) => (q / USD).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signedUsd = (q: number) => `${q >= 0 ? '+' : '−'}${usd(Math.abs(q))}`;
const coins = (b: number) => (b / BASE).toLocaleString('en-US', { maximumFractionDigits: 4 });
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

/** Per-market sizes for the bots, scaled to the market's price (about the same USD everywhere). */
function sizeFor(priceE6: number, usdNotional: number): number {
  return Math.max(1, Math.round(((usdNotional * USD) / priceE6) * BASE));
}

async function main(argv: string[]): Promise<void> {
  const args = parse(argv);
  const started = Date.now();
  const elapsed = () => ((Date.now() - started) / 1000).toFixed(0).padStart(3);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const botLog: LogFn = args.verbose ? (bot, line) => print(`  [${bot}] ${line}`) : () => {};

  const dir = args.data !== null ? resolve(args.data) : mkdtempSync(join(tmpdir(), 'clearloop-demo-'));
  const dataPath = join(dir, 'clearloop.sqlite');
  const configPath = join(dir, 'demo-config.json');
  const fresh = !existsSync(`${dataPath}.admin-key.json`);
  writeDemoConfig(configPath, {
    builtinOracle: args.oracle === 'builtin',
    dataPath,
    marketParams: { liquidatorWindowTicks: 100, fundingIntervalMs: 15_000 },
  });
  print(
    `clearloop demo: ${args.seconds} s, oracle ${args.oracle}, seed ${args.seed}, journal ${dataPath}${fresh ? '' : ' (recovered)'}`,
  );
  const server = await spawnServer({
    dataPath,
    configPath,
    onLine: args.verbose ? (line) => print(`  [server] ${line}`) : undefined,
  });
  print(`server pid ${server.child.pid} on ${server.url}`);

  const clients: GatewayClient[] = [];
  const connect = async (creds: BotCredentials | null) => {
    const c = await connectAs(server.url, creds?.signer ?? null);
    clients.push(c);
    return c;
  };
  const bots: Bot[] = [];
  let stopping = false;
  let wake: () => void = () => {};
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    print('interrupted: stopping');
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let admin: Provisioner | null = null;
  try {
    admin = await Provisioner.connect(server.url, adminSigner(readAdminKeyFile(server.adminKeyPath)));
    const watch = new MarketWatch(await connect(null), admin.client);
    await watch.start();
    const markets = watch.markets;
    const priceOf = (m: number) => markets[m].oraclePrice || markets[m].markPrice;

    // The oracle first: trading needs a fresh index.
    let feeder: OracleFeeder | null = null;
    let feederAccount = -1;
    if (args.oracle !== 'builtin') {
      const creds = await admin.account({ name: 'oracle-feeder', roles: ['oracle'], deposit: 0 });
      feederAccount = creds.account;
      const feedMarkets = markets.map((m) => {
        let path: PricePath;
        const csv = args.csv[m.symbol];
        if (args.oracle === 'replay' && csv !== undefined)
          path = CsvReplay.fromFile(resolve(REPO_ROOT, csv), { rebase: true });
        else path = new RandomWalk({ seed: args.seed * 100 + m.market, intervalMs: 500, ...DEFAULT_WALK });
        return { market: m.market, path };
      });
      feeder = new OracleFeeder(await connect(creds), { markets: feedMarkets, intervalMs: 500 }, botLog);
      await feeder.start();
      bots.push(feeder);
    }

    const mmCreds = await admin.account({ name: 'market-maker', roles: ['trader'], deposit: 3_000_000 * USD });
    const mmMarkets: MarketMakerMarket[] = markets.map((m) => ({
      market: m.market,
      sizePerLevel: sizeFor(priceOf(m.market), 5_000),
      maxInventory: sizeFor(priceOf(m.market), 100_000),
      levels: 4,
      halfSpreadE6: 300,
      levelStepE6: 300,
    }));
    const mm = new MarketMaker(
      await connect(mmCreds),
      { markets: mmMarkets, refreshMs: 2_000, deadmanMs: 10_000 },
      botLog,
    );
    await mm.start();
    bots.push(mm);

    const calmCreds = await admin.account({ name: 'noise-taker', roles: ['trader'], deposit: 300_000 * USD });
    const calmMarkets: NoiseTakerMarket[] = markets.map((m) => ({
      market: m.market,
      minSize: sizeFor(priceOf(m.market), 500),
      maxSize: sizeFor(priceOf(m.market), 10_000),
      maxPosition: sizeFor(priceOf(m.market), 60_000),
    }));
    const calm = new NoiseTaker(
      await connect(calmCreds),
      { markets: calmMarkets, seed: args.seed, meanIntervalMs: 300 },
      botLog,
    );

    // Small accounts drifting long on BTC at up to ~9.6×: a fall of about 4.5% puts them under maintenance.
    const degens: { bot: NoiseTaker; creds: BotCredentials }[] = [];
    for (let i = 0; i < 3; i++) {
      const creds = await admin.account({ name: `degen-${i + 1}`, roles: ['trader'], deposit: 2_500 * USD });
      const btc = markets[0].market;
      const bot = new NoiseTaker(
        await connect(creds),
        {
          markets: [
            {
              market: btc,
              minSize: sizeFor(priceOf(btc), 2_000),
              maxSize: sizeFor(priceOf(btc), 6_000),
              maxPosition: sizeFor(priceOf(btc), 24_000),
            },
          ],
          seed: args.seed * 1_000 + i,
          meanIntervalMs: 700,
          buyProbability: 0.75,
        },
        botLog,
        `degen-${i + 1}`,
      );
      degens.push({ bot, creds });
    }

    const liqCreds = await admin.account({
      name: 'liquidator',
      roles: ['liquidator', 'trader'],
      deposit: 500_000 * USD,
    });
    const liquidator = new Liquidator(await connect(liqCreds), { markets: markets.map((m) => m.market) }, botLog);
    // It finds accounts to take over on the public liquidatable feed (see bots/liquidator.ts).
    for (const creds of [mmCreds, calmCreds, liqCreds, ...degens.map((d) => d.creds)])
      await watch.watchAccount(creds.account);

    await calm.start();
    bots.push(calm);
    for (const d of degens) {
      await d.bot.start();
      bots.push(d.bot);
    }
    await liquidator.start();
    bots.push(liquidator);
    print(
      `bots (account): ${bots.map((b) => `${b.name} (${b.accountId < 0 ? feederAccount : b.accountId})`).join(', ')}`,
    );

    watch.onLiquidation((market, e) => {
      print(
        `>>> t=${elapsed()}s liquidation in ${markets[market].symbol}: ${e.side} ${coins(e.size)} at ${usd(e.price)} by the ${e.by}`,
      );
    });
    const summary = async (title: string) => {
      print(`\n── ${title} ${'─'.repeat(Math.max(0, 86 - title.length))}`);
      for (const m of markets) {
        const t = watch.tickers.get(m.market);
        if (t === undefined) continue;
        const l = watch.liquidations.get(m.market) ?? { liquidator: 0, backstop: 0 };
        print(
          `${pad(m.symbol, 9)} mark ${lpad(usd(t.markPrice), 10)}  index ${lpad(usd(t.indexPrice), 10)}  funding ${lpad(
            `${t.lastFundingRateE6 >= 0 ? '+' : ''}${(t.lastFundingRateE6 / 1e4).toFixed(4)}%`,
            9,
          )}  OI ${lpad(coins(t.openInterestLong), 8)} L ${lpad(coins(t.openInterestShort), 8)} S  trades ${lpad(
            String(watch.trades.get(m.market) ?? 0),
            5,
          )}  liq ${l.liquidator}+${l.backstop}`,
        );
      }
      const total = watch.totalLiquidations();
      print(
        `insurance fund ${watch.insuranceFund === null ? 'n/a' : `${usd(watch.insuranceFund)} USD`} (${signedUsd(watch.insuranceDelta)} this run)   liquidations ${total.liquidator + total.backstop} (by liquidator ${total.liquidator}, backstop ${total.backstop})   bankruptcies ${watch.bankruptcies}`,
      );
      for (const b of bots) {
        const s = b.stats();
        let pnl = 'n/a';
        try {
          const p = await b.pnl();
          if (p !== null) pnl = `${signedUsd(p.pnl)} USD${p.inLiquidation ? ' (in liquidation)' : ''}`;
        } catch {
          pnl = '(unavailable)';
        }
        const errors = Object.entries(s.errors as Record<string, number>)
          .map(([k, v]) => `${k}×${v}`)
          .join(' ');
        print(`  ${pad(b.name, 14)} ${lpad(pnl, 26)}  ${describe(s)}${errors === '' ? '' : `  rejects: ${errors}`}`);
      }
    };

    // Run: a summary every `every` seconds, the shock once, until the time is up or a signal arrives.
    const endAt = started + args.seconds * 1_000;
    const shockAt = started + args.seconds * 1_000 * args.shockAt;
    let shocked = feeder === null || args.shock === 0;
    let nextSummary = Date.now() + args.every * 1_000;
    while (!stopping && Date.now() < endAt) {
      const until = Math.min(endAt, nextSummary, shocked ? Number.POSITIVE_INFINITY : shockAt);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.max(0, until - Date.now()));
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      if (stopping) break;
      if (!shocked && Date.now() >= shockAt && feeder !== null) {
        shocked = true;
        // Against the leveraged takers' net position, so the shock has someone to liquidate.
        const net = degens.reduce(
          (n, d) => n + ((d.bot.stats().positions as Record<number, number>)[markets[0].market] ?? 0),
          0,
        );
        const shock = net === 0 ? args.shock : -Math.sign(net) * Math.abs(args.shock);
        feeder.shock(markets[0].market, shock);
        print(
          `\n>>> t=${elapsed()}s oracle shock: ${markets[0].symbol} ${shock > 0 ? '+' : ''}${(shock * 100).toFixed(1)}% against the leveraged takers' net ${coins(net)} (the feeder walks there in ≤10% steps)`,
        );
      }
      if (Date.now() >= nextSummary && Date.now() < endAt) {
        await summary(`t=${elapsed()}s`);
        nextSummary += args.every * 1_000;
      }
    }
    for (const b of [...bots].reverse()) await b.stop();
    await summary(`final, t=${elapsed()}s`);
  } finally {
    for (const b of [...bots].reverse()) await b.stop().catch(() => {});
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await admin?.close().catch(() => {});
    const code = await server.stop();
    print(`\nserver stopped (exit ${code})${args.data === null && !args.keep ? '' : `; journal kept in ${dir}`}`);
    if (args.data === null && !args.keep) rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** One line of a bot's own figures. */
function describe(s: Record<string, unknown>): string {
  switch (s.kind) {
    case 'market-maker': {
      const ms = s.markets as { market: number; requotes: number; inventory: number }[];
      return `fills ${s.fills}, requotes ${ms.reduce((n, m) => n + m.requotes, 0)}, inventory ${ms.map((m) => coins(m.inventory)).join('/')}`;
    }
    case 'noise-taker':
      return `orders ${s.ordersSent}, filled ${s.ordersFilled}, volume ${usd(s.volumeQuote as number)} USD`;
    case 'liquidator':
      return `takeovers ${s.takeovers} (rewards ${usd(s.rewards as number)} USD), positions listed ${s.candidatesSeen}, missed ${s.missed}, unwinds ${s.unwinds}`;
    case 'oracle-feeder': {
      const ms = s.markets as { pushes: number }[];
      return `pushes ${ms.reduce((n, m) => n + m.pushes, 0)}`;
    }
    default:
      return '';
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
