/**
 * Starts the real Consilium (`node bin/consilium.mjs start`: builds the web app when needed, then
 * server + embedded PostgreSQL) in its own process group for browser tests, and stops it with
 * SIGTERM so that it shuts PostgreSQL down itself. Nothing is left running, even on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
);

export interface RunningServer {
  baseUrl: string;
  logFile: string;
  /** The last lines the server printed (for failure reports). */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Direct children of `pid` (Linux /proc; empty elsewhere). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return children;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return children;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(100);
  }
  return condition();
}

export async function startServer(options: {
  smtpPort: number;
  resultsDir: string;
  logName?: string;
}): Promise<RunningServer> {
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'consilium-e2e-'));
  await fsp.chmod(dataDir, 0o755);
  const port = await freePort();
  let dbPort = await freePort();
  while (dbPort === port) dbPort = await freePort();
  const baseUrl = `http://localhost:${port}`;
  await fsp.mkdir(options.resultsDir, { recursive: true });
  const logFile = path.join(options.resultsDir, options.logName ?? 'e2e-server.log');
  const log = fs.createWriteStream(logFile);
  let recent = '';

  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin', 'consilium.mjs'), 'start'],
    {
      cwd: repoRoot,
      detached: true, // own process group: the whole tree can be cleaned up
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        CONSILIUM_TEST_CLOCK: 'true',
        CONSILIUM_DATA_DIR: dataDir,
        CONSILIUM_DB_PORT: String(dbPort),
        PORT: String(port),
        PUBLIC_URL: baseUrl,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(options.smtpPort),
        CONSILIUM_SEED_DEMO: 'true',
        LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
      },
    },
  );
  const pgid = child.pid!;
  const onOutput = (chunk: Buffer) => {
    log.write(chunk);
    recent = (recent + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => ((exited = true), resolve())),
  );

  // Last resort if this process dies without calling stop(): kill the group synchronously.
  const onProcessExit = () => signalGroup(pgid, 'SIGKILL');
  process.on('exit', onProcessExit);

  let stopped = false;
  const server: RunningServer = {
    baseUrl,
    logFile,
    tail: (lines = 40) => recent.split('\n').slice(-lines).join('\n'),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!exited) {
        // SIGTERM the Consilium process itself (the wrapper's child) so that it closes the app and
        // stops PostgreSQL; the wrapper then exits with its status.
        const targets = childrenOf(pgid);
        for (const pid of targets.length > 0 ? targets : [pgid]) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // gone
          }
        }
        await Promise.race([exit, sleep(40_000)]);
        if (!exited)
          console.warn('E2E: Consilium did not stop within 40 s of SIGTERM; killing it.');
        else if (child.exitCode !== 0)
          console.warn(
            `E2E: Consilium exited with ${child.exitCode ?? child.signalCode} on SIGTERM.\n${server.tail(15)}`,
          );
      }
      // Whatever is left in the group (e.g. an orphaned postgres after a crash).
      if (groupAlive(pgid)) {
        signalGroup(pgid, 'SIGINT');
        if (!(await waitUntil(() => !groupAlive(pgid), 10_000))) {
          signalGroup(pgid, 'SIGKILL');
          await waitUntil(() => !groupAlive(pgid), 5_000);
        }
      }
      process.off('exit', onProcessExit);
      await new Promise<void>((resolve) => log.end(() => resolve()));
      await fsp.rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };

  try {
    const deadline = Date.now() + 240_000; // includes a first web build
    for (;;) {
      if (exited)
        throw new Error(
          `Consilium exited during start-up (code ${child.exitCode}).\n${server.tail()}`,
        );
      try {
        const response = await fetch(`${baseUrl}/api/ready`);
        if (response.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`Consilium was not ready within 240 s.\n${server.tail()}`);
      await sleep(250);
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
