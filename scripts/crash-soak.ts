/**
 * The crash soak: the crash loop of test/persistence/crash-loop.test.ts for
 * longer. The real server (bin/server.ts) on 127.0.0.1 with a temp journal,
 * signed traffic over WebSocket, SIGKILL at seeded random moments, restart,
 * and after every kill the full set of checks (crash-helpers.ts): integrity,
 * journal continuity and CRCs, every acknowledged command at its seq, hash
 * checkpoints, read-only recovery = replay, the restarted server's recovered
 * seq and hash.
 *
 *   npx tsx scripts/crash-soak.ts --kills 500
 *   npx tsx scripts/crash-soak.ts --kills 2000 --duration 3600 --seed 42 --synchronous FULL
 *
 * It stops by itself after --kills kills or --duration seconds (whichever
 * comes first), or on Ctrl-C (the current cycle finishes and the final checks
 * run; a second Ctrl-C kills the server and exits). Exit code 0 when every
 * check passed, 1 when one failed (the seed and the kept directory are
 * printed), 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import {
  type CrashLoopOptions,
  DEFAULT_SERVER_CONFIG,
  killAllServers,
  resolveSeed,
  runCrashLoop,
} from '../test/persistence/crash-helpers.ts';

const USAGE = `usage: npx tsx scripts/crash-soak.ts [options]
  --kills N            stop after N kills (default 500, at most 100000)
  --duration S         …or after S seconds (default 3600, at most 86400)
  --seed N             the PRNG seed (default: FC_SEED, else random)
  --life MIN-MAX       ms a server runs after it listens before its SIGKILL (default 150-2000)
  --startup-share F    share of kills aimed at start-up, 0–1 (default 0.15)
  --verify-every N     full checks after every Nth kill (default 1)
  --fresh-every N      every Nth check replays from seq 1 into a new Engine (default 25)
  --traders N          trading accounts, one key and connection each (default 3, at most 20)
  --synchronous MODE   NORMAL or FULL (default NORMAL)
  --keep               keep the temp directory (default: kept only on failure)
  --quiet              print one line per 25 kills instead of one per kill
  --json               print the result as one JSON line on stdout at the end
  -h, --help`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function int(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    fail(`--${name} must be an integer in [${min}, ${max}], got ${raw}`);
  return n;
}

function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    fail((err as Error).message);
  }
  const { values } = parsed;
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return Promise.resolve(0);
  }
  const kills = int('kills', values.kills, 500, 1, 100_000);
  const durationS = int('duration', values.duration, 3_600, 1, 86_400);
  const lifeRaw = values.life ?? '150-2000';
  const life = /^(\d+)-(\d+)$/.exec(lifeRaw);
  if (life === null || Number(life[1]) > Number(life[2]) || Number(life[2]) > 600_000) {
    fail(`--life must be MIN-MAX in ms (MIN ≤ MAX ≤ 600000), got ${lifeRaw}`);
  }
  const share = Number(values['startup-share'] ?? '0.15');
  if (!(share >= 0 && share <= 1)) fail(`--startup-share must be within [0, 1], got ${values['startup-share']}`);
  const sync = values.synchronous ?? 'NORMAL';
  if (sync !== 'NORMAL' && sync !== 'FULL') fail(`--synchronous must be NORMAL or FULL, got ${sync}`);
  let seed: number;
  try {
    seed = resolveSeed(values.seed ?? null);
  } catch (err) {
    fail((err as Error).message);
  }
  const quiet = values.quiet === true;
  const log = (line: string) => {
    const k = /^kill (\d+)/.exec(line);
    if (quiet && k !== null && Number(k[1]) % 25 !== 0) return;
    process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };

  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      log(`${signal}: stopping after this cycle (again to stop at once)`);
      abort.abort();
      return;
    }
    killAllServers();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const options: CrashLoopOptions = {
    seed,
    kills,
    maxDurationMs: durationS * 1_000,
    minKills: 0,
    lifeMs: [Number(life[1]), Number(life[2])],
    startupKillShare: share,
    verifyEvery: int('verify-every', values['verify-every'], 1, 1, 1_000),
    freshEvery: int('fresh-every', values['fresh-every'], 25, 1, 100_000),
    traders: int('traders', values.traders, 3, 1, 20),
    server: { ...DEFAULT_SERVER_CONFIG, synchronous: sync },
    keep: values.keep === true ? 'always' : 'on-failure',
    log,
    signal: abort.signal,
  };
  return runCrashLoop(options).then(
    (r) => {
      const c = r.counters;
      const s = r.elapsedMs / 1000;
      log(
        `crash soak passed: ${r.kills} kills (${r.startupKills} in start-up) in ${s.toFixed(1)} s ` +
          `(${(r.kills / s).toFixed(2)} kills/s); ${c.accepted} accepted and ${c.rejectedByEngine} engine-rejected ` +
          `commands found in the journal where their replies said; ${c.unknown} replies lost to kills ` +
          `(${r.unknownJournaled} of those journaled anyway); journal to seq ${r.lastSeq}; ${r.verifications} checks ` +
          `(${r.freshReplays} fresh replays from seq 1, ${r.checkpoints} hash checkpoints); ${r.restartsChecked} restarts ` +
          `recovered the verified seq and hash (${r.recoveredFromSnapshot} from a snapshot; ${r.snapshotsSeen} snapshots seen); ` +
          `slowest check ${r.maxVerifyMs.toFixed(0)} ms`,
      );
      if (r.unauthedKeyCommands > 0) {
        log(
          `note: ${r.unauthedKeyCommands} acknowledged registerKey commands were journaled without auth (nonce not consumed)`,
        );
      }
      for (const n of r.serverNotes) log(`server: ${n}`);
      if (values.json === true) process.stdout.write(`${JSON.stringify({ ok: true, ...r })}\n`);
      return 0;
    },
    (err: unknown) => {
      log(`crash soak FAILED (seed ${seed}): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (values.json === true) {
        process.stdout.write(
          `${JSON.stringify({ ok: false, seed, error: err instanceof Error ? err.message : String(err) })}\n`,
        );
      }
      return 1;
    },
  );
}

function parse() {
  return parseArgs({
    options: {
      kills: { type: 'string' },
      duration: { type: 'string' },
      seed: { type: 'string' },
      life: { type: 'string' },
      'startup-share': { type: 'string' },
      'verify-every': { type: 'string' },
      'fresh-every': { type: 'string' },
      traders: { type: 'string' },
      synchronous: { type: 'string' },
      keep: { type: 'boolean' },
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

main().then(
  (code) => {
    killAllServers();
    process.exit(code);
  },
  (err: unknown) => {
    killAllServers();
    process.stderr.write(`crash soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
