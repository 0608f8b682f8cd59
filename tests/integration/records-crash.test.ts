/**
 * Crash reliability of the records pipeline (issue 4): the real server runs as a child process
 * (`consilium start`) on its own data directory and a test database, and is killed with SIGKILL
 * — no shutdown hook, no flush, no rollback but PostgreSQL's own — again and again while one
 * 48 MiB JPEG goes through it, then restarted on the same data directory and port:
 *
 * 1. during the upload, while a PATCH is in flight, at pseudo-random offsets: after each restart
 *    HEAD reports at least what had reached the staged file, the staged bytes are the source's
 *    prefix, and the upload continues from there to completion;
 * 2. during processing, while the blob is being encrypted into the store (the put's `.part` file
 *    has reached a chosen share of the sealed size): the cut put stays in the store's staging,
 *    nothing becomes visible under a blob key, nothing is recorded, the plaintext staging stays
 *    for the next run (a kill that comes too late for the encryption leaves a whole object
 *    without a row instead, and the next run is cut again, until four kills have cut it);
 * 3. with the processing transaction at its COMMIT, rolled back: the complete encrypted object
 *    is left without a row (an orphan for the sweep), nothing is recorded;
 * 4. with the processing transaction at its COMMIT, which then goes through although the process
 *    is gone: after the restart the plaintext staging must not stay behind.
 *
 * Points 3 and 4 stop the transaction at its commit deterministically: every commit that writes
 * audit events takes the audit chain's advisory lock (migration 0004); the test holds that lock,
 * waits until the processing transaction waits for it in its COMMIT, kills the server, and then
 * either terminates that database session (rollback) or releases the lock (the commit completes,
 * as it does when a process dies right after sending COMMIT). During point 2 the lock is held
 * too, so that no kill, however late, lets a run commit before its turn.
 *
 * Afterwards: one document and one blob with the source's SHA-256, the decrypted download has it
 * too, one `record.stored` event and an intact audit chain; every object visible under a blob key
 * is whole, and after the orphan sweep each one is named by a row and no interrupted put is left.
 */
