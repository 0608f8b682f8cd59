/**
 * The key hierarchy on a real PostgreSQL and real blob files: the master key (file created 0600,
 * or from CONSILIUM_MASTER_KEY; a wrong one named plainly), organization keys (one active per
 * organization, created once even under concurrent first use, bound to their rows, not deletable
 * by the application), data keys bound to their blob and key; and rotation — through the API and
 * the `consilium keys rotate` command — that re-wraps every data key without touching a stored
 * byte, retires the old key, can run again, waits for seals in flight, and when interrupted
 * leaves every blob readable and is completed by the next run.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../src/server/blobs/local-blob-store.ts';
import { openBlob, sealFile, type SealedBlob } from '../../src/server/blobs/sealed-blobs.ts';
import { ConfigError, loadConfig } from '../../src/server/config/config.ts';
import {
  migrateToLatest,
  openDatabase,
  type Database,
  type DatabaseHandle,
} from '../../src/server/db/database.ts';
import { unwrapDataKey, wrapDataKey } from '../../src/server/keys/data-keys.ts';
import {
  loadMasterKey,
  masterKeyFile,
  masterKeyFromBytes,
  MasterKeyMismatchError,
  type MasterKey,
} from '../../src/server/keys/master-key.ts';
import {
  assertMasterKeyMatches,
  getActiveKek,
  loadKek,
} from '../../src/server/keys/organization-keys.ts';
import {
  rotateOrganizationKeys,
  UnknownOrganizationError,
} from '../../src/server/keys/rotate-organization-keys.ts';
import { createTestDatabase } from '../support/test-app.ts';

const root = path.resolve(import.meta.dirname, '../..');
let databaseUrl: string;
let handle: DatabaseHandle;
let db: Database;
let dataDir: string;
let store: LocalBlobStore;
let masterKey: MasterKey;

interface Fixture {
  blob: SealedBlob;
  plaintextSha256: string;
  storedSha256: string;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function createOrganization(): Promise<string> {
  const row = await db
    .insertInto('organizations')
    .values({ slug: `org-${randomBytes(4).toString('hex')}`, name: 'Rotation Clinic' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function sealSome(organizationId: string, count: number): Promise<Fixture[]> {
  const fixtures: Fixture[] = [];
  for (let index = 0; index < count; index += 1) {
    const data = randomBytes(1 + ((index * 7919) % 150_000));
    const blob = await sealFile({
      db,
      store,
      masterKey,
      organizationId,
      readable: Readable.from([data]),
    });
    fixtures.push({
      blob,
      plaintextSha256: sha256(data),
      storedSha256: sha256(await fs.readFile(store.filePath(blob.storageKey))),
    });
  }
  return fixtures;
}

async function readAll(organizationId: string, blobId: string, key = masterKey) {
  return buffer(await openBlob({ db, store, masterKey: key, organizationId, blobId }));
}

/** Every blob still opens to its original plaintext, and its stored bytes never changed. */
async function expectIntact(organizationId: string, fixtures: Fixture[]) {
  for (const fixture of fixtures) {
    expect(sha256(await readAll(organizationId, fixture.blob.blobId))).toBe(
      fixture.plaintextSha256,
    );
    expect(sha256(await fs.readFile(store.filePath(fixture.blob.storageKey)))).toBe(
      fixture.storedSha256,
    );
  }
}

async function keysOf(organizationId: string) {
  return db
    .selectFrom('organization_keys')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('version')
    .execute();
}

async function kekIdsOf(fixtures: Fixture[]) {
  const rows = await db
    .selectFrom('blobs')
    .select(['id', 'kek_id'])
    .where(
      'id',
      'in',
      fixtures.map((fixture) => fixture.blob.blobId),
    )
    .execute();
  return new Set(rows.map((row) => row.kek_id));
}

