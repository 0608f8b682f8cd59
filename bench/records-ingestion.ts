/**
 * Records ingestion benchmark (issue 4): 128 MiB and 1 GiB DICOM files uploaded over loopback
 * through the whole records pipeline — the tus upload, then the processing step (content check,
 * the single streaming pass that hashes and encrypts the file into the blob store, DICOM header,
 * one transaction) until the upload is `stored` — with the server's memory sampled throughout (it
 * must not grow with the file), and FHIR import of a large record in resources per second,
 * in-process and through the pipeline.
 *
 * Throughput is shown beside what this machine's own OpenSSL does with the same bytes: SHA-256 of
 * the file (`openssl dgst -sha256`) plus AES-256-GCM over as many bytes (`openssl speed -evp
 * aes-256-gcm` at the blob format's 64 KiB segments), one after the other on one core, which is
 * the cryptographic work of the seal pass. `openssl enc` refuses AEAD ciphers, so its AES-256-CTR
 * pass over the file is shown too; and a plain copy of the file flushed to disk, the I/O share.
 *
 * The app runs in this process exactly as `consilium start` builds it (`startConsilium`, its own
 * embedded PostgreSQL in a temporary directory, listening on 127.0.0.1), without a malware
 * scanner: clamd's default stream limit (`StreamMaxLength`, docs/storage.md) is far below 1 GiB,
 * and a scan of that size would measure ClamAV rather than the pipeline. The client — writing the
 * test files and uploading them with tus-js-client, as the web app does — is a child process
 * running this same module, so the resident memory sampled here is the server's own.
 *
 * Run with `npm run bench:ingestion` (not part of `npm test`); docs/performance.md has the figures.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { Upload as TusUpload } from 'tus-js-client';
import { importFhirJsonText } from '../src/core/records/fhir-import.ts';
import type { Consilium } from '../src/server/app/app.ts';
import { writeSealedObject } from '../src/server/blobs/sealed-blobs.ts';
import type { DB } from '../src/server/db/schema.gen.ts';
import { recordMaxBytes } from '../src/core/records/record-types.ts';
import { recordCheckJob } from '../src/server/records/record-services.ts';
import { recordProcessJobName } from '../src/server/records/uploads/record-processing-job.ts';
import { createMember, createOrganization } from '../tests/support/accounts.ts';
import { cookieHeader, startBenchServer } from './support.ts';

const MiB = 1024 * 1024;
/** Bytes per PATCH request of the tus client: the web app's (`recordUploadChunkBytes`). */
const uploadChunkBytes = 8 * MiB;
const memorySampleMs = 100;
/** Bounded: whatever happens, the run stops after ten minutes. */
const watchdogMs = 10 * 60_000;
const outcomeTimeoutMs = 5 * 60_000;

/** CT-like frames: 512 × 512 pixels of 16 bits allocated, 12 stored. */
const frameRows = 512;
const frameColumns = 512;
const frameBytes = frameRows * frameColumns * 2;

interface DicomFile {
  label: string;
  frames: number;
}

/** A small first upload warms every code path; its figures are not shown. */
const warmUpFile: DicomFile = { label: 'warm-up (16 MiB)', frames: 32 };
const smallFile: DicomFile = { label: '128 MiB', frames: 256 };
const largeFile: DicomFile = { label: '1 GiB', frames: 2048 };
/** Each size is sent this many times, alternately (the machine may be shared: figures vary). */
const repetitions = 3;

/**
 * The FHIR record: the Synthea bundle's entries repeated with fresh ids to this many resources —
 * about what a 50 MB Synthea bundle holds (`fhirImportMaxResources`), and enough for the NDJSON
 * file to pass 64 MiB, above which the pipeline streams it line by line.
 */
const fhirTargetResources = 60_000;
const fhirFixture = path.resolve(
  import.meta.dirname,
  '../tests/fixtures/records/fhir/Antonio_Castellanos_6d2eba67-5b4a-403f-a29f-e6da3f1ea963.json',
);
/** Kept once (one patient's long record), not repeated with the clinical entries. */
const sharedFhirTypes = new Set(['Patient', 'Organization', 'Practitioner']);
const inProcessImportRuns = 2;

/**
 * Tolerance of the flatness verdict: the server's peak during the 1 GiB runs may exceed its peak
 * during the 128 MiB runs by this much (a server holding a share of the file would differ by
 * hundreds of MiB).
 */
const flatToleranceMiB = 64;

const execFileAsync = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Test files (written by the client process).

/** A DICOM element in Explicit VR Little Endian (PS3.5 section 7.1.2), value padded to even. */
function dicomElement(group: number, element: number, vr: string, value: Buffer): Buffer {
  const padded =
    value.length % 2 === 0
      ? value
      : Buffer.concat([value, Buffer.from([vr === 'UI' || vr === 'OB' ? 0x00 : 0x20])]);
  // OB, OW, OF, SQ, UT and UN have a reserved field and a 32-bit length (PS3.5 table 7.1-1).
  const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(element, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(padded.length, 8);
  else head.writeUInt16LE(padded.length, 6);
  return Buffer.concat([head, padded]);
}

const text = (value: string) => Buffer.from(value, 'latin1');
function uint16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(value);
  return bytes;
}

