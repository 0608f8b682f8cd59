/**
 * A client of the ClamAV daemon (clamd) over TCP or a Unix socket (`CONSILIUM_CLAMD`), speaking
 * the commands of clamd(8) with the `z` prefix (NUL-terminated commands and replies):
 *
 *   zINSTREAM\0  then chunks, each a 4-byte big-endian length and that many bytes, then a zero
 *                length; answer `stream: OK`, `stream: <signature> FOUND`, or
 *                `INSTREAM size limit exceeded. ERROR` once more than clamd's StreamMaxLength
 *                arrived (clamd then closes the connection, possibly while we still write);
 *   zPING\0      answer `PONG`;   zVERSION\0  answer e.g. `ClamAV 1.4.6/27400/…`.
 *
 * Files stream through in chunks with back-pressure, never held whole in memory. A connection
 * that cannot be made or stays silent longer than the timeout, or any error reply, is
 * `unavailable` — which the policy (malware-scanner.ts) treats as "wait in quarantine", never as
 * clean. No address configured: every scan answers `not_configured`.
 */
import net from 'node:net';
import { setImmediate } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type { ClamdAddress } from '../config/config.ts';
import type { MalwareScanner, ScanResult, ScannerHealth } from './malware-scanner.ts';

export interface ClamdScannerOptions {
  address: ClamdAddress | null;
  /** How long the connection may stay silent (connecting, sending, or awaiting the verdict). */
  timeoutMs?: number;
  /** Bytes per INSTREAM chunk (default 64 KiB). */
  chunkBytes?: number;
}

/** The longest reply we accept: a status line with a signature name. */
const maxReplyBytes = 64 * 1024;

type Reply =
  | { kind: 'reply'; text: string }
  /** `reset`: the connection was up and clamd broke it (EPIPE, ECONNRESET). */
  | { kind: 'failure'; reason: string; reset: boolean };

/** One connection to clamd, its reply collected as it arrives. */
class ClamdConnection {
  readonly socket: net.Socket;
  readonly reply: Promise<Reply>;
  /** Set once clamd has answered or the connection has failed: stop sending. */
  settled = false;
  private connected: Promise<boolean>;

