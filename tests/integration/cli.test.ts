/**
 * The `consilium` command line, spawned for real against fresh test databases: migrations, demo
 * seed, administrator creation, audit verification (intact and tampered), backup and restore,
 * configuration and usage errors, and the one-instance-per-data-directory lock.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupTables, derivedTables } from '../../src/server/backup/backup.ts';
import { createTestDatabase } from '../support/test-app.ts';

const root = path.resolve(import.meta.dirname, '../..');
let dataDir: string;
let primaryUrl: string;
let restoredUrl: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `consilium <args>` with only the given environment (plus PATH and HOME), bounded in time. */
function consilium(
  args: string[],
  env: Record<string, string>,
  options: { entry?: 'bin' | 'main'; timeoutMs?: number } = {},
): Promise<Run> {
  const entry =
    options.entry === 'main'
      ? ['--disable-warning=ExperimentalWarning', path.join(root, 'src/server/cli/main.ts')]
      : [path.join(root, 'bin/consilium.mjs')];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        CONSILIUM_DATA_DIR: dataDir,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`consilium ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function rowCounts(url: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of backupTables)
    counts[table] = Number(
      (await query<{ n: string }>(url, `SELECT count(*) AS n FROM ${table}`))[0]!.n,
    );
  return counts;
}

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-cli-'));
  primaryUrl = await createTestDatabase();
  restoredUrl = await createTestDatabase();
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('consilium CLI', () => {
  it('migrates a fresh database', async () => {
    const run = await consilium(['migrate'], { DATABASE_URL: primaryUrl });
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('Migrations are up to date.');
    const migrated = await query<{ name: string }>(primaryUrl, 'SELECT name FROM kysely_migration');
    expect(migrated.length).toBeGreaterThan(0);
  });

  it('seeds the demo and prints the seven demo logins', async () => {
    const run = await consilium(['seed-demo'], { DATABASE_URL: primaryUrl });
    expect(run.code, run.stderr).toBe(0);
    const logins = run.stdout
      .split('\n')
      .filter((line) => /@demo\.consilium\.test\s+\S+/.test(line));
    expect(logins).toHaveLength(7);
    for (const role of [
      'patient',
      'proxy',
      'referring_physician',
      'coordinator',
      'specialist',
      'care_team',
      'org_admin',
    ]) {
      expect(logins.some((line) => line.trim().startsWith(role))).toBe(true);
    }
    const again = await consilium(['seed-demo'], { DATABASE_URL: primaryUrl });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing seeded');
  });

  it('creates an organization administrator with the given password', async () => {
    const run = await consilium(
      ['create-admin', '--email', 'Chief@Example.test', '--name', 'Chief Admin'],
      {
        DATABASE_URL: primaryUrl,
        CONSILIUM_ADMIN_PASSWORD: 'quartz-meadow-river-81',
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Administrator Chief@Example.test created');
    expect(run.stdout).not.toContain('Temporary password');
    const rows = await query<{ role: string; password_hash: string | null }>(
      primaryUrl,
      `SELECT m.role, u.password_hash FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email = 'chief@example.test'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.role).toBe('org_admin');
    expect(rows[0]!.password_hash).toMatch(/^\$argon2/);
  });

  it('refuses create-admin without --email (exit 2)', async () => {
    const run = await consilium(['create-admin', '--name', 'No Email'], {
      DATABASE_URL: primaryUrl,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--email');
  });

  it('verifies an intact audit chain (exit 0)', async () => {
    const run = await consilium(['audit', 'verify'], { DATABASE_URL: primaryUrl });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Audit chain intact: \d+ events verified/);
  });

  it('backs up and restores into a fresh database: same rows, chain still verifies', async () => {
    const file = path.join(dataDir, 'backup.jsonl.gz');
    const backup = await consilium(['backup', file], { DATABASE_URL: primaryUrl });
    expect(backup.code, backup.stderr).toBe(0);
    expect((await fs.stat(file)).size).toBeGreaterThan(100);
    const before = await rowCounts(primaryUrl);

    const restore = await consilium(['restore', file], { DATABASE_URL: restoredUrl });
    expect(restore.code, restore.stderr).toBe(0);
    const after = await rowCounts(restoredUrl);
    // The restore itself is audited: one more event, appended to the restored chain.
    expect(after).toEqual({ ...before, audit_events: before.audit_events! + 1 });
    const last = await query<{ event_type: string }>(
      restoredUrl,
      'SELECT event_type FROM audit_events ORDER BY seq DESC LIMIT 1',
    );
    expect(last[0]!.event_type).toBe('system.restored');

    const verify = await consilium(['audit', 'verify'], { DATABASE_URL: restoredUrl });
    expect(verify.code, verify.stderr).toBe(0);

    const again = await consilium(['restore', file], { DATABASE_URL: restoredUrl });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('The target database is not empty');
    expect(await rowCounts(restoredUrl)).toEqual(after);
  }, 120_000);

  it('reports a tampered audit row and exits 1', async () => {
    const client = new pg.Client({ connectionString: primaryUrl });
    await client.connect();
    try {
      await client.query('SET session_replication_role = replica');
      await client.query(`UPDATE audit_events SET event_type = 'org.createe' WHERE seq = 3`);
    } finally {
      await client.end();
    }
    const run = await consilium(['audit', 'verify'], { DATABASE_URL: primaryUrl });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Audit chain BROKEN');
    expect(run.stderr).toContain('row 3: content_changed');
    expect(run.stderr).not.toMatch(/row (?!3\b)\d+/);
  });

  it('stops on bad configuration with exit 2 and names the variable', async () => {
    const run = await consilium(['migrate'], { DATABASE_URL: primaryUrl, PORT: 'abc' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('PORT');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an unknown command with exit 2 and the usage', async () => {
    const run = await consilium(['frobnicate'], { DATABASE_URL: primaryUrl });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown command "frobnicate"');
    expect(run.stderr).toContain('Usage: consilium');
  });

  it('refuses to start on a data directory locked by a live process (exit 1)', async () => {
    const lockedDir = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-locked-'));
    try {
      await fs.writeFile(path.join(lockedDir, 'consilium.pid'), `${process.pid}\n`);
      // main.ts directly: bin/consilium.mjs would first rebuild the web app when its sources changed.
      const run = await consilium(
        ['start'],
        { DATABASE_URL: primaryUrl, CONSILIUM_DATA_DIR: lockedDir, PORT: '39999' },
        { entry: 'main' },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `Another Consilium instance (pid ${process.pid}) is already using the data directory`,
      );
      expect((await fs.readFile(path.join(lockedDir, 'consilium.pid'), 'utf8')).trim()).toBe(
        String(process.pid),
      );
    } finally {
      await fs.rm(lockedDir, { recursive: true, force: true });
    }
  });
});

describe('backupTables', () => {
  it('lists every table of the schema (except Kysely bookkeeping), parents before children', async () => {
    const tables = await query<{ table_name: string }>(
      primaryUrl,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely\\_%'`,
    );
    expect([...backupTables, ...derivedTables].sort()).toEqual(
      tables.map((row) => row.table_name).sort(),
    );
    const references = await query<{ child: string; parent: string }>(
      primaryUrl,
      `SELECT tc.table_name AS child, ccu.table_name AS parent
         FROM information_schema.table_constraints tc
         JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name
        WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'`,
    );
    const order = backupTables as readonly string[];
    const derived = derivedTables as readonly string[];
    for (const { child, parent } of references) {
      if (child !== parent && !derived.includes(child))
        expect(order.indexOf(parent), `${parent} before ${child}`).toBeLessThan(
          order.indexOf(child),
        );
    }
  });
});
