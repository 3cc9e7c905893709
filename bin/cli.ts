/**
 * clearloop's operations CLI: `npx tsx bin/cli.ts <command> --db <path>`.
 *
 *   verify    replay the journal (from genesis, or a snapshot if pruned) and
 *             compare every stored hash; exit 1 on any mismatch
 *   snapshot  write a snapshot of the journal's current state
 *   export    account history as CSV or JSON lines
 *   inspect   seq range, checkpoints, snapshots, sizes, history counts
 *
 * Exit codes: 0 ok, 1 verification found a problem, 2 could not run.
 * The journal database is opened read-only by every command.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isPersistenceError } from '../persistence/errors.ts';
import { type ExportFormat, exportLines } from '../persistence/history-export.ts';
import { type HistoryKind, isHistoryKind } from '../persistence/history-kinds.ts';
import { inspectStore } from '../persistence/inspect.ts';
import { openStore, type Store } from '../persistence/store.ts';
import { type VerifyFrom, verifyStore } from '../persistence/verify.ts';

const EXIT_OK = 0;
const EXIT_PROBLEM = 1;
const EXIT_ERROR = 2;

interface GlobalOptions {
  db: string;
  snapshots?: string;
  history?: string;
}

function intArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be an integer`);
    return n;
  };
}

function kindsArg(v: string): HistoryKind[] {
  const kinds = v.split(',').map((s) => s.trim());
  for (const k of kinds) if (!isHistoryKind(k)) throw new InvalidArgumentError(`unknown history kind ${k}`);
  return kinds as HistoryKind[];
}

/** Open read-only; history comes from the history database when there is one (history mode 'background'). */
function open(g: GlobalOptions, writableSnapshots = false, keep?: number): Store {
  if (!existsSync(g.db)) throw new Error(`no journal at ${g.db}`);
  const historyPath = g.history ?? `${g.db}.history`;
  if (g.history !== undefined && !existsSync(historyPath)) throw new Error(`no history database at ${historyPath}`);
  return openStore(g.db, {
    readonly: true,
    snapshotsWritable: writableSnapshots,
    history: existsSync(historyPath) ? 'background' : 'inline',
    historyPath,
    ...(g.snapshots !== undefined ? { snapshotDir: g.snapshots } : {}),
    ...(keep !== undefined ? { keepSnapshots: keep } : {}),
  });
}