  constructor(address: ClamdAddress, timeoutMs: number) {
    this.socket =
      address.kind === 'tcp'
        ? net.connect({ host: address.host, port: address.port })
        : net.connect({ path: address.path });
    this.socket.setTimeout(timeoutMs);
    const describe = () =>
      address.kind === 'tcp' ? `${address.host}:${address.port}` : address.path;
    let received = Buffer.alloc(0);
    let error: NodeJS.ErrnoException | null = null;
    this.reply = new Promise<Reply>((resolve) => {
      const finish = (reply: Reply) => {
        if (this.settled) return;
        this.settled = true;
        this.socket.destroy();
        resolve(reply);
      };
      this.socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf(0);
        if (end >= 0) finish({ kind: 'reply', text: received.subarray(0, end).toString('utf8') });
        else if (received.length > maxReplyBytes)
          finish({ kind: 'failure', reason: 'clamd sent an oversized reply', reset: false });
      });
      this.socket.on('timeout', () =>
        finish({
          kind: 'failure',
          reason: `clamd at ${describe()} did not answer within ${timeoutMs} ms`,
          reset: false,
        }),
      );
      // 'close' follows 'error'; a reply that arrived before a reset still counts.
      this.socket.on('error', (cause: NodeJS.ErrnoException) => {
        error = cause;
      });
      this.socket.on('close', () => {
        if (received.length > 0)
          finish({ kind: 'reply', text: received.toString('utf8').replace(/\0+$/, '') });
        else
          finish({
            kind: 'failure',
            reason:
              error === null
                ? `clamd at ${describe()} closed the connection without an answer`
                : `clamd at ${describe()} is unreachable: ${error.message}`,
            reset: error?.code === 'EPIPE' || error?.code === 'ECONNRESET',
          });
      });
    });
    this.connected = new Promise<boolean>((resolve) => {
      this.socket.once('connect', () => resolve(true));
      void this.reply.then(() => resolve(false));
    });
  }

  /**
   * Writes with back-pressure; false once the connection is gone or clamd has answered. Each
   * write first yields to the event loop, so an early answer (the size limit) is read before
   * the next write: clamd closes right after it, and a write into the closed connection would
   * end the socket with EPIPE before the answer waiting in its receive buffer was read.
   */
  async send(...parts: Array<Buffer | string>): Promise<boolean> {
    if (!(await this.connected)) return false;
    await setImmediate();
    if (this.settled) return false;
    let flushed = true;
    for (const part of parts) flushed = this.socket.write(part);
    if (flushed) return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        resolve(ok && !this.settled);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** What a reply to INSTREAM means. */
export function interpretScanReply(text: string): ScanResult {
  const reply = text.trim();
  if (reply === 'stream: OK') return { status: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (/size limit exceeded/i.test(reply))
    return { status: 'too_large', limit: 'StreamMaxLength', reason: reply };
  if (found !== null) {
    // With AlertExceedsMax, a file beyond a scan limit is reported as this heuristic instead of
    // as OK: it was not fully scanned, which is not the same as infected.
    const exceeded = /^Heuristics\.Limits\.Exceeded\.(\w+)$/.exec(found[1]!);
    if (exceeded !== null)
      return { status: 'too_large', limit: exceeded[1]!, reason: `clamd: ${found[1]!}` };
    return { status: 'infected', signature: found[1]! };
  }
  return { status: 'unavailable', reason: `clamd answered: ${reply}` };
}

/** A malware scanner backed by clamd at `address` (or, without one, a scanner that is not configured). */
export function createClamdScanner(options: ClamdScannerOptions): MalwareScanner {
  const { address } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  if (address === null) {
    return {
      configured: false,
      async scan(source) {
        source.destroy();
        return { status: 'not_configured' };
      },
      async health() {
        return { status: 'not_configured' };
      },
    };
  }

  /** A one-command exchange (PING, VERSION). */
  const ask = async (command: string): Promise<Reply> => {
    const connection = new ClamdConnection(address, timeoutMs);
    await connection.send(`z${command}\0`);
    return connection.reply;
  };

  const health = async (): Promise<ScannerHealth> => {
    const pong = await ask('PING');
    if (pong.kind === 'failure') return { status: 'unavailable', reason: pong.reason };
    if (pong.text.trim() !== 'PONG')
      return { status: 'unavailable', reason: `clamd answered PING with: ${pong.text}` };
    const version = await ask('VERSION');
    return version.kind === 'failure'
      ? { status: 'unavailable', reason: version.reason }
      : { status: 'ok', version: version.text.trim() };
  };

  return {
    configured: true,
    health,

    async scan(source: Readable): Promise<ScanResult> {
      const connection = new ClamdConnection(address, timeoutMs);
      let sending = await connection.send('zINSTREAM\0');
      let sentBytes = 0;
      try {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          for (let offset = 0; sending && offset < chunk.length; offset += chunkBytes) {
            const part = chunk.subarray(offset, offset + chunkBytes);
            const length = Buffer.alloc(4);
            length.writeUInt32BE(part.length, 0);
            sending = await connection.send(length, part);
            if (sending) sentBytes += part.length;
          }
          // clamd answered early (size limit) or went away: the rest is not needed.
          if (!sending) break;
        }
      } catch (error) {
        // The source failed, not the scanner: the caller must know the file could not be read.
        connection.close();
        throw error;
      }
      const complete = sending && (await connection.send(Buffer.alloc(4)));
      if (!sending) source.destroy();
      const reply = await connection.reply;
      if (reply.kind === 'reply') return interpretScanReply(reply.text);
      // clamd answers the size limit and closes at once; when that close overtakes the answer
      // (it resets a connection with unread data), the answer is lost with it. A daemon that
      // broke off mid-file yet answers PING has refused the file's size: its StreamMaxLength.
      if (reply.reset && !complete && sentBytes > 0 && (await health()).status === 'ok')
        return {
          status: 'too_large',
          limit: 'StreamMaxLength',
          reason: `clamd ended the connection after ${sentBytes} bytes of the file and still answers: the file is over its StreamMaxLength`,
        };
      return { status: 'unavailable', reason: reply.reason };
    },
  };
}
