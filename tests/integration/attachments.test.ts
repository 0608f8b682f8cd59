/**
 * A case's plain attachment list through the real server on a real PostgreSQL and a real data
 * directory: a real-world PDF uploaded, listed and downloaded byte for byte with its SHA-256;
 * the size limit, the accepted types and file-name sanitising; who may add, read and take back
 * documents (404 for everyone else, 409 in the wrong stage) with nothing written when refused;
 * the audit trail; and no file left behind when the row cannot be written.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentMaxBytes } from '../../src/core/attachments.ts';
import {
  attachmentFilePath,
  attachmentsRoot,
  attachmentStagingDir,
} from '../../src/server/attachments/attachment-storage.ts';
import {
  createMember,
  createOrganization,
  grantProxy,
  linkReferrer,
  type TestMember,
} from '../support/accounts.ts';
import { expectError } from '../support/auth-helpers.ts';
import { assignSpecialist, setCaseState, startCase } from '../support/cases.ts';
import {
  startTestApp,
  type TestApp,
  type TestClient,
  type TestResponse,
} from '../support/test-app.ts';

interface AttachmentBody {
  id: string;
  caseId: string;
  fileName: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  description: string | null;
  uploadedAt: string;
  uploadedBy: { userId: string; name: string };
  canDelete: boolean;
}

interface ListBody {
  attachments: AttachmentBody[];
  canUpload: boolean;
  limits: { mediaTypes: string[]; maxBytes: number };
}

/** A discharge summary nobody on the team wrote (HL7 C-CDA examples, CC0; docs/data-sources.md). */
const samplePdfPath = path.resolve(
  import.meta.dirname,
  '../fixtures/records/Discharge_Summary_UD_sample.pdf',
);

let testApp: TestApp;
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
let otherTenantCoordinator: TestMember;

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

/**
 * Sends `content` as the raw body of an upload, with the member's session cookie and CSRF header
 * (the test client speaks JSON only). A stream is sent without a Content-Length.
 */
