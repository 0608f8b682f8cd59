/**
 * Starts a real ClamAV daemon for a test file: in a temporary directory, on a free loopback TCP
 * port and a Unix socket, in the foreground, with the project's own test signatures
 * (tests/fixtures/clamav) as its only database, so no network or `freshclam` is needed. Waits
 * until it answers PING; `stop()` ends it and removes the directory. No `User` line: clamd then
 * keeps the user that started it (root in a container), instead of switching to `clamav`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClamdAddress } from '../../src/server/config/config.ts';
import { createClamdScanner } from '../../src/server/scanning/clamd.ts';
import { freePort } from './global-setup.ts';

const signatures = path.resolve(import.meta.dirname, '../fixtures/clamav');

export interface TestClamd {
  tcp: ClamdAddress & { kind: 'tcp' };
  unix: ClamdAddress & { kind: 'unix' };
  stop(): Promise<void>;
}

/** The clamd binary, or a failure saying how to install it. */
async function findClamd(): Promise<string> {
  const candidates = [
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'clamd')),
    '/usr/sbin/clamd',
    '/usr/local/sbin/clamd',
  ];
  for (const candidate of candidates) {
    try {
      await fs.access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(
    'clamd (the ClamAV daemon) is not installed, and the malware-scanning tests need a real one. ' +
      'Install it: apt-get install clamav-daemon (Debian/Ubuntu), dnf install clamd (Fedora), ' +
      'brew install clamav (macOS).',
  );
}

export interface ClamdLimits {
  /** INSTREAM's limit (clamd answers "size limit exceeded"). */
  streamMaxLength?: string;
  /** Larger files are not scanned; with AlertExceedsMax, clamd says so instead of OK. */
  maxFileSize?: string;
}

export async function startClamd(options: ClamdLimits = {}): Promise<TestClamd> {
  const binary = await findClamd();
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-clamd-'));
  const database = path.join(directory, 'db');
  await fs.mkdir(database);
  for (const name of await fs.readdir(signatures))
    if (name.endsWith('.ndb'))
      await fs.copyFile(path.join(signatures, name), path.join(database, name));
  const port = await freePort();
  const socketPath = path.join(directory, 'clamd.sock');
  const config = path.join(directory, 'clamd.conf');
  await fs.writeFile(
    config,
    [
      'Foreground yes',
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      `LocalSocket ${socketPath}`,
      `DatabaseDirectory ${database}`,
      `TemporaryDirectory ${directory}`,
      `PidFile ${path.join(directory, 'clamd.pid')}`,
      `StreamMaxLength ${options.streamMaxLength ?? '4M'}`,
      `MaxFileSize ${options.maxFileSize ?? '4M'}`,
      `MaxScanSize ${options.maxFileSize ?? '4M'}`,
      'AlertExceedsMax yes',
      'LogFile /dev/null',
      'SelfCheck 0',
      '',
    ].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn(binary, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let running = true;
  void exited.then(() => (running = false));

  const tcp = { kind: 'tcp' as const, host: '127.0.0.1', port };
  const stop = async () => {
    if (running) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(directory, { recursive: true, force: true });
  };

  const scanner = createClamdScanner({ address: tcp, timeoutMs: 2_000 });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const health = await scanner.health();
    if (health.status === 'ok') break;
    if (!running || Date.now() > deadline) {
      await stop();
      throw new Error(`clamd did not start (${binary}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { tcp, unix: { kind: 'unix', path: socketPath }, stop };
}
