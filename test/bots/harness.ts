/**
 * A real exchange process per test file (bin/server.ts spawned on a temp
 * journal and port 0, loopback only), the admin key it wrote, and helpers to
 * provision bot accounts and open SDK connections. Bots talk to it only over
 * WebSockets. Waits are bounded (a timeout fails the test), never timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminSigner, connectAs, Provisioner, readAdminKeyFile } from '../../bots/accounts.ts';
import { type ServerProcess, spawnServer, writeDemoConfig } from '../../bots/server-process.ts';
import type { GatewayClient, Signer } from '../../gateway/sdk/index.ts';

export const BTC = 0;
export const ETH = 1;
export const USD = 1_000_000; // quote units per USD
export const BASE = 1_000_000_000; // base units per whole coin

export interface BotServer {
  server: ServerProcess;
  url: string;
  admin: Provisioner;
  /** An SDK connection that is closed with the server. */
  connect(signer: Signer | null): Promise<GatewayClient>;
  /** Collected bot log lines (printed when a test fails, via the returned error messages). */
  logs: string[];
  log: (bot: string, line: string) => void;
  stop(): Promise<void>;
}

export interface BotServerOptions {
  builtinOracle: boolean;
  marketParams?: Record<string, number>;
}

export async function startBotServer(o: BotServerOptions): Promise<BotServer> {
  const dir = mkdtempSync(join(tmpdir(), 'clearloop-bots-'));
  const dataPath = join(dir, 'journal.sqlite');
  const configPath = join(dir, 'config.json');
  writeDemoConfig(configPath, { builtinOracle: o.builtinOracle, marketParams: o.marketParams, dataPath });
  const server = await spawnServer({ dataPath, configPath });
  const clients: GatewayClient[] = [];
  const logs: string[] = [];
  let admin: Provisioner;
  try {
    admin = await Provisioner.connect(server.url, adminSigner(readAdminKeyFile(server.adminKeyPath)));
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    server,
    url: server.url,
    admin,
    logs,
    log: (bot, line) => {
      logs.push(`${bot}: ${line}`);
    },
    async connect(signer) {
      const c = await connectAs(server.url, signer);
      clients.push(c);
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await admin.close().catch(() => {});
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves once `pred` holds (polled); rejects after `timeoutMs` naming `what` (a function is
 * called then, so it can describe the state at the timeout). A bound, not a timing assertion.
 */
export async function until(pred: () => boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