/** A UUID-derived UID (PS3.5 section B.2): `2.25.` and the UUID as a decimal integer. */
function uuidUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replaceAll('-', '')}`).toString()}`;
}

/**
 * Everything of a multi-frame CT-like DICOM Part 10 file before its pixel data: preamble, `DICM`,
 * the file meta group (PS3.10 section 7.1), the identifying header the pipeline reads, and the
 * Pixel Data (7FE0,0010) element's own header announcing `frames` frames.
 */
function dicomHead(frames: number): Buffer {
  const sopClass = '1.2.840.10008.5.1.4.1.1.2.1'; // Enhanced CT Image Storage
  const sopInstance = uuidUid();
  const metaElements = Buffer.concat([
    dicomElement(0x0002, 0x0001, 'OB', Buffer.from([0x00, 0x01])),
    dicomElement(0x0002, 0x0002, 'UI', text(sopClass)),
    dicomElement(0x0002, 0x0003, 'UI', text(sopInstance)),
    dicomElement(0x0002, 0x0010, 'UI', text('1.2.840.10008.1.2.1')), // Explicit VR Little Endian
    dicomElement(0x0002, 0x0012, 'UI', text('2.25.1')),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaElements.length);
  const pixelDataHead = Buffer.alloc(12);
  pixelDataHead.writeUInt16LE(0x7fe0, 0);
  pixelDataHead.writeUInt16LE(0x0010, 2);
  pixelDataHead.write('OW', 4, 'latin1');
  pixelDataHead.writeUInt32LE(frames * frameBytes, 8);
  return Buffer.concat([
    Buffer.alloc(128),
    text('DICM'),
    dicomElement(0x0002, 0x0000, 'UL', groupLength),
    metaElements,
    dicomElement(0x0008, 0x0016, 'UI', text(sopClass)),
    dicomElement(0x0008, 0x0018, 'UI', text(sopInstance)),
    dicomElement(0x0008, 0x0020, 'DA', text('20261002')),
    dicomElement(0x0008, 0x0060, 'CS', text('CT')),
    dicomElement(0x0008, 0x0080, 'LO', text('Riverside Imaging Centre')),
    dicomElement(0x0008, 0x1030, 'LO', text('CT chest abdomen pelvis with contrast')),
    dicomElement(0x0010, 0x0010, 'PN', text('Moreau^Chloe')),
    dicomElement(0x0010, 0x0030, 'DA', text('19640312')),
    dicomElement(0x0018, 0x0015, 'CS', text('CHEST')),
    dicomElement(0x0020, 0x000d, 'UI', text(uuidUid())),
    dicomElement(0x0020, 0x000e, 'UI', text(uuidUid())),
    dicomElement(0x0020, 0x0011, 'IS', text('1')),
    dicomElement(0x0020, 0x0013, 'IS', text('1')),
    dicomElement(0x0028, 0x0002, 'US', uint16(1)),
    dicomElement(0x0028, 0x0004, 'CS', text('MONOCHROME2')),
    dicomElement(0x0028, 0x0008, 'IS', text(String(frames))),
    dicomElement(0x0028, 0x0010, 'US', uint16(frameRows)),
    dicomElement(0x0028, 0x0011, 'US', uint16(frameColumns)),
    dicomElement(0x0028, 0x0100, 'US', uint16(16)),
    dicomElement(0x0028, 0x0101, 'US', uint16(12)),
    dicomElement(0x0028, 0x0102, 'US', uint16(11)),
    dicomElement(0x0028, 0x0103, 'US', uint16(0)),
    pixelDataHead,
  ]);
}

/**
 * Writes a multi-frame DICOM file of `frames` deterministic frames; answers its size. Pixel
 * (x, y) of frame f is (3x + 5y + 11f) mod 4096: 12-bit values, so the high byte of every pixel is
 * below 0x10 and no run of pixel bytes can spell another format's signature (ZIP, PDF, markup) in
 * the ends of the file that the content check reads.
 */
async function writeMultiFrameDicom(filePath: string, frames: number): Promise<number> {
  // Row r of the table: the row whose first pixel is r, i.e. (3x + r) mod 4096 for every x.
  const rowBytes = frameColumns * 2;
  const rowTable = Buffer.alloc(4096 * rowBytes);
  for (let start = 0; start < 4096; start += 1)
    for (let x = 0; x < frameColumns; x += 1)
      rowTable.writeUInt16LE((3 * x + start) & 0x0fff, start * rowBytes + x * 2);
  const frame = Buffer.alloc(frameBytes);
  const handle = await fs.open(filePath, 'w', 0o600);
  try {
    await handle.write(dicomHead(frames));
    for (let f = 0; f < frames; f += 1) {
      for (let y = 0; y < frameRows; y += 1) {
        const start = ((5 * y + 11 * f) & 0x0fff) * rowBytes;
        rowTable.copy(frame, y * rowBytes, start, start + rowBytes);
      }
      await handle.write(frame);
    }
  } finally {
    await handle.close();
  }
  return (await fs.stat(filePath)).size;
}

interface FhirEntry {
  resource?: { resourceType?: unknown; id?: unknown };
}

interface FhirFiles {
  resources: number;
  bundleBytes: number;
  ndjsonBytes: number;
}

/**
 * A large FHIR record from the Synthea bundle: its Patient, Organization and Practitioner once,
 * and its other entries (encounters, conditions, observations, claims …) repeated with fresh ids
 * (every reference between them renamed alike) until there are `minResources` resources —
 * written twice, as one transaction Bundle and as NDJSON (one resource per line).
 */
async function writeLargeFhirRecord(
  bundlePath: string,
  ndjsonPath: string,
  minResources: number,
): Promise<FhirFiles> {
  const bundle = JSON.parse(await fs.readFile(fhirFixture, 'utf8')) as { entry?: FhirEntry[] };
  const entries = bundle.entry ?? [];
  const typeOf = (entry: FhirEntry) => String(entry.resource?.resourceType);
  const shared = entries.filter((entry) => sharedFhirTypes.has(typeOf(entry)));
  const repeated = entries.filter((entry) => !sharedFhirTypes.has(typeOf(entry)));
  const ids = repeated.map((entry) => entry.resource?.id);
  if (ids.some((id) => typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)))
    throw new Error('every repeated entry of the fixture needs a UUID id');
  const idPattern = new RegExp((ids as string[]).join('|'), 'g');
  const copies = Math.ceil((minResources - shared.length) / repeated.length);
  const entryTexts = repeated.map((entry) => JSON.stringify(entry));
  const resourceTexts = repeated.map((entry) => JSON.stringify(entry.resource));

  const bundleOut = createWriteStream(bundlePath, { mode: 0o600 });
  const ndjsonOut = createWriteStream(ndjsonPath, { mode: 0o600 });
  const write = (out: typeof bundleOut, chunk: string) =>
    out.write(chunk)
      ? Promise.resolve()
      : new Promise<void>((resolve) => out.once('drain', resolve));
  const fresh = new Set<string>();
  await write(bundleOut, '{"resourceType":"Bundle","type":"transaction","entry":[');
  await write(bundleOut, shared.map((entry) => JSON.stringify(entry)).join(','));
  await write(ndjsonOut, shared.map((entry) => `${JSON.stringify(entry.resource)}\n`).join(''));
  for (let copy = 0; copy < copies; copy += 1) {
    // The id's last 12 hex digits become the copy's number: fresh, and the same in every reference.
    const suffix = copy.toString(16).padStart(12, '0');
    const rename = (json: string) =>
      json.replace(idPattern, (id) => {
        const renamed = `${id.slice(0, 24)}${suffix}`;
        fresh.add(renamed);
        return renamed;
      });
    await write(bundleOut, `,${entryTexts.map(rename).join(',')}`);
    await write(ndjsonOut, resourceTexts.map((json) => `${rename(json)}\n`).join(''));
  }
  await write(bundleOut, ']}\n');
  await Promise.all(
    [bundleOut, ndjsonOut].map(
      (out) =>
        new Promise<void>((resolve, reject) => out.end(() => resolve()).once('error', reject)),
    ),
  );
  if (fresh.size !== repeated.length * copies) throw new Error('the fresh ids are not unique');
  return {
    resources: shared.length + repeated.length * copies,
    bundleBytes: (await fs.stat(bundlePath)).size,
    ndjsonBytes: (await fs.stat(ndjsonPath)).size,
  };
}