import { createCipheriv, createHash, randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/server/audit/verify-audit-chain.ts';
import { defaultSegmentBytes, sealedSize } from '../../src/server/blobs/blob-crypto.ts';
import { LocalBlobStore } from '../../src/server/blobs/local-blob-store.ts';
import { sweepOrphanBlobs } from '../../src/server/blobs/sealed-blobs.ts';
import { openDatabase, type DatabaseHandle } from '../../src/server/db/database.ts';
import { recordStagingDir } from '../../src/server/records/uploads/upload-staging.ts';
import { createMember, createOrganization, testPassword } from '../support/accounts.ts';
import { freePort } from '../support/global-setup.ts';
import {
  spawnServerProcess,
  startServerProcess,
  type ServerProcess,
  type ServerProcessOptions,
} from '../support/server-process.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { startTestApp } from '../support/test-app.ts';

const mebibyte = 1024 * 1024;
const fileBytes = 48 * mebibyte;
const sealedBytes = sealedSize(fileBytes, defaultSegmentBytes);
/** One PATCH carries at most this much, like a tus client's chunk size. */
const patchBytes = 12 * mebibyte;
/** The body of a PATCH is sent in pieces of this size, one every `pieceIntervalMs` (~32 MiB/s). */
const pieceBytes = 256 * 1024;
const pieceIntervalMs = 8;
const uploadKills = 5;
/** A kill during a PATCH lands this far after its start and this far before its end at least. */
const killLead = mebibyte;
const killTail = 4 * mebibyte;
/** Shares of the sealed size at which the encryption is interrupted, one kill per band. */
const encryptionKillBands: ReadonlyArray<readonly [number, number]> = [
  [0.05, 0.2],
  [0.2, 0.35],
  [0.35, 0.5],
  [0.5, 0.65],
];
/** The audit chain's advisory lock, taken in every commit that writes audit events (0004). */
const auditChainLockKey = 4_242_001;

/** Offsets and shares vary from run to run, drawn from this seed; failure messages name it. */
const seed = randomInt(2 ** 31);
const random = mulberry32(seed);

let smtp: SmtpSink;
let databaseUrl: string;
let database: DatabaseHandle;
let lockClient: pg.Client;
let dataDir: string;
let serverOptions: ServerProcessOptions;
let server: ServerProcess;
let browser: Browser;
let caseId: string;
let uploadId: string;
let source: Buffer;
let sourceDigest: string;
/** `.part` files of the blob store left by the puts that were killed. */
const interruptedPuts = new Set<string>();
/** Kills that cut a put (the encryption into the store) short. */
let encryptionKills = 0;
/** Whole encrypted objects left without a row by runs killed before their commit. */
let unrecordedObjects = 0;

const db = () => database.db;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const blobRoot = () => path.join(dataDir, 'blobs');
const blobStagingDir = () => path.join(blobRoot(), '.staging');
const stagedFile = () => path.join(recordStagingDir(dataDir), uploadId);
const context = () => `seed ${seed}\n${server.output()}`;

/** A small seeded pseudo-random generator (mulberry32). */
function mulberry32(state: number): () => number {
  let current = state >>> 0;
  return () => {
    current = (current + 0x6d2b79f5) >>> 0;
    let t = current;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A JPEG that the pipeline accepts and stores (a plain-text file that large would be refused:
 * text is read whole only up to 16 MiB): SOI, a JFIF APP0 segment, a baseline frame header, a
 * scan header, deterministic entropy-coded bytes (AES-CTR keystream under a fixed key, no 0xFF so
 * no marker hides in the scan, ITU-T T.81 B.1.1.5), EOI.
 */
function syntheticJpeg(sizeBytes: number): Buffer {
  // prettier-ignore
  const head = Buffer.from([
    0xff, 0xd8,
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0xff, 0xc0, 0x00, 0x11, 0x08, 0x10, 0x00, 0x10, 0x00, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
    0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00,
  ]);
  const tail = Buffer.from([0xff, 0xd9]);
  const scan = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16, 0)).update(
    Buffer.alloc(sizeBytes - head.length - tail.length),
  );
  for (let index = 0; index < scan.length; index += 1) if (scan[index] === 0xff) scan[index] = 0xfe;
  return Buffer.concat([head, scan, tail]);
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on a connection of its own: a killed server leaves no pooled socket behind. */
function request(
  url: string,
  options: { method: string; headers: http.OutgoingHttpHeaders; body?: Buffer | Readable },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      url,
      { method: options.method, headers: options.headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('close', () => {
          if (!response.complete) reject(new Error('the connection closed mid-answer'));
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    const { body } = options;
    if (body instanceof Readable) {
      outgoing.on('error', () => body.destroy());
      body.on('error', (error) => outgoing.destroy(error));
      body.pipe(outgoing);
    } else {
      outgoing.end(body);
    }
  });
}

/** A browser's side of the conversation: the cookie jar and the CSRF header. */
class Browser {
  private readonly cookies = new Map<string, string>();
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async send(
    method: 'GET' | 'HEAD' | 'POST' | 'PATCH',
    pathname: string,
    options: { headers?: http.OutgoingHttpHeaders; body?: Buffer | Readable; json?: unknown } = {},
  ): Promise<Answer> {
    const headers: http.OutgoingHttpHeaders = { ...options.headers };
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (method !== 'GET' && method !== 'HEAD')
      headers['x-csrf-token'] = this.cookies.get('consilium_csrf') ?? '';
    let body = options.body;
    if (options.json !== undefined) {
      body = Buffer.from(JSON.stringify(options.json));
      headers['content-type'] = 'application/json';
    }
    const answer = await request(`${this.baseUrl}${pathname}`, { method, headers, body });
    for (const line of [answer.headers['set-cookie'] ?? []].flat()) {
      const pair = line.split(';')[0] ?? '';
      const at = pair.indexOf('=');
      if (at > 0) this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return answer;
  }
}

/** The bytes of `body`, a piece at a time at a steady pace, so a PATCH lasts long enough to be cut. */
function paced(body: Buffer): Readable {
  return Readable.from(
    (async function* () {
      for (let at = 0; at < body.length; at += pieceBytes) {
        yield body.subarray(at, at + pieceBytes);
        await sleep(pieceIntervalMs);
      }
    })(),
  );
}

const uploadUrl = () => `/api/v1/cases/${caseId}/uploads/${uploadId}`;

async function uploadOffset(): Promise<number> {
  const answer = await browser.send('HEAD', uploadUrl(), { headers: { 'tus-resumable': '1.0.0' } });
  expect(answer.status, context()).toBe(200);
  expect(answer.headers['upload-length']).toBe(String(fileBytes));
  return Number(answer.headers['upload-offset']);
}

function sendPatch(offset: number, end: number): Promise<Answer> {
  return browser.send('PATCH', uploadUrl(), {
    headers: {
      'tus-resumable': '1.0.0',
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
      'content-length': String(end - offset),
    },
    body: paced(source.subarray(offset, end)),
  });
}

/**
 * Polls `probe` every couple of milliseconds until it yields a value; null when `stop` says so
 * first; throws after `timeoutMs`.
 */
async function watch<T>(
  probe: () => Promise<T | null>,
  options: { stop: () => boolean; timeoutMs: number; what: string },
): Promise<T | null> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (options.stop()) return null;
    if (Date.now() > deadline)
      throw new Error(`${options.what} did not happen in ${options.timeoutMs} ms\n${context()}`);
    await sleep(2);
  }
}

async function fileSize(file: string): Promise<number | null> {
  try {
    return (await fs.stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The blob store's interrupted or running puts (`.part` files) and their sizes. */
async function blobStoreParts(): Promise<Map<string, number>> {
  const parts = new Map<string, number>();
  let names: string[];
  try {
    names = await fs.readdir(blobStagingDir());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return parts;
    throw error;
  }
  for (const name of names) {
    const size = await fileSize(path.join(blobStagingDir(), name));
    if (size !== null) parts.set(name, size);
  }
  return parts;
}

/** Every object visible under a blob key (the store's own listing, its staging excluded). */
async function visibleObjects(): Promise<Array<{ key: string; sizeBytes: number }>> {
  const objects: Array<{ key: string; sizeBytes: number }> = [];
  for await (const object of new LocalBlobStore(blobRoot()).list())
    objects.push({ key: object.key, sizeBytes: object.sizeBytes });
  return objects;
}

async function uploadRow() {
  return db()
    .selectFrom('record_uploads')
    .select(['id', 'state', 'declared_size'])
    .where('id', '=', uploadId)
    .executeTakeFirstOrThrow();
}

async function documentsOfUpload() {
  return db()
    .selectFrom('record_documents')
    .select(['id', 'blob_id', 'format', 'condition', 'sha256', 'size_bytes'])
    .where('upload_id', '=', uploadId)
    .execute();
}

async function blobRows() {
  return db()
    .selectFrom('blobs')
    .select(['id', 'storage_key', 'sha256', 'size_bytes', 'stored_bytes'])
    .execute();
}

async function auditCount(eventType: string, entityId: string): Promise<number> {
  const rows = await db()
    .selectFrom('audit_events')
    .select('seq')
    .where('event_type', '=', eventType as never)
    .where('entity_id', '=', entityId)
    .execute();
  return rows.length;
}

/** Nothing half-written is ever visible under a blob key: every object is a whole sealed file. */
async function expectOnlyWholeObjects(): Promise<void> {
  for (const object of await visibleObjects())
    expect(object.sizeBytes, `${object.key} is not a whole sealed object`).toBe(sealedBytes);
}

/** The plaintext is still staged, whole, for the next run to take up. */
async function expectStagedWhole(): Promise<void> {
  expect(await fileSize(stagedFile()), 'the staged upload').toBe(fileBytes);
}

/** The processing transaction waiting for the audit chain's lock in its COMMIT: its backend pid. */
async function commitWaitingForAuditLock(): Promise<number | null> {
  const { rows } = await lockClient.query<{ pid: number; query: string }>(
    `SELECT a.pid, a.query
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1
        AND NOT l.granted AND a.datname = current_database()`,
    [auditChainLockKey],
  );
  const waiting = rows[0];
  if (waiting === undefined) return null;
  expect(waiting.query.trim().toLowerCase(), 'the statement waiting for the audit lock').toBe(
    'commit',
  );
  return waiting.pid;
}

/** Runs the server until its processing transaction waits in its COMMIT, then kills it. */
async function killAtCommit(): Promise<void> {
  await lockClient.query('SELECT pg_advisory_lock($1)', [auditChainLockKey]);
  server = spawnServerProcess(serverOptions);
  const backend = await watch(commitWaitingForAuditLock, {
    stop: () => server.exited,
    timeoutMs: 30_000,
    what: 'the processing transaction reaching its commit',
  });
  await server.kill();
  expect(backend, `the server exited before processing reached its commit\n${context()}`).not.toBe(
    null,
  );
}

/**
 * Ends the database session of a killed server whose COMMIT waits for the audit lock, so that
 * its transaction rolls back (as when the process dies before its COMMIT reaches the database).
 * Whether there was one.
 */
async function rollBackCommitInWaiting(): Promise<boolean> {
  const backend = await commitWaitingForAuditLock();
  if (backend === null) return false;
  const { rows } = await lockClient.query<{ done: boolean }>(
    'SELECT pg_terminate_backend($1, 10000) AS done',
    [backend],
  );
  expect(rows[0]?.done).toBe(true);
  return true;
}

beforeAll(async () => {
  source = syntheticJpeg(fileBytes);
  sourceDigest = sha256(source);

  // The organization and the patient, provisioned through the in-process app on the database the
  // child process will use; the app is closed before the child starts.
  const provisioning = await startTestApp();
  const organization = await createOrganization(provisioning);
  const patient = await createMember(provisioning, organization.id, 'patient', { signIn: false });
  databaseUrl = provisioning.databaseUrl;
  await provisioning.close();

  smtp = await startSmtpSink();
  database = openDatabase(databaseUrl, { maxConnections: 4 });
  lockClient = new pg.Client({ connectionString: databaseUrl });
  await lockClient.connect();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-crash-'));
  serverOptions = { dataDir, databaseUrl, port: await freePort(), smtpPort: smtp.port };
  server = await startServerProcess(serverOptions);

  browser = new Browser(server.baseUrl);
  expect((await browser.send('GET', '/api/v1/auth/csrf')).status).toBe(200);
  const signedIn = await browser.send('POST', '/api/v1/auth/sign-in', {
    json: { email: patient.email, password: testPassword },
  });
  expect(signedIn.status, signedIn.body.toString()).toBe(200);
  const created = await browser.send('POST', '/api/v1/cases', {
    json: { patientId: patient.patientId },
  });
  expect(created.status, created.body.toString()).toBe(201);
  caseId = (JSON.parse(created.body.toString()) as { id: string }).id;
}, 60_000);

afterAll(async () => {
  await server?.kill();
  await lockClient?.end();
  await database?.close();
  await smtp?.close();
  if (dataDir !== undefined) await fs.rm(dataDir, { recursive: true, force: true });
});

describe('the records pipeline killed with SIGKILL', () => {
  it('resumes an upload cut by kills in the middle of its PATCH requests, byte for byte', async () => {
    const started = await browser.send('POST', `/api/v1/cases/${caseId}/uploads`, {
      headers: {
        'tus-resumable': '1.0.0',
        'upload-length': String(fileBytes),
        'upload-metadata': `filename ${Buffer.from('ct-scan.jpg').toString('base64')}`,
      },
    });
    expect(started.status, started.body.toString()).toBe(201);
    uploadId = String(started.headers.location).split('/').at(-1)!;

    // One kill in each sixth of the file but the last, somewhere in its middle part.
    const sixth = fileBytes / 6;
    const targets = Array.from({ length: uploadKills }, (_, index) =>
      Math.floor((index + 0.5) * sixth + random() * (sixth - 4 * mebibyte)),
    );
    let kills = 0;
    for (;;) {
      const offset = await uploadOffset();
      if (offset === fileBytes) break;
      const end = Math.min(fileBytes, offset + patchBytes);
      let target = targets[kills];
      if (target !== undefined) {
        // Never at a PATCH's very start or end: too close to its end, it waits for the next one.
        target = Math.max(target, offset + killLead);
        if (target > end - killTail) target = end + killLead;
        targets[kills] = target;
      }
      const patch = sendPatch(offset, end);
      if (target === undefined || target > end - killTail) {
        const answer = await patch;
        expect(answer.status, answer.body.toString()).toBe(204);
        expect(answer.headers['upload-offset']).toBe(String(end));
        continue;
      }
      let settled = false;
      const outcome = patch.then(
        (answer) => ((settled = true), { answer }),
        (error: unknown) => ((settled = true), { error }),
      );
      const staged = await watch(
        async () => {
          const size = (await fileSize(stagedFile())) ?? 0;
          return size >= target ? size : null;
        },
        { stop: () => settled, timeoutMs: 20_000, what: `the staged file reaching ${target}` },
      );
      if (staged !== null) await server.kill();
      const result = await outcome;
      if ('answer' in result) {
        // The PATCH was quicker than the watch: it completed; the target moves to the next one.
        expect(result.answer.status, result.answer.body.toString()).toBe(204);
        if (server.exited) server = await startServerProcess(serverOptions);
        continue;
      }
      expect(staged, `the PATCH failed without a kill, ${context()}`).not.toBeNull();
      kills += 1;

      server = await startServerProcess(serverOptions);
      const resumed = await uploadOffset();
      // Whatever reached the staged file survives, and it is the source's prefix.
      expect(resumed, `seed ${seed}`).toBeGreaterThanOrEqual(staged!);
      expect(resumed).toBeLessThan(end);
      const handle = await fs.open(stagedFile(), 'r');
      try {
        const prefix = Buffer.alloc(resumed);
        await handle.read(prefix, 0, resumed, 0);
        expect(prefix.equals(source.subarray(0, resumed)), 'the staged bytes').toBe(true);
      } finally {
        await handle.close();
      }
    }
    expect(kills, `seed ${seed}, targets ${targets.join(', ')}`).toBe(uploadKills);
    expect(await uploadOffset()).toBe(fileBytes);
  }, 60_000);

  it('takes processing up again after kills in the middle of the encryption', async () => {
    // Held throughout, so that however late a kill lands, the processing cannot commit yet.
    await lockClient.query('SELECT pg_advisory_lock($1)', [auditChainLockKey]);
    try {
      let attempts = 0;
      while (encryptionKills < encryptionKillBands.length) {
        attempts += 1;
        expect(attempts, `kills that missed the encryption, ${context()}`).toBeLessThanOrEqual(
          2 * encryptionKillBands.length,
        );
        if (server.exited) server = spawnServerProcess(serverOptions);
        const [low, high] = encryptionKillBands[encryptionKills]!;
        const threshold = Math.floor((low + random() * (high - low)) * sealedBytes);
        const objectsBefore = (await visibleObjects()).length;
        const seen = await watch(
          async () => {
            for (const [name, size] of await blobStoreParts())
              if (!interruptedPuts.has(name) && size >= threshold) return { part: name };
            // The put finished between two looks: the kill lands after it, before the commit.
            if ((await visibleObjects()).length > objectsBefore) return { part: null };
            return null;
          },
          {
            stop: () => server.exited,
            timeoutMs: 30_000,
            what: `a put reaching ${threshold} bytes`,
          },
        );
        await server.kill();
        expect(
          seen,
          `the server exited before the put reached ${threshold}\n${context()}`,
        ).not.toBe(null);
        await rollBackCommitInWaiting();

        const left = seen!.part === null ? undefined : (await blobStoreParts()).get(seen!.part);
        if (left === undefined) {
          // Too late for the encryption: the object is whole and has no row.
          unrecordedObjects += 1;
        } else {
          // The put was cut: its partial file stays in the store's staging, nothing under a key.
          interruptedPuts.add(seen!.part!);
          expect(left).toBeGreaterThanOrEqual(threshold);
          expect(left).toBeLessThanOrEqual(sealedBytes);
          encryptionKills += 1;
        }
        expect(await visibleObjects()).toHaveLength(unrecordedObjects);
        await expectOnlyWholeObjects();
        expect(await uploadRow()).toMatchObject({ state: 'processing' });
        expect(await documentsOfUpload()).toEqual([]);
        expect(await blobRows()).toEqual([]);
        await expectStagedWhole();
      }
    } finally {
      await lockClient.query('SELECT pg_advisory_unlock($1)', [auditChainLockKey]);
    }
  }, 60_000);

  it('leaves only an unrecorded object for the sweep when killed before its commit', async () => {
    await killAtCommit();
    // The transaction does not commit: its session ends before the lock is released.
    expect(await rollBackCommitInWaiting()).toBe(true);
    await lockClient.query('SELECT pg_advisory_unlock($1)', [auditChainLockKey]);
    unrecordedObjects += 1;

    expect(await uploadRow()).toMatchObject({ state: 'processing' });
    expect(await documentsOfUpload()).toEqual([]);
    expect(await blobRows()).toEqual([]);
    expect(await visibleObjects()).toHaveLength(unrecordedObjects);
    await expectOnlyWholeObjects();
    expect(new Set((await blobStoreParts()).keys())).toEqual(interruptedPuts);
    await expectStagedWhole();
  }, 60_000);

  it('removes the plaintext staging after a kill right after the commit', async () => {
    await killAtCommit();
    const backend = await commitWaitingForAuditLock();
    expect(backend).not.toBeNull();
    // The COMMIT had reached the database: once the lock is free it completes without the process.
    await lockClient.query('SELECT pg_advisory_unlock($1)', [auditChainLockKey]);
    await expect
      .poll(async () => (await uploadRow()).state, { timeout: 10_000, interval: 20 })
      .toBe('stored');
    await expect
      .poll(
        async () =>
          (await lockClient.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backend]))
            .rowCount,
        { timeout: 10_000, interval: 20 },
      )
      .toBe(0);
    // The process died between the commit and its clean-up: the plaintext is still staged.
    await expectStagedWhole();

    server = await startServerProcess(serverOptions);
    await expect
      .poll(async () => fs.readdir(recordStagingDir(dataDir)), {
        timeout: 10_000,
        interval: 100,
        message: 'plaintext of the stored upload left in staging after the restart',
      })
      .not.toContainEqual(expect.stringContaining(uploadId));
  }, 60_000);

  it('has stored the file exactly once, with its digest, readable decrypted', async () => {
    if (server.exited) server = await startServerProcess(serverOptions);
    expect(
      await db()
        .selectFrom('record_uploads')
        .select(['id', 'state', 'declared_size'])
        .where('case_id', '=', caseId)
        .execute(),
    ).toEqual([{ id: uploadId, state: 'stored', declared_size: fileBytes }]);

    const documents = await documentsOfUpload();
    expect(documents).toHaveLength(1);
    const document = documents[0]!;
    expect(document).toMatchObject({
      format: 'jpeg',
      condition: 'ready',
      sha256: sourceDigest,
      size_bytes: fileBytes,
    });
    expect(
      await db()
        .selectFrom('record_documents')
        .select('id')
        .where('case_id', '=', caseId)
        .execute(),
    ).toEqual([{ id: document.id }]);

    const blobs = await blobRows();
    expect(blobs).toHaveLength(1);
    expect(blobs[0]).toMatchObject({
      id: document.blob_id,
      sha256: sourceDigest,
      size_bytes: fileBytes,
      stored_bytes: sealedBytes,
    });

    const download = await browser.send(
      'GET',
      `/api/v1/cases/${caseId}/documents/${document.id}/content`,
    );
    expect(download.status, download.body.subarray(0, 500).toString()).toBe(200);
    expect(sha256(download.body)).toBe(sourceDigest);

    expect(await auditCount('record.upload_started', uploadId)).toBe(1);
    expect(await auditCount('record.upload_completed', uploadId)).toBe(1);
    expect(await auditCount('record.stored', document.id)).toBe(1);
    expect(
      await db()
        .selectFrom('audit_events')
        .select('entity_id')
        .where('event_type', '=', 'record.stored')
        .execute(),
    ).toEqual([{ entity_id: document.id }]);
    const chain = await verifyAuditChain(db());
    expect(chain.problems).toEqual([]);
    expect(chain.ok).toBe(true);
  }, 60_000);

  it('keeps every blob object whole, and the sweep leaves exactly the recorded one', async () => {
    expect(await server.stop(), server.output()).toBe(0);
    const [blob] = await blobRows();
    expect(blob).toBeDefined();

    await expectOnlyWholeObjects();
    const unrecorded = (await visibleObjects()).filter(
      (object) => object.key !== blob!.storage_key,
    );
    // The objects of runs that did not commit; the cut puts are only in the store's staging.
    expect(unrecorded).toHaveLength(unrecordedObjects);
    expect(new Set((await blobStoreParts()).keys())).toEqual(interruptedPuts);

    const report = await sweepOrphanBlobs({
      db: db(),
      store: new LocalBlobStore(blobRoot()),
      olderThan: new Date(Date.now() + 60_000),
    });
    expect(report).toMatchObject({
      removed: unrecorded.length,
      young: 0,
      foreign: 0,
      incompleteUploads: interruptedPuts.size,
    });
    expect(await visibleObjects()).toEqual([{ key: blob!.storage_key, sizeBytes: sealedBytes }]);
    expect(await blobStoreParts()).toEqual(new Map());
  }, 60_000);
});
