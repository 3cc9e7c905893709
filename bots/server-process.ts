/**
 * The real exchange process for the demo and the bot tests: bin/server.ts
 * spawned with Node and tsx (or a compiled dist/bin/server.js with plain
 * Node, as `npm start` runs it) on a journal path and port 0 (a free loopback
 * port, read back from its "listening on" line), stopped with SIGTERM (it
 * drains the loop, writes a snapshot and closes the journal) and killed
 * only if it does not exit in time.
 *
 * Spawned rather than imported: the demo and the bot tests exercise the
 * process as operators run it (its own event loop, the SIGTERM path). An
 * in-process server is `main()` from bin/server.ts, whose handle stops it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODULE_EXT, REPO_ROOT } from '../bin/source-files.ts';

export { REPO_ROOT };

export interface ServerProcessOptions {
  /** Journal file; the admin key is written beside it on first start. */
  dataPath: string;
  /** Config file (default: the server's own default, config/default.json). */
  configPath?: string;
  /**
   * The server's entry: by default the one beside this module's own tree (bin/server.ts through tsx
   * from the sources, dist/bin/server.js compiled); a .js entry runs with plain Node.
   */
  entry?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Each line the server prints (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Default 30,000 ms. */
  startTimeoutMs?: number;
}

export interface ServerProcess {
  readonly url: string;
  readonly http: string;
  readonly port: number;
  readonly adminKeyPath: string;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
}

export function spawnServer(o: ServerProcessOptions): Promise<ServerProcess> {
  mkdirSync(dirname(o.dataPath), { recursive: true });
  const entry = o.entry ?? fileURLToPath(new URL(`../bin/server${MODULE_EXT}`, import.meta.url));
  const args = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : ['--enable-source-maps', entry];
  if (o.configPath !== undefined) args.push(o.configPath);
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, CLEARLOOP_DATA_PATH: o.dataPath, CLEARLOOP_PORT: String(o.port ?? 0) },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches the caller, which stops the
    // server itself (after its bots have pulled their orders), not both at once.
    detached: true,
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const tail: string[] = [];
  let watchLine: (line: string) => void = () => {};
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    o.onLine?.(line);
    watchLine(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
      }
    });
  }
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${o.startTimeoutMs ?? 30_000} ms:\n${tail.join('\n')}`));
    }, o.startTimeoutMs ?? 30_000);
    watchLine = (line: string) => {
      const m = /listening on http:\/\/([^\s:/]+):(\d+)/.exec(line);
      if (m === null) return;
      clearTimeout(timer);
      watchLine = () => {};
      const host = m[1];
      const port = Number(m[2]);
      resolvePromise({
        url: `ws://${host}:${port}`,
        http: `http://${host}:${port}`,
        port,
        adminKeyPath: `${o.dataPath}.admin-key.json`,
        child,
        async stop(graceMs = 10_000) {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
          const code = await exited;
          clearTimeout(kill);
          return code;
        },
      });
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening:\n${tail.join('\n')}`));
    });
  });
}

export interface DemoConfigOptions {
  /** Keep the server's built-in simulated oracle (false when an oracle feeder bot runs). */
  builtinOracle: boolean;
  /** Market parameters laid over every market's (validated by the server at start). */
  marketParams?: Record<string, number>;
  /** Journal path written into the config (CLEARLOOP_DATA_PATH overrides it anyway). */
  dataPath: string;
}

/**
 * A config for the demo and the tests: the default config (three markets,
 * insurance fund, loopback) with the built-in oracle on or off and market
 * parameters laid over, written as JSON to `path`.
 */
export function writeDemoConfig(path: string, o: DemoConfigOptions): void {
  const base = JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'default.json'), 'utf8')) as {
    markets: { params: Record<string, number> }[];
    gateway: { host: string; port: number };
    persistence: { path: string };
    oracle: { simulated: boolean };
  };
  base.oracle.simulated = o.builtinOracle;
  base.gateway = { host: '127.0.0.1', port: 0 };
  base.persistence.path = o.dataPath;
  for (const m of base.markets) m.params = { ...m.params, ...(o.marketParams ?? {}) };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(base, null, 2)}\n`);
}