async function upload(
  client: TestClient,
  caseId: string,
  content: Buffer | Readable,
  headers: Record<string, string>,
): Promise<TestResponse<any>> {
  const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const response = await testApp.app.http.inject({
    method: 'POST',
    url: `/api/v1/cases/${caseId}/attachments`,
    headers: { cookie, 'x-csrf-token': client.cookies.get('consilium_csrf') ?? '', ...headers },
    payload: content,
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

function uploadPdf(client: TestClient, caseId: string, fileName = 'discharge summary.pdf') {
  return upload(client, caseId, samplePdf, {
    'content-type': 'application/pdf',
    'x-file-name': encodeURIComponent(fileName),
  });
}

/** Downloads with the member's session; the body as bytes. */
async function download(client: TestClient, caseId: string, attachmentId: string) {
  const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const response = await testApp.app.http.inject({
    method: 'GET',
    url: `/api/v1/cases/${caseId}/attachments/${attachmentId}/content`,
    headers: { cookie },
  });
  return { status: response.statusCode, bytes: response.rawPayload, headers: response.headers };
}

async function attachmentRows(caseId: string) {
  return testApp.app.services.db
    .selectFrom('case_attachments')
    .selectAll()
    .where('case_id', '=', caseId)
    .execute();
}

/** Every file under the attachments directory, staging included, relative to it. */
async function filesOnDisk(): Promise<string[]> {
  const root = attachmentsRoot(testApp.dataDir);
  try {
    const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
      .sort();
  } catch {
    return [];
  }
}

async function stagingFiles(): Promise<string[]> {
  try {
    return await fs.readdir(attachmentStagingDir(testApp.dataDir));
  } catch {
    return [];
  }
}

/** Runs `work` and checks that it wrote no attachment row, file or audit event. */
async function expectNothingWritten(caseId: string, work: () => Promise<void>) {
  const db = testApp.app.services.db;
  const countAudit = async () =>
    Number(
      (
        await db
          .selectFrom('audit_events')
          .select(db.fn.countAll().as('n'))
          .where('entity_type', '=', 'CaseAttachment')
          .executeTakeFirstOrThrow()
      ).n,
    );
  const before = { rows: await attachmentRows(caseId), files: await filesOnDisk() };
  const auditBefore = await countAudit();
  await work();
  expect(await attachmentRows(caseId)).toEqual(before.rows);
  expect(await filesOnDisk()).toEqual(before.files);
  expect(await stagingFiles()).toEqual([]);
  expect(await countAudit()).toBe(auditBefore);
}

beforeAll(async () => {
  testApp = await startTestApp();
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
  const otherOrganization = await createOrganization(testApp, 'Other Clinic');
  otherTenantCoordinator = await createMember(testApp, otherOrganization.id, 'coordinator');
  await grantProxy(testApp, patient, proxy, 'act');
  await grantProxy(testApp, patient, viewProxy, 'view');
  await linkReferrer(testApp, patient, referrer);
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('uploading, listing and downloading', () => {
  let caseId: string;
  let uploaded: AttachmentBody;

  beforeAll(async () => {
    caseId = await startCase(patient.client, patient.patientId!);
    await assignSpecialist(testApp, caseId, specialist.userId);
  });

  it('stores a real PDF under a generated key with its SHA-256, flushed and renamed into place', async () => {
    const response = await upload(patient.client, caseId, samplePdf, {
      'content-type': 'application/pdf',
      'x-file-name': encodeURIComponent('Discharge summary.pdf'),
      'x-description': encodeURIComponent('Discharge summary after my stroke, 2012'),
    });
    expect(response.status, response.text).toBe(201);
    uploaded = response.body as AttachmentBody;
    expect(uploaded).toEqual({
      id: expect.any(String),
      caseId,
      fileName: 'Discharge summary.pdf',
      mediaType: 'application/pdf',
      sizeBytes: samplePdf.length,
      sha256: sha256(samplePdf),
      description: 'Discharge summary after my stroke, 2012',
      uploadedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      uploadedBy: { userId: patient.userId, name: 'Test patient' },
      canDelete: true,
    });
    const [row] = await attachmentRows(caseId);
    expect(row?.storage_key).toBe(`${organizationId}/${caseId}/${uploaded.id}`);
    const stored = await fs.readFile(attachmentFilePath(testApp.dataDir, row!.storage_key));
    expect(stored.equals(samplePdf)).toBe(true);
    expect(await stagingFiles()).toEqual([]);
  });

  it('lists it for everyone who may read the case, with who may take it back', async () => {
    for (const reader of [patient, proxy, viewProxy, referrer, coordinator, specialist]) {
      const response = await reader.client.get<ListBody>(`/api/v1/cases/${caseId}/attachments`);
      expect(response.status, `${reader.role}: ${response.text}`).toBe(200);
      expect(response.body.attachments.map((entry) => entry.id)).toEqual([uploaded.id]);
      expect(response.body.attachments[0]?.canDelete, reader.email).toBe(reader === patient);
      expect(response.body.canUpload, reader.email).toBe(
        [patient, proxy, referrer, coordinator].includes(reader),
      );
      expect(response.body.limits.maxBytes).toBe(attachmentMaxBytes);
      expect(response.body.limits.mediaTypes).toContain('application/pdf');
    }
  });

  it('downloads the same bytes as a file, never inline, with its digest', async () => {
    for (const reader of [patient, coordinator, specialist]) {
      const response = await download(reader.client, caseId, uploaded.id);
      expect(response.status).toBe(200);
      expect(response.bytes.equals(samplePdf)).toBe(true);
      expect(sha256(response.bytes)).toBe(uploaded.sha256);
      expect(response.headers['content-type']).toBe('application/pdf');
      expect(response.headers['content-disposition']).toBe(
        `attachment; filename="Discharge summary.pdf"; filename*=UTF-8''Discharge%20summary.pdf`,
      );
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['repr-digest']).toBe(
        `sha-256=:${Buffer.from(uploaded.sha256, 'hex').toString('base64')}:`,
      );
    }
  });

  it('keeps a non-ASCII name exactly and offers it as an RFC 8187 file name', async () => {
    const name = 'Informe de patología – Núñez (2026).pdf';
    const response = await upload(patient.client, caseId, samplePdf, {
      'content-type': 'application/pdf',
      'x-file-name': `UTF-8''${encodeURIComponent(name)}`,
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.fileName).toBe(name);
    const fetched = await download(patient.client, caseId, response.body.id);
    expect(fetched.headers['content-disposition']).toBe(
      `attachment; filename="Informe de patolog_a _ N__ez (2026).pdf"; filename*=UTF-8''Informe%20de%20patolog%C3%ADa%20%E2%80%93%20N%C3%BA%C3%B1ez%20%282026%29.pdf`,
    );
  });

  it('accepts a DICOM file, and text, as the patient side and the coordinator', async () => {
    const dicom = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64, 1)]);
    const fromProxy = await upload(proxy.client, caseId, dicom, {
      'content-type': 'application/dicom',
      'x-file-name': 'CT_0001.dcm',
    });
    expect(fromProxy.status, fromProxy.text).toBe(201);
    expect(fromProxy.body.uploadedBy.userId).toBe(proxy.userId);
    const fromReferrer = await upload(referrer.client, caseId, Buffer.from('Referral letter'), {
      'content-type': 'text/plain; charset=utf-8',
      'x-file-name': 'referral.txt',
    });
    expect(fromReferrer.status, fromReferrer.text).toBe(201);
    expect(fromReferrer.body.mediaType).toBe('text/plain');
    const fromCoordinator = await uploadPdf(coordinator.client, caseId, 'outside records.pdf');
    expect(fromCoordinator.status, fromCoordinator.text).toBe(201);
  });

  it('records every upload, list and download in the audit trail, on behalf of the patient', async () => {
    const events = await testApp.app.services.db
      .selectFrom('audit_events')
      .select([
        'event_type',
        'action',
        'actor_user_id',
        'on_behalf_of_user_id',
        'patient_id',
        'entity_type',
        'entity_id',
        'details',
      ])
      .where('patient_id', '=', patient.patientId!)
      .where((eb) =>
        eb.or([
          eb('entity_type', '=', 'CaseAttachment'),
          eb('event_type', '=', 'case.attachments_listed'),
        ]),
      )
      .orderBy('seq')
      .execute();
    const added = events.find((event) => event.entity_id === uploaded.id);
    expect(added).toMatchObject({
      event_type: 'case.attachment_added',
      actor_user_id: patient.userId,
      entity_type: 'CaseAttachment',
      details: {
        change: 'attachment_added',
        caseId,
        mediaType: 'application/pdf',
        sizeBytes: samplePdf.length,
        sha256: uploaded.sha256,
      },
    });
    const listedBy = events
      .filter((event) => (event.details as { part?: string }).part === 'attachments')
      .map((event) => event.actor_user_id);
    expect(listedBy).toEqual(
      expect.arrayContaining(
        [patient, proxy, viewProxy, referrer, coordinator, specialist].map((m) => m.userId),
      ),
    );
    const downloads = events.filter(
      (event) => event.entity_id === uploaded.id && event.event_type === 'case.attachment_read',
    );
    expect(downloads.map((event) => event.actor_user_id)).toEqual([
      patient.userId,
      coordinator.userId,
      specialist.userId,
    ]);
    const byProxy = events.find(
      (event) =>
        event.actor_user_id === proxy.userId && event.event_type === 'case.attachment_added',
    );
    expect(byProxy?.on_behalf_of_user_id).toBe(patient.userId);
  });
});

describe('what an upload may be', () => {
  let caseId: string;

  beforeAll(async () => {
    caseId = await startCase(patient.client, patient.patientId!);
  });

  it('refuses a file over 25 MiB with 413, by its declared length and while streaming', async () => {
    const tooBig = Buffer.alloc(attachmentMaxBytes + 1, 7);
    await expectNothingWritten(caseId, async () => {
      const declared = await upload(patient.client, caseId, tooBig, {
        'content-type': 'application/pdf',
        'x-file-name': 'huge.pdf',
      });
      expectError(declared, 413, 'payload_too_large', {
        message: 'The file is larger than 25 MB.',
        details: { maxBytes: attachmentMaxBytes },
      });
      expect(declared.headers.connection).toBe('close');
      // No Content-Length: the limit is found while counting the stream.
      const streamed = await upload(
        patient.client,
        caseId,
        Readable.from([tooBig.subarray(0, 1 << 20), tooBig]),
        {
          'content-type': 'application/pdf',
          'x-file-name': 'huge.pdf',
        },
      );
      expectError(streamed, 413, 'payload_too_large', {
        message: 'The file is larger than 25 MB.',
        details: { maxBytes: attachmentMaxBytes },
      });
    });
    // Exactly the limit is accepted.
    const atLimit = await upload(patient.client, caseId, Buffer.alloc(attachmentMaxBytes, 7), {
      'content-type': 'application/pdf',
      'x-file-name': 'exactly 25 MiB.pdf',
    });
    expect(atLimit.status, atLimit.text).toBe(201);
    expect(atLimit.body.sizeBytes).toBe(attachmentMaxBytes);
  });

  it('answers the 413 to a real HTTP client still sending, declared or chunked', async () => {
    await testApp.app.http.listen({ host: '127.0.0.1', port: 0 });
    const { port } = testApp.app.http.server.address() as AddressInfo;
    const cookie = [...patient.client.cookies]
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
    const total = attachmentMaxBytes + 1024 * 1024;
    await expectNothingWritten(caseId, async () => {
      for (const declared of [true, false]) {
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const request = http.request(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: `/api/v1/cases/${caseId}/attachments`,
              headers: {
                cookie,
                'x-csrf-token': patient.client.cookies.get('consilium_csrf') ?? '',
                'content-type': 'application/pdf',
                'x-file-name': 'big.pdf',
                ...(declared ? { 'content-length': String(total) } : {}),
              },
            },
            (response) => {
              let body = '';
              response.on('data', (chunk: Buffer) => (body += chunk.toString()));
              response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
            },
          );
          request.on('error', reject);
          const chunk = Buffer.alloc(64 * 1024, 1);
          let sent = 0;
          const pump = () => {
            while (sent < total) {
              sent += chunk.length;
              if (!request.write(chunk)) {
                request.once('drain', pump);
                return;
              }
            }
            request.end();
          };
          pump();
        });
        expect(answer.status, `declared ${declared}`).toBe(413);
        expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
      }
    });
  });

  it('refuses types that are not accepted with 415, JSON and HTML included', async () => {
    await expectNothingWritten(caseId, async () => {
      for (const contentType of [
        'text/html',
        'image/svg+xml',
        'application/zip',
        'application/json',
      ]) {
        const response = await upload(patient.client, caseId, Buffer.from('{"a":1}'), {
          'content-type': contentType,
          'x-file-name': 'page.html',
        });
        expectError(response, 415, 'unsupported_media_type', {
          message: 'This type of file is not accepted. Send a PDF, an image, a DICOM file or text.',
          details: {
            accepted: [
              'application/pdf',
              'image/jpeg',
              'image/png',
              'image/tiff',
              'image/heic',
              'application/dicom',
              'text/plain',
            ],
          },
        });
      }
      const untyped = await upload(patient.client, caseId, Buffer.from('x'), {
        'x-file-name': 'x.pdf',
      });
      expect(untyped.status).toBe(415);
    });
  });

  it('refuses a missing or badly encoded name, a long description and an empty file with 400', async () => {
    await expectNothingWritten(caseId, async () => {
      const unnamed = await upload(patient.client, caseId, samplePdf, {
        'content-type': 'application/pdf',
      });
      expect(unnamed.status).toBe(400);
      expect(unnamed.body.error.code).toBe('validation_failed');
      expect(unnamed.body.error.details.issues[0].path).toBe('headers.x-file-name');
      const badEscape = await upload(patient.client, caseId, samplePdf, {
        'content-type': 'application/pdf',
        'x-file-name': 'report%E0%A4%A.pdf',
      });
      expect(badEscape.status).toBe(400);
      const longDescription = await upload(patient.client, caseId, samplePdf, {
        'content-type': 'application/pdf',
        'x-file-name': 'report.pdf',
        'x-description': 'x'.repeat(501),
      });
      expect(longDescription.status).toBe(400);
      const empty = await upload(patient.client, caseId, Buffer.alloc(0), {
        'content-type': 'application/pdf',
        'x-file-name': 'empty.pdf',
      });
      expectError(empty, 400, 'validation_failed', {
        message: 'The file is empty.',
        details: { issues: [{ path: 'body', message: 'the file is empty' }] },
      });
    });
  });

  it('keeps only a safe base name of a path-traversal or control-character name', async () => {
    for (const [sent, kept] of [
      ['../../../../etc/passwd', 'passwd'],
      ['..\\..\\Windows\\win.ini', 'win.ini'],
      ['report\u0000\u0007.pdf', 'report.pdf'],
      ['invoice\u202Efdp.txt', 'invoicefdp.txt'],
      ['..', 'attachment'],
    ] as const) {
      const response = await upload(patient.client, caseId, Buffer.from('plain text'), {
        'content-type': 'text/plain',
        'x-file-name': encodeURIComponent(sent),
      });
      expect(response.status, response.text).toBe(201);
      expect(response.body.fileName).toBe(kept);
      const [row] = await testApp.app.services.db
        .selectFrom('case_attachments')
        .select(['storage_key', 'file_name'])
        .where('id', '=', response.body.id)
        .execute();
      expect(row?.file_name).toBe(kept);
      expect(row?.storage_key).toBe(`${organizationId}/${caseId}/${response.body.id}`);
    }
    // Nothing was written outside the attachments directory's case folders.
    for (const file of await filesOnDisk())
      expect(file).toMatch(/^[0-9a-f-]{36}\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/);
  });
});

