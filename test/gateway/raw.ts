/** A raw WebSocket client for hostile-input and auth tests: sends exact bytes, collects replies and the close. */
import { Packr, Unpackr } from 'msgpackr';
import WebSocket from 'ws';
import type { Reply } from '../../gateway/protocol.ts';

export const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export interface RawClient {
  ws: WebSocket;
  inbox: Reply[];
  closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
  /** Sends one frame and resolves with the next reply (or null if the connection closes first). */
  roundTrip(data: string | Uint8Array, text?: boolean): Promise<Reply | null>;
  close(): void;
}

export async function rawClient(url: string): Promise<RawClient> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const inbox: Reply[] = [];
  const waiters: ((r: Reply | null) => void)[] = [];
  let isClosed = false;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const msg = (isBinary ? unpackr.unpack(data) : JSON.parse(data.toString('utf8'))) as Reply;
    if ('stream' in msg) return;
    const w = waiters.shift();
    if (w) w(msg);
    else inbox.push(msg);
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      isClosed = true;
      for (const w of waiters.splice(0)) w(null);
      resolve({ code, reason: reason.toString() });
    });
  });
  return {
    ws,
    inbox,
    closed,
    isClosed: () => isClosed,
    roundTrip(data, text = typeof data === 'string') {
      return new Promise((resolve) => {
        if (isClosed) return resolve(null);
        ws.send(data, { binary: !text });
        const queued = inbox.shift();
        if (queued) return resolve(queued);
        waiters.push(resolve);
      });
    },
    close() {
      ws.close();
    },
  };
}
