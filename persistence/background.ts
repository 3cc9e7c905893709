/**
 * The loop thread's handle on the background worker (background-worker.ts):
 * request a snapshot of a committed seq, tell it how far the journal goes
 * (for background history), request a WAL checkpoint, close. One snapshot at
 * a time; a second request while one runs is SNAPSHOT_BUSY. Follow requests
 * are coalesced: at most one in flight, the next one asks for the newest seq.
 * The worker does not keep the process alive while it has nothing to do.
 */
import { Worker } from 'node:worker_threads';
import type {
  BackgroundConfig,
  BackgroundRequest,
  BackgroundResponse,
  BackgroundSnapshot,
  CheckpointResult,
  FollowResult,
} from './background-protocol.ts';
import { PersistenceError, type PersistenceErrorCode, PersistenceErrorCodes } from './errors.ts';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

type RequestBody = BackgroundRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class BackgroundWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private snapshotRunning = false;
  private checkpointRunning = false;
  private failure: Error | null = null;
  private followRunning = false;
  private followWanted = 0;
  private followed: FollowResult | null = null;
  private problemListeners: ((err: Error) => void)[] = [];
  private closed: Promise<void> | null = null;
  private readonly exited: Promise<void>;

  constructor(config: BackgroundConfig) {
    // From the sources, the worker loads its TypeScript through tsx (background-worker.mjs); compiled
    // (dist/, npm start), it is plain JavaScript.
    const entry = import.meta.url.endsWith('.ts') ? './background-worker.mjs' : './background-worker.js';
    this.worker = new Worker(new URL(entry, import.meta.url), {
      workerData: config,
      execArgv: withoutModuleHooks(process.execArgv),
    });
    this.worker.unref();
    this.worker.on('message', (res: BackgroundResponse) => this.settle(res));
    this.worker.on('error', (err) => this.fail(err));
    this.exited = new Promise<void>((resolve) =>
      this.worker.once('exit', (code) => {
        // Unasked (not closing), an exit is a death even with nothing pending: the next request would
        // otherwise go to a worker that no longer answers.
        if (this.pending.size > 0 || this.closed === null) {
          this.fail(new Error(`the background worker exited with code ${code}`));
        }
        resolve();
      }),
    );
  }

  get snapshotBusy(): boolean {
    return this.snapshotRunning;
  }

  get checkpointBusy(): boolean {
    return this.checkpointRunning;
  }

  /** Snapshot the state at `seq`, which must be journaled already. */
  snapshot(seq: number): Promise<BackgroundSnapshot> {
    if (this.snapshotRunning) {
      return Promise.reject(
        new PersistenceError('SNAPSHOT_BUSY', `a snapshot is being written; asked for seq ${seq}`, seq),
      );
    }
    this.snapshotRunning = true;
    return this.request<BackgroundSnapshot>({ type: 'snapshot', seq }).finally(() => {
      this.snapshotRunning = false;
    });
  }

  /** The worker's last answer to a follow request: how far its replica and the history have come. */
  get progress(): FollowResult | null {
    return this.followed;
  }

  /** Called with errors of requests nobody awaits (follow, checkpoint) and when the worker dies: a broken replay is one. */
  onProblem(listener: (err: Error) => void): void {
    this.problemListeners.push(listener);
  }

  /** The journal is committed through `seq`: let the replica (and background history) catch up. */
  follow(seq: number): void {
    this.followWanted = Math.max(this.followWanted, seq);
    if (this.followRunning || this.failure !== null || this.closed !== null) return;
    this.followRunning = true;
    const target = this.followWanted;
    this.request<FollowResult>({ type: 'follow', seq: target }).then(
      (r) => {
        this.followed = r;
        this.followRunning = false;
        if (this.followWanted > target) this.follow(this.followWanted);
      },
      (err: Error) => {
        this.followRunning = false;
        this.problem(err);
      },
    );
  }

  /** Follow through `seq` and resolve when the worker is there (tests, shutdown). */
  followThrough(seq: number): Promise<FollowResult> {
    this.followWanted = Math.max(this.followWanted, seq);
    return this.request<FollowResult>({ type: 'follow', seq }).then((r) => {
      this.followed = r;
      return r;
    });
  }

  checkpoint(): Promise<CheckpointResult> {
    this.checkpointRunning = true;
    return this.request<CheckpointResult>({ type: 'checkpoint' }).finally(() => {
      this.checkpointRunning = false;
    });
  }

  /** Finish the request in progress, then stop the worker. */
  close(): Promise<void> {
    if (this.closed === null) {
      this.worker.ref(); // keep the process alive until the worker has exited
      // Listen for 'exit' before asking: a worker that exits at once has its last
      // message and its 'exit' delivered in one go, before any promise callback runs.
      const exited = this.exited;
      this.closed =
        this.failure !== null
          ? this.worker.terminate().then(() => undefined)
          : this.request({ type: 'close' }).then(
              () => exited,
              () => this.worker.terminate().then(() => undefined),
            );
    }
    return this.closed;
  }

  private request<T>(body: RequestBody): Promise<T> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closed !== null && body.type !== 'close') {
      return Promise.reject(new PersistenceError('STORE_CLOSED', 'the background worker is closed'));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.ref();
      this.worker.postMessage({ ...body, id } as BackgroundRequest);
    });
  }

  private settle(res: BackgroundResponse): void {
    const p = this.pending.get(res.id);
    if (p === undefined) return;
    this.pending.delete(res.id);
    if (this.pending.size === 0 && this.closed === null) this.worker.unref();
    if (res.ok) p.resolve(res.value);
    else p.reject(toError(res.error));
  }

  private problem(err: Error): void {
    for (const l of this.problemListeners) l(err);
  }

  private fail(err: Error): void {
    if (this.failure !== null) return; // the first cause is the one reported ('error' may precede 'exit')
    this.failure = new PersistenceError('BACKGROUND_FAILED', err.message);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.worker.unref();
    // A dead worker is a problem too: nobody may be awaiting a request when it dies.
    this.problem(this.failure);
  }
}

function toError(e: { code: string | null; message: string; seq: number | null }): Error {
  if (e.code !== null && Object.hasOwn(PersistenceErrorCodes, e.code)) {
    const prefix = `${e.code}: `;
    const detail = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
    return new PersistenceError(e.code as PersistenceErrorCode, detail, e.seq);
  }
  return new PersistenceError('BACKGROUND_FAILED', e.message);
}

/**
 * The parent's flags minus those that install module hooks (tsx's --import
 * loader, for one): the worker loads its TypeScript through tsx's in-thread
 * require hook instead (background-worker.mjs), because ESM loader hooks
 * registered inside a worker thread can deadlock its start-up on Node 20.
 */
function withoutModuleHooks(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--import' || a === '--require' || a === '-r' || a === '--loader' || a === '--experimental-loader') {
      i++;
      continue;
    }
    if (/^(--import|--require|--loader|--experimental-loader)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}
