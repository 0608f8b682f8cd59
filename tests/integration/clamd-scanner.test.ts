/**
 * The clamd client against a real ClamAV daemon (started on loopback with the project's own test
 * signature, tests/support/clamd.ts): the EICAR test file is infected with our signature's name
 * (over TCP and the Unix socket, also when it straddles INSTREAM chunks deep inside a larger
 * stream), a real PDF and an empty file are clean, a stream over clamd's limit and a file beyond
 * what it scans get a clear answer (never clean), and every way of not answering — nothing listening, a server that stays silent, hangs
 * up or talks nonsense, the daemon stopped — is `unavailable`, which the policy quarantines.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ClamdAddress } from '../../src/server/config/config.ts';
import { createClamdScanner, interpretScanReply } from '../../src/server/scanning/clamd.ts';
import { scanDisposition, type ScanResult } from '../../src/server/scanning/malware-scanner.ts';
import { startClamd, type TestClamd } from '../support/clamd.ts';
import { freePort } from '../support/global-setup.ts';

// The EICAR anti-malware test file (eicar.org): harmless, detected by design. Assembled here so
// that no file in the repository trips a scanner on a developer's machine.
const eicar = Buffer.from(
  ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''),
  'ascii',
);
const signature = 'Consilium.Test.EICAR.UNOFFICIAL';
const pdfPath = path.resolve(
  import.meta.dirname,
  '../fixtures/records/Discharge_Summary_UD_sample.pdf',
);
const KiB = 1024;

let clamd: TestClamd;

beforeAll(async () => {
  // Small limits, to reach them quickly: INSTREAM takes 4 MiB, files over 1 MiB are not scanned
  // (and, with AlertExceedsMax, clamd says so instead of answering OK).
  clamd = await startClamd({ streamMaxLength: '4M', maxFileSize: '1M' });
});

afterAll(async () => {
  await clamd.stop();
});

/** A loopback server that does `onConnection` with each client; closed after the test. */
async function startFakeServer(onConnection: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: { kind: 'tcp', host: '127.0.0.1', port } satisfies ClamdAddress,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('clamd scanner', () => {
  it('answers PING and names its version', async () => {
    const health = await createClamdScanner({ address: clamd.tcp }).health();
    expect(health).toMatchObject({ status: 'ok' });
    expect(health.status === 'ok' && health.version).toMatch(/^ClamAV \d+\.\d+/);
  });

  it('finds the EICAR test file over TCP and over the Unix socket, by our signature name', async () => {
    for (const address of [clamd.tcp, clamd.unix]) {
      const scanner = createClamdScanner({ address });
      const result = await scanner.scan(Readable.from([eicar]));
      expect(result).toEqual({ status: 'infected', signature });
      expect(scanDisposition(result)).toBe('block');
    }
  });

  it('finds it inside a larger stream, split across INSTREAM chunks', async () => {
    const before = Buffer.alloc(300 * KiB + 7, 'a');
    const after = Buffer.alloc(200 * KiB, 'b');
    const file = Buffer.concat([before, eicar, after]);
    // Small chunks, and source chunks that cut the signature in two.
    const scanner = createClamdScanner({ address: clamd.tcp, chunkBytes: 1000 });
    const source = Readable.from([
      file.subarray(0, before.length + 30),
      file.subarray(before.length + 30, before.length + 31),
      file.subarray(before.length + 31),
    ]);
    expect(await scanner.scan(source)).toEqual({ status: 'infected', signature });
  });

  it('finds a real PDF and an empty file clean', async () => {
    for (const address of [clamd.tcp, clamd.unix]) {
      const scanner = createClamdScanner({ address });
      const result = await scanner.scan(fs.createReadStream(pdfPath));
      expect(result).toEqual({ status: 'clean' });
      expect(scanDisposition(result)).toBe('release');
      expect(await scanner.scan(Readable.from([]))).toEqual({ status: 'clean' });
    }
  });

  it('answers too_large, not clean, for a stream over clamd’s limit — and stops reading it', async () => {
    const scanner = createClamdScanner({ address: clamd.tcp });
    let produced = 0;
    const source = new Readable({
      read() {
        // 64 MiB on offer; clamd takes 4 MiB.
        if (produced >= 64 * 1024 * KiB) {
          this.push(null);
          return;
        }
        produced += 64 * KiB;
        this.push(Buffer.alloc(64 * KiB, 'x'));
      },
    });
    const result = await scanner.scan(source);
    expect(result).toMatchObject({ status: 'too_large', limit: 'StreamMaxLength' });
    // clamd's answer, or (when its hang-up overtook the answer) the inference from its hang-up.
    expect(result.status === 'too_large' && result.reason).toMatch(
      /size limit exceeded|over its StreamMaxLength/,
    );
    expect(scanDisposition(result)).toBe('quarantine');
    expect(produced).toBeLessThan(24 * 1024 * KiB);
    expect(source.destroyed).toBe(true);
  });

  it('answers too_large, not infected nor clean, for a file beyond what clamd scans', async () => {
    const scanner = createClamdScanner({ address: clamd.unix });
    const result = await scanner.scan(Readable.from([Buffer.alloc(2 * 1024 * KiB, 'z')]));
    expect(result).toEqual({
      status: 'too_large',
      limit: 'MaxFileSize',
      reason: 'clamd: Heuristics.Limits.Exceeded.MaxFileSize',
    });
    expect(scanDisposition(result)).toBe('quarantine');
    // Just under the limits is scanned as usual.
    expect(await scanner.scan(Readable.from([Buffer.alloc(900 * KiB, 'y')]))).toEqual({
      status: 'clean',
    });
  });

  it('fails the scan (no verdict) when the file itself cannot be read', async () => {
    const scanner = createClamdScanner({ address: clamd.tcp });
    const source = new PassThrough();
    source.write(Buffer.alloc(10 * KiB));
    setTimeout(() => source.destroy(new Error('disk read failed')), 50);
    await expect(scanner.scan(source)).rejects.toThrow('disk read failed');
    // The daemon is unharmed.
    expect(await scanner.scan(Readable.from([eicar]))).toEqual({ status: 'infected', signature });
  });

  it('is unavailable when nothing listens, on TCP or on a Unix socket', async () => {
    const port = await freePort();
    for (const address of [
      { kind: 'tcp', host: '127.0.0.1', port },
      { kind: 'unix', path: path.join(os.tmpdir(), `no-clamd-${port}.sock`) },
    ] satisfies ClamdAddress[]) {
      const scanner = createClamdScanner({ address, timeoutMs: 2_000 });
      const result = await scanner.scan(Readable.from([eicar]));
      expect(result).toMatchObject({ status: 'unavailable' });
      expect(result.status === 'unavailable' && result.reason).toMatch(
        /unreachable.*(ECONNREFUSED|ENOENT)/,
      );
      expect(scanDisposition(result)).toBe('quarantine');
      expect(await scanner.health()).toMatchObject({ status: 'unavailable' });
    }
  });

  it('is unavailable when the server stays silent past the timeout, even mid-upload', async () => {
    // Accepts, never reads, never answers: the upload stalls on back-pressure.
    const silent = await startFakeServer((socket) => socket.pause());
    try {
      const scanner = createClamdScanner({ address: silent.address, timeoutMs: 500 });
      const started = Date.now();
      const result = await scanner.scan(Readable.from([Buffer.alloc(32 * 1024 * KiB)]));
      expect(result).toMatchObject({ status: 'unavailable' });
      expect(result.status === 'unavailable' && result.reason).toMatch(
        /did not answer within 500 ms/,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await scanner.health()).toMatchObject({ status: 'unavailable' });
    } finally {
      await silent.close();
    }
  });

  it('is unavailable when the server hangs up or answers nonsense', async () => {
    const hangUp = await startFakeServer((socket) => socket.end());
    const nonsense = await startFakeServer((socket) => {
      socket.once('data', () => socket.end('UNKNOWN COMMAND\0'));
    });
    try {
      const closed = await createClamdScanner({ address: hangUp.address }).scan(
        Readable.from([eicar]),
      );
      expect(closed).toMatchObject({ status: 'unavailable' });
      const garbled = await createClamdScanner({ address: nonsense.address }).scan(
        Readable.from([eicar]),
      );
      expect(garbled).toEqual({ status: 'unavailable', reason: 'clamd answered: UNKNOWN COMMAND' });
      expect(await createClamdScanner({ address: nonsense.address }).health()).toEqual({
        status: 'unavailable',
        reason: 'clamd answered PING with: UNKNOWN COMMAND',
      });
    } finally {
      await hangUp.close();
      await nonsense.close();
    }
  });

  it('reads every reply clamd gives', () => {
    expect(interpretScanReply('stream: OK')).toEqual({ status: 'clean' });
    expect(interpretScanReply('stream: Win.Test.EICAR_HDB-1 FOUND')).toEqual({
      status: 'infected',
      signature: 'Win.Test.EICAR_HDB-1',
    });
    expect(interpretScanReply('INSTREAM size limit exceeded. ERROR')).toMatchObject({
      status: 'too_large',
      limit: 'StreamMaxLength',
    });
    expect(interpretScanReply('stream: Heuristics.Limits.Exceeded.MaxRecursion FOUND')).toEqual({
      status: 'too_large',
      limit: 'MaxRecursion',
      reason: 'clamd: Heuristics.Limits.Exceeded.MaxRecursion',
    });
    expect(interpretScanReply('lstat() failed: No such file or directory. ERROR')).toMatchObject({
      status: 'unavailable',
    });
  });

  it('answers not_configured without a scanner, which the policy releases as unscanned', async () => {
    const scanner = createClamdScanner({ address: null });
    expect(scanner.configured).toBe(false);
    const source = Readable.from([eicar]);
    const result = await scanner.scan(source);
    expect(result).toEqual({ status: 'not_configured' });
    expect(scanDisposition(result)).toBe('release');
    expect(source.destroyed).toBe(true);
    expect(await scanner.health()).toEqual({ status: 'not_configured' });
  });

  it('applies the policy to every answer: only clean (or no scanner) is released', () => {
    const cases: Array<[ScanResult, string]> = [
      [{ status: 'clean' }, 'release'],
      [{ status: 'not_configured' }, 'release'],
      [{ status: 'infected', signature }, 'block'],
      [{ status: 'too_large', limit: 'MaxFileSize', reason: 'limit' }, 'quarantine'],
      [{ status: 'unavailable', reason: 'down' }, 'quarantine'],
    ];
    for (const [result, disposition] of cases) expect(scanDisposition(result)).toBe(disposition);
  });

  it('reads CONSILIUM_CLAMD as tcp://host:port or unix:/path, and refuses anything else', () => {
    expect(loadConfig({}).scanner).toEqual({ clamd: null, timeoutMs: 30_000 });
    expect(
      loadConfig({ CONSILIUM_CLAMD: 'tcp://127.0.0.1:3310', CONSILIUM_CLAMD_TIMEOUT_MS: '5000' })
        .scanner,
    ).toEqual({ clamd: { kind: 'tcp', host: '127.0.0.1', port: 3310 }, timeoutMs: 5000 });
    expect(loadConfig({ CONSILIUM_CLAMD: 'unix:/run/clamav/clamd.ctl' }).scanner.clamd).toEqual({
      kind: 'unix',
      path: '/run/clamav/clamd.ctl',
    });
    for (const bad of [
      'http://127.0.0.1:3310',
      'tcp://127.0.0.1',
      'unix:relative.sock',
      'tcp://h:70000',
    ])
      expect(() => loadConfig({ CONSILIUM_CLAMD: bad }), bad).toThrow(ConfigError);
  });

  // Last: stops the daemon.
  it('is unavailable once the daemon has stopped', async () => {
    const scanner = createClamdScanner({ address: clamd.tcp, timeoutMs: 2_000 });
    expect(await scanner.scan(Readable.from([eicar]))).toEqual({ status: 'infected', signature });
    await clamd.stop();
    const result = await scanner.scan(fs.createReadStream(pdfPath));
    expect(result).toMatchObject({ status: 'unavailable' });
    expect(scanDisposition(result)).toBe('quarantine');
    expect(await scanner.health()).toMatchObject({ status: 'unavailable' });
  });
});
