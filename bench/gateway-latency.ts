/**
 * gateway.ack_p50_us / ack_p99_us / ack_p999_us (see bench/gateway.bench.ts's
 * header): open-loop latency at LATENCY_RATE, after the machine's floor
 * measured the same way against a bare uWS app.
 */
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { pack, unpack } from 'msgpackr';
import { loadNativeUws } from '../gateway/native.ts';
import type { Task } from './gateway-load.ts';
import { DURATION_SEC, runLoad, type Setup, setup } from './gateway-setup.ts';
import { type BenchOptions, note, type Report, round, wants } from './harness.ts';
import { LoopWatch } from './loop-watch.ts';

const LATENCY_RATE = 20_000;
/** Seconds at LATENCY_RATE before the measured run (JIT in both processes, the background worker starting). */
const LATENCY_WARMUP_SEC = 2;
/**
 * V8 flags for the latency run. On two cores shared with the load generator, a parallel scavenge waits
 * for helper threads that have no core to run on: interleaved A/B runs (20:35 UTC, load 4.5–5.9) gave
 * young-generation pauses of 1.2 ms on average single-threaded against 2.7 ms parallel, at the same
 * scavenge count. A server on a small machine can set the same (v8.setFlagsFromString at start-up;
 * `--no-parallel-scavenge` is not accepted in NODE_OPTIONS or in a Worker's execArgv).
 */
const LATENCY_V8_FLAGS = '--no-parallel-scavenge';
const LATENCY_CONNECTIONS = 4;

interface LatencyResult {
  sent: number;
  acked: number;
  warmup: number;
  rejected: number;
  codes: Record<string, number>;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  sendLateP50: number;
  sendLateP99: number;
  sendLateMax: number;
  netP50: number;
  netP99: number;
  netP999: number;
  generator: { cpu: number; loop_busy: number; involuntary_switches: number };
  windows: { atMs: number; p50: number; p99: number; max: number; lateMax: number }[];
}

/**
 * The machine's floor for the latency figure: a bare uWS WebSocket app in this process that answers
 * every frame at once (MessagePack `{ id, ok: true, result: { seq } }`, `logon` included), with no
 * engine, journal or turn. The same open-loop generator against it shows what the load generator and
 * this machine's scheduling alone put into the tail.
 */
async function startFloorWs(): Promise<{ port: number; close(): void }> {
  const uws = loadNativeUws();
  const app = uws.App();
  let seq = 0;
  app.ws('/*', {
    maxPayloadLength: 64 * 1024,
    message: (ws, message) => {
      const req = unpack(Buffer.from(message)) as { id?: unknown };
      ws.send(pack({ id: req.id, ok: true, result: { seq: ++seq } }), true);
    },
  });
  const listen = await new Promise<unknown>((r) => app.listen('127.0.0.1', 0, (ls) => r(ls)));
  if (listen === false) throw new Error('floor server: listen failed');
  return {
    port: uws.us_socket_local_port(listen as never),
    close: () => uws.us_listen_socket_close(listen as never),
  };
}