// ---------------------------------------------------------------------------------------------
// The client: a child process running this module, which writes the files and uploads them.

const clientFlag = '--records-ingestion-client';

interface UploadJob {
  kind: 'upload';
  endpoint: string;
  headers: Record<string, string>;
  filePath: string;
  fileName: string;
  chunkBytes: number;
}

type ClientJob =
  | { kind: 'write-dicom'; filePath: string; frames: number }
  | { kind: 'write-fhir'; bundlePath: string; ndjsonPath: string; minResources: number }
  | UploadJob;

interface UploadDone {
  uploadId: string;
  seconds: number;
}

type ClientAnswer =
  | { ok: true; sizeBytes?: number; fhir?: FhirFiles; upload?: UploadDone }
  | { ok: false; message: string };

/** One tus upload of the file, streamed from disk in `chunkBytes` PATCH requests. */
function uploadFile(job: UploadJob): Promise<UploadDone> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const upload = new TusUpload(createReadStream(job.filePath), {
      endpoint: job.endpoint,
      chunkSize: job.chunkBytes,
      headers: job.headers,
      metadata: { filename: job.fileName },
      retryDelays: null,
      storeFingerprintForResuming: false,
      onSuccess: () => {
        const url = upload.url ?? '';
        resolve({
          uploadId: url.slice(url.lastIndexOf('/') + 1),
          seconds: (performance.now() - started) / 1000,
        });
      },
      onError: reject,
    });
    upload.start();
  });
}

async function runClientJob(job: ClientJob): Promise<ClientAnswer> {
  switch (job.kind) {
    case 'write-dicom':
      return { ok: true, sizeBytes: await writeMultiFrameDicom(job.filePath, job.frames) };
    case 'write-fhir':
      return {
        ok: true,
        fhir: await writeLargeFhirRecord(job.bundlePath, job.ndjsonPath, job.minResources),
      };
    case 'upload':
      return { ok: true, upload: await uploadFile(job) };
  }
}

