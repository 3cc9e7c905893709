/**
 * A bare WebSocket client for the load generator (bench/gateway-load.ts),
 * so that the generator, which shares the machine's two cores with the
 * gateway, costs little per order: a plain TCP socket, the RFC 6455
 * handshake, frames built into one buffer per write (client frames are
 * masked with the all-zero key, which RFC 6455 allows and which leaves the
 * payload as it is, so frames can be copied from pre-encoded templates),
 * and replies read by their first bytes only (`replyHead`).
 *
 * Loopback benchmarking only; it speaks just enough WebSocket for that:
 * binary and text frames in, ping answered with pong, no fragmentation.
 */
import { connect, type Socket } from 'node:net';

export class RawWs {
  /** Called once per complete data frame (payload is a view valid during the call). */
  onFrame: (payload: Buffer, opcode: number) => void = () => {};
  onClose: () => void = () => {};
  private rest: Buffer | null = null;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.onClose());
    socket.on('error', () => {});
  }

  static open(url: string): Promise<RawWs> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: u.hostname, port: Number(u.port) });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write(
          `GET ${u.pathname || '/'} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: Y2xlYXJsb29wLWJlbmNoIQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
        let head = Buffer.alloc(0);
        const onHead = (chunk: Buffer) => {
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          socket.off('data', onHead);
          socket.off('error', reject);
          if (!head.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
            socket.destroy();
            reject(new Error(`upgrade refused: ${head.subarray(0, end).toString('latin1')}`));
            return;
          }
          const ws = new RawWs(socket);
          const extra = head.subarray(end + 4);
          resolve(ws);
          if (extra.length > 0) ws.onData(extra);
        };
        socket.on('data', onHead);
      });
    });
  }

  /** Writes frames already laid out by `frameInto` (one system call for many frames). */
  write(frames: Buffer): void {
    this.socket.write(frames);
  }

  /** Sends one binary frame. */
  send(payload: Uint8Array): void {
    const out = Buffer.allocUnsafe(frameSize(payload.length));
    frameInto(out, 0, payload, 0x2);
    this.socket.write(out);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = null;
    let pos = 0;
    while (buf.length - pos >= 2) {
      const b0 = buf[pos];
      let len = buf[pos + 1] & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - pos < 4) break;
        len = buf.readUInt16BE(pos + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - pos < 10) break;
        len = buf.readUInt32BE(pos + 2) * 2 ** 32 + buf.readUInt32BE(pos + 6);
        head = 10;
      }
      if (buf.length - pos < head + len) break;
      const opcode = b0 & 0x0f;
      const payload = buf.subarray(pos + head, pos + head + len);
      pos += head + len;
      if (opcode === 0x9) {
        const pong = Buffer.allocUnsafe(frameSize(payload.length));
        frameInto(pong, 0, payload, 0xa);
        this.socket.write(pong);
      } else if (opcode === 0x8) {
        this.socket.end();
      } else if (opcode === 0x1 || opcode === 0x2) {
        this.onFrame(payload, opcode);
      }
    }
    if (pos < buf.length) {
      buf = buf.subarray(pos);
      this.rest = Buffer.from(buf);
    }
  }
}

/** Bytes a masked client frame with this payload length takes. */
export function frameSize(payloadLength: number): number {
  return (payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10) + 4 + payloadLength;
}

/** Lays out one masked (all-zero key) client frame at `off`; returns the offset after it. */
export function frameInto(out: Buffer, off: number, payload: Uint8Array, opcode = 0x2): number {
  const n = payload.length;
  out[off++] = 0x80 | opcode;
  if (n < 126) out[off++] = 0x80 | n;
  else if (n < 65_536) {
    out[off++] = 0x80 | 126;
    out.writeUInt16BE(n, off);
    off += 2;
  } else {
    out[off++] = 0x80 | 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), off);
    out.writeUInt32BE(n >>> 0, off + 4);
    off += 8;
  }
  out.writeUInt32BE(0, off);
  off += 4;
  out.set(payload, off);
  return off + n;
}

/** A tiny MessagePack writer for templates: fixed-width integers, so fields can be patched in place. */
export class Template {
  private readonly parts: number[] = [];
  /** Offsets (in the payload) of the patchable fields by name. */
  readonly at: Record<string, number> = {};

  map(n: number): this {
    this.parts.push(0x80 | n);
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length > 31) throw new RangeError('template strings are short');
    this.parts.push(0xa0 | b.length, ...b);
    return this;
  }
  uint(n: number): this {
    if (n < 128) this.parts.push(n);
    else this.parts.push(0xce, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
    return this;
  }
  /** A uint32 slot (0xce + 4 bytes) named `name`. */
  u32(name: string): this {
    this.parts.push(0xce);
    this.at[name] = this.parts.length;
    this.parts.push(0, 0, 0, 0);
    return this;
  }
  /** A uint64 slot (0xcf + 8 bytes) named `name`. */
  u64(name: string): this {
    this.parts.push(0xcf);
    this.at[name] = this.parts.length;
    this.parts.push(0, 0, 0, 0, 0, 0, 0, 0);
    return this;
  }
  bytes(): Buffer {
    return Buffer.from(this.parts);
  }
}

export function writeU64(out: Buffer, off: number, n: number): void {
  out.writeUInt32BE(Math.floor(n / 2 ** 32), off);
  out.writeUInt32BE(n >>> 0, off + 4);
}

/**
 * The id and ok flag of a MessagePack reply `{ id, ok, … }` (the gateway
 * writes id first, then ok), read from its first bytes; null when the frame
 * does not start that way (a stream message, or another shape).
 */
export function replyHead(p: Buffer): { id: number; ok: boolean } | null {
  // fixmap, or map16 (msgpackr writes objects' sizes as map16).
  const b0 = p[0];
  let at: number;
  if (b0 >= 0x82 && b0 <= 0x8f) at = 1;
  else if (b0 === 0xde) at = 3;
  else return null;
  if (p[at] !== 0xa2 || p[at + 1] !== 0x69 || p[at + 2] !== 0x64) return null;
  let id: number;
  let pos: number;
  const i = at + 3;
  const t = p[i];
  if (t < 0x80) {
    id = t;
    pos = i + 1;
  } else if (t === 0xcc) {
    id = p[i + 1];
    pos = i + 2;
  } else if (t === 0xcd) {
    id = p.readUInt16BE(i + 1);
    pos = i + 3;
  } else if (t === 0xce) {
    id = p.readUInt32BE(i + 1);
    pos = i + 5;
  } else if (t === 0xcb) {
    id = p.readDoubleBE(i + 1);
    pos = i + 9;
  } else return null;
  if (p[pos] !== 0xa2 || p[pos + 1] !== 0x6f || p[pos + 2] !== 0x6b) return null;
  const ok = p[pos + 3];
  if (ok !== 0xc2 && ok !== 0xc3) return null;
  return { id, ok: ok === 0xc3 };
}