async function measure(s: Setup, report: Report, options: BenchOptions): Promise<void> {
  const url = `ws://127.0.0.1:${s.gw.port}`;
  const watch = new LoopWatch(s.turnHook);
  const task = (to: string): Task => ({
    kind: 'wsLatency',
    url: to,
    keys: s.ed.slice(32, 32 + LATENCY_CONNECTIONS),
    auth: 'session',
    replies: 'full',
    ratePerSec: LATENCY_RATE,
    durationSec: DURATION_SEC,
    warmupSec: LATENCY_WARMUP_SEC,
  });
  const floorServer = await startFloorWs();
  let floor: LatencyResult;
  try {
    floor = await runLoad<LatencyResult>(task(`ws://127.0.0.1:${floorServer.port}`));
  } finally {
    floorServer.close();
  }
  const r = await runLoad<LatencyResult>(task(url), (m) => {
    const msg = m as { measuring?: boolean; measured?: boolean };
    if (msg.measuring) watch.start();
    if (msg.measured) watch.stop();
  });
  const loop = watch.summary();
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  note(
    `gateway.ack latency at ${LATENCY_RATE}/s (session logon, full replies; ${LATENCY_WARMUP_SEC} s warm-up, then ${DURATION_SEC} s measured): ` +
      `p50 ${round(r.p50, 1)} µs, p99 ${round(r.p99, 1)} µs, p99.9 ${round(r.p999, 1)} µs, max ${round(r.max, 1)} µs; ` +
      `acked ${r.acked}/${r.sent}, rejected ${r.rejected}; the generator sent late by ${round(r.sendLateP50, 1)} µs at p50, ` +
      `${round(r.sendLateP99, 1)} µs at p99, ${round(r.sendLateMax, 1)} µs at most; net of that: p50 ${round(r.netP50, 1)} µs, ` +
      `p99 ${round(r.netP99, 1)} µs, p99.9 ${round(r.netP999, 1)} µs; load average ${load}`,
  );
  note(
    `gateway.ack floor (the same generator against a bare uWS app answering at once): p50 ${round(floor.p50, 1)} µs, ` +
      `p99 ${round(floor.p99, 1)} µs, p99.9 ${round(floor.p999, 1)} µs, max ${round(floor.max, 1)} µs; ` +
      `generator late p99 ${round(floor.sendLateP99, 1)} µs`,
  );
  note(`gateway.ack loop side: ${JSON.stringify(loop)}`);
  note(`gateway.ack load generator: ${JSON.stringify(r.generator)}`);
  if (process.env.CLEARLOOP_BENCH_WINDOWS) for (const w of r.windows) note(`  window ${JSON.stringify(w)}`);
  const extra = {
    rate: LATENCY_RATE,
    auth: 'session logon (ed25519), nonce per order',
    replies: 'full (seq + events)',
    connections: LATENCY_CONNECTIONS,
    warmup_sec: LATENCY_WARMUP_SEC,
    v8_flags: LATENCY_V8_FLAGS,
    sent: r.sent,
    acked: r.acked,
    rejected: r.rejected,
    max_us: round(r.max, 1),
    floor_p50_us: round(floor.p50, 1),
    floor_p99_us: round(floor.p99, 1),
    floor_p999_us: round(floor.p999, 1),
    floor_max_us: round(floor.max, 1),
    generator_late_p50_us: round(r.sendLateP50, 1),
    generator_late_p99_us: round(r.sendLateP99, 1),
    net_of_generator_p50_us: round(r.netP50, 1),
    net_of_generator_p99_us: round(r.netP99, 1),
    net_of_generator_p999_us: round(r.netP999, 1),
    ...loop,
    generator_cpu: r.generator.cpu,
    generator_involuntary_switches: r.generator.involuntary_switches,
    loadavg: load,
    journal: s.journal,
  };
  if (wants(options, 'gateway.ack_p50_us'))
    report({ bench: 'gateway.ack_p50_us', value: round(r.p50, 1), unit: 'us', ...extra });
  if (wants(options, 'gateway.ack_p99_us'))
    report({ bench: 'gateway.ack_p99_us', value: round(r.p99, 1), unit: 'us', ...extra });
  if (wants(options, 'gateway.ack_p999_us'))
    report({ bench: 'gateway.ack_p999_us', value: round(r.p999, 1), unit: 'us', ...extra });
}

/** The latency figures, on a gateway of their own (set up as bin/server.ts runs). */
export async function ackLatency(report: Report, options: BenchOptions): Promise<void> {
  if (!['gateway.ack_p50_us', 'gateway.ack_p99_us', 'gateway.ack_p999_us'].some((n) => wants(options, n))) return;
  // Latency as bin/server.ts runs: WAL checkpoints (and snapshots) by the background worker, not in a turn.
  // Scavenges on this thread alone (LATENCY_V8_FLAGS): see there. Restored after, for the benches that follow.
  setFlagsFromString(LATENCY_V8_FLAGS);
  const w = await setup(true);
  try {
    await measure(w, report, options);
  } finally {
    await w.close();
    setFlagsFromString('--parallel-scavenge');
  }
}
