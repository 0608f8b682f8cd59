/**
 * The real Consilium server as a child process (`consilium start`) on a given data directory,
 * external PostgreSQL and port, for tests that stop it the hard way: `kill()` sends SIGKILL to
 * its whole process group, so nothing of it can react (no shutdown hook, no flush, no rollback
 * but PostgreSQL's own), exactly as after a power cut of the process. `stop()` is the orderly
 * SIGTERM shutdown. Readiness is `GET /api/ready` answering 200 (database reachable, no
 * migration pending).
 *
 * It runs `src/server/cli/main.ts start` itself, which is what `bin/consilium.mjs start` runs
 * after its checks: the launcher would first rebuild the web app when its sources are newer than
 * the build, and it forwards only signals that can be caught — a SIGKILL of the launcher would
 * leave the server running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const repositoryRoot = path.resolve(import.meta.dirname, '../..');
const cliEntry = path.join(repositoryRoot, 'src', 'server', 'cli', 'main.ts');

export interface ServerProcessOptions {
  dataDir: string;
  databaseUrl: string;
  port: number;
  smtpPort: number;
  /** Further variables (they win over the defaults). */
  env?: Record<string, string>;
}

export interface ServerProcess {
  readonly pid: number;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** Resolves once `/api/ready` answers 200; rejects if the process exits first or after `timeoutMs`. */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** SIGKILL to the process group; resolves once the process has exited and been reaped. */
  kill(): Promise<void>;
  /** SIGTERM (orderly shutdown), SIGKILL after `timeoutMs`; resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** The last lines the process printed, for failure messages. */
  output(lines?: number): string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Starts the server without waiting for it (see `startServerProcess`). */
export function spawnServerProcess(options: ServerProcessOptions): ServerProcess {
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', cliEntry, 'start'],
    {
      cwd: repositoryRoot,
      // Its own process group, so a kill reaches everything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        NODE_ENV: 'test',
        CONSILIUM_DATA_DIR: options.dataDir,
        DATABASE_URL: options.databaseUrl,
        HOST: '127.0.0.1',
        PORT: String(options.port),
        PUBLIC_URL: baseUrl,
        CONSILIUM_SEED_DEMO: 'false',
        LOG_LEVEL: 'warn',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(options.smtpPort),
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        ...options.env,
      },
    },
  );
  if (child.pid === undefined) throw new Error('the server process could not be started');
  const pid = child.pid;
  let recent = '';
  const keep = (chunk: Buffer) => {
    recent = (recent + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    });
  });
  // Should the test process end without stopping it, the server must not outlive it.
  const onTestProcessExit = () => signalGroup(pid, 'SIGKILL');
  process.on('exit', onTestProcessExit);
  void exit.then(() => process.off('exit', onTestProcessExit));

  const output = (lines = 40) => recent.split('\n').slice(-lines).join('\n');

  return {
    pid,
    baseUrl,
    get exited() {
      return exited;
    },
    output,
    async waitUntilReady(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exited) throw new Error(`the server exited during start-up\n${output()}`);
        try {
          const response = await fetch(`${baseUrl}/api/ready`, {
            signal: AbortSignal.timeout(2_000),
          });
          await response.body?.cancel();
          if (response.status === 200) return;
        } catch {
          // Not listening yet.
        }
        if (Date.now() > deadline)
          throw new Error(`the server was not ready within ${timeoutMs} ms\n${output()}`);
        await sleep(50);
      }
    },
    async kill() {
      signalGroup(pid, 'SIGKILL');
      await exit;
    },
    async stop(timeoutMs = 15_000) {
      if (exited) return exit;
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), timeoutMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Starts the server and waits until it is ready. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const server = spawnServerProcess(options);
  try {
    await server.waitUntilReady();
  } catch (error) {
    await server.kill();
    throw error;
  }
  return server;
}
