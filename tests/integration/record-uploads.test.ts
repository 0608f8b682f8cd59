/**
 * The resumable upload transport of a case's records (tus 1.0.0) through the real server, over
 * real HTTP with the tus client the web app uses, on a real PostgreSQL and data directory: a real
 * PDF and a 20 MiB file in chunks arrive byte for byte and are handed to processing (row, audit,
 * `records.process` job); an upload resumes after a dropped connection and after a server
 * restart on the same data directory; who may upload where (404), in which stage (409), with
 * which session and CSRF token (401, 403); the size limits, metadata and name cleaning (400,
 * 413); someone else's upload (404); cancellation and the expiry of abandoned uploads.
 *
 * The processing step's worker runs in the app too and takes complete uploads further (stored or
 * refused, staging removed) at its own pace: the tests accept any state after `processing` and
 * read the staged bytes through a hard link made while the upload was still receiving.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { PassThrough } from 'node:stream';
import {
  DefaultHttpStack,
  Upload as TusUpload,
  type HttpRequest,
  type HttpStack,
} from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsilium } from '../../src/server/app/app.ts';
import { expireStaleUploads } from '../../src/server/records/uploads/expire-stale-uploads.ts';
import { recordProcessJobName } from '../../src/server/records/uploads/record-processing-job.ts';
import { sanitizeRelativePath } from '../../src/server/records/uploads/upload-declaration.ts';
import { recordMaxBytes } from '../../src/core/records/record-types.ts';
import {
  recordStagingDir,
  stagedUploadState,
  stagingFilePath,
  stagingInfoPath,
} from '../../src/server/records/uploads/upload-staging.ts';
import {
  createMember,
  createOrganization,
  grantProxy,
  linkReferrer,
  signIn,
  type TestMember,
} from '../support/accounts.ts';
import { expectError } from '../support/auth-helpers.ts';
import { assignSpecialist, setCaseState, startCase } from '../support/cases.ts';
import { startTestApp, TestClient, type TestApp, type TestResponse } from '../support/test-app.ts';

/** A discharge summary nobody on the team wrote (HL7 C-CDA examples, CC0; docs/data-sources.md). */
const samplePdfPath = path.resolve(
  import.meta.dirname,
  '../fixtures/records/Discharge_Summary_UD_sample.pdf',
);

const MiB = 1024 * 1024;

let testApp: TestApp;
let baseUrl: string;
let port: number;
let samplePdf: Buffer;
let organizationId: string;
let patient: TestMember;
let otherPatient: TestMember;
let proxy: TestMember;
let viewProxy: TestMember;
let referrer: TestMember;
let coordinator: TestMember;
let specialist: TestMember;
let otherSpecialist: TestMember;
let careTeam: TestMember;
let orgAdmin: TestMember;
let otherTenantPatient: TestMember;
let otherTenantCoordinator: TestMember;
/** A draft case of `patient`, with `specialist` assigned. */
let caseId: string;

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

/** Someone who sends requests: a member with a session, or a browser without one. */
type Caller = Pick<TestMember, 'client'>;

function authHeaders(caller: Caller): Record<string, string> {
  const cookie = [...caller.client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  return { cookie, 'x-csrf-token': caller.client.cookies.get('consilium_csrf') ?? '' };
}

/** A browser with a CSRF token pair but no session. */
async function anonymousCaller(): Promise<Caller> {
  const client = testApp.client();
  await client.get('/api/v1/auth/csrf');
  expect(client.cookies.has('consilium_csrf')).toBe(true);
  return { client };
}

/** `Upload-Metadata`: comma-separated `key base64(value)` pairs. */
function metadataHeader(metadata: Record<string, string>): string {
  return Object.entries(metadata)
    .map(([key, value]) => `${key} ${Buffer.from(value, 'utf8').toString('base64')}`)
    .join(',');
}

const uploadsUrl = (id: string) => `/api/v1/cases/${id}/uploads`;

type Method = 'OPTIONS' | 'POST' | 'HEAD' | 'PATCH' | 'DELETE';

/**
 * One raw tus request (over inject) as `member` would send it: session cookie, CSRF header and
 * `Tus-Resumable: 1.0.0` unless `headers` say otherwise (a header set to '' is left out).
 */
async function tusRequest(
  member: Caller | null,
  method: Method,
  url: string,
  headers: Record<string, string> = {},
  payload?: Buffer,
): Promise<TestResponse<any>> {
  const merged: Record<string, string> = {
    'tus-resumable': '1.0.0',
    ...(member === null ? {} : authHeaders(member)),
    ...headers,
  };
  const sent = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== ''));
  const response = await testApp.app.http.inject({
    method,
    url,
    headers: sent,
    ...(payload === undefined ? {} : { payload }),
  });
  let body: unknown;
  try {
    body = response.body === '' ? undefined : JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  return {
    status: response.statusCode,
    body,
    text: response.body,
    headers: response.headers as TestResponse['headers'],
  };
}

