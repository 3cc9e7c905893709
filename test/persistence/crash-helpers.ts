/**
 * Crash-loop scaffolding shared by test/persistence/crash-loop.test.ts and
 * scripts/crash-soak.ts: the REAL server process (bin/server.ts, spawned as
 * `node --import tsx`) on 127.0.0.1 with a temp journal, driven over
 * WebSocket with signed commands through the SDK, SIGKILLed at seeded random
 * moments and restarted, and after every kill (while it is stopped) checked:
 *
 *   - `PRAGMA integrity_check` is ok on the journal and the history database;
 *   - the journal is contiguous from seq 1, every row passes its CRC, and the
 *     rows journaled before the previous kill are still there, unchanged;
 *   - every command the server acknowledged is in the journal: an accepted
 *     one at the seq its reply named (same type, fields, key and nonce), an
 *     engine rejection (its reply carries no seq) by its key and nonce;
 *   - a fresh Engine replaying every journaled entry from seq 1 matches every
 *     hash checkpoint in the journal, and its final state hash equals the
 *     hash of the store's own recovery (newest snapshot + journal tail, the
 *     store opened read-only);
 *   - on the next start, the server's "recovered seq N (...), state H" line
 *     names that seq and (the first 16 hex digits of) that hash.
 *
 * Nothing here writes to the journal database: every check opens it read-only,
 * so the server recovers from exactly the files the kill left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  between,
  killAllServers,
  mulberry32,
  type ServerConfigOptions,
  ServerProcess,
  sleep,
  writeServerConfig,
} from './crash-server.ts';
import { JournalVerifier, VerificationError } from './crash-verify.ts';
import { Workload, type WorkloadCounters } from './crash-workload.ts';

export * from './crash-server.ts';
export * from './crash-verify.ts';
export * from './crash-workload.ts';

// ───────────────────────────── the crash loop ─────────────────────────────

export interface CrashLoopOptions {
  seed: number;
  /** Stop after this many kills… */
  kills: number;
  /** …or once this much time has passed, provided at least `minKills` were done. */
  maxDurationMs: number;
  minKills: number;
  /** How long a server runs after it listens, before its SIGKILL: uniform in [min, max] ms. */
  lifeMs: [number, number];
  /** Share of kills aimed at start-up (a random moment around recovery and the gateway coming up). */
  startupKillShare: number;
  /** Verify after every Nth kill (and always after the last). */
  verifyEvery: number;
  /** Every Nth verification replays the whole journal into a new Engine from seq 1 (so does the last). */
  freshEvery: number;
  traders: number;
  server: ServerConfigOptions;
  /** Keep the temp directory: always, only when the loop fails, or never. */
  keep: 'always' | 'on-failure' | 'never';
  log: (line: string) => void;
  /** Stop early (after the current cycle), still running the final checks. */
  signal?: AbortSignal;
}

export interface CrashLoopResult {
  seed: number;
  dir: string;
  kills: number;
  startupKills: number;
  verifications: number;
  freshReplays: number;
  /** Restarts whose "recovered seq, state" line was compared with the verified journal. */
  restartsChecked: number;
  recoveredFromSnapshot: number;
  elapsedMs: number;
  lastSeq: number;
  checkpoints: number;
  /** Distinct snapshot files seen (retention keeps a few at a time). */
  snapshotsSeen: number;
  counters: WorkloadCounters;
  unknownJournaled: number;
  unauthedKeyCommands: number;
  maxVerifyMs: number;
  /** Server log lines worth a look (skipped snapshots, torn tails, failed snapshots). */
  serverNotes: string[];
}