function serveClientJobs(): void {
  process.on('message', (job: ClientJob) => {
    runClientJob(job).then(
      (answer) => process.send?.(answer),
      (error: unknown) =>
        process.send?.({ ok: false, message: String(error) } satisfies ClientAnswer),
    );
  });
  // The benchmark's end (or its death) ends the client.
  process.on('disconnect', () => process.exit(0));
}

interface IngestionClient {
  run(job: ClientJob): Promise<ClientAnswer & { ok: true }>;
  close(): void;
}

/** Starts the client process; it runs one job at a time. */
function startIngestionClient(): IngestionClient {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [clientFlag], {
    stdio: 'inherit',
  });
  return {
    run(job) {
      return new Promise((resolve, reject) => {
        const onExit = (code: number | null) =>
          reject(new Error(`the client process ended (${code})`));
        child.once('exit', onExit);
        child.once('message', (answer: ClientAnswer) => {
          child.off('exit', onExit);
          if (answer.ok) resolve(answer);
          else reject(new Error(`client: ${answer.message}`));
        });
        child.send(job);
      });
    },
    close() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// References: what OpenSSL and a plain copy do with the same file on this machine.

interface Reference {
  /** `openssl dgst -sha256 FILE`, bytes per second. */
  sha256: number | null;
  /** `openssl enc -aes-256-ctr -in FILE -out /dev/null`, bytes per second. */
  aesCtrFile: number | null;
  /** `openssl speed -evp aes-256-gcm -bytes 65536`, bytes per second. */
  aesGcm: number | null;
  /** SHA-256 then AES-256-GCM over the file's bytes, one after the other: bytes per second. */
  sealReference: number | null;
  /** The file copied through Node streams into a new file, then flushed (fsync). */
  copyWithFsync: number;
  /** The seal pass's work done one step after the other: the crypto reference, then the copy. */
  sealWithIo: number | null;
}

async function timeSeconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

/** The better of two runs of `work` (the machine may be shared), in seconds. */
async function bestOfTwo(work: () => Promise<unknown>): Promise<number> {
  return Math.min(await timeSeconds(work), await timeSeconds(work));
}

async function opensslGcmBytesPerSecond(): Promise<number> {
  const { stdout } = await execFileAsync('openssl', [
    'speed',
    '-evp',
    'aes-256-gcm',
    '-bytes',
    '65536',
    '-seconds',
    '3',
  ]);
  // The last line: `AES-256-GCM    4006012.75k`, in thousands of bytes per second.
  const match = /([\d.]+)k\s*$/.exec(stdout.trim());
  if (match === null) throw new Error(`unexpected openssl speed output: ${stdout}`);
  return Number(match[1]) * 1000;
}

async function measureReference(
  filePath: string,
  sizeBytes: number,
  scratchDir: string,
  gcm: number | null,
): Promise<Reference> {
  let sha256: number | null = null;
  let aesCtrFile: number | null = null;
  try {
    sha256 =
      sizeBytes / (await bestOfTwo(() => execFileAsync('openssl', ['dgst', '-sha256', filePath])));
    const key = randomBytes(32).toString('hex');
    const iv = randomBytes(16).toString('hex');
    aesCtrFile =
      sizeBytes /
      (await bestOfTwo(() =>
        execFileAsync('openssl', [
          'enc',
          '-aes-256-ctr',
          '-K',
          key,
          '-iv',
          iv,
          '-in',
          filePath,
          '-out',
          '/dev/null',
        ]),
      ));
  } catch {
    // No usable openssl: the ratios are left out.
  }
  const copyPath = path.join(scratchDir, 'copy');
  const copySeconds = await bestOfTwo(async () => {
    await pipeline(createReadStream(filePath), createWriteStream(copyPath, { flush: true }));
    await fs.rm(copyPath);
  });
  const sealReference = sha256 === null || gcm === null ? null : 1 / (1 / sha256 + 1 / gcm);
  const copyWithFsync = sizeBytes / copySeconds;
  return {
    sha256,
    aesCtrFile,
    aesGcm: gcm,
    sealReference,
    copyWithFsync,
    sealWithIo: sealReference === null ? null : 1 / (1 / sealReference + 1 / copyWithFsync),
  };
}

// ---------------------------------------------------------------------------------------------
// The server's memory.

interface MemoryPeak {
  /**
   * Peak resident set size: the kernel's high-water mark (VmHWM) when it can be reset, else the
   * highest sample.
   */
  rss: number;
  heapUsed: number;
  /** Memory of Buffers and other objects outside the JavaScript heap. */
  external: number;
  samples: number;
}

/** Resets the kernel's peak-RSS mark of this process (Linux: `5` into /proc/self/clear_refs). */
async function resetPeakRss(): Promise<boolean> {
  try {
    await fs.writeFile('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

async function readPeakRss(): Promise<number | null> {
  try {
    const status = await fs.readFile('/proc/self/status', 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return match === null ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}

/**
 * Samples this process's memory every 100 ms until stopped (the sampling runs on the server's
 * own event loop; the kernel's high-water mark catches a peak between two samples).
 */
async function startMemorySampler(): Promise<{ stop(): Promise<MemoryPeak> }> {
  const kernelPeak = await resetPeakRss();
  const peak: MemoryPeak = { rss: 0, heapUsed: 0, external: 0, samples: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    peak.rss = Math.max(peak.rss, usage.rss);
    peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
    peak.external = Math.max(peak.external, usage.external);
    peak.samples += 1;
  };
  sample();
  // Unreferenced: a run that fails half-way must not keep the process alive.
  const timer = setInterval(sample, memorySampleMs).unref();
  return {
    async stop() {
      clearInterval(timer);
      sample();
      const hwm = kernelPeak ? await readPeakRss() : null;
      if (hwm !== null) peak.rss = Math.max(peak.rss, hwm);
      return peak;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The app, a patient with two cases, and what becomes of an upload.

interface BenchApp {
  app: Consilium;
  organizationId: string;
  /** The patient's session and CSRF headers, as a browser sends them. */
  headers: Record<string, string>;
  /** A connection of the database's owner, for pg-boss's job table (not the app's role). */
  admin: pg.Client;
  dicomCaseId: string;
  fhirCaseId: string;
  bootMs: number;
  close(): Promise<void>;
}

async function startBenchApp(): Promise<BenchApp> {
  const server = await startBenchServer('ingestion');
  let admin: pg.Client | null = null;
  const close = async () => {
    await admin?.end();
    admin = null;
    await server.close();
  };
  try {
    admin = new pg.Client({ connectionString: server.app.databaseUrl });
    await admin.connect();
    const organization = await createOrganization(server.testApp, 'Ingestion Benchmark Clinic');
    const patient = await createMember(server.testApp, organization.id, 'patient');
    const newCase = async () => {
      const created = await patient.client.post<{ id: string }>('/api/v1/cases', {
        patientId: patient.patientId,
      });
      if (created.status !== 201) throw new Error(`creating a case: ${created.text}`);
      return created.body.id;
    };
    return {
      app: server.app,
      organizationId: organization.id,
      admin,
      headers: {
        cookie: cookieHeader(patient.client),
        'x-csrf-token': patient.client.cookies.get('consilium_csrf') ?? '',
      },
      dicomCaseId: await newCase(),
      fhirCaseId: await newCase(),
      bootMs: server.bootMs,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

interface JobTimes {
  state: string;
  /** From the job's creation to a worker taking it (pg-boss polls every 0.5 s). */
  waitSeconds: number;
  /** From a worker taking the job to its completion. */
  runSeconds: number;
}

/** Waits until the newest job `name` whose data has `key` = `value` has ended; its times. */
async function waitForJob(
  admin: pg.Client,
  name: string,
  key: string,
  value: string,
  timeoutMs = outcomeTimeoutMs,
): Promise<JobTimes> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { rows } = await admin.query<{
      state: string;
      created_on: Date;
      started_on: Date | null;
      completed_on: Date | null;
    }>(
      `SELECT state, created_on, started_on, completed_on FROM pgboss.job
       WHERE name = $1 AND data->>$2 = $3
       ORDER BY created_on DESC LIMIT 1`,
      [name, key, value],
    );
    const job = rows[0];
    if (job?.started_on != null && job.completed_on != null) {
      return {
        state: job.state,
        waitSeconds: (job.started_on.getTime() - job.created_on.getTime()) / 1000,
        runSeconds: (job.completed_on.getTime() - job.started_on.getTime()) / 1000,
      };
    }
    if (performance.now() > deadline)
      throw new Error(`job ${name} (${key} ${value}) did not end within ${timeoutMs / 1000} s`);
    await sleep(memorySampleMs);
  }
}

/** Waits until the upload has left `receiving`/`processing`; its row. */
async function waitForOutcome(db: Kysely<DB>, uploadId: string) {
  const deadline = performance.now() + outcomeTimeoutMs;
  for (;;) {
    const row = await db
      .selectFrom('record_uploads')
      .select(['state', 'refusal_code', 'refusal_message'])
      .where('id', '=', uploadId)
      .executeTakeFirst();
    if (row !== undefined && row.state !== 'receiving' && row.state !== 'processing') return row;
    if (performance.now() > deadline) throw new Error(`upload ${uploadId} was not processed`);
    await sleep(memorySampleMs);
  }
}

interface PipelineRun {
  sizeBytes: number;
  uploadSeconds: number;
  /** From the processing job's creation (the upload's last byte) to a worker taking it up. */
  queueSeconds: number;
  /** From a worker taking the processing job up to its end. */
  processSeconds: number;
  /** From the upload's start until the row said `stored` (seen by polling every 100 ms). */
  totalSeconds: number;
  /** CPU time of this process (every thread) while uploading and while processing. */
  uploadCpuSeconds: number;
  processCpuSeconds: number;
  uploadPeak: MemoryPeak;
  processPeak: MemoryPeak;
  load: number;
}

const cpuSecondsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

/**
 * Uploads one file over loopback and waits until it is stored, sampling memory throughout; then
 * waits for the safety-net check the stored file asks for, so the next run starts on a quiet
 * server.
 */
async function runThroughPipeline(
  bench: BenchApp,
  client: IngestionClient,
  caseId: string,
  filePath: string,
  fileName: string,
): Promise<PipelineRun> {
  const { db } = bench.app.services;
  const sizeBytes = (await fs.stat(filePath)).size;
  const started = performance.now();
  let cpu = process.cpuUsage();
  let sampler = await startMemorySampler();
  const answer = await client.run({
    kind: 'upload',
    endpoint: `${bench.app.address!}/api/v1/cases/${caseId}/uploads`,
    headers: bench.headers,
    filePath,
    fileName,
    chunkBytes: uploadChunkBytes,
  });
  const uploadPeak = await sampler.stop();
  const uploadCpuSeconds = cpuSecondsSince(cpu);
  cpu = process.cpuUsage();
  sampler = await startMemorySampler();
  const { uploadId, seconds: uploadSeconds } = answer.upload!;
  const outcome = await waitForOutcome(db, uploadId);
  const totalSeconds = (performance.now() - started) / 1000;
  const job = await waitForJob(bench.admin, recordProcessJobName, 'uploadId', uploadId);
  const processPeak = await sampler.stop();
  const processCpuSeconds = cpuSecondsSince(cpu);
  if (outcome.state !== 'stored')
    throw new Error(
      `${fileName}: ${outcome.state} (${outcome.refusal_code}: ${outcome.refusal_message})`,
    );
  const load = os.loadavg()[0]!;
  await waitForJob(bench.admin, recordCheckJob, 'caseId', caseId);
  return {
    sizeBytes,
    uploadSeconds,
    queueSeconds: job.waitSeconds,
    processSeconds: job.runSeconds,
    totalSeconds,
    uploadCpuSeconds,
    processCpuSeconds,
    uploadPeak,
    processPeak,
    load,
  };
}

/**
 * The seal pass alone, in-process: the file hashed and encrypted into the app's blob store, read
 * in the same 1 MiB parts as the processing step reads it. Answers seconds and CPU seconds.
 */
async function timeSealAlone(
  bench: BenchApp,
  filePath: string,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const { store } = bench.app.services.records;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const draft = await writeSealedObject({
    readable: createReadStream(filePath, { highWaterMark: MiB }),
    store,
    organizationId: bench.organizationId,
    maxBytes: recordMaxBytes,
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpu);
  draft.dataKey.fill(0);
  await store.delete(draft.storageKey);
  return { seconds, cpuSeconds };
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

const mib = (bytes: number) => (bytes / MiB).toFixed(0);
const mibPerSecond = (bytes: number, seconds: number) => (bytes / MiB / seconds).toFixed(0);
const ratio = (bytes: number, seconds: number, reference: number | null) =>
  reference === null ? '-' : (bytes / seconds / reference).toFixed(2);
const peakOf = (run: PipelineRun) => Math.max(run.uploadPeak.rss, run.processPeak.rss);

function memoryRow(run: PipelineRun, baselineRss: number) {
  return {
    'file MiB': mib(run.sizeBytes),
    'peak RSS upload MiB': mib(run.uploadPeak.rss),
    'peak RSS processing MiB': mib(run.processPeak.rss),
    'peak − baseline MiB': mib(peakOf(run) - baselineRss),
    'heap peak MiB': mib(Math.max(run.uploadPeak.heapUsed, run.processPeak.heapUsed)),
    'external peak MiB': mib(Math.max(run.uploadPeak.external, run.processPeak.external)),
    samples: run.uploadPeak.samples + run.processPeak.samples,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs the benchmark and prints its tables; answers whether every step completed. */
export async function benchRecordsIngestion(): Promise<boolean> {
  const filesDir = await fs.mkdtemp(path.join(os.tmpdir(), 'consilium-bench-ingestion-files-'));
  const client = startIngestionClient();
  let bench: BenchApp | null = null;
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    client.close();
    await bench?.close();
    await fs.rm(filesDir, { recursive: true, force: true });
  };
  const watchdog = setTimeout(() => {
    console.error('records ingestion benchmark: over ten minutes, stopping');
    void cleanUp().finally(() => process.exit(2));
  }, watchdogMs);
  watchdog.unref();
  try {
    console.log('Records ingestion');
    const written = new Map<DicomFile, { filePath: string; sizeBytes: number }>();
    for (const file of [warmUpFile, smallFile, largeFile]) {
      const filePath = path.join(filesDir, `ct-${file.frames}.dcm`);
      const answer = await client.run({ kind: 'write-dicom', filePath, frames: file.frames });
      written.set(file, { filePath, sizeBytes: answer.sizeBytes! });
    }
    const fileOf = (file: DicomFile) => written.get(file)!;

    // The references first, with nothing else running in this process.
    let gcm: number | null = null;
    let opensslVersion = 'not found';
    try {
      opensslVersion = (await execFileAsync('openssl', ['version'])).stdout.trim();
      gcm = await opensslGcmBytesPerSecond();
    } catch {
      // Reported as missing below.
    }
    const references = new Map<DicomFile, Reference>();
    const referenceRows: Record<string, Record<string, string>> = {};
    const show = (rate: number | null) => (rate === null ? '-' : mibPerSecond(rate, 1));
    for (const file of [smallFile, largeFile]) {
      const { filePath, sizeBytes } = fileOf(file);
      const reference = await measureReference(filePath, sizeBytes, filesDir, gcm);
      references.set(file, reference);
      referenceRows[file.label] = {
        'openssl dgst -sha256 MiB/s': show(reference.sha256),
        'openssl enc -aes-256-ctr MiB/s': show(reference.aesCtrFile),
        'openssl speed aes-256-gcm (64 KiB) MiB/s': show(reference.aesGcm),
        'SHA-256 + AES-256-GCM MiB/s': show(reference.sealReference),
        'copy + fsync MiB/s': show(reference.copyWithFsync),
        'crypto, then copy + fsync MiB/s': show(reference.sealWithIo),
        load: os.loadavg()[0]!.toFixed(1),
      };
    }
    console.log(`Reference on the same files (${opensslVersion}; files in the page cache)`);
    console.table(referenceRows);

    bench = await startBenchApp();
    console.table({
      'start app + embedded PostgreSQL (ms)': bench.bootMs.toFixed(0),
      'tus chunk (MiB)': uploadChunkBytes / MiB,
      'malware scanner': 'none (clamd refuses 1 GiB streams by default)',
    });
    const idleRss = process.memoryUsage().rss;
    const dicomName = (file: DicomFile) => `CT/${file.label.replace(/\W+/g, '-')}.dcm`;
    const warmUp = fileOf(warmUpFile);
    await runThroughPipeline(
      bench,
      client,
      bench.dicomCaseId,
      warmUp.filePath,
      dicomName(warmUpFile),
    );
    // After the warm-up and the safety-net check it asked for (which loads the safety net's
    // reference data once): what the server holds before the measured uploads.
    const baselineRss = process.memoryUsage().rss;
    const runs: Array<{ file: DicomFile; run: PipelineRun }> = [];
    for (let round = 0; round < repetitions; round += 1) {
      for (const file of [smallFile, largeFile]) {
        const { filePath } = fileOf(file);
        const run = await runThroughPipeline(
          bench,
          client,
          bench.dicomCaseId,
          filePath,
          dicomName(file),
        );
        runs.push({ file, run });
      }
    }
    const sealAlone: Array<{ file: DicomFile; seconds: number; cpuSeconds: number }> = [];
    for (let round = 0; round < repetitions; round += 1)
      for (const file of [smallFile, largeFile])
        sealAlone.push({ file, ...(await timeSealAlone(bench, fileOf(file).filePath)) });

    console.log(
      'Upload over loopback, then processing until `stored` (ratio: throughput ÷ the SHA-256 + AES-256-GCM reference)',
    );
    const runLabel = (file: DicomFile, index: number) =>
      `${file.label} #${Math.floor(index / 2) + 1}`;
    console.table(
      Object.fromEntries(
        runs.map(({ file, run }, index) => {
          const reference = references.get(file)?.sealReference ?? null;
          const bytes = run.sizeBytes;
          return [
            runLabel(file, index),
            {
              'upload s': run.uploadSeconds.toFixed(2),
              'upload MiB/s': mibPerSecond(bytes, run.uploadSeconds),
              'upload CPU s': run.uploadCpuSeconds.toFixed(2),
              'queue s': run.queueSeconds.toFixed(2),
              'processing s': run.processSeconds.toFixed(2),
              'processing MiB/s': mibPerSecond(bytes, run.processSeconds),
              'processing CPU s': run.processCpuSeconds.toFixed(2),
              'processing ratio': ratio(bytes, run.processSeconds, reference),
              'total s': run.totalSeconds.toFixed(2),
              'total MiB/s': mibPerSecond(bytes, run.totalSeconds),
              'total ratio': ratio(bytes, run.totalSeconds, reference),
              load: run.load.toFixed(1),
            },
          ];
        }),
      ),
    );
    console.log('Medians');
    const summaryRows: Record<string, Record<string, string>> = {};
    for (const file of [smallFile, largeFile]) {
      const mine = runs.filter((entry) => entry.file === file).map((entry) => entry.run);
      const seals = sealAlone.filter((entry) => entry.file === file);
      const bytes = fileOf(file).sizeBytes;
      const reference = references.get(file)?.sealReference ?? null;
      const withIo = references.get(file)?.sealWithIo ?? null;
      const upload = median(mine.map((run) => run.uploadSeconds));
      const processing = median(mine.map((run) => run.processSeconds));
      const seal = median(seals.map((entry) => entry.seconds));
      const total = median(mine.map((run) => run.totalSeconds));
      summaryRows[file.label] = {
        'upload MiB/s': mibPerSecond(bytes, upload),
        'upload ratio': ratio(bytes, upload, reference),
        'processing MiB/s': mibPerSecond(bytes, processing),
        'processing ratio': ratio(bytes, processing, reference),
        'processing ÷ (crypto + I/O)': ratio(bytes, processing, withIo),
        'seal alone MiB/s': mibPerSecond(bytes, seal),
        'seal alone CPU s': median(seals.map((entry) => entry.cpuSeconds)).toFixed(2),
        'seal alone ratio': ratio(bytes, seal, reference),
        'seal alone ÷ (crypto + I/O)': ratio(bytes, seal, withIo),
        'total MiB/s': mibPerSecond(bytes, total),
        'total ratio': ratio(bytes, total, reference),
      };
    }
    console.table(summaryRows);

    console.log('Server memory (this process: resident set, V8 heap, buffers outside the heap)');
    console.table({
      'RSS after start, before any upload (MiB)': mib(idleRss),
      'RSS after the warm-up: baseline (MiB)': mib(baselineRss),
    });
    console.table(
      Object.fromEntries(
        runs.map(({ file, run }, index) => [runLabel(file, index), memoryRow(run, baselineRss)]),
      ),
    );
    const highest = (file: DicomFile) =>
      Math.max(...runs.filter((entry) => entry.file === file).map((entry) => peakOf(entry.run)));
    const flat = highest(largeFile) - highest(smallFile) < flatToleranceMiB * MiB;
    console.log(
      `${flat ? 'FLAT' : 'NOT FLAT'}: peak RSS ${mib(highest(smallFile))} MiB with 128 MiB files, ${mib(highest(largeFile))} MiB with 1 GiB files (tolerance ${flatToleranceMiB} MiB).`,
    );

    // FHIR: through the pipeline first (before this process holds a bundle), then in-process.
    const bundlePath = path.join(filesDir, 'record-bundle.json');
    const ndjsonPath = path.join(filesDir, 'record.ndjson');
    const fhir = (
      await client.run({
        kind: 'write-fhir',
        bundlePath,
        ndjsonPath,
        minResources: fhirTargetResources,
      })
    ).fhir!;
    const fhirRun = await runThroughPipeline(
      bench,
      client,
      bench.fhirCaseId,
      ndjsonPath,
      'portal-export.ndjson',
    );
    const items = await bench.app.services.db
      .selectFrom('record_clinical_items')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('case_id', '=', bench.fhirCaseId)
      .executeTakeFirstOrThrow();
    const check = await waitForJob(bench.admin, recordCheckJob, 'caseId', bench.fhirCaseId);

    const bundleText = await fs.readFile(bundlePath, 'utf8');
    const fhirRows: Record<string, Record<string, string>> = {};
    for (let attempt = 1; attempt <= inProcessImportRuns; attempt += 1) {
      const parseSeconds = await timeSeconds(async () => {
        JSON.parse(bundleText);
      });
      const started = performance.now();
      const result = importFhirJsonText(bundleText, { documentId: randomUUID() });
      const seconds = (performance.now() - started) / 1000;
      if (!result.ok) throw new Error(`the bundle was refused: ${result.message}`);
      const resources = Object.values(result.resourceCounts).reduce((sum, n) => sum + n, 0);
      fhirRows[`in-process Bundle, run ${attempt}`] = {
        resources: String(resources),
        MiB: mib(fhir.bundleBytes),
        'clinical items': String(result.clinical.length),
        s: seconds.toFixed(2),
        'of which JSON.parse s': parseSeconds.toFixed(2),
        'resources/s': Math.round(resources / seconds).toLocaleString('en'),
        load: os.loadavg()[0]!.toFixed(1),
      };
    }
    const ndjsonRow = {
      resources: String(fhir.resources),
      MiB: mib(fhir.ndjsonBytes),
      'clinical items': items.count,
      'of which JSON.parse s': '-',
      load: fhirRun.load.toFixed(1),
    };
    fhirRows['pipeline NDJSON: processing'] = {
      ...ndjsonRow,
      s: fhirRun.processSeconds.toFixed(2),
      'resources/s': Math.round(fhir.resources / fhirRun.processSeconds).toLocaleString('en'),
    };
    fhirRows['pipeline NDJSON: upload → stored'] = {
      ...ndjsonRow,
      s: fhirRun.totalSeconds.toFixed(2),
      'resources/s': Math.round(fhir.resources / fhirRun.totalSeconds).toLocaleString('en'),
    };
    fhirRows['safety net on the case afterwards'] = {
      ...ndjsonRow,
      s: check.runSeconds.toFixed(2),
      'resources/s': '-',
    };
    console.log(`FHIR import (${fhir.resources} resources: the Synthea bundle repeated)`);
    console.table(fhirRows);
    console.log('Server memory during the FHIR upload and import');
    console.table({
      'pipeline NDJSON': {
        ...memoryRow(fhirRun, baselineRss),
        'processing CPU s': fhirRun.processCpuSeconds.toFixed(2),
      },
    });
    console.log('COMPLETED: every upload was stored and every import read.');
    return true;
  } catch (error) {
    console.error('records ingestion benchmark failed:', error);
    return false;
  } finally {
    await cleanUp();
    clearTimeout(watchdog);
  }
}

if (import.meta.main) {
  if (process.argv.includes(clientFlag)) serveClientJobs();
  else if (!(await benchRecordsIngestion())) process.exitCode = 1;
}