/** Creates an upload over raw HTTP; returns the response (201: `location` names it). */
function createUpload(
  member: TestMember,
  targetCaseId: string,
  options: {
    length?: number;
    metadata?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
) {
  return tusRequest(member, 'POST', uploadsUrl(targetCaseId), {
    'upload-length': String(options.length ?? 1024),
    'upload-metadata': metadataHeader(options.metadata ?? { filename: 'letter.pdf' }),
    ...options.headers,
  });
}

function uploadIdOf(response: TestResponse): string {
  const location = String(response.headers.location);
  const match = /^\/api\/v1\/cases\/[0-9a-f-]{36}\/uploads\/([0-9a-f-]{36})$/.exec(location);
  if (match === null) throw new Error(`unexpected location ${location}: ${response.text}`);
  return match[1]!;
}

function patchUpload(member: TestMember, url: string, offset: number, bytes: Buffer) {
  return tusRequest(
    member,
    'PATCH',
    url,
    { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
    bytes,
  );
}

/** A tus client upload as the web app starts one, over real HTTP with the member's session. */
function tusClient(
  member: TestMember,
  targetCaseId: string,
  content: Buffer,
  options: ConstructorParameters<typeof TusUpload>[1] = {},
): TusUpload {
  let kept = false;
  return new TusUpload(content, {
    endpoint: `${baseUrl}${uploadsUrl(targetCaseId)}`,
    headers: authHeaders(member),
    metadata: { filename: 'record.bin' },
    retryDelays: null,
    storeFingerprintForResuming: false,
    ...options,
    // Before the first bytes go, the staged file is kept for the checks (see `keepStaged`).
    onBeforeRequest: async (request) => {
      if (!kept && request.getMethod() === 'PATCH') {
        kept = true;
        await keepStaged(idOfUrl(request.getURL()));
      }
      await options.onBeforeRequest?.(request);
    },
  });
}

/** Runs `upload` to the end; resolves with its URL. */
function finishUpload(upload: TusUpload): Promise<string> {
  return new Promise((resolve, reject) => {
    upload.options.onSuccess = () => resolve(upload.url!);
    upload.options.onError = reject;
    upload.start();
  });
}

/**
 * The tus client's HTTP stack, except that its first PATCH sends only `stallAfter` bytes and then
 * waits, as a connection does just before it drops.
 */
class StallingHttpStack implements HttpStack {
  private readonly inner = new DefaultHttpStack({});
  private readonly stallAfter: number;
  private stalled = false;

  constructor(stallAfter: number) {
    this.stallAfter = stallAfter;
  }

  createRequest(method: string, url: string): HttpRequest {
    const request = this.inner.createRequest(method, url);
    if (method !== 'PATCH' || this.stalled) return request;
    this.stalled = true;
    const send = request.send.bind(request);
    request.send = (body: Buffer) => {
      const stalling = new PassThrough();
      stalling.write(body.subarray(0, this.stallAfter));
      return send(stalling);
    };
    return request;
  }

  getName(): string {
    return 'StallingHttpStack';
  }
}

/**
 * Starts `upload` (built with a `StallingHttpStack`), waits until the server has staged the bytes
 * sent before the stall, then drops the connection mid-PATCH. Returns the upload's URL.
 */
async function startThenDrop(upload: TusUpload, stalledAt: number): Promise<string> {
  let failure: unknown = null;
  upload.options.onError = (error) => {
    failure = error;
  };
  upload.options.onSuccess = () => {
    failure = new Error('the upload finished before it was dropped');
  };
  upload.start();
  await expect
    .poll(
      async () => {
        if (failure !== null) return failure;
        if (upload.url === null) return 0;
        const staged = await stagedUploadState(testApp.app.services.config, idOfUrl(upload.url));
        return staged?.sizeBytes ?? 0;
      },
      { timeout: 15_000 },
    )
    .toBe(stalledAt);
  await upload.abort();
  return upload.url!;
}

const pathOf = (url: string) => new URL(url, baseUrl).pathname;
const idOfUrl = (url: string) => pathOf(url).split('/').pop()!;

async function uploadRow(id: string) {
  return testApp.app.services.db
    .selectFrom('record_uploads')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The ids of a case's uploads, oldest first. */
async function uploadIdsOf(targetCaseId: string): Promise<string[]> {
  const rows = await testApp.app.services.db
    .selectFrom('record_uploads')
    .select('id')
    .where('case_id', '=', targetCaseId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

/** The states of a complete upload: `processing`, or wherever the processing step took it. */
const handedOverStates = ['processing', 'stored', 'refused', 'quarantined'];

function expectHandedOver(row: Awaited<ReturnType<typeof uploadRow>>, sizeBytes: number): void {
  expect(row?.completed_at).toBeInstanceOf(Date);
  expect(handedOverStates).toContain(row?.state);
  expect(row?.received_bytes).toBe(sizeBytes);
}

/** The transport's audit events of an upload (the processing step adds its own). */
async function auditOf(entityId: string) {
  return testApp.app.services.db
    .selectFrom('audit_events')
    .select(['event_type', 'actor_user_id', 'on_behalf_of_user_id', 'patient_id', 'details'])
    .where('entity_id', '=', entityId)
    .where('event_type', 'like', 'record.upload_%' as never)
    .orderBy('seq')
    .execute();
}

/** pg-boss's jobs of `name` (read as the database owner: pg-boss's schema is not the app's). */
async function jobsNamed(name: string): Promise<Array<{ data: unknown; state: string }>> {
  const client = new pg.Client({ connectionString: testApp.databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ data: unknown; state: string }>(
      'SELECT data, state FROM pgboss.job WHERE name = $1',
      [name],
    );
    return result.rows;
  } finally {
    await client.end();
  }
}

const keptDir = () => path.join(testApp.dataDir, 'kept');

/**
 * Keeps the staged file of `uploadId` readable after the processing step removes it: a hard
 * link (the same file, so bytes staged later are in it too). Made while the upload receives.
 */
async function keepStaged(uploadId: string): Promise<void> {
  await fs.mkdir(keptDir(), { recursive: true });
  await fs.link(
    stagingFilePath(testApp.app.services.config, uploadId),
    path.join(keptDir(), uploadId),
  );
}

/** The SHA-256 of what the transport staged for `uploadId` (see `keepStaged`). */
async function stagedSha(uploadId: string): Promise<string> {
  return sha256(await fs.readFile(path.join(keptDir(), uploadId)));
}

async function listen(app: TestApp['app'], onPort = 0): Promise<void> {
  await app.http.listen({ host: '127.0.0.1', port: onPort });
  port = (app.http.server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  testApp = await startTestApp();
  await listen(testApp.app);
  samplePdf = await fs.readFile(samplePdfPath);
  const organization = await createOrganization(testApp);
  organizationId = organization.id;
  patient = await createMember(testApp, organizationId, 'patient');
  otherPatient = await createMember(testApp, organizationId, 'patient');
  proxy = await createMember(testApp, organizationId, 'proxy');
  viewProxy = await createMember(testApp, organizationId, 'proxy');
  referrer = await createMember(testApp, organizationId, 'referring_physician');
  coordinator = await createMember(testApp, organizationId, 'coordinator');
  specialist = await createMember(testApp, organizationId, 'specialist');
  otherSpecialist = await createMember(testApp, organizationId, 'specialist');
  careTeam = await createMember(testApp, organizationId, 'care_team');
  orgAdmin = await createMember(testApp, organizationId, 'org_admin');
  const otherOrganization = await createOrganization(testApp, 'Other Clinic');
  otherTenantPatient = await createMember(testApp, otherOrganization.id, 'patient');
  otherTenantCoordinator = await createMember(testApp, otherOrganization.id, 'coordinator');
  await grantProxy(testApp, patient, proxy, 'act');
  await grantProxy(testApp, patient, viewProxy, 'view');
  await linkReferrer(testApp, patient, referrer);
  caseId = await startCase(patient.client, patient.patientId!);
  await assignSpecialist(testApp, caseId, specialist.userId);
}, 180_000);

afterAll(async () => {
  await testApp?.close();
});

describe('a complete upload', () => {
  it('receives a real PDF from the patient byte for byte, and hands it to processing with its audit trail', async () => {
    const batchId = randomUUID();
    const url = await finishUpload(
      tusClient(patient, caseId, samplePdf, {
        metadata: {
          filename: 'Discharge_Summary_UD_sample.pdf',
          filetype: 'application/pdf',
          batchId,
        },
      }),
    );
    expect(pathOf(url)).toMatch(new RegExp(`^/api/v1/cases/${caseId}/uploads/[0-9a-f-]{36}$`));
    const id = idOfUrl(url);
    const row = await uploadRow(id);
    expect(row).toMatchObject({
      id,
      organization_id: organizationId,
      case_id: caseId,
      uploaded_by_user_id: patient.userId,
      on_behalf_of_user_id: null,
      batch_id: batchId,
      file_name: 'Discharge_Summary_UD_sample.pdf',
      relative_path: null,
      declared_size: samplePdf.length,
    });
    expectHandedOver(row, samplePdf.length);
    expect(await stagedSha(id)).toBe(sha256(samplePdf));

    // The processing step is asked to take it up.
    const jobs = await jobsNamed(recordProcessJobName);
    expect(
      jobs
        .filter((job) => (job.data as { uploadId: string }).uploadId === id)
        .map((job) => job.data),
    ).toEqual([{ uploadId: id }]);

    const events = await auditOf(id);
    expect(events.map((event) => event.event_type)).toEqual([
      'record.upload_started',
      'record.upload_completed',
    ]);
    for (const event of events) {
      expect(event.actor_user_id).toBe(patient.userId);
      expect(event.on_behalf_of_user_id).toBeNull();
      expect(event.patient_id).toBe(patient.patientId);
    }
    expect(events[0]!.details).toMatchObject({
      caseId,
      declaredSize: samplePdf.length,
      batchId,
    });
    expect(events[1]!.details).toMatchObject({ caseId, sizeBytes: samplePdf.length });
    // No file name in the trail: it can name the patient.
    expect(JSON.stringify(events)).not.toContain('Discharge_Summary');

    // Asked again (a client resuming), the upload is complete.
    const head = await tusRequest(patient, 'HEAD', pathOf(url));
    expect(head.status).toBe(200);
    expect(head.headers['upload-offset']).toBe(String(samplePdf.length));
    expect(head.headers['upload-length']).toBe(String(samplePdf.length));
    expect(head.headers['cache-control']).toBe('no-store');
  });

  it('receives a 20 MiB file in several chunks, keeping the received count current', async () => {
    const content = randomBytes(20 * MiB);
    const accepted: number[] = [];
    let uploadId = '';
    const counts: number[] = [];
    const url = await finishUpload(
      tusClient(patient, caseId, content, {
        chunkSize: 4 * MiB,
        metadata: { filename: 'ct-series.dcm' },
        onChunkComplete: (_chunk, bytesAccepted) => {
          accepted.push(bytesAccepted);
        },
        onAfterResponse: async (request) => {
          if (request.getMethod() !== 'PATCH' || uploadId === '') return;
          counts.push((await uploadRow(uploadId))!.received_bytes);
        },
        onBeforeRequest: (request) => {
          if (uploadId === '' && request.getMethod() === 'PATCH')
            uploadId = idOfUrl(request.getURL());
        },
      }),
    );
    expect(accepted).toEqual([4, 8, 12, 16, 20].map((n) => n * MiB));
    expect(counts).toEqual([4, 8, 12, 16, 20].map((n) => n * MiB));
    expectHandedOver(await uploadRow(idOfUrl(url)), 20 * MiB);
    expect(await stagedSha(idOfUrl(url))).toBe(sha256(content));
  });

  it('takes the first bytes with the creation request (creation-with-upload)', async () => {
    const content = Buffer.from('A short letter from the general practitioner.\n');
    const response = await tusRequest(
      patient,
      'POST',
      uploadsUrl(caseId),
      {
        'upload-length': String(content.length),
        'upload-metadata': metadataHeader({ filename: 'gp-letter.txt' }),
        'content-type': 'application/offset+octet-stream',
      },
      content.subarray(0, 20),
    );
    expect(response.status, response.text).toBe(201);
    expect(response.headers['upload-offset']).toBe('20');
    const id = uploadIdOf(response);
    expect(await uploadRow(id)).toMatchObject({ state: 'receiving', received_bytes: 20 });
    await keepStaged(id);
    const rest = await patchUpload(
      patient,
      String(response.headers.location),
      20,
      content.subarray(20),
    );
    expect(rest.status, rest.text).toBe(204);
    expect(rest.headers['upload-offset']).toBe(String(content.length));
    expectHandedOver(await uploadRow(id), content.length);
    expect(await stagedSha(id)).toBe(sha256(content));
  });

  it('records who acted for the patient: a proxy upload is on the patient’s behalf', async () => {
    const url = await finishUpload(tusClient(proxy, caseId, Buffer.from('scan by the carer')));
    const id = idOfUrl(url);
    expect(await uploadRow(id)).toMatchObject({
      uploaded_by_user_id: proxy.userId,
      on_behalf_of_user_id: patient.userId,
    });
    const events = await auditOf(id);
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.actor_user_id).toBe(proxy.userId);
      expect(event.on_behalf_of_user_id).toBe(patient.userId);
    }
  });

  it('answers OPTIONS with the tus capabilities and no cross-origin grant', async () => {
    const response = await tusRequest(patient, 'OPTIONS', uploadsUrl(caseId), {
      'tus-resumable': '',
    });
    expect(response.status).toBe(204);
    expect(response.headers['tus-version']).toBe('1.0.0');
    expect(response.headers['tus-extension']).toBe('creation,creation-with-upload,termination');
    expect(response.headers['tus-max-size']).toBe(String(recordMaxBytes));
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('resuming', () => {
  it('continues after a dropped connection from the offset HEAD reports', async () => {
    const content = randomBytes(12 * MiB);
    const upload = tusClient(patient, caseId, content, {
      metadata: { filename: 'mri.dcm' },
      httpStack: new StallingHttpStack(3 * MiB),
    });
    const url = await startThenDrop(upload, 3 * MiB);
    const id = idOfUrl(url);

    const head = await tusRequest(patient, 'HEAD', pathOf(url));
    expect(head.status, head.text).toBe(200);
    expect(head.headers['upload-length']).toBe(String(content.length));
    const offset = Number(head.headers['upload-offset']);
    expect(offset).toBe(3 * MiB);
    // What HEAD reports is what is on disk, and the row says the same once the request settled.
    expect((await fs.stat(stagingFilePath(testApp.app.services.config, id))).size).toBe(offset);
    await expect.poll(async () => (await uploadRow(id))!.received_bytes).toBe(offset);
    expect((await uploadRow(id))!.state).toBe('receiving');

    // The same client picks up where the server stands.
    const resumedFrom: number[] = [];
    upload.options.onBeforeRequest = (request) => {
      if (request.getMethod() === 'PATCH')
        resumedFrom.push(Number(request.getHeader('Upload-Offset')));
    };
    expect(await finishUpload(upload)).toBe(url);
    expect(resumedFrom[0]).toBe(offset);
    expectHandedOver(await uploadRow(id), content.length);
    expect(await stagedSha(id)).toBe(sha256(content));
  });

  it('refuses a PATCH at the wrong offset with 409, and bytes past the declared length with 413', async () => {
    const created = await createUpload(patient, caseId, { length: 10 });
    expect(created.status, created.text).toBe(201);
    const url = String(created.headers.location);
    expectError(await patchUpload(patient, url, 4, Buffer.from('abcd')), 409, 'conflict', {
      message: 'The upload is at another offset: ask for it (HEAD) and continue from there.',
      details: { reason: 'offset_mismatch' },
    });
    expectError(
      await patchUpload(patient, url, 0, Buffer.from('0123456789ABC')),
      413,
      'payload_too_large',
      {
        message: 'More bytes were sent than the upload declared.',
        details: { refusal: 'file_too_large' },
      },
    );
    const wrongType = await tusRequest(
      patient,
      'PATCH',
      url,
      { 'upload-offset': '0', 'content-type': 'application/json' },
      Buffer.from('{"a":1}'),
    );
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe('unsupported_media_type');
    expect((await uploadRow(uploadIdOf(created)))!.received_bytes).toBe(0);

    // Staging is private: 0700 directory, 0600 file and description.
    const config = testApp.app.services.config;
    const id = uploadIdOf(created);
    expect((await fs.stat(recordStagingDir(testApp.dataDir))).mode & 0o777).toBe(0o700);
    expect((await fs.stat(stagingFilePath(config, id))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(stagingInfoPath(config, id))).mode & 0o777).toBe(0o600);
  });
  it('completes, when asked for its offset, an upload whose last byte came in a request that then failed', async () => {
    const created = await createUpload(patient, caseId, { length: 10 });
    const url = String(created.headers.location);
    const id = uploadIdOf(created);
    // Sent without a length (chunked): the ten declared bytes, then four too many. The server
    // stages the ten and refuses the request when the rest arrives.
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${baseUrl}${url}`, {
        method: 'PATCH',
        headers: {
          ...authHeaders(patient),
          'tus-resumable': '1.0.0',
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
        },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.write(Buffer.from('0123456789'));
      void expect
        .poll(async () => (await stagedUploadState(testApp.app.services.config, id))?.sizeBytes)
        .toBe(10)
        .then(() => request.end(Buffer.from('ABCD')), reject);
    });
    expect(status).toBe(413);
    expect((await uploadRow(id))!.state).toBe('receiving');
    await keepStaged(id);

    const head = await tusRequest(patient, 'HEAD', url);
    expect(head.status).toBe(200);
    expect(head.headers['upload-offset']).toBe('10');
    expectHandedOver(await uploadRow(id), 10);
    expect(await stagedSha(id)).toBe(sha256(Buffer.from('0123456789')));
    const jobs = await jobsNamed(recordProcessJobName);
    expect(jobs.filter((job) => (job.data as { uploadId: string }).uploadId === id)).toHaveLength(
      1,
    );
    expect((await auditOf(id)).map((event) => event.event_type)).toEqual([
      'record.upload_started',
      'record.upload_completed',
    ]);
  });
});

describe('who may upload where', () => {
  it('lets the patient side and the coordinator upload, and answers 404 to everyone else', async () => {
    const triageCase = await startCase(patient.client, patient.patientId!);
    await setCaseState(testApp, triageCase, 'triage');
    const cases = [
      { label: 'draft', id: caseId },
      { label: 'triage', id: triageCase },
    ];
    const expectations: Array<[string, TestMember, 'draft' | 'triage' | 'both' | 'none']> = [
      ['patient', patient, 'both'],
      ['proxy who may act', proxy, 'both'],
      ['proxy who may only view', viewProxy, 'none'],
      ['referring physician', referrer, 'both'],
      ['coordinator', coordinator, 'both'],
      ['assigned specialist', specialist, 'none'],
      ['specialist not on the case', otherSpecialist, 'none'],
      ['care team', careTeam, 'none'],
      ['organization admin', orgAdmin, 'none'],
      ['another patient of the organization', otherPatient, 'none'],
      ['a patient of another organization', otherTenantPatient, 'none'],
      ['a coordinator of another organization', otherTenantCoordinator, 'none'],
    ];
    for (const [label, member, allowed] of expectations) {
      for (const target of cases) {
        const before = await uploadIdsOf(target.id);
        const response = await createUpload(member, target.id);
        const permitted = allowed === 'both' || allowed === target.label;
        if (permitted) {
          expect(response.status, `${label} on ${target.label}: ${response.text}`).toBe(201);
          const row = await uploadRow(uploadIdOf(response));
          expect(row?.uploaded_by_user_id).toBe(member.userId);
        } else {
          expectError(response, 404, 'not_found');
          expect(await uploadIdsOf(target.id), label).toEqual(before);
        }
      }
    }
  });

  it('tells each reader of the document list whether they may add documents now', async () => {
    const listFor = (member: TestMember, target: string) =>
      member.client.get<{ canUpload: boolean }>(`/api/v1/cases/${target}/documents`);
    for (const [label, member, canUpload] of [
      ['patient', patient, true],
      ['proxy who may act', proxy, true],
      ['coordinator', coordinator, true],
      ['proxy who may only view', viewProxy, false],
      ['assigned specialist', specialist, false],
    ] as const) {
      const listed = await listFor(member, caseId);
      expect(listed.status, `${label}: ${listed.text}`).toBe(200);
      expect(listed.body.canUpload, label).toBe(canUpload);
    }
    // The stage decides too: a case in review takes no documents, even from the patient.
    const reviewCase = await startCase(patient.client, patient.patientId!);
    await setCaseState(testApp, reviewCase, 'in_review');
    const inReview = await listFor(patient, reviewCase);
    expect(inReview.status).toBe(200);
    expect(inReview.body.canUpload).toBe(false);
  });

  it('answers 404 for a case that does not exist', async () => {
    expectError(await createUpload(patient, randomUUID()), 404, 'not_found');
  });

  it('answers 409 with the current state when the stage takes no documents, before and during an upload', async () => {
    const reviewCase = await startCase(patient.client, patient.patientId!);
    const created = await createUpload(patient, reviewCase, { length: 8 });
    expect(created.status).toBe(201);
    await setCaseState(testApp, reviewCase, 'in_review');
    const before = await uploadIdsOf(reviewCase);
    const details = { currentState: 'in_review' };
    const message = 'Documents cannot be added to the case at this stage.';
    expectError(await createUpload(patient, reviewCase), 409, 'conflict', { message, details });
    expectError(
      await patchUpload(patient, String(created.headers.location), 0, Buffer.from('12345678')),
      409,
      'conflict',
      { message, details },
    );
    expect(await uploadIdsOf(reviewCase)).toEqual(before);
    expect((await uploadRow(uploadIdOf(created)))!.received_bytes).toBe(0);
    // Someone who may not add documents at all still learns nothing: 404.
    expectError(await createUpload(otherPatient, reviewCase), 404, 'not_found');
  });

  it('answers 401 without a session and 403 without the CSRF header, writing nothing', async () => {
    const before = await uploadIdsOf(caseId);
    const anonymous = await anonymousCaller();
    for (const method of ['POST', 'OPTIONS'] as const) {
      const response = await tusRequest(anonymous, method, uploadsUrl(caseId), {
        'upload-length': '10',
        'upload-metadata': metadataHeader({ filename: 'a.pdf' }),
      });
      expectError(response, 401, 'unauthenticated');
    }
    const created = await createUpload(patient, caseId, { length: 4 });
    const url = String(created.headers.location);
    // HEAD answers carry no body: the status says it.
    expect((await tusRequest(null, 'HEAD', url)).status).toBe(401);
    for (const method of ['PATCH', 'DELETE'] as const) {
      const response = await tusRequest(
        anonymous,
        method,
        url,
        { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
        method === 'PATCH' ? Buffer.from('abcd') : undefined,
      );
      expectError(response, 401, 'unauthenticated');
    }
    const noCsrf = await tusRequest(patient, 'POST', uploadsUrl(caseId), {
      'x-csrf-token': '',
      'upload-length': '10',
      'upload-metadata': metadataHeader({ filename: 'a.pdf' }),
    });
    expectError(noCsrf, 403, 'csrf_failed');
    // Staff who have not enrolled their second factor are held at enrolment, as on every route.
    const enrolling = await createMember(testApp, organizationId, 'coordinator', {
      withTotp: false,
    });
    expectError(await createUpload(enrolling, caseId), 403, 'mfa_enrolment_required');
    for (const method of ['PATCH', 'DELETE'] as const) {
      const response = await tusRequest(
        patient,
        method,
        url,
        {
          'x-csrf-token': 'not-the-token-of-this-session',
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
        },
        method === 'PATCH' ? Buffer.from('abcd') : undefined,
      );
      expectError(response, 403, 'csrf_failed');
    }
    expect(await uploadIdsOf(caseId)).toEqual([...before, uploadIdOf(created)]);
    expect(await uploadRow(uploadIdOf(created))).toMatchObject({
      state: 'receiving',
      received_bytes: 0,
    });
  });

  it('answers 404 to anyone but the uploader on an upload, and for an upload under another case', async () => {
    const created = await createUpload(patient, caseId, { length: 4 });
    const url = String(created.headers.location);
    const id = uploadIdOf(created);
    const otherCase = await startCase(patient.client, patient.patientId!);
    const strangers: Array<[TestMember, string]> = [
      [proxy, url],
      [coordinator, url],
      [otherPatient, url],
      [otherTenantCoordinator, url],
      [patient, `${uploadsUrl(otherCase)}/${id}`],
      [patient, `${uploadsUrl(caseId)}/${randomUUID()}`],
    ];
    for (const [member, target] of strangers) {
      for (const method of ['HEAD', 'PATCH', 'DELETE'] as const) {
        const response = await tusRequest(
          member,
          method,
          target,
          { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
          method === 'PATCH' ? Buffer.from('abcd') : undefined,
        );
        expect(response.status, `${method} by ${member.role}: ${response.text}`).toBe(404);
        if (method !== 'HEAD')
          expect(response.body).toEqual({ error: { code: 'not_found', message: 'Not found.' } });
      }
    }
    expect(await uploadRow(id)).toMatchObject({ state: 'receiving', received_bytes: 0 });
    const head = await tusRequest(patient, 'HEAD', url);
    expect(head.headers['upload-offset']).toBe('0');
  });
});

describe('what an upload declares', () => {
  it('refuses a declared size over 2 GiB with 413 before a byte is stored', async () => {
    const before = await uploadIdsOf(caseId);
    const response = await createUpload(patient, caseId, { length: recordMaxBytes + 1 });
    expectError(response, 413, 'payload_too_large', {
      message: 'The file is larger than 2 GB, the most one upload may carry.',
      details: { refusal: 'file_too_large', maxBytes: recordMaxBytes },
    });
    expect(await uploadIdsOf(caseId)).toEqual(before);
    // Exactly the limit is accepted (declared only: nothing is sent).
    const atLimit = await createUpload(patient, caseId, { length: recordMaxBytes });
    expect(atLimit.status, atLimit.text).toBe(201);
  });

  it('refuses an empty file with 400', async () => {
    expectError(await createUpload(patient, caseId, { length: 0 }), 400, 'validation_failed', {
      message: 'The file is empty.',
      details: {
        refusal: 'empty_file',
        issues: [{ path: 'headers.upload-length', message: 'the file is empty' }],
      },
    });
  });

  it('refuses missing or malformed lengths and metadata with 400, writing nothing', async () => {
    const before = await uploadIdsOf(caseId);
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no length', { 'upload-length': '' }, 'headers.upload-length'],
      [
        'a deferred length',
        { 'upload-length': '', 'upload-defer-length': '1' },
        'headers.upload-defer-length',
      ],
      ['a length that is not a number', { 'upload-length': '12kb' }, 'headers.upload-length'],
      [
        'no file name',
        { 'upload-metadata': metadataHeader({ filetype: 'application/pdf' }) },
        'headers.upload-metadata.filename',
      ],
      [
        'an empty file name',
        { 'upload-metadata': metadataHeader({ filename: '' }) },
        'headers.upload-metadata.filename',
      ],
      ['no metadata at all', { 'upload-metadata': '' }, 'headers.upload-metadata.filename'],
      [
        'a batch that is not a UUID',
        { 'upload-metadata': metadataHeader({ filename: 'a.pdf', batchId: '42' }) },
        'headers.upload-metadata.batchId',
      ],
      [
        'an unknown key',
        { 'upload-metadata': metadataHeader({ filename: 'a.pdf', owner: 'x' }) },
        'headers.upload-metadata',
      ],
      [
        'a value that is not base64',
        { 'upload-metadata': 'filename a.pdf!' },
        'headers.upload-metadata',
      ],
      [
        'a repeated key',
        {
          'upload-metadata': `${metadataHeader({ filename: 'a' })},${metadataHeader({ filename: 'b' })}`,
        },
        'headers.upload-metadata',
      ],
      ['no protocol version', { 'tus-resumable': '' }, 'headers.tus-resumable'],
      ['another protocol version', { 'tus-resumable': '0.2.2' }, 'headers.tus-resumable'],
      ['concatenation', { 'upload-concat': 'partial' }, 'headers.upload-concat'],
    ];
    for (const [label, headers, issuePath] of cases) {
      const response = await tusRequest(patient, 'POST', uploadsUrl(caseId), {
        'upload-length': '10',
        'upload-metadata': metadataHeader({ filename: 'a.pdf' }),
        ...headers,
      });
      expect(response.status, `${label}: ${response.text}`).toBe(400);
      expect(response.body.error.code, label).toBe('validation_failed');
      const paths = (response.body.error.details.issues as Array<{ path: string }>).map(
        (issue) => issue.path,
      );
      expect(
        paths.some((candidate) => candidate.startsWith(issuePath)),
        `${label}: ${paths.join()}`,
      ).toBe(true);
    }
    expect(await uploadIdsOf(caseId)).toEqual(before);
  });

  it('stores names and folder paths cleaned: no climbing, no absolute paths, no control characters', async () => {
    const hostile = [
      {
        filename: '../../etc/passwd\u0000\u202e.pdf',
        relativePath: '/../..\\Records/../x\u0007y/..\\scan.dcm',
        expected: { file_name: 'passwd.pdf', relative_path: 'Records/xy/scan.dcm' },
      },
      {
        filename: 'C:\\Users\\ana\\Informe de patología.pdf',
        relativePath: 'C:\\Users\\ana\\Estudio\\Informe de patología.pdf',
        expected: {
          file_name: 'Informe de patología.pdf',
          relative_path: 'Users/ana/Estudio/Informe de patología.pdf',
        },
      },
      {
        filename: '\u0001\u0002',
        relativePath: '../../..',
        expected: { file_name: 'attachment', relative_path: null },
      },
      {
        filename: `${'n'.repeat(400)}.pdf`,
        relativePath: `${'deep/'.repeat(300)}file.pdf`,
        expected: { file_name: `${'n'.repeat(251)}.pdf` },
      },
    ];
    for (const { filename, relativePath, expected } of hostile) {
      const response = await createUpload(patient, caseId, {
        metadata: { filename, relativePath },
      });
      expect(response.status, response.text).toBe(201);
      const row = await uploadRow(uploadIdOf(response));
      expect(row).toMatchObject(expected);
      expect(row!.file_name).not.toMatch(/[/\\]|\p{Cc}/u);
      if (row!.relative_path !== null) {
        expect(row!.relative_path.length).toBeLessThanOrEqual(1024);
        expect(row!.relative_path.split('/')).not.toContain('..');
        expect(row!.relative_path).not.toMatch(/^\/|\\|\p{Cc}/u);
      }
      // HEAD echoes the cleaned metadata, never what was sent.
      const head = await tusRequest(patient, 'HEAD', String(response.headers.location));
      expect(String(head.headers['upload-metadata'])).toContain(
        `filename ${Buffer.from(row!.file_name).toString('base64')}`,
      );
    }
    const longPath = sanitizeRelativePath(`${'deep/'.repeat(300)}file.pdf`)!;
    expect(longPath.endsWith('/deep/file.pdf')).toBe(true);
    expect(longPath.length).toBeLessThanOrEqual(1024);
    expect(sanitizeRelativePath('./a/./b/')).toBe('a/b');
    expect(sanitizeRelativePath('')).toBeNull();
  });
});

describe('cancelling', () => {
  it('cancels an upload still receiving: row cancelled, staging removed, audited', async () => {
    const created = await createUpload(patient, caseId, { length: 10 });
    const url = String(created.headers.location);
    const id = uploadIdOf(created);
    expect((await patchUpload(patient, url, 0, Buffer.from('0123'))).status).toBe(204);
    const config = testApp.app.services.config;
    await fs.access(stagingFilePath(config, id));

    const response = await tusRequest(patient, 'DELETE', url);
    expect(response.status, response.text).toBe(204);
    expect(response.headers['tus-resumable']).toBe('1.0.0');
    expect(await uploadRow(id)).toMatchObject({ state: 'cancelled', received_bytes: 4 });
    await expect(fs.access(stagingFilePath(config, id))).rejects.toThrow();
    await expect(fs.access(stagingInfoPath(config, id))).rejects.toThrow();
    const events = await auditOf(id);
    expect(events.map((event) => event.event_type)).toEqual([
      'record.upload_started',
      'record.upload_cancelled',
    ]);
    expect(events[1]).toMatchObject({
      actor_user_id: patient.userId,
      details: { caseId, declaredSize: 10, receivedBytes: 4 },
    });

    // Gone for good: no offset, no more bytes, no second cancellation.
    expect((await tusRequest(patient, 'HEAD', url)).status).toBe(404);
    expectError(await patchUpload(patient, url, 4, Buffer.from('4567')), 404, 'not_found');
    expectError(await tusRequest(patient, 'DELETE', url), 404, 'not_found');
    expect(await auditOf(id)).toHaveLength(2);
  });

  it('refuses to cancel a complete upload (409 with its state)', async () => {
    const url = await finishUpload(tusClient(patient, caseId, Buffer.from('complete')));
    const row = await uploadRow(idOfUrl(url));
    const response = await tusRequest(patient, 'DELETE', pathOf(url));
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({
      code: 'conflict',
      message: 'The upload is complete and can no longer be cancelled.',
    });
    expect(handedOverStates).toContain(response.body.error.details.uploadState);
    expectHandedOver(await uploadRow(idOfUrl(url)), 'complete'.length);
    expect((await uploadRow(idOfUrl(url)))!.completed_at).toEqual(row!.completed_at);
    expect(await auditOf(idOfUrl(url))).toHaveLength(2);
  });
});

describe('abandoned uploads', () => {
  it('cancels uploads without progress for 24 hours and removes their staging; others stay', async () => {
    const config = testApp.app.services.config;
    const abandoned = await createUpload(patient, caseId, { length: 100 });
    const abandonedId = uploadIdOf(abandoned);
    expect(
      (await patchUpload(patient, String(abandoned.headers.location), 0, randomBytes(30))).status,
    ).toBe(204);
    const slow = await createUpload(patient, caseId, { length: 100 });
    const slowId = uploadIdOf(slow);
    const complete = await finishUpload(tusClient(patient, caseId, Buffer.from('done')));

    testApp.clock.advance(23 * 3_600_000);
    await expireStaleUploads(testApp.app.services, testApp.clock.now());
    expect((await uploadRow(abandonedId))!.state).toBe('receiving');

    // The slow upload makes progress, in a new session: the old one has long lapsed.
    expectError(
      await patchUpload(patient, String(slow.headers.location), 0, randomBytes(10)),
      401,
      'session_expired',
    );
    await signIn(testApp, patient);
    expect(
      (await patchUpload(patient, String(slow.headers.location), 0, randomBytes(10))).status,
    ).toBe(204);

    testApp.clock.advance(2 * 3_600_000);
    const expired = await expireStaleUploads(testApp.app.services, testApp.clock.now());
    expect(expired).toBeGreaterThanOrEqual(1);
    expect(await uploadRow(abandonedId)).toMatchObject({ state: 'cancelled' });
    await expect(fs.access(stagingFilePath(config, abandonedId))).rejects.toThrow();
    await expect(fs.access(stagingInfoPath(config, abandonedId))).rejects.toThrow();
    const events = await auditOf(abandonedId);
    expect(events.at(-1)).toMatchObject({
      event_type: 'record.upload_expired',
      actor_user_id: null,
      patient_id: patient.patientId,
      details: { caseId, declaredSize: 100, receivedBytes: 30 },
    });

    expect(await uploadRow(slowId)).toMatchObject({ state: 'receiving', received_bytes: 10 });
    await fs.access(stagingFilePath(config, slowId));
    expectHandedOver(await uploadRow(idOfUrl(complete)), 'done'.length);
    // A second sweep finds nothing more to do with them.
    await expireStaleUploads(testApp.app.services, testApp.clock.now());
    expect(await auditOf(abandonedId)).toHaveLength(events.length);
  });
});

describe('a server restart', () => {
  it('keeps the offset of an interrupted upload, which then completes with the right bytes', async () => {
    await signIn(testApp, patient);
    const content = randomBytes(9 * MiB);
    const upload = tusClient(patient, caseId, content, {
      metadata: { filename: 'echo.dcm' },
      httpStack: new StallingHttpStack(2 * MiB),
    });
    const id = idOfUrl(await startThenDrop(upload, 2 * MiB));
    await expect.poll(async () => (await uploadRow(id))!.received_bytes).toBe(2 * MiB);
    const stagedBefore = (await fs.stat(stagingFilePath(testApp.app.services.config, id))).size;

    // Stop the server and start a new one on the same data directory and database.
    const previous = testApp;
    const { config } = previous.app.services;
    await previous.app.close();
    const app = await startConsilium({
      config,
      clock: previous.clock,
      listen: false,
      webRoot: path.join(previous.dataDir, 'web'),
    });
    testApp = {
      ...previous,
      app,
      client: () => new TestClient(app),
      async close() {
        await app.close();
        await previous.smtp.close();
        await fs.rm(previous.dataDir, { recursive: true, force: true });
      },
    };
    await listen(app, port);

    const head = await tusRequest(patient, 'HEAD', pathOf(upload.url!));
    expect(head.status, head.text).toBe(200);
    expect(Number(head.headers['upload-offset'])).toBe(stagedBefore);
    expect(stagedBefore).toBe(2 * MiB);

    expect(await finishUpload(upload)).toBe(upload.url);
    expectHandedOver(await uploadRow(id), content.length);
    expect(await stagedSha(id)).toBe(sha256(content));
    const jobs = await jobsNamed(recordProcessJobName);
    expect(jobs.some((job) => (job.data as { uploadId: string }).uploadId === id)).toBe(true);
  });
});
