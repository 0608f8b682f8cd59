/**
 * Encryption at rest, end to end on real parts: the sealed blob format (round trips of every
 * boundary size and of random inputs in random chunks, byte ranges, and every kind of tampering:
 * flipped bits, truncation, appended bytes, reordered or swapped segments, another blob's id),
 * flat memory on a large stream; the two blob stores — local files and an S3-compatible server
 * (s3rver on loopback) — with atomic puts that leave nothing behind when the source fails; and
 * sealing into / opening from them with the rows in a real PostgreSQL, range reads that fetch
 * only the segments they need, tampering at rest, the crash ordering and the orphan sweep.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.ts';
import {
  blobHeaderBytes,
  BlobIntegrityError,
  createDecryptStream,
  createEncryptStream,
  createRangeDecryptStream,
  defaultSegmentBytes,
  parseHeader,
  planRange,
  sealedSize,
  segmentTagBytes,
} from '../../src/server/blobs/blob-crypto.ts';
import {
  BlobNotFoundError,
  BlobRangeError,
  type BlobStore,
  type StoreRange,
} from '../../src/server/blobs/blob-store.ts';
import { createBlobStore } from '../../src/server/blobs/create-blob-store.ts';
import { LocalBlobStore } from '../../src/server/blobs/local-blob-store.ts';
import { S3BlobStore } from '../../src/server/blobs/s3-blob-store.ts';
import {
  deleteBlobRecord,
  getBlob,
  openBlob,
  sealFile,
  sweepOrphanBlobs,
  writeSealedObject,
} from '../../src/server/blobs/sealed-blobs.ts';
import { ConfigError, loadConfig } from '../../src/server/config/config.ts';
import {
  migrateToLatest,
  openDatabase,
  type Database,
  type DatabaseHandle,
} from '../../src/server/db/database.ts';
import { masterKeyFromBytes, type MasterKey } from '../../src/server/keys/master-key.ts';
import { startS3Server, type TestS3Server } from '../support/s3-server.ts';
import { createTestDatabase } from '../support/test-app.ts';

const MiB = 1024 * 1024;
const S = defaultSegmentBytes;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `data` as a stream of chunks of the given sizes (the rest in one chunk). */
function chunked(data: Buffer, sizes: number[] = []): Readable {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const size of sizes) {
    if (offset >= data.length) break;
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  if (offset < data.length) chunks.push(data.subarray(offset));
  return Readable.from(chunks);
}

async function seal(
  data: Buffer,
  key: Buffer,
  blobId: string,
  segmentBytes?: number,
  sizes?: number[],
) {
  const encrypt = createEncryptStream({
    dataKey: key,
    blobId,
    ...(segmentBytes === undefined ? {} : { segmentBytes }),
  });
  const [sealed] = await Promise.all([buffer(encrypt), pipeline(chunked(data, sizes), encrypt)]);
  return sealed;
}

async function unseal(sealed: Buffer, key: Buffer, blobId: string, sizes?: number[]) {
  const decrypt = createDecryptStream({ dataKey: key, blobId });
  const [plain] = await Promise.all([buffer(decrypt), pipeline(chunked(sealed, sizes), decrypt)]);
  return plain;
}

/** What a decrypting stream emitted before it failed, and how it failed. */
async function unsealUntilError(sealed: Buffer, key: Buffer, blobId: string) {
  const decrypt = createDecryptStream({ dataKey: key, blobId });
  const emitted: Buffer[] = [];
  decrypt.on('data', (chunk: Buffer) => emitted.push(chunk));
  const error = await pipeline(Readable.from([sealed]), decrypt).then(
    () => null,
    (failure: unknown) => failure,
  );
  return { emitted: Buffer.concat(emitted), error };
}

/** A stream that yields `bytes` and then fails, like a client that goes away mid-upload. */
function failingSource(bytes: number): Readable {
  const source = new PassThrough();
  source.write(randomBytes(bytes));
  setTimeout(() => source.destroy(new Error('the upload was interrupted')), 50);
  return source;
}