describe('who may add, read and take back documents', () => {
  let caseId: string;
  let attachmentId: string;

  beforeAll(async () => {
    caseId = await startCase(patient.client, patient.patientId!);
    const response = await uploadPdf(patient.client, caseId);
    expect(response.status, response.text).toBe(201);
    attachmentId = response.body.id;
  });

  it('answers 404 to another patient, a specialist not on the case, another tenant and the admin, writing nothing', async () => {
    const admin = await createMember(testApp, organizationId, 'org_admin');
    await expectNothingWritten(caseId, async () => {
      for (const outsider of [otherPatient, otherSpecialist, otherTenantCoordinator, admin]) {
        expectError(await uploadPdf(outsider.client, caseId), 404, 'not_found');
        expectError(
          await outsider.client.get(`/api/v1/cases/${caseId}/attachments`),
          404,
          'not_found',
        );
        const fetched = await download(outsider.client, caseId, attachmentId);
        expect(fetched.status).toBe(404);
        expectError(
          await outsider.client.request(
            'DELETE',
            `/api/v1/cases/${caseId}/attachments/${attachmentId}`,
          ),
          404,
          'not_found',
        );
      }
    });
  });

  it('lets a view-only proxy and an assigned specialist read but not add documents', async () => {
    await assignSpecialist(testApp, caseId, specialist.userId);
    for (const reader of [viewProxy, specialist]) {
      expect((await reader.client.get(`/api/v1/cases/${caseId}/attachments`)).status).toBe(200);
      expect((await download(reader.client, caseId, attachmentId)).status).toBe(200);
      await expectNothingWritten(caseId, async () => {
        expectError(await uploadPdf(reader.client, caseId), 404, 'not_found');
      });
    }
  });

  it('answers 404 for an attachment of another case, even to someone who reads both', async () => {
    const otherCase = await startCase(patient.client, patient.patientId!);
    expect((await download(patient.client, otherCase, attachmentId)).status).toBe(404);
    expect((await download(patient.client, caseId, randomUUID())).status).toBe(404);
  });

  it('takes documents only in draft, triage and while records or answers are awaited (409 otherwise)', async () => {
    const staged = await startCase(patient.client, patient.patientId!);
    for (const state of ['triage', 'awaiting_records', 'awaiting_patient'] as const) {
      await setCaseState(testApp, staged, state);
      expect((await uploadPdf(patient.client, staged)).status, state).toBe(201);
      expect((await uploadPdf(coordinator.client, staged)).status, state).toBe(201);
    }
    for (const state of [
      'submitted',
      'ready_for_matching',
      'in_review',
      'delivered',
      'withdrawn',
    ] as const) {
      await setCaseState(testApp, staged, state);
      await expectNothingWritten(staged, async () => {
        expectError(await uploadPdf(patient.client, staged), 409, 'conflict', {
          message: 'Documents cannot be added to the case at this stage.',
          details: { currentState: state },
        });
      });
    }
  });

  it('lets only the uploader take a document back, only from a draft, and removes the file after commit', async () => {
    const draft = await startCase(patient.client, patient.patientId!);
    const mine = (await uploadPdf(patient.client, draft)).body as AttachmentBody;
    const byProxy = (await uploadPdf(proxy.client, draft)).body as AttachmentBody;
    const [mineRow] = await attachmentRows(draft).then((rows) =>
      rows.filter((row) => row.id === mine.id),
    );
    const file = attachmentFilePath(testApp.dataDir, mineRow!.storage_key);
    // Not the uploader: 404, whether patient side or staff.
    for (const other of [proxy, coordinator, referrer]) {
      expectError(
        await other.client.request('DELETE', `/api/v1/cases/${draft}/attachments/${mine.id}`),
        404,
        'not_found',
      );
    }
    const removed = await patient.client.request(
      'DELETE',
      `/api/v1/cases/${draft}/attachments/${mine.id}`,
    );
    expect(removed.status, removed.text).toBe(204);
    expect((await attachmentRows(draft)).map((row) => row.id)).toEqual([byProxy.id]);
    await expect(fs.access(file)).rejects.toThrow();
    const changes = await testApp.app.services.db
      .selectFrom('audit_events')
      .select(['event_type', 'actor_user_id', 'details'])
      .where('entity_id', '=', mine.id)
      .where('event_type', 'in', ['case.attachment_added', 'case.attachment_removed'])
      .orderBy('seq')
      .execute();
    expect(changes.map((event) => (event.details as { change: string }).change)).toEqual([
      'attachment_added',
      'attachment_removed',
    ]);
    expect(changes[1]).toMatchObject({
      actor_user_id: patient.userId,
      details: { change: 'attachment_removed', sha256: mine.sha256, sizeBytes: mine.sizeBytes },
    });
    // After submission the proxy's document stays, even for its uploader.
    await setCaseState(testApp, draft, 'submitted');
    expectError(
      await proxy.client.request('DELETE', `/api/v1/cases/${draft}/attachments/${byProxy.id}`),
      409,
      'conflict',
      {
        message: 'Documents can only be removed while the case is a draft.',
        details: { currentState: 'submitted' },
      },
    );
    expect((await attachmentRows(draft)).map((row) => row.id)).toEqual([byProxy.id]);
    const listed = await proxy.client.get<ListBody>(`/api/v1/cases/${draft}/attachments`);
    expect(listed.body.attachments[0]?.canDelete).toBe(false);
  });
});