async function withStore(store: Store, f: (s: Store) => number | Promise<number>): Promise<number> {
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

const program = new Command('clearloop')
  .description('clearloop journal, snapshot and history tools')
  .option('-d, --db <path>', 'journal database', 'data/clearloop.sqlite')
  .option('-s, --snapshots <dir>', 'snapshot directory (default: <db>.snapshots)')
  .option('--history <path>', 'history database (default: <db>.history when it exists, else the journal)')
  .showHelpAfterError()
  .exitOverride();

program
  .command('verify')
  .description('replay the journal and compare every stored state hash')
  .addOption(
    new Option('--from <start>', 'where replay starts')
      .choices(['auto', 'genesis', 'oldest-snapshot', 'latest-snapshot'])
      .default('auto'),
  )
  .option('--json', 'print the report as JSON')
  .action(async (o: { from: VerifyFrom; json?: boolean }) => {
    process.exitCode = await withStore(open(program.opts()), (store) => {
      const r = verifyStore(store, o.from);
      if (o.json) {
        console.log(JSON.stringify(r, null, 2));
      } else {
        console.log(`start: ${r.start.kind === 'genesis' ? 'genesis' : `snapshot at seq ${r.start.seq}`}`);
        if (r.replay !== null) {
          console.log(
            `replayed ${r.replay.commands} commands in ${r.replay.turns} turns to seq ${r.replay.lastSeq}; ` +
              `${r.replay.checkpointsVerified} hash checkpoints matched; ${r.replay.poisonCount} poison commands`,
          );
        }
        for (const s of r.snapshots) console.log(`snapshot seq ${s.seq}: ${s.ok ? 'ok' : 'BAD'} (${s.detail})`);
        for (const p of r.problems) console.log(`problem: ${p}`);
        console.log(r.ok ? 'verify: ok' : 'verify: FAILED');
      }
      return r.ok ? EXIT_OK : EXIT_PROBLEM;
    });
  });

program
  .command('snapshot')
  .description("write a snapshot of the journal's current state (the database is only read)")
  .option('--keep <n>', 'keep this many snapshots', intArg('--keep'))
  .action(async (o: { keep?: number }) => {
    process.exitCode = await withStore(open(program.opts(), true, o.keep), (store) => {
      const { engine, report } = store.recovery.recover({ repairTornTail: false });
      for (const note of report.notes) console.log(note);
      const w = store.snapshots.writeFrom(engine);
      console.log(`wrote ${w.path}: seq ${w.seq}, hash ${w.hash}, ${w.bytes} bytes`);
      for (const path of w.removed) console.log(`removed ${path}`);
      return EXIT_OK;
    });
  });

program
  .command('export')
  .description('export account history as CSV or JSON lines')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('jsonl'))
  .option('--account <id>', 'one account only', intArg('--account'))
  .option('--from <ms>', 'from this time (inclusive, ms)', intArg('--from'))
  .option('--to <ms>', 'to this time (exclusive, ms)', intArg('--to'))
  .option('--kind <kinds>', 'comma-separated kinds: fill,funding,deposit,withdrawal,liquidation', kindsArg)
  .option('-o, --out <file>', 'write here instead of stdout')
  .action(
    async (o: {
      format: ExportFormat;
      account?: number;
      from?: number;
      to?: number;
      kind?: HistoryKind[];
      out?: string;
    }) => {
      process.exitCode = await withStore(open(program.opts()), async (store) => {
        const out = o.out === undefined ? process.stdout : createWriteStream(o.out);
        let n = 0;
        const filter = { account: o.account, fromTs: o.from, toTs: o.to, kinds: o.kind };
        for (const line of exportLines(store.history, filter, o.format)) {
          if (!out.write(`${line}\n`)) await once(out, 'drain');
          n++;
        }
        if (o.format === 'csv') n--;
        if (out !== process.stdout) {
          await new Promise<void>((resolve, reject) =>
            out.end((err?: Error | null) => (err ? reject(err) : resolve())),
          );
        }
        console.error(`exported ${n} rows`);
        return EXIT_OK;
      });
    },
  );

program
  .command('inspect')
  .description('show the journal, snapshots, sizes and history counts')
  .option('--json', 'print as JSON')
  .action(async (o: { json?: boolean }) => {
    process.exitCode = await withStore(open(program.opts()), (store) => {
      const i = inspectStore(store);
      if (o.json) {
        console.log(JSON.stringify(i, null, 2));
        return EXIT_OK;
      }
      const j = i.journal;
      console.log(`journal ${i.path} (format ${i.formatVersion})`);
      console.log(
        `  seq ${j.firstSeq ?? '-'}..${j.lastSeq} in ${j.turns} turns; pruned through seq ${j.prunedThrough}`,
      );
      console.log(`  ${j.checkpoints} hash checkpoints; last at seq ${j.lastCheckpoint?.seq ?? '-'}`);
      console.log(`  database ${i.files.db} bytes, WAL ${i.files.wal} bytes`);
      console.log(`snapshots in ${i.files.snapshotDir} (${i.files.snapshotBytes} bytes):`);
      for (const s of i.snapshots) {
        console.log(
          s.error === null
            ? `  seq ${s.seq}: ${s.accountCount} accounts, ${s.bytes} bytes, hash ${s.hash}`
            : `  seq ${s.seq}: ${s.bytes} bytes, UNREADABLE: ${s.error}`,
        );
      }
      console.log(
        `history (${i.files.history}) complete through seq ${i.historyThrough}: ${JSON.stringify(i.history)}`,
      );
      return EXIT_OK;
    });
  });

// A closed pipe (`export | head`) ends the export quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT_OK);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    process.exitCode = code === 'commander.helpDisplayed' || code === 'commander.version' ? EXIT_OK : EXIT_ERROR;
  } else {
    console.error(`error: ${isPersistenceError(err) || err instanceof Error ? err.message : String(err)}`);
    process.exitCode = EXIT_ERROR;
  }
}