describe('sealed blob format', () => {
  const key = randomBytes(32);
  const blobId = randomUUID();

  it.each([0, 1, S - 1, S, S + 1, 2 * S, 3 * S + 7, 5 * MiB + 3])(
    'round-trips %i bytes, sealed to header + plaintext + one tag per segment',
    async (size) => {
      const data = randomBytes(size);
      const sealed = await seal(data, key, blobId);
      expect(sealed.length).toBe(sealedSize(size, S));
      expect(sealed.length).toBe(
        blobHeaderBytes + size + segmentTagBytes * Math.max(1, Math.ceil(size / S)),
      );
      expect(sha256(await unseal(sealed, key, blobId))).toBe(sha256(data));
      // No plaintext survives in the sealed form.
      if (size >= 64) expect(sealed.includes(data.subarray(0, 64))).toBe(false);
    },
  );

  it('encrypts the same file differently each time (fresh nonce prefix)', async () => {
    const data = randomBytes(1000);
    const first = await seal(data, key, blobId);
    const second = await seal(data, key, blobId);
    expect(first.equals(second)).toBe(false);
    expect(parseHeader(first).noncePrefix.equals(parseHeader(second).noncePrefix)).toBe(false);
  });

  it('round-trips random contents in random chunks with random segment sizes, and any range of them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 1, max: 700 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { maxLength: 12 }),
        fc.tuple(fc.nat(), fc.nat()),
        async (bytes, segmentBytes, inSizes, outSizes, [a, b]) => {
          const data = Buffer.from(bytes);
          const id = randomUUID();
          const sealed = await seal(data, key, id, segmentBytes, inSizes);
          expect(sealed.length).toBe(sealedSize(data.length, segmentBytes));
          expect((await unseal(sealed, key, id, outSizes)).equals(data)).toBe(true);
          if (data.length === 0) return;
          const start = Math.min(a, b) % data.length;
          const end = start + (Math.max(a, b) % (data.length - start));
          const plan = planRange(data.length, segmentBytes, { start, end });
          const decrypt = createRangeDecryptStream({
            dataKey: key,
            blobId: id,
            header: parseHeader(sealed),
            plan,
          });
          const [range] = await Promise.all([
            buffer(decrypt),
            pipeline(
              chunked(sealed.subarray(plan.sealedStart, plan.sealedEnd + 1), outSizes),
              decrypt,
            ),
          ]);
          expect(range.equals(data.subarray(start, end + 1))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('detects a flipped bit anywhere: header, any segment body or any tag', async () => {
    const data = randomBytes(3 * 100 + 40);
    const sealed = await seal(data, key, blobId, 100);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: sealed.length - 1 }),
        fc.integer({ min: 0, max: 7 }),
        async (position, bit) => {
          const tampered = Buffer.from(sealed);
          tampered[position] = tampered[position]! ^ (1 << bit);
          const { error } = await unsealUntilError(tampered, key, blobId);
          expect(error).toBeInstanceOf(BlobIntegrityError);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('emits only authenticated segments: a damaged third segment yields the first two, then an error', async () => {
    const data = randomBytes(5 * 100);
    const sealed = Buffer.from(await seal(data, key, blobId, 100));
    sealed[blobHeaderBytes + 2 * (100 + segmentTagBytes) + 5]! ^= 0x01;
    const { emitted, error } = await unsealUntilError(sealed, key, blobId);
    expect(error).toBeInstanceOf(BlobIntegrityError);
    expect((error as Error).message).toMatch(/Segment 2/);
    expect(emitted.equals(data.subarray(0, 200))).toBe(true);
  });

  it('detects truncation: at a segment boundary, inside a segment, inside the header, and to nothing', async () => {
    const sealed = await seal(randomBytes(350), key, blobId, 100);
    const boundary = blobHeaderBytes + 3 * (100 + segmentTagBytes);
    for (const length of [boundary, boundary - 1, blobHeaderBytes + 10, blobHeaderBytes, 5, 0]) {
      const { error } = await unsealUntilError(sealed.subarray(0, length), key, blobId);
      expect(error, `truncated to ${length}`).toBeInstanceOf(BlobIntegrityError);
    }
    // A blob whose size is a whole number of segments: dropping its last segment is caught too.
    const whole = await seal(randomBytes(300), key, blobId, 100);
    const { error } = await unsealUntilError(
      whole.subarray(0, whole.length - (100 + segmentTagBytes)),
      key,
      blobId,
    );
    expect(error).toBeInstanceOf(BlobIntegrityError);
  });

  it('detects appended bytes, reordered segments and a segment swapped in from another blob', async () => {
    const segment = 100 + segmentTagBytes;
    const data = randomBytes(400);
    const sealed = await seal(data, key, blobId, 100);
    const segmentAt = (blob: Buffer, index: number) =>
      blob.subarray(blobHeaderBytes + index * segment, blobHeaderBytes + (index + 1) * segment);

    const appended = Buffer.concat([sealed, randomBytes(30)]);
    expect((await unsealUntilError(appended, key, blobId)).error).toBeInstanceOf(
      BlobIntegrityError,
    );

    const reordered = Buffer.concat([
      sealed.subarray(0, blobHeaderBytes),
      segmentAt(sealed, 1),
      segmentAt(sealed, 0),
      sealed.subarray(blobHeaderBytes + 2 * segment),
    ]);
    expect(reordered.length).toBe(sealed.length);
    expect((await unsealUntilError(reordered, key, blobId)).error).toBeInstanceOf(
      BlobIntegrityError,
    );

    // Even under the same data key, a segment of another blob (other id, other nonce prefix)
    // does not fit.
    const otherId = randomUUID();
    const other = await seal(randomBytes(400), key, otherId, 100);
    const swapped = Buffer.concat([
      sealed.subarray(0, blobHeaderBytes + segment),
      segmentAt(other, 1),
      sealed.subarray(blobHeaderBytes + 2 * segment),
    ]);
    const { emitted, error } = await unsealUntilError(swapped, key, blobId);
    expect(error).toBeInstanceOf(BlobIntegrityError);
    expect(emitted.equals(data.subarray(0, 100))).toBe(true);
  });

  it('refuses a blob opened under another blob id (the AAD binds the id) or another key', async () => {
    const sealed = await seal(randomBytes(1000), key, blobId);
    expect((await unsealUntilError(sealed, key, randomUUID())).error).toBeInstanceOf(
      BlobIntegrityError,
    );
    expect((await unsealUntilError(sealed, randomBytes(32), blobId)).error).toBeInstanceOf(
      BlobIntegrityError,
    );
  });

  it('refuses a header with a foreign magic, another version or an implausible segment size', async () => {
    const sealed = await seal(randomBytes(100), key, blobId);
    const badMagic = Buffer.from(sealed);
    badMagic.write('XXXX', 0, 'ascii');
    const badVersion = Buffer.from(sealed);
    badVersion[4] = 9;
    const badSegment = Buffer.from(sealed);
    badSegment.writeUInt32BE(0, 5);
    for (const [tampered, message] of [
      [badMagic, /not a sealed blob/],
      [badVersion, /version 9/],
      [badSegment, /segment size/],
    ] as const) {
      const { error } = await unsealUntilError(tampered, key, blobId);
      expect(error).toBeInstanceOf(BlobIntegrityError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('plans a range to exactly the segments that cover it', () => {
    const plan = planRange(10 * S + 5, S, { start: S - 1, end: S });
    expect(plan).toMatchObject({ firstSegment: 0, lastSegment: 1, finalSegment: 10 });
    expect(plan.sealedStart).toBe(blobHeaderBytes);
    expect(plan.sealedEnd).toBe(blobHeaderBytes + 2 * (S + segmentTagBytes) - 1);
    const tail = planRange(10 * S + 5, S, { start: 10 * S + 4, end: 10 * S + 4 });
    expect(tail).toMatchObject({ firstSegment: 10, lastSegment: 10, skipBytes: 4, lengthBytes: 1 });
    expect(tail.sealedEnd).toBe(sealedSize(10 * S + 5, S) - 1);
    expect(() => planRange(100, S, { start: 50, end: 100 })).toThrow(RangeError);
    expect(() => planRange(100, S, { start: 5, end: 4 })).toThrow(RangeError);
  });

  it('keeps memory flat while 256 MiB stream through encryption and decryption', async () => {
    const total = 256 * MiB;
    const block = randomBytes(MiB);
    let produced = 0;
    const source = new Readable({
      read() {
        if (produced >= total) {
          this.push(null);
          return;
        }
        produced += block.length;
        this.push(Buffer.from(block));
      },
    });
    const hash = createHash('sha256');
    let seen = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        seen += chunk.length;
        callback();
      },
    });
    const dataKey = randomBytes(32);
    const id = randomUUID();
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 5);
    try {
      await pipeline(
        source,
        createEncryptStream({ dataKey, blobId: id }),
        createDecryptStream({ dataKey, blobId: id }),
        sink,
      );
    } finally {
      clearInterval(sampler);
    }
    expect(seen).toBe(total);
    // Bounded by stream buffers and a segment or two, nowhere near the 256 MiB that went by.
    expect(peak - baseline).toBeLessThan(48 * MiB);
  }, 120_000);
});

interface StoreUnderTest {
  name: 'local' | 's3';
  store: BlobStore;
  /** The bytes of an object, read behind the store's back. */
  rawPath(key: string): string;
  /** Leftovers of puts (local staging files; S3 multipart uploads still open). */
  leftovers(): Promise<string[]>;
}

let s3: TestS3Server;
let tempDir: string;
const stores: StoreUnderTest[] = [];

beforeAll(async () => {
  tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-blobs-'));
  s3 = await startS3Server();
  const local = new LocalBlobStore(path.join(tempDir, 'blobs'));
  stores.push({
    name: 'local',
    store: local,
    rawPath: (key) => local.filePath(key),
    leftovers: async () => fs.readdir(local.stagingDirectory).catch(() => []),
  });
  const remote = new S3BlobStore({
    bucket: s3.bucket,
    region: 'us-east-1',
    endpoint: s3.endpoint,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    forcePathStyle: true,
    partBytes: 5 * MiB,
  });
  stores.push({
    name: 's3',
    store: remote,
    // s3rver keeps each object as a file beside its metadata.
    rawPath: (key) => path.join(s3.directory, s3.bucket, `${key}._S3rver_object`),
    leftovers: async () => {
      const uploads = path.join(s3.directory, s3.bucket, '._S3rver_uploads');
      const open = await fs.readdir(uploads).catch(() => []);
      const aborted = new Set(
        s3.requests
          .filter((request) => request.method === 'DELETE' && request.url.includes('uploadId='))
          .map((request) => /uploadId=([0-9a-f]+)/.exec(request.url)?.[1]),
      );
      // s3rver cannot abort uploads; an upload the client aborted is not a leftover of ours.
      return open.filter((id) => !aborted.has(id));
    },
  });
});

afterAll(async () => {
  for (const { store } of stores) await store.close();
  await s3.close();
  await fs.rm(tempDir, { recursive: true, force: true });
});

const storeNames = ['local', 's3'] as const;
const storeNamed = (name: (typeof storeNames)[number]) => stores.find((s) => s.name === name)!;

describe.each(storeNames)('%s blob store', (name) => {
  it('puts, gets, stats, lists and deletes objects', async () => {
    const { store } = storeNamed(name);
    const data = randomBytes(3 * MiB + 11);
    const key = `t/${randomUUID()}`;
    expect(await store.exists(key)).toBe(false);
    expect(await store.stat(key)).toBeNull();
    expect(await store.put(key, chunked(data, [1, 1000, 70_000]))).toEqual({ bytes: data.length });
    expect(await store.exists(key)).toBe(true);
    expect(await store.stat(key)).toMatchObject({ key, sizeBytes: data.length });
    expect((await buffer(await store.get(key))).equals(data)).toBe(true);
    const listed: string[] = [];
    for await (const object of store.list()) listed.push(object.key);
    expect(listed).toContain(key);
    await store.delete(key);
    expect(await store.exists(key)).toBe(false);
    await store.delete(key); // already gone: not an error
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('stores empty objects and, through multipart uploads, objects larger than a part', async () => {
    const { store } = storeNamed(name);
    const empty = `t/${randomUUID()}`;
    expect(await store.put(empty, Readable.from([]))).toEqual({ bytes: 0 });
    expect((await buffer(await store.get(empty))).length).toBe(0);
    const large = randomBytes(12 * MiB + 5);
    const key = `t/${randomUUID()}`;
    const before = s3.requests.length;
    expect(await store.put(key, chunked(large, [MiB, 3 * MiB, 7 * MiB]))).toEqual({
      bytes: large.length,
    });
    if (name === 's3')
      expect(
        s3.requests.slice(before).filter((request) => request.url.includes('partNumber=')),
      ).toHaveLength(2); // 11 MiB once 5 MiB had gathered, then the last 1 MiB
    expect(sha256(await buffer(await store.get(key)))).toBe(sha256(large));
  });

  it('reads inclusive byte ranges, clamps the end, and refuses a start past the object', async () => {
    const { store } = storeNamed(name);
    const data = randomBytes(10_000);
    const key = `t/${randomUUID()}`;
    await store.put(key, Readable.from([data]));
    for (const range of [
      // (Not 0-0: s3rver reads an end of 0 as "to the end"; sealed reads never ask for it.)
      { start: 0, end: 1 },
      { start: 17, end: 4096 },
      { start: 9_999, end: 9_999 },
    ] satisfies StoreRange[])
      expect(
        (await buffer(await store.get(key, range))).equals(
          data.subarray(range.start, range.end + 1),
        ),
      ).toBe(true);
    expect(
      (await buffer(await store.get(key, { start: 9_000, end: 50_000 }))).equals(
        data.subarray(9_000),
      ),
    ).toBe(true);
    await expect(store.get(key, { start: 10_000, end: 10_100 })).rejects.toBeInstanceOf(
      BlobRangeError,
    );
    await expect(store.get(key, { start: 5, end: 4 })).rejects.toBeInstanceOf(BlobRangeError);
  });

  it('refuses keys that could escape the store or hide in its bookkeeping', async () => {
    const { store } = storeNamed(name);
    for (const key of [
      '../escape',
      '/etc/passwd',
      'a/../../b',
      'a//b',
      '.staging/x',
      'a/.hidden',
      '',
      'a/',
      'a b',
      'ä',
    ]) {
      await expect(store.put(key, Readable.from([Buffer.from('x')])), key).rejects.toThrow(
        /Malformed blob key/,
      );
      await expect(store.get(key), key).rejects.toThrow(/Malformed blob key/);
    }
    await expect(fs.access(path.join(tempDir, 'escape'))).rejects.toThrow();
  });

  it('leaves nothing under the key, and no temporary file, when the source fails (small or multipart)', async () => {
    const under = storeNamed(name);
    for (const bytes of [1000, 6 * MiB]) {
      const key = `t/${randomUUID()}`;
      await expect(under.store.put(key, failingSource(bytes))).rejects.toThrow(
        'the upload was interrupted',
      );
      expect(await under.store.exists(key)).toBe(false);
      await expect(fs.access(under.rawPath(key))).rejects.toThrow();
      expect(await under.leftovers()).toEqual([]);
    }
    if (name === 's3')
      expect(
        s3.requests.some(
          (request) => request.method === 'DELETE' && request.url.includes('uploadId='),
        ),
      ).toBe(true);
  });

  it('keeps the previous object whole when a put over it fails', async () => {
    const { store } = storeNamed(name);
    const key = `t/${randomUUID()}`;
    const original = randomBytes(7 * MiB);
    await store.put(key, Readable.from([original]));
    await expect(store.put(key, failingSource(6 * MiB))).rejects.toThrow(
      'the upload was interrupted',
    );
    expect(sha256(await buffer(await store.get(key)))).toBe(sha256(original));
  });
});

describe('local blob store on disk', () => {
  it('creates private directories and files, and clears only stale staging files', async () => {
    const root = path.join(tempDir, 'private');
    const store = new LocalBlobStore(root);
    await store.put('a/b/c', Readable.from([Buffer.from('hello')]));
    expect((await fs.stat(root)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(path.join(root, 'a', 'b'))).mode & 0o777).toBe(0o700);
    expect((await fs.stat(store.filePath('a/b/c'))).mode & 0o777).toBe(0o600);
    const stale = path.join(store.stagingDirectory, 'crashed.part');
    const fresh = path.join(store.stagingDirectory, 'in-progress.part');
    await fs.writeFile(stale, 'half');
    await fs.writeFile(fresh, 'half');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await fs.utimes(stale, hourAgo, hourAgo);
    expect(await store.removeIncompleteUploads(new Date(Date.now() - 60_000))).toBe(1);
    expect(await fs.readdir(store.stagingDirectory)).toEqual(['in-progress.part']);
    const listed: string[] = [];
    for await (const object of store.list()) listed.push(object.key);
    expect(listed).toEqual(['a/b/c']);
  });
});

describe('blob store configuration', () => {
  it('defaults to local files under <data dir>/blobs and builds an S3 store from CONSILIUM_S3_*', () => {
    const local = loadConfig({ CONSILIUM_DATA_DIR: tempDir });
    expect(local.blobStore).toEqual({ kind: 'local', directory: path.join(tempDir, 'blobs') });
    expect(createBlobStore(local.blobStore)).toBeInstanceOf(LocalBlobStore);
    const remote = loadConfig({
      CONSILIUM_BLOB_STORE: 's3',
      CONSILIUM_S3_BUCKET: 'records',
      CONSILIUM_S3_ENDPOINT: 'http://127.0.0.1:9000',
      CONSILIUM_S3_ACCESS_KEY_ID: 'id',
      CONSILIUM_S3_SECRET_ACCESS_KEY: 'secret',
      CONSILIUM_S3_FORCE_PATH_STYLE: 'true',
    });
    expect(remote.blobStore).toEqual({
      kind: 's3',
      bucket: 'records',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
      forcePathStyle: true,
    });
    expect(createBlobStore(remote.blobStore)).toBeInstanceOf(S3BlobStore);
  });

  it('names what is missing or wrong', () => {
    expect(() => loadConfig({ CONSILIUM_BLOB_STORE: 's3' })).toThrow(
      /CONSILIUM_S3_BUCKET: required/,
    );
    expect(() =>
      loadConfig({
        CONSILIUM_BLOB_STORE: 's3',
        CONSILIUM_S3_BUCKET: 'bucket',
        CONSILIUM_S3_ACCESS_KEY_ID: 'id',
      }),
    ).toThrow(/CONSILIUM_S3_SECRET_ACCESS_KEY/);
    expect(() => loadConfig({ CONSILIUM_BLOB_STORE: 'ftp' })).toThrow(ConfigError);
    expect(() => loadConfig({ CONSILIUM_S3_ENDPOINT: 'not a url' })).toThrow(
      /CONSILIUM_S3_ENDPOINT/,
    );
  });
});

describe('sealed blobs with their rows', () => {
  let handle: DatabaseHandle;
  let db: Database;
  let masterKey: MasterKey;
  let organizationId: string;
  let otherOrganizationId: string;
  const pdfPath = path.resolve(
    import.meta.dirname,
    '../fixtures/records/Discharge_Summary_UD_sample.pdf',
  );

  async function createOrganization(): Promise<string> {
    const row = await db
      .insertInto('organizations')
      .values({ slug: `org-${randomBytes(4).toString('hex')}`, name: 'Blob Clinic' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  beforeAll(async () => {
    const url = await createTestDatabase();
    await migrateToLatest(url);
    handle = openDatabase(url, { maxConnections: 6 });
    db = handle.db;
    masterKey = masterKeyFromBytes(randomBytes(32), 'environment');
    organizationId = await createOrganization();
    otherOrganizationId = await createOrganization();
  });

  afterAll(async () => {
    await handle.close();
  });

  describe.each(storeNames)('on the %s store', (name) => {
    it('seals a real PDF from its path and opens it byte for byte', async () => {
      const under = storeNamed(name);
      const original = await fs.readFile(pdfPath);
      const sealed = await sealFile({
        db,
        store: under.store,
        masterKey,
        organizationId,
        sourcePath: pdfPath,
      });
      expect(sealed).toMatchObject({
        organizationId,
        sizeBytes: original.length,
        sha256: sha256(original),
        storedBytes: sealedSize(original.length, S),
        formatVersion: 1,
      });
      expect(sealed.storageKey).toBe(
        `${organizationId}/${sealed.blobId.slice(0, 2)}/${sealed.blobId}`,
      );
      const stored = await fs.readFile(under.rawPath(sealed.storageKey));
      expect(stored.length).toBe(sealed.storedBytes);
      expect(stored.includes(original.subarray(0, 8))).toBe(false); // no "%PDF-1.x" at rest
      expect(await getBlob(db, organizationId, sealed.blobId)).toEqual(sealed);
      const opened = await buffer(
        await openBlob({
          db,
          store: under.store,
          masterKey,
          organizationId,
          blobId: sealed.blobId,
        }),
      );
      expect(opened.equals(original)).toBe(true);
    });

    it.each([0, 1, S - 1, S, S + 1, 6 * MiB + 1])(
      'round-trips %i bytes from a stream',
      async (size) => {
        const { store } = storeNamed(name);
        const data = randomBytes(size);
        const sealed = await sealFile({
          db,
          store,
          masterKey,
          organizationId,
          readable: chunked(data, [3, 5000]),
        });
        expect(sealed.sizeBytes).toBe(size);
        expect(sealed.sha256).toBe(sha256(data));
        const opened = await buffer(
          await openBlob({ db, store, masterKey, organizationId, blobId: sealed.blobId }),
        );
        expect(opened.equals(data)).toBe(true);
      },
    );

    it('reads plaintext ranges by fetching only the header and the segments that cover them', async () => {
      const { store } = storeNamed(name);
      const data = randomBytes(5 * S + 123);
      const sealed = await sealFile({
        db,
        store,
        masterKey,
        organizationId,
        readable: Readable.from([data]),
      });
      const fetched: Array<StoreRange | undefined> = [];
      // The real store, with its reads noted.
      const watched: BlobStore = {
        kind: store.kind,
        put: (key, source) => store.put(key, source),
        get: (key, range) => {
          fetched.push(range);
          return store.get(key, range);
        },
        stat: (key) => store.stat(key),
        exists: (key) => store.exists(key),
        delete: (key) => store.delete(key),
        list: () => store.list(),
        removeIncompleteUploads: (olderThan) => store.removeIncompleteUploads(olderThan),
        close: () => store.close(),
      };
      for (const range of [
        { start: 0, end: 0 },
        { start: S - 2, end: S + 1 },
        { start: 2 * S + 5, end: 4 * S + 9 },
        { start: 5 * S + 122, end: 5 * S + 122 },
        { start: 0, end: data.length - 1 },
      ]) {
        fetched.length = 0;
        const part = await buffer(
          await openBlob({
            db,
            store: watched,
            masterKey,
            organizationId,
            blobId: sealed.blobId,
            range,
          }),
        );
        expect(part.equals(data.subarray(range.start, range.end + 1)), JSON.stringify(range)).toBe(
          true,
        );
        const plan = planRange(data.length, S, range);
        expect(fetched).toEqual([
          { start: 0, end: blobHeaderBytes - 1 },
          { start: plan.sealedStart, end: plan.sealedEnd },
        ]);
      }
      for (const range of [
        { start: 0, end: data.length },
        { start: -1, end: 3 },
        { start: 9, end: 8 },
      ])
        await expect(
          openBlob({ db, store, masterKey, organizationId, blobId: sealed.blobId, range }),
        ).rejects.toBeInstanceOf(BlobRangeError);
    });

    it('fails the stream when the object at rest is tampered with, truncated or swapped', async () => {
      const under = storeNamed(name);
      const make = async () =>
        sealFile({
          db,
          store: under.store,
          masterKey,
          organizationId,
          readable: Readable.from([randomBytes(3 * S + 10)]),
        });
      const read = async (blobId: string, range?: StoreRange) =>
        buffer(
          await openBlob({
            db,
            store: under.store,
            masterKey,
            organizationId,
            blobId,
            ...(range === undefined ? {} : { range }),
          }),
        );

      const flipped = await make();
      const flippedFile = under.rawPath(flipped.storageKey);
      const bytes = await fs.readFile(flippedFile);
      bytes[blobHeaderBytes + S + 100]! ^= 0x40;
      await fs.writeFile(flippedFile, bytes);
      await expect(read(flipped.blobId)).rejects.toBeInstanceOf(BlobIntegrityError);
      // A range inside an intact segment still reads; one over the damaged segment does not.
      expect((await read(flipped.blobId, { start: 0, end: 99 })).length).toBe(100);
      await expect(read(flipped.blobId, { start: S, end: S + 200 })).rejects.toBeInstanceOf(
        BlobIntegrityError,
      );

      const truncated = await make();
      const truncatedFile = under.rawPath(truncated.storageKey);
      await fs.truncate(truncatedFile, truncated.storedBytes - (10 + segmentTagBytes));
      await expect(read(truncated.blobId)).rejects.toBeInstanceOf(BlobIntegrityError);

      const [first, second] = [await make(), await make()];
      const [a, b] = [
        await fs.readFile(under.rawPath(first.storageKey)),
        await fs.readFile(under.rawPath(second.storageKey)),
      ];
      await fs.writeFile(under.rawPath(first.storageKey), b);
      await fs.writeFile(under.rawPath(second.storageKey), a);
      await expect(read(first.blobId)).rejects.toBeInstanceOf(BlobIntegrityError);
      await expect(read(second.blobId)).rejects.toBeInstanceOf(BlobIntegrityError);
    });

    it('fails a full read whose plaintext disagrees with the recorded digest', async () => {
      const { store } = storeNamed(name);
      const sealed = await sealFile({
        db,
        store,
        masterKey,
        organizationId,
        readable: Readable.from([randomBytes(1000)]),
      });
      await db
        .updateTable('blobs')
        .set({ sha256: '0'.repeat(64) })
        .where('id', '=', sealed.blobId)
        .execute();
      await expect(
        buffer(await openBlob({ db, store, masterKey, organizationId, blobId: sealed.blobId })),
      ).rejects.toThrow(/recorded SHA-256/);
    });

    it("answers not found for another organization's blob or an unknown id", async () => {
      const { store } = storeNamed(name);
      const sealed = await sealFile({
        db,
        store,
        masterKey,
        organizationId,
        readable: Readable.from([Buffer.from('private')]),
      });
      await expect(
        openBlob({
          db,
          store,
          masterKey,
          organizationId: otherOrganizationId,
          blobId: sealed.blobId,
        }),
      ).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(
        openBlob({ db, store, masterKey, organizationId, blobId: randomUUID() }),
      ).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(await getBlob(db, otherOrganizationId, sealed.blobId)).toBeNull();
    });

    it('leaves no row, no object and no temporary file when the source fails, is missing or is too large', async () => {
      const under = storeNamed(name);
      const rowsBefore = await db
        .selectFrom('blobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const keysBefore = new Set<string>();
      for await (const object of under.store.list()) keysBefore.add(object.key);
      await expect(
        sealFile({
          db,
          store: under.store,
          masterKey,
          organizationId,
          readable: failingSource(6 * MiB),
        }),
      ).rejects.toThrow('the upload was interrupted');
      await expect(
        sealFile({
          db,
          store: under.store,
          masterKey,
          organizationId,
          sourcePath: path.join(tempDir, 'no-such-upload.part'),
        }),
      ).rejects.toMatchObject({ code: 'ENOENT' });
      const tooLarge = sealFile({
        db,
        store: under.store,
        masterKey,
        organizationId,
        readable: Readable.from([randomBytes(5000)]),
        maxBytes: 4096,
      });
      await expect(tooLarge).rejects.toBeInstanceOf(AppError);
      await expect(tooLarge).rejects.toMatchObject({ code: 'payload_too_large', status: 413 });
      const rowsAfter = await db
        .selectFrom('blobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(rowsAfter.n).toBe(rowsBefore.n);
      const added: string[] = [];
      for await (const object of under.store.list())
        if (!keysBefore.has(object.key)) added.push(object.key);
      expect(added).toEqual([]);
      expect(await under.leftovers()).toEqual([]);
    });

    it('records in the caller’s transaction: a rollback leaves an orphan object that the sweep removes after the grace period', async () => {
      const { store } = storeNamed(name);
      const kept = await sealFile({
        db,
        store,
        masterKey,
        organizationId,
        readable: Readable.from([randomBytes(100)]),
      });
      let orphanKey = '';
      await expect(
        db.transaction().execute(async (trx) => {
          const sealed = await sealFile({
            db: trx,
            store,
            masterKey,
            organizationId,
            readable: Readable.from([randomBytes(100)]),
          });
          orphanKey = sealed.storageKey;
          expect(await getBlob(trx, organizationId, sealed.blobId)).not.toBeNull();
          throw new Error('the unit of work failed');
        }),
      ).rejects.toThrow('the unit of work failed');
      expect(await store.exists(orphanKey)).toBe(true);

      // Phase one alone: a seal interrupted before its row (a crash).
      const draft = await writeSealedObject({
        store,
        organizationId,
        readable: Readable.from([randomBytes(100)]),
      });
      // A deleted document: the row goes in the unit of work, the object is left to the sweep.
      const deleted = await sealFile({
        db,
        store,
        masterKey,
        organizationId,
        readable: Readable.from([randomBytes(100)]),
      });
      expect(await deleteBlobRecord(db, organizationId, deleted.blobId)).toBe(deleted.storageKey);
      expect(await deleteBlobRecord(db, organizationId, deleted.blobId)).toBeNull();
      // An object that is not a blob of ours is never touched.
      await store.put('not-a-blob/readme', Readable.from([Buffer.from('x')]));

      // Within the grace period nothing goes: a seal may still be about to commit its row.
      const young = await sweepOrphanBlobs({
        db,
        store,
        olderThan: new Date(Date.now() - 3_600_000),
      });
      expect(young.removed).toBe(0);
      expect(young.young).toBeGreaterThanOrEqual(3);
      expect(await store.exists(draft.storageKey)).toBe(true);

      const swept = await sweepOrphanBlobs({ db, store, olderThan: new Date(Date.now() + 60_000) });
      expect(swept.removed).toBeGreaterThanOrEqual(3);
      expect(swept.foreign).toBeGreaterThanOrEqual(1);
      for (const key of [orphanKey, draft.storageKey, deleted.storageKey])
        expect(await store.exists(key)).toBe(false);
      expect(await store.exists('not-a-blob/readme')).toBe(true);
      // What has a row is never swept.
      const opened = await openBlob({ db, store, masterKey, organizationId, blobId: kept.blobId });
      expect((await buffer(opened)).length).toBe(100);
    });
  });

  it('gives a new organization exactly one key even when its first blobs are sealed at once', async () => {
    const fresh = await createOrganization();
    const { store } = storeNamed('local');
    const sealed = await Promise.all(
      Array.from({ length: 8 }, () =>
        sealFile({
          db,
          store,
          masterKey,
          organizationId: fresh,
          readable: Readable.from([randomBytes(10)]),
        }),
      ),
    );
    const keys = await db
      .selectFrom('organization_keys')
      .selectAll()
      .where('organization_id', '=', fresh)
      .execute();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ version: 1, status: 'active', master_key_id: masterKey.id });
    expect(new Set(sealed.map((blob) => blob.kekId))).toEqual(new Set([keys[0]!.id]));
  });
});