describe('a row that cannot be written', () => {
  it('leaves no file behind when the case leaves an upload stage while the file streams in', async () => {
    const caseId = await startCase(patient.client, patient.patientId!);
    await expectNothingWritten(caseId, async () => {
      const body = new PassThrough();
      body.write(samplePdf.subarray(0, 64 * 1024));
      const pending = upload(patient.client, caseId, body, {
        'content-type': 'application/pdf',
        'x-file-name': 'late.pdf',
      });
      // The first check passed and the file is streaming into staging: submit the case now.
      for (let attempt = 0; (await stagingFiles()).length === 0; attempt += 1) {
        if (attempt > 200) throw new Error('the upload never started streaming');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await setCaseState(testApp, caseId, 'submitted');
      body.end(samplePdf.subarray(64 * 1024));
      expectError(await pending, 409, 'conflict', {
        message: 'Documents cannot be added to the case at this stage.',
        details: { currentState: 'submitted' },
      });
    });
  });

  it('removes the staging file when the client goes away mid-upload', async () => {
    const caseId = await startCase(patient.client, patient.patientId!);
    await expectNothingWritten(caseId, async () => {
      const body = new PassThrough();
      body.write(samplePdf.subarray(0, 1024));
      const pending = upload(patient.client, caseId, body, {
        'content-type': 'application/pdf',
        'x-file-name': 'interrupted.pdf',
      });
      for (let attempt = 0; (await stagingFiles()).length === 0; attempt += 1) {
        if (attempt > 200) throw new Error('the upload never started streaming');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      body.destroy(new Error('connection reset'));
      await pending.catch(() => undefined);
      for (let attempt = 0; (await stagingFiles()).length > 0 && attempt < 200; attempt += 1)
        await new Promise((resolve) => setTimeout(resolve, 10));
    });
  });
});