export async function runCrashLoop(o: CrashLoopOptions): Promise<CrashLoopResult> {
  const t0 = performance.now();
  // Two streams: the kill schedule (exactly reproducible from the seed) and the workload's choices
  // (reproducible only as far as the interleaving of replies allows).
  const schedule = mulberry32(o.seed);
  const workloadRng = mulberry32((o.seed ^ 0x9e3779b9) >>> 0);
  const dir = mkdtempSync(join(tmpdir(), 'clearloop-crash-'));
  const dbPath = join(dir, 'journal.sqlite');
  const configPath = writeServerConfig(dir, dbPath, o.seed, o.server);
  const workload = new Workload(workloadRng, { traders: o.traders, depositAmount: 1_000_000 * 1_000_000 });
  const verifier = new JournalVerifier(dbPath, workload);
  const result: CrashLoopResult = {
    seed: o.seed,
    dir,
    kills: 0,
    startupKills: 0,
    verifications: 0,
    freshReplays: 0,
    restartsChecked: 0,
    recoveredFromSnapshot: 0,
    elapsedMs: 0,
    lastSeq: 0,
    checkpoints: 0,
    snapshotsSeen: 0,
    counters: workload.counters,
    unknownJournaled: 0,
    unauthedKeyCommands: 0,
    maxVerifyMs: 0,
    serverNotes: [],
  };
  const serverNotes = new Set<string>();
  const snapshots = new Set<number>();
  let expected: { seq: number; hash: string } | null = null;
  let lastWasFresh = false;
  const aborted = (): boolean => o.signal?.aborted === true;
  let server: ServerProcess | null = null;
  let startupMs = 1_000;
  let ok = false;
  o.log(`crash loop: seed ${o.seed} (replay with FC_SEED=${o.seed}), dir ${dir}`);

  const verify = async (label: string, fresh: boolean) => {
    const v = await verifier.verify(fresh);
    lastWasFresh = fresh;
    expected = { seq: v.lastSeq, hash: v.hash };
    result.verifications++;
    if (fresh) result.freshReplays++;
    result.lastSeq = v.lastSeq;
    result.checkpoints = v.fresh ? v.checkpoints : result.checkpoints + v.checkpoints;
    result.unknownJournaled = verifier.unknownJournaled;
    result.unauthedKeyCommands = verifier.unauthedKeyCommands.length;
    result.maxVerifyMs = Math.max(result.maxVerifyMs, v.ms);
    for (const s of v.snapshotSeqs) snapshots.add(s);
    result.snapshotsSeen = snapshots.size;
    o.log(
      `${label}: journal to seq ${v.lastSeq} (${v.turns} turns) ok — ${v.fresh ? 'fresh replay from seq 1' : 'replay of the new turns'}, ` +
        `${v.checkpoints} checkpoints, ${v.acksChecked} acks, recovery from ${v.recoveryStart}, ` +
        `snapshots [${v.snapshotSeqs.join(',')}], ${v.ms.toFixed(0)} ms`,
    );
  };
  const checkRecovered = (s: ServerProcess, label: string) => {
    const rec = s.recovered;
    const exp = expected as { seq: number; hash: string } | null;
    if (rec === null) throw new Error(`${label}: the server listened without printing its recovered seq`);
    if (rec.kind === 'snapshot') result.recoveredFromSnapshot++;
    for (const n of s.notes) if (/snapshot failed|torn|poison|skipped|listening on/.test(n)) serverNotes.add(n);
    if (exp === null) return;
    if (rec.seq !== exp.seq || !exp.hash.startsWith(rec.hashPrefix)) {
      throw new VerificationError([
        `${label}: the server recovered seq ${rec.seq} state ${rec.hashPrefix}…, but the journal ends at seq ${exp.seq} and its replay hashes to ${exp.hash}`,
      ]);
    }
    result.restartsChecked++;
  };

  try {
    for (let cycle = 1; ; cycle++) {
      const elapsed = performance.now() - t0;
      if (result.kills >= o.kills || (elapsed >= o.maxDurationMs && result.kills >= o.minKills)) break;
      if (aborted()) break;
      server = new ServerProcess(configPath, dbPath);
      const startupKill = cycle > 1 && schedule() < o.startupKillShare;
      const life = between(schedule, o.lifeMs[0], o.lifeMs[1]);
      if (startupKill) {
        // Somewhere from late module loading through recovery to the first turns after listening.
        await sleep(between(schedule, 0.6, 1.2) * startupMs);
        await server.kill();
        if (server.exitSignal !== 'SIGKILL' && aborted()) break; // a Ctrl-C reached the server too
        result.startupKills++;
        if (server.recovered !== null) checkRecovered(server, `cycle ${cycle}`);
      } else {
        try {
          await server.ready();
        } catch (err) {
          if (server.exited && aborted()) break;
          throw err;
        }
        if (cycle === 1) startupMs = performance.now() - server.spawnedAt;
        checkRecovered(server, `cycle ${cycle}`);
        workload.loadAdminKey(`${dbPath}.admin-key.json`);
        let release!: () => void;
        const stop = new Promise<void>((r) => {
          release = r;
        });
        const running = workload.run(server.port!, stop);
        const died = await Promise.race([sleep(life).then(() => false), server.waitExit().then(() => true)]);
        if (died) {
          release();
          await running.catch(() => {});
          if (aborted()) break;
          throw new Error(
            `the server died by itself (code ${server.exitCode}, signal ${server.exitSignal}); stderr:\n${server.stderrTail}`,
          );
        }
        await server.kill();
        release();
        await running;
      }
      if (server.exitSignal !== 'SIGKILL') {
        throw new Error(
          `the server exited with code ${server.exitCode} before its kill; stderr:\n${server.stderrTail}`,
        );
      }
      result.kills++;
      server = null;
      const last =
        result.kills >= o.kills ||
        (performance.now() - t0 >= o.maxDurationMs && result.kills >= o.minKills) ||
        aborted();
      if (result.kills % o.verifyEvery === 0 || last) {
        const fresh = last || (result.verifications + 1) % o.freshEvery === 0;
        await verify(`kill ${result.kills}${startupKill ? ' (start-up)' : ''}`, fresh);
      }
    }
    if (!lastWasFresh) await verify('final', true);
    // One more start: the server must recover exactly what the last check saw.
    server = new ServerProcess(configPath, dbPath);
    await server.ready();
    checkRecovered(server, 'final start');
    await server.kill();
    server = null;
    ok = true;
  } finally {
    if (server !== null) await server.kill();
    killAllServers();
    result.elapsedMs = performance.now() - t0;
    result.serverNotes = [...serverNotes];
    const keep = o.keep === 'always' || (o.keep === 'on-failure' && !ok);
    if (keep) o.log(`crash loop: files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    if (!ok) o.log(`crash loop: FAILED with seed ${o.seed} (rerun with FC_SEED=${o.seed})`);
  }
  return result;
}
