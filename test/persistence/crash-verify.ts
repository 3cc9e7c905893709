/** The crash loop's checks after each kill: journal, acknowledgements, replay hashes, integrity. */
import { existsSync, readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Command } from '../../core/commands.ts';
import { Engine } from '../../core/engine.ts';
import { JournalReader } from '../../persistence/journal-reader.ts';
import { openStore } from '../../persistence/store.ts';
import type { AckRecord, Workload } from './crash-workload.ts';

// ───────────────────────────── verification ─────────────────────────────

export interface JournalRowRef {
  firstSeq: number;
  lastSeq: number;
  crc: number;
}

export interface Verification {
  /** The journal's last seq. */
  lastSeq: number;
  turns: number;
  /** Did this verification replay the whole journal into a brand-new Engine from seq 1? */
  fresh: boolean;
  /** Hash checkpoints the replay compared (the new turns, or all of them when fresh). */
  checkpoints: number;
  /** The replay's final state hash (= the read-only recovery's). */
  hash: string;
  /** How the read-only recovery started. */
  recoveryStart: string;
  snapshotSeqs: number[];
  /** Acknowledgements looked up in the journal by this verification. */
  acksChecked: number;
  ms: number;
}

export class VerificationError extends Error {
  constructor(readonly problems: string[]) {
    const shown = problems.slice(0, 20).join('\n  ');
    const more = problems.length > 20 ? `\n  … and ${problems.length - 20} more` : '';
    super(`crash-loop verification failed:\n  ${shown}${more}`);
    this.name = 'VerificationError';
  }
}