/** Run `consilium <args>` against the test database and data directory. */
function consilium(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', path.join(root, 'src/server/cli/main.ts'), ...args],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? os.tmpdir(),
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          CONSILIUM_DATA_DIR: dataDir,
          DATABASE_URL: databaseUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`consilium ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  await migrateToLatest(databaseUrl);
  handle = openDatabase(databaseUrl, { maxConnections: 8 });
  db = handle.db;
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-keys-'));
  store = new LocalBlobStore(path.join(dataDir, 'blobs'));
  // The same master key file the CLI will find in the data directory.
  masterKey = await loadMasterKey({ dataDir, masterKey: null });
});

afterAll(async () => {
  await handle.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('master key', () => {
  it('is created once, 0600, under <data dir>/keys, and read back the same', async () => {
    const file = masterKeyFile(dataDir);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    const again = await loadMasterKey({ dataDir, masterKey: null });
    expect(again.key.equals(masterKey.key)).toBe(true);
    expect(again).toMatchObject({ id: masterKey.id, source: 'file' });
  });

  it('agrees on one key when several processes start at once', async () => {
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-keys-race-'));
    try {
      const keys = await Promise.all(
        Array.from({ length: 8 }, () => loadMasterKey({ dataDir: fresh, masterKey: null })),
      );
      expect(new Set(keys.map((key) => key.id)).size).toBe(1);
      expect(await fs.readdir(path.join(fresh, 'keys'))).toEqual(['master.key']);
    } finally {
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });

  it('comes from CONSILIUM_MASTER_KEY when set, and then no file is written', async () => {
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-keys-env-'));
    try {
      const bytes = randomBytes(32);
      const config = loadConfig({
        CONSILIUM_DATA_DIR: fresh,
        CONSILIUM_MASTER_KEY: bytes.toString('base64'),
      });
      const key = await loadMasterKey(config);
      expect(key.source).toBe('environment');
      expect(key.key.equals(bytes)).toBe(true);
      await expect(fs.access(masterKeyFile(fresh))).rejects.toThrow();
      for (const bad of [
        'short',
        randomBytes(16).toString('base64'),
        randomBytes(33).toString('base64'),
      ])
        expect(() => loadConfig({ CONSILIUM_MASTER_KEY: bad }), bad).toThrow(ConfigError);
    } finally {
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });

  it('refuses a damaged key file instead of replacing it', async () => {
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-keys-bad-'));
    try {
      await fs.mkdir(path.join(fresh, 'keys'));
      await fs.writeFile(masterKeyFile(fresh), 'not a key\n');
      await expect(loadMasterKey({ dataDir: fresh, masterKey: null })).rejects.toThrow(
        /does not hold a 32-byte key/,
      );
      expect(await fs.readFile(masterKeyFile(fresh), 'utf8')).toBe('not a key\n');
    } finally {
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });

  it('names a wrong master key instead of failing with a bare decryption error', async () => {
    const organizationId = await createOrganization();
    const [fixture] = await sealSome(organizationId, 1);
    const wrong = masterKeyFromBytes(randomBytes(32), 'environment');
    await expect(readAll(organizationId, fixture!.blob.blobId, wrong)).rejects.toBeInstanceOf(
      MasterKeyMismatchError,
    );
    await expect(assertMasterKeyMatches(db, wrong)).rejects.toThrow(
      /not the one that wrapped this instance's organization keys/,
    );
    await assertMasterKeyMatches(db, masterKey);
  });
});

describe('organization and data keys', () => {
  it('keeps one active key per organization, created once under concurrent first use', async () => {
    const organizationId = await createOrganization();
    const keys = await Promise.all(
      Array.from({ length: 10 }, () =>
        db.transaction().execute((trx) => getActiveKek(trx, masterKey, organizationId)),
      ),
    );
    expect(new Set(keys.map((key) => key.id)).size).toBe(1);
    const rows = await keysOf(organizationId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ version: 1, status: 'active', retired_at: null });
    // The database itself refuses a second active key.
    await expect(
      db
        .insertInto('organization_keys')
        .values({ ...rows[0]!, id: randomUUID(), version: 2 })
        .execute(),
    ).rejects.toThrow(/organization_keys_one_active_idx/);
  });

  it('binds a wrapped key to its row: moved to another organization it does not open', async () => {
    const [first, second] = [await createOrganization(), await createOrganization()];
    await getActiveKek(db, masterKey, first);
    const secondKek = await getActiveKek(db, masterKey, second);
    const [firstRow] = await keysOf(first);
    const [original] = await keysOf(second);
    const saved = {
      wrapped_key: original!.wrapped_key,
      nonce: original!.nonce,
      tag: original!.tag,
    };
    await db
      .updateTable('organization_keys')
      .set({ wrapped_key: firstRow!.wrapped_key, nonce: firstRow!.nonce, tag: firstRow!.tag })
      .where('id', '=', secondKek.id)
      .execute();
    await expect(loadKek(db, masterKey, secondKek.id)).rejects.toThrow(/integrity check/);
    // Put back, it opens again: nothing but the binding was in the way.
    await db.updateTable('organization_keys').set(saved).where('id', '=', secondKek.id).execute();
    expect((await loadKek(db, masterKey, secondKek.id)).key.equals(secondKek.key)).toBe(true);
  });

  it('binds a data key to its blob and its key', async () => {
    const organizationId = await createOrganization();
    const kek = await getActiveKek(db, masterKey, organizationId);
    const dataKey = randomBytes(32);
    const blobId = randomUUID();
    const wrapped = wrapDataKey(kek, blobId, dataKey);
    expect(unwrapDataKey(kek, blobId, wrapped).equals(dataKey)).toBe(true);
    expect(() => unwrapDataKey(kek, randomUUID(), wrapped)).toThrow(/does not open/);
    expect(() => unwrapDataKey({ ...kek, id: randomUUID() }, blobId, wrapped)).toThrow(
      /does not open/,
    );
    // Two blobs' rows with their wrapped keys swapped: neither opens.
    const [a, b] = await sealSome(organizationId, 2);
    const rows = await db
      .selectFrom('blobs')
      .select(['id', 'wrapped_data_key'])
      .where('id', 'in', [a!.blob.blobId, b!.blob.blobId])
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row.wrapped_data_key]));
    await db
      .updateTable('blobs')
      .set({ wrapped_data_key: byId.get(b!.blob.blobId)! })
      .where('id', '=', a!.blob.blobId)
      .execute();
    await db
      .updateTable('blobs')
      .set({ wrapped_data_key: byId.get(a!.blob.blobId)! })
      .where('id', '=', b!.blob.blobId)
      .execute();
    await expect(readAll(organizationId, a!.blob.blobId)).rejects.toThrow(/does not open/);
    await expect(readAll(organizationId, b!.blob.blobId)).rejects.toThrow(/does not open/);
    await db
      .updateTable('blobs')
      .set({ wrapped_data_key: byId.get(a!.blob.blobId)! })
      .where('id', '=', a!.blob.blobId)
      .execute();
    await db
      .updateTable('blobs')
      .set({ wrapped_data_key: byId.get(b!.blob.blobId)! })
      .where('id', '=', b!.blob.blobId)
      .execute();
    await expectIntact(organizationId, [a!, b!]);
  });

  it('does not let the application delete a key', async () => {
    const organizationId = await createOrganization();
    const kek = await getActiveKek(db, masterKey, organizationId);
    await expect(
      db.deleteFrom('organization_keys').where('id', '=', kek.id).execute(),
    ).rejects.toThrow(/permission denied/);
  });
});

describe('key rotation', () => {
  let clinic: string;
  let neighbour: string;
  let clinicBlobs: Fixture[];
  let neighbourBlobs: Fixture[];

  beforeAll(async () => {
    clinic = await createOrganization();
    neighbour = await createOrganization();
    clinicBlobs = await sealSome(clinic, 23);
    neighbourBlobs = await sealSome(neighbour, 3);
  });

  it('re-wraps every data key under a new version and retires the old one, without rewriting a blob', async () => {
    const [original] = await keysOf(clinic);
    const neighbourKeys = await keysOf(neighbour);
    const progress: number[] = [];
    const reports = await rotateOrganizationKeys({
      db,
      masterKey,
      organizationId: clinic,
      batchSize: 5,
      onBatch: ({ rewrapped }) => {
        progress.push(rewrapped);
      },
    });
    const keys = await keysOf(clinic);
    expect(keys.map((key) => [key.version, key.status])).toEqual([
      [1, 'retired'],
      [2, 'active'],
    ]);
    expect(keys[0]!.id).toBe(original!.id);
    expect(keys[0]!.retired_at).not.toBeNull();
    expect(reports).toEqual([
      {
        organizationId: clinic,
        activeKekId: keys[1]!.id,
        activeVersion: 2,
        resumed: false,
        rewrapped: 23,
        retiredVersions: [1],
      },
    ]);
    expect(progress).toEqual([5, 10, 15, 20, 23]);
    expect(await kekIdsOf(clinicBlobs)).toEqual(new Set([keys[1]!.id]));
    await expectIntact(clinic, clinicBlobs);
    // Another organization is not touched.
    expect(await keysOf(neighbour)).toEqual(neighbourKeys);
    await expectIntact(neighbour, neighbourBlobs);
  });

  it('runs again: a third version, the second retired, everything still readable', async () => {
    const [report] = await rotateOrganizationKeys({ db, masterKey, organizationId: clinic });
    expect(report).toMatchObject({
      activeVersion: 3,
      rewrapped: 23,
      retiredVersions: [2],
      resumed: false,
    });
    const keys = await keysOf(clinic);
    expect(keys.map((key) => key.status)).toEqual(['retired', 'retired', 'active']);
    expect(await kekIdsOf(clinicBlobs)).toEqual(new Set([keys[2]!.id]));
    await expectIntact(clinic, clinicBlobs);
  });

  it('leaves every blob readable when interrupted midway, and the next run completes it', async () => {
    await expect(
      rotateOrganizationKeys({
        db,
        masterKey,
        organizationId: clinic,
        batchSize: 4,
        onBatch: ({ rewrapped }) => {
          if (rewrapped >= 8) throw new Error('the process was stopped');
        },
      }),
    ).rejects.toThrow('the process was stopped');
    const keys = await keysOf(clinic);
    expect(keys.map((key) => [key.version, key.status])).toEqual([
      [1, 'retired'],
      [2, 'retired'],
      [3, 'retiring'],
      [4, 'active'],
    ]);
    // Half moved, half not: each row names the key that wraps it, so all open.
    expect(await kekIdsOf(clinicBlobs)).toEqual(new Set([keys[2]!.id, keys[3]!.id]));
    await expectIntact(clinic, clinicBlobs);
    // New blobs meanwhile go under the new key.
    const [added] = await sealSome(clinic, 1);
    expect(added!.blob.kekId).toBe(keys[3]!.id);
    clinicBlobs.push(added!);

    const [report] = await rotateOrganizationKeys({
      db,
      masterKey,
      organizationId: clinic,
      batchSize: 4,
    });
    expect(report).toMatchObject({
      activeVersion: 4,
      resumed: true,
      rewrapped: 15,
      retiredVersions: [3],
    });
    const after = await keysOf(clinic);
    expect(after.map((key) => key.status)).toEqual(['retired', 'retired', 'retired', 'active']);
    expect(await kekIdsOf(clinicBlobs)).toEqual(new Set([after[3]!.id]));
    await expectIntact(clinic, clinicBlobs);
  });

  it('waits for a seal in flight, whose row it then re-wraps too', async () => {
    const organizationId = await createOrganization();
    const [before] = await sealSome(organizationId, 1);
    let rotationDone = false;
    const rotation = await db.transaction().execute(async (trx) => {
      const sealed = await sealFile({
        db: trx,
        store,
        masterKey,
        organizationId,
        readable: Readable.from([Buffer.from('in flight')]),
      });
      const running = rotateOrganizationKeys({ db, masterKey, organizationId }).then(() => {
        rotationDone = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The old key is share-locked by this transaction: the rotation cannot demote it yet.
      expect(rotationDone).toBe(false);
      return { sealed, running };
    });
    await rotation.running;
    const sealed = rotation.sealed;
    const keys = await keysOf(organizationId);
    expect(keys.map((key) => key.status)).toEqual(['retired', 'active']);
    const rows = await db
      .selectFrom('blobs')
      .select(['id', 'kek_id'])
      .where('organization_id', '=', organizationId)
      .execute();
    expect(rows.map((row) => row.kek_id)).toEqual([keys[1]!.id, keys[1]!.id]);
    expect((await readAll(organizationId, sealed.blobId)).toString()).toBe('in flight');
    await expectIntact(organizationId, [before!]);
  });

  it('refuses an unknown organization', async () => {
    await expect(
      rotateOrganizationKeys({ db, masterKey, organizationId: randomUUID() }),
    ).rejects.toBeInstanceOf(UnknownOrganizationError);
  });

  it('runs as `consilium keys rotate`, for one organization or for all', async () => {
    const one = await consilium([
      'keys',
      'rotate',
      '--organization',
      neighbour,
      '--batch-size',
      '2',
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(
      `Organization ${neighbour}: key version 2 active; 3 data keys re-wrapped; retired version 1.`,
    );
    expect((await keysOf(neighbour)).map((key) => key.status)).toEqual(['retired', 'active']);
    await expectIntact(neighbour, neighbourBlobs);

    const all = await consilium(['keys', 'rotate']);
    expect(all.code, all.stderr).toBe(0);
    const withKeys = await db
      .selectFrom('organization_keys')
      .select('organization_id')
      .distinct()
      .execute();
    for (const { organization_id: id } of withKeys)
      expect(all.stdout).toContain(`Organization ${id}: key version`);
    expect(await kekIdsOf(clinicBlobs)).toEqual(new Set([(await keysOf(clinic)).at(-1)!.id]));
    await expectIntact(clinic, clinicBlobs);
    await expectIntact(neighbour, neighbourBlobs);
  });

  it('answers bad usage with exit code 2', async () => {
    for (const args of [
      ['keys'],
      ['keys', 'spin'],
      ['keys', 'rotate', '--organization', 'clinic'],
      ['keys', 'rotate', '--batch-size', '0'],
    ]) {
      const run = await consilium(args);
      expect(run.code, `${args.join(' ')}: ${run.stdout}${run.stderr}`).toBe(2);
    }
    const unknown = await consilium(['keys', 'rotate', '--organization', randomUUID()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/There is no organization/);
  });
});

describe('backup', () => {
  it('carries the keys and blob rows, whose bytea columns survive JSON', async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ row: string }>(
        'SELECT row_to_json(t)::text AS row FROM blobs t LIMIT 1',
      );
      const restored = await client.query<{ wrapped_data_key: Buffer; id: string }>(
        'SELECT * FROM json_populate_record(NULL::blobs, $1::json)',
        [rows[0]!.row],
      );
      const original = await db
        .selectFrom('blobs')
        .select('wrapped_data_key')
        .where('id', '=', restored.rows[0]!.id)
        .executeTakeFirstOrThrow();
      expect(restored.rows[0]!.wrapped_data_key.equals(original.wrapped_data_key)).toBe(true);
    } finally {
      await client.end();
    }
  });
});