function integrity(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

type JournaledCommand = Command & Record<string, unknown> & { auth?: { keyId: string; nonce: number } };

/** What of the journaled command must match the request that produced it. */
function commandMismatch(a: AckRecord, cmd: JournaledCommand): string | null {
  if (cmd.type !== a.op) return `type ${cmd.type}, expected ${a.op}`;
  for (const [k, v] of Object.entries(a.params)) {
    const field = a.op === 'registerKey' && k === 'publicKey' ? 'material' : k;
    if (JSON.stringify(cmd[field]) !== JSON.stringify(v)) {
      return `${field} = ${JSON.stringify(cmd[field])}, the request sent ${JSON.stringify(v)}`;
    }
  }
  if (a.account !== null && cmd.account !== a.account) return `account ${String(cmd.account)}, expected ${a.account}`;
  return null;
}

function listSnapshotSeqs(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const out: number[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^snapshot-(\d+)\.clsnap$/.exec(name);
    if (m !== null) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/**
 * Checks a stopped server's files (see the header). Between kills it keeps a
 * reference engine and replays only the turns journaled since the last check
 * (the turns before must be byte-for-byte unchanged: same seq ranges and
 * CRCs); a `fresh` check replays the whole journal into a new Engine from
 * seq 1 and looks every acknowledgement up again.
 */
export class JournalVerifier {
  private ref = new Engine();
  private rows: JournalRowRef[] = [];
  private acksDone = 0;
  private unknownDone = 0;
  /** Lost replies (DISCONNECTED) whose command is journaled nevertheless. */
  unknownJournaled = 0;
  /** Accepted registerKey commands journaled without `auth` (the admin's nonce is not consumed). */
  readonly unauthedKeyCommands: number[] = [];

  constructor(
    readonly dbPath: string,
    private readonly workload: Workload,
  ) {}

  get lastSeq(): number {
    return this.rows.length > 0 ? this.rows[this.rows.length - 1].lastSeq : 0;
  }

  async verify(fresh: boolean): Promise<Verification> {
    const t0 = performance.now();
    const problems: string[] = [];
    const dbPath = this.dbPath;

    for (const f of [dbPath, `${dbPath}.history`]) {
      if (!existsSync(f)) continue;
      const r = integrity(f);
      if (r !== 'ok') problems.push(`PRAGMA integrity_check on ${f}: ${r}`);
    }

    const engine = fresh ? new Engine() : this.ref;
    const bySeq = new Map<number, JournaledCommand>();
    const byNonce = new Map<string, number>();
    let checkpoints = 0;
    let rows: JournalRowRef[] = [];
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      rows = (
        db.prepare('SELECT first_seq, last_seq, crc FROM journal ORDER BY first_seq').all() as {
          first_seq: number;
          last_seq: number;
          crc: number;
        }[]
      ).map((r) => ({ firstSeq: r.first_seq, lastSeq: r.last_seq, crc: r.crc }));
      // What was journaled before the last kill is still there, unchanged; the rest follows it without a gap.
      if (rows.length < this.rows.length) {
        problems.push(`the journal holds ${rows.length} turns, fewer than the ${this.rows.length} at the last check`);
      }
      let expect = 1;
      rows.forEach((r, i) => {
        const prev = this.rows[i];
        if (prev !== undefined && (prev.firstSeq !== r.firstSeq || prev.lastSeq !== r.lastSeq || prev.crc !== r.crc)) {
          problems.push(
            `journal turn ${i} changed since the last check: ${prev.firstSeq}..${prev.lastSeq} crc ${prev.crc} → ${r.firstSeq}..${r.lastSeq} crc ${r.crc}`,
          );
        }
        if (r.firstSeq !== expect) problems.push(`journal turn ${i} starts at seq ${r.firstSeq}, expected ${expect}`);
        expect = r.lastSeq + 1;
      });
      if (problems.length > 0) throw new VerificationError(problems);

      // Replay: every journaled entry (rejections, ticks, oracle prices included) from where the engine is.
      const reader = new JournalReader(db);
      const from = engine.seq + 1;
      for (const row of engine.seq < this.lastSeqOf(rows) ? reader.rows(from) : []) {
        if (row.lastSeq < from) continue;
        const checked = JournalReader.check(row);
        if (!checked.ok) {
          problems.push(`journal turn ${row.firstSeq}..${row.lastSeq} is bad: ${checked.reason}`);
          break;
        }
        for (const e of checked.turn.entries) {
          const cmd = e.cmd as JournaledCommand;
          if (cmd.auth !== undefined) byNonce.set(`${cmd.auth.keyId}/${cmd.auth.nonce}`, e.seq);
          if (cmd.type !== 'tick' && cmd.type !== 'oracle') bySeq.set(e.seq, cmd);
          let outcome: ReturnType<Engine['apply']>;
          try {
            outcome = engine.apply(e.cmd, e.ts);
          } catch (err) {
            problems.push(`replay: apply threw at seq ${e.seq}: ${(err as Error).message}`);
            break;
          }
          if (outcome.seq !== e.seq) problems.push(`replay: journal seq ${e.seq} applied as seq ${outcome.seq}`);
          if (!outcome.ok && outcome.code === 'INTERNAL_ERROR') {
            problems.push(`replay: INTERNAL_ERROR at seq ${e.seq} (${e.cmd.type}): ${outcome.message}`);
          }
        }
        if (row.hash !== null) {
          const h = engine.stateHash();
          if (h !== row.hash)
            problems.push(`replay: state hash at checkpoint seq ${row.lastSeq} is ${h}, journal says ${row.hash}`);
          else checkpoints++;
        }
        if (problems.length > 20) break;
      }
    } finally {
      db.close();
    }
    const lastSeq = this.lastSeqOf(rows);
    if (engine.seq !== lastSeq) problems.push(`replay ended at seq ${engine.seq}, the journal at seq ${lastSeq}`);

    // Every acknowledged command is durable, where its reply said.
    const acks = this.workload.acks;
    const firstAck = fresh ? 0 : this.acksDone;
    for (let i = firstAck; i < acks.length; i++) {
      const a = acks[i];
      if (a.ok) {
        const cmd = bySeq.get(a.seq!);
        if (cmd === undefined) {
          problems.push(
            `acknowledged ${a.op} (key ${a.keyId}, nonce ${a.nonce}) at seq ${a.seq} is not in the journal (which ends at seq ${lastSeq})`,
          );
          continue;
        }
        const mismatch = commandMismatch(a, cmd);
        if (mismatch !== null)
          problems.push(`seq ${a.seq}: acknowledged ${a.op}, journal holds ${cmd.type}: ${mismatch}`);
        else if (cmd.auth !== undefined && (cmd.auth.keyId !== a.keyId || cmd.auth.nonce !== a.nonce)) {
          problems.push(
            `seq ${a.seq}: journaled auth ${cmd.auth.keyId}/${cmd.auth.nonce}, the request had ${a.keyId}/${a.nonce}`,
          );
        } else if (cmd.auth === undefined) {
          if (a.op === 'registerKey' || a.op === 'revokeKey') {
            if (!this.unauthedKeyCommands.includes(a.seq!)) this.unauthedKeyCommands.push(a.seq!);
          } else problems.push(`seq ${a.seq}: journaled ${a.op} carries no auth`);
        }
      } else if (a.op !== 'registerKey' && a.op !== 'revokeKey') {
        // A rejection's reply names no seq; the signed command is journaled with its key and nonce.
        const seq = byNonce.get(`${a.keyId}/${a.nonce}`);
        if (seq === undefined) {
          problems.push(`engine-rejected ${a.op} (${a.code}, key ${a.keyId}, nonce ${a.nonce}) is not in the journal`);
        } else {
          const mismatch = commandMismatch(a, bySeq.get(seq)!);
          if (mismatch !== null) problems.push(`seq ${seq}: rejected ${a.op} journaled differently: ${mismatch}`);
        }
      }
    }
    const unknown = this.workload.unknown;
    // (Their commands were sent after the last check, so they can only be in the turns replayed now.)
    for (let i = this.unknownDone; i < unknown.length; i++) {
      if (byNonce.has(`${unknown[i].keyId}/${unknown[i].nonce}`)) this.unknownJournaled++;
    }

    // The store's own recovery (newest good snapshot + the journal after it), read-only, against the replay.
    const hash = engine.stateHash();
    let recoveryStart = 'none';
    const store = openStore(dbPath, { readonly: true, history: 'off' });
    try {
      const { engine: recovered, report } = store.recovery.recover();
      recoveryStart = report.start.kind === 'snapshot' ? `snapshot@${report.start.seq}` : 'genesis';
      if (report.tornTail !== null)
        problems.push(`read-only recovery found a torn tail: ${JSON.stringify(report.tornTail)}`);
      if (report.replay.poisonCount > 0)
        problems.push(`read-only recovery met ${report.replay.poisonCount} poison commands`);
      if (recovered.seq !== lastSeq)
        problems.push(`read-only recovery reached seq ${recovered.seq}, the journal ends at ${lastSeq}`);
      const h = recovered.stateHash();
      if (h !== hash) {
        problems.push(
          `state hash after recovery (from ${recoveryStart}) ${h} ≠ ${fresh ? 'fresh replay from seq 1' : 'reference replay'} ${hash} at seq ${lastSeq}`,
        );
      }
    } catch (err) {
      problems.push(`read-only recovery failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await store.close();
    }

    if (problems.length > 0) throw new VerificationError(problems);
    this.ref = engine;
    this.rows = rows;
    const acksChecked = acks.length - firstAck;
    this.acksDone = acks.length;
    this.unknownDone = unknown.length;
    return {
      lastSeq,
      turns: rows.length,
      fresh,
      checkpoints,
      hash,
      recoveryStart,
      snapshotSeqs: listSnapshotSeqs(`${dbPath}.snapshots`),
      acksChecked,
      ms: performance.now() - t0,
    };
  }

  private lastSeqOf(rows: JournalRowRef[]): number {
    return rows.length > 0 ? rows[rows.length - 1].lastSeq : 0;
  }
}
