/**
 * The records pipeline end to end on real parts (PostgreSQL, pg-boss workers, files on disk, a
 * real clamd with the project's test signature): a complete upload is recognised by content,
 * scanned and encrypted in one pass, understood, stored once per digest, shown in the document
 * list, the imaging studies and the timeline, downloaded decrypted with its digest, and checked by
 * the safety net; refusals and quarantine leave nothing half-stored; findings are handled by the
 * coordinator and hold back `mark_ready` unless overridden; the records of a case are 404 to
 * everyone who may not read the case.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagingFilePath } from '../../src/server/records/uploads/upload-staging.ts';
import { createMember, createOrganization, type TestMember } from '../support/accounts.ts';
import { setCaseState, startCase } from '../support/cases.ts';
import { startClamd, type TestClamd } from '../support/clamd.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/records');
const eicar = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

let clamd: TestClamd;
let testApp: TestApp;
let patient: TestMember;
let otherPatient: TestMember;
let coordinator: TestMember;
let specialist: TestMember;
let caseId: string;

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');
const db = () => testApp.app.services.db;

function authHeaders(member: TestMember): Record<string, string> {
  const cookie = [...member.client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  return { cookie, 'x-csrf-token': member.client.cookies.get('consilium_csrf') ?? '' };
}

/** Sends `bytes` as one tus upload (creation, then one PATCH) to `on`; returns the upload id. */
async function upload(
  member: TestMember,
  target: string,
  fileName: string,
  bytes: Buffer,
  on: TestApp = testApp,
) {
  const metadata = `filename ${Buffer.from(fileName).toString('base64')}`;
  const created = await on.app.http.inject({
    method: 'POST',
    url: `/api/v1/cases/${target}/uploads`,
    headers: {
      ...authHeaders(member),
      'tus-resumable': '1.0.0',
      'upload-length': String(bytes.length),
      'upload-metadata': metadata,
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  const location = String(created.headers.location);
  const patched = await on.app.http.inject({
    method: 'PATCH',
    url: location,
    headers: {
      ...authHeaders(member),
      'tus-resumable': '1.0.0',
      'upload-offset': '0',
      'content-type': 'application/offset+octet-stream',
    },
    payload: bytes,
  });
  expect(patched.statusCode, patched.body).toBe(204);
  return location.split('/').at(-1)!;
}

/** Waits until the workers of `on` have processed the upload; returns its row. */
async function processed(uploadId: string, on: TestApp = testApp) {
  let row: { state: string; refusal_code: string | null } | undefined;
  await expect
    .poll(
      async () => {
        row = await on.app.services.db
          .selectFrom('record_uploads')
          .select(['state', 'refusal_code'])
          .where('id', '=', uploadId)
          .executeTakeFirst();
        return row?.state;
      },
      { timeout: 20_000, interval: 100 },
    )
    .not.toMatch(/^(receiving|processing)$/);
  return row!;
}

/**
 * Waits until the upload's plaintext staging is gone: it is deleted right after the transaction
 * that recorded the outcome commits, so it may outlive the row's change by a moment.
 */
async function stagingGone(uploadId: string) {
  const staged = stagingFilePath(testApp.app.services.config, uploadId);
  await expect
    .poll(
      () =>
        fs.stat(staged).then(
          () => 'present',
          (error: unknown) => (error as NodeJS.ErrnoException).code,
        ),
      { timeout: 10_000, interval: 50 },
    )
    .toBe('ENOENT');
}

async function documentOf(uploadId: string) {
  return db()
    .selectFrom('record_documents')
    .selectAll()
    .where('upload_id', '=', uploadId)
    .executeTakeFirstOrThrow();
}

async function auditTypes(entityId: string) {
  const rows = await db()
    .selectFrom('audit_events')
    .select('event_type')
    .where('entity_id', '=', entityId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => row.event_type);
}

/** A one-page PDF naming a patient, written by pdfkit. */
async function letterPdf(patientLine: string, body: string): Promise<Buffer> {
  const doc = new PDFDocument({ info: { CreationDate: new Date('2026-01-01T00:00:00Z') } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  doc.text('Riverside Oncology Clinic');
  doc.text('Pathology Report');
  doc.text(patientLine);
  doc.text('Date of service: 2026-10-02');
  doc.text(body);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  clamd = await startClamd();
  testApp = await startTestApp({ CONSILIUM_CLAMD: `tcp://127.0.0.1:${clamd.tcp.port}` });
  const organization = await createOrganization(testApp);
  patient = await createMember(testApp, organization.id, 'patient');
  otherPatient = await createMember(testApp, organization.id, 'patient');
  coordinator = await createMember(testApp, organization.id, 'coordinator');
  specialist = await createMember(testApp, organization.id, 'specialist');
  caseId = await startCase(patient.client, patient.patientId!);
});

afterAll(async () => {
  await testApp?.close();
  await clamd?.stop();
});

describe('a complete upload', () => {
  let pdf: Buffer;
  let uploadId: string;

  it('is scanned, encrypted and understood; the plaintext staging is gone', async () => {
    pdf = await fs.readFile(path.join(fixtures, 'Discharge_Summary_UD_sample.pdf'));
    uploadId = await upload(patient, caseId, 'discharge.pdf', pdf);
    expect(await processed(uploadId)).toMatchObject({ state: 'stored', refusal_code: null });
    const doc = await documentOf(uploadId);
    expect(doc).toMatchObject({
      format: 'pdf',
      sha256: sha256(pdf),
      size_bytes: pdf.length,
      condition: 'ready',
      duplicate_of_document_id: null,
    });
    expect(doc.display_name).toMatch(/ — /);
    await stagingGone(uploadId);
    // At rest the blob is ciphertext: no PDF header, no text of the document.
    const blob = await db()
      .selectFrom('blobs')
      .select(['storage_key', 'size_bytes', 'sha256'])
      .where('id', '=', doc.blob_id)
      .executeTakeFirstOrThrow();
    expect(blob).toMatchObject({ size_bytes: pdf.length, sha256: sha256(pdf) });
    const stored = await fs.readFile(
      path.join(testApp.dataDir, 'blobs', ...blob.storage_key.split('/')),
    );
    expect(stored.includes(Buffer.from('%PDF'))).toBe(false);
    expect(stored.length).toBeGreaterThan(pdf.length);
    expect(await auditTypes(doc.id)).toEqual(['record.stored']);
  });

  it('is listed for the patient and the coordinator, and downloads decrypted with its digest', async () => {
    const listed = await coordinator.client.get<{
      documents: { id: string; sha256: string; format: string }[];
    }>(`/api/v1/cases/${caseId}/documents`);
    expect(listed.status).toBe(200);
    const doc = await documentOf(uploadId);
    expect(listed.body.documents.map((d) => d.id)).toContain(doc.id);

    const response = await testApp.app.http.inject({
      method: 'GET',
      url: `/api/v1/cases/${caseId}/documents/${doc.id}/content?purpose=view`,
      headers: authHeaders(patient),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/^attachment;/);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(sha256(response.rawPayload)).toBe(sha256(pdf));
    expect(await auditTypes(doc.id)).toEqual(['record.stored', 'record.viewed']);
  });

  it('sent again, is recognised as a duplicate and linked, not stored twice', async () => {
    const blobsBefore = await db().selectFrom('blobs').select('id').execute();
    const again = await upload(patient, caseId, 'discharge-copy.pdf', pdf);
    expect(await processed(again)).toMatchObject({ state: 'stored' });
    const [first, second] = [await documentOf(uploadId), await documentOf(again)];
    expect(second.duplicate_of_document_id).toBe(first.id);
    expect(second.blob_id).toBe(first.blob_id);
    expect(await db().selectFrom('blobs').select('id').execute()).toHaveLength(blobsBefore.length);
  });

  it('lets the patient side correct what was derived (audited, display name follows)', async () => {
    const doc = await documentOf(uploadId);
    const response = await patient.client.patch<{ displayName: string; kind: string }>(
      `/api/v1/cases/${caseId}/documents/${doc.id}`,
      { kind: 'discharge_summary', dateOfService: '2025-03-04', source: 'General Hospital' },
    );
    expect(response.status, response.text).toBe(200);
    expect(response.body.displayName).toBe('2025-03-04 — Discharge summary — General Hospital');
    expect(await auditTypes(doc.id)).toContain('record.described');
    const bad = await patient.client.patch(`/api/v1/cases/${caseId}/documents/${doc.id}`, {
      kind: 'selfie',
      dateOfService: null,
      source: null,
    });
    expect(bad.status).toBe(400);
  });
});

describe('structured records and images', () => {
  it('imports a Synthea FHIR bundle into clinical items on the timeline', async () => {
    const bundle = await fs.readFile(
      path.join(fixtures, 'fhir', 'Antonio_Castellanos_6d2eba67-5b4a-403f-a29f-e6da3f1ea963.json'),
    );
    const id = await upload(patient, caseId, 'portal-export.json', bundle);
    expect(await processed(id)).toMatchObject({ state: 'stored' });
    const doc = await documentOf(id);
    expect(doc.format).toBe('fhir_json');
    const items = await db()
      .selectFrom('record_clinical_items')
      .select(['type'])
      .where('document_id', '=', doc.id)
      .execute();
    expect(items.length).toBeGreaterThan(10);
    expect([...new Set(items.map((item) => item.type))].sort()).toEqual([
      'condition',
      'medication',
      'observation',
      'procedure',
      'report',
    ]);
    expect(items.some((item) => item.type === 'medication')).toBe(true);
    const timeline = await patient.client.get<{
      entries: { kind: string; documentId: string | null; date: string | null }[];
    }>(`/api/v1/cases/${caseId}/records-timeline`);
    expect(timeline.status).toBe(200);
    const fromBundle = timeline.body.entries.filter(
      (entry) => entry.documentId === doc.id && entry.kind !== 'document',
    );
    expect(fromBundle.length).toBe(items.length);
    const dates = timeline.body.entries.flatMap((entry) =>
      entry.date === null ? [] : [entry.date],
    );
    expect(dates).toEqual([...dates].sort());
  });

  it('groups DICOM instances into a study with its series', async () => {
    const ct = await fs.readFile(path.join(fixtures, 'dicom', 'pydicom_CT_small.dcm'));
    const id = await upload(patient, caseId, 'CD/DICOM/IM0001', ct);
    expect(await processed(id)).toMatchObject({ state: 'stored' });
    const doc = await documentOf(id);
    expect(doc).toMatchObject({ format: 'dicom', kind: 'imaging_study' });
    const listed = await specialistOrCoordinatorList();
    const study = listed.studies.find((s) =>
      s.series.some((series) => series.documentIds.includes(doc.id)),
    );
    expect(study).toMatchObject({ modalities: ['CT'] });
  });
});

async function specialistOrCoordinatorList() {
  const listed = await coordinator.client.get<{
    studies: { modalities: string[]; series: { documentIds: string[] }[] }[];
    uploads: { id: string; state: string; refusal: { code: string } | null }[];
  }>(`/api/v1/cases/${caseId}/documents`);
  expect(listed.status).toBe(200);
  return listed.body;
}

describe('refusals and quarantine', () => {
  it('refuses the EICAR test file as malware and keeps nothing of it', async () => {
    const blobs = await db().selectFrom('blobs').select('id').execute();
    const id = await upload(patient, caseId, 'notes.txt', Buffer.from(eicar));
    expect(await processed(id)).toMatchObject({
      state: 'refused',
      refusal_code: 'malware_detected',
    });
    await stagingGone(id);
    expect(await db().selectFrom('blobs').select('id').execute()).toHaveLength(blobs.length);
    const listed = await specialistOrCoordinatorList();
    expect(listed.uploads.find((u) => u.id === id)).toMatchObject({
      state: 'refused',
      refusal: { code: 'malware_detected' },
    });
  });

  it.each([
    [
      'a web page named .txt',
      'page.txt',
      Buffer.from('<html><script>alert(1)</script></html>'),
      'active_content',
    ],
    [
      'a DICOM with garbage tags',
      'IM0002.dcm',
      Buffer.concat([
        Buffer.alloc(128),
        Buffer.from('DICM'),
        Buffer.from([0x02, 0x00, 0x10, 0x00, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3]),
      ]),
      'dicom_unparseable',
    ],
    ['JSON that is not FHIR', 'export.json', Buffer.from('{"hello": "world"}'), 'not_fhir'],
    [
      'an executable named .pdf',
      'report.pdf',
      Buffer.from('MZ\x90\x00\x03\x00\x00\x00 this program cannot be run in DOS mode'),
      'unsupported_type',
    ],
  ])('refuses %s with a stable code, nothing stored', async (_name, fileName, bytes, code) => {
    const documents = await db().selectFrom('record_documents').select('id').execute();
    const id = await upload(patient, caseId, fileName, bytes);
    const row = await processed(id);
    expect(row.state).toBe('refused');
    expect(row.refusal_code).toBe(code);
    expect(await db().selectFrom('record_documents').select('id').execute()).toHaveLength(
      documents.length,
    );
    await stagingGone(id);
  });

  it('holds a file in quarantine while the configured scanner does not answer', async () => {
    const quiet = await startTestApp({ CONSILIUM_CLAMD: 'tcp://127.0.0.1:1' });
    try {
      const organization = await createOrganization(quiet, 'Quiet scanner clinic');
      const member = await createMember(quiet, organization.id, 'patient');
      const quietCaseId = await startCase(member.client, member.patientId!);
      const id = await upload(
        member,
        quietCaseId,
        'letter.txt',
        Buffer.from('Blood pressure 120/80.\n'),
        quiet,
      );
      expect(await processed(id, quiet)).toMatchObject({
        state: 'quarantined',
        refusal_code: 'scan_pending',
      });
      // The plaintext waits for the scanner; nothing was stored.
      await fs.stat(stagingFilePath(quiet.app.services.config, id));
      expect(
        await quiet.app.services.db.selectFrom('record_documents').select('id').execute(),
      ).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe('the safety net', () => {
  let wrongPatientDocumentId: string;

  it('flags a document that names another patient, in plain words for the patient', async () => {
    const pdf = await letterPdf(
      'Patient: Jonathan Q. Someoneelse   DOB: 1931-02-03',
      'Invasive ductal carcinoma, grade 2.',
    );
    const id = await upload(patient, caseId, 'pathology.pdf', pdf);
    expect(await processed(id)).toMatchObject({ state: 'stored' });
    wrongPatientDocumentId = (await documentOf(id)).id;
    let findings: {
      rule: string;
      severity: string;
      staffText: string | null;
      evidence: { documentId: string | null }[];
    }[] = [];
    await expect
      .poll(
        async () => {
          const response = await patient.client.get<{ findings: typeof findings }>(
            `/api/v1/cases/${caseId}/findings`,
          );
          findings = response.body.findings;
          return findings.some(
            (finding) =>
              finding.rule === 'wrong_patient' &&
              finding.evidence.some((e) => e.documentId === wrongPatientDocumentId),
          );
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(true);
    const wrong = findings.find(
      (finding) =>
        finding.rule === 'wrong_patient' &&
        finding.evidence.some((e) => e.documentId === wrongPatientDocumentId),
    )!;
    expect(wrong.severity).toBe('blocker');
    expect(wrong.staffText).toBeNull();
    // The Synthea bundle names its own patient, not this case's: flagged as well.
    expect(findings.filter((finding) => finding.rule === 'wrong_patient').length).toBeGreaterThan(
      1,
    );
  });

  it('shows staff the technical text, and holds mark_ready back until overridden', async () => {
    const staffView = await coordinator.client.post<{
      findings: { id: string; rule: string; staffText: string | null; state: string }[];
      counts: { blocker: number };
    }>(`/api/v1/cases/${caseId}/findings/check`, {});
    expect(staffView.status, staffView.text).toBe(200);
    expect(staffView.body.counts.blocker).toBeGreaterThan(0);
    expect(staffView.body.findings.every((finding) => finding.staffText !== null)).toBe(true);

    await setCaseState(testApp, caseId, 'triage');
    const refused = await coordinator.client.post(`/api/v1/cases/${caseId}/transitions`, {
      transition: 'mark_ready',
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { details: { reason: 'open_blockers' } } });

    const overridden = await coordinator.client.post<{ state: string }>(
      `/api/v1/cases/${caseId}/transitions`,
      { transition: 'mark_ready', blockerOverrideReason: 'Outside pathology confirmed by phone' },
    );
    expect(overridden.status, overridden.text).toBe(200);
    expect(overridden.body.state).toBe('ready_for_matching');
    const after = await coordinator.client.get<{
      findings: {
        rule: string;
        severity: string;
        state: string;
        resolution: { method: string | null } | null;
      }[];
    }>(`/api/v1/cases/${caseId}/findings`);
    const blockers = after.body.findings.filter((finding) => finding.severity === 'blocker');
    expect(blockers.length).toBeGreaterThan(0);
    for (const blocker of blockers)
      expect(blocker).toMatchObject({ state: 'resolved', resolution: { method: 'overridden' } });
    expect(await auditTypes(caseId)).toContain('record.blockers_overridden');
  });

  it('lets the coordinator dismiss a finding with a reason, once', async () => {
    const list = await coordinator.client.get<{ findings: { id: string; state: string }[] }>(
      `/api/v1/cases/${caseId}/findings`,
    );
    const open = list.body.findings.find((finding) => finding.state === 'open');
    expect(open).toBeDefined();
    const url = `/api/v1/cases/${caseId}/findings/${open!.id}/decision`;
    const noReason = await coordinator.client.post(url, { outcome: 'dismissed', reason: '' });
    expect(noReason.status).toBe(400);
    const byPatient = await patient.client.post(url, { outcome: 'dismissed', reason: 'Not mine' });
    expect(byPatient.status).toBe(404);
    const dismissed = await coordinator.client.post<{ state: string; trail: { action: string }[] }>(
      url,
      { outcome: 'dismissed', reason: 'Known and discussed with the referring physician' },
    );
    expect(dismissed.status, dismissed.text).toBe(200);
    expect(dismissed.body.state).toBe('dismissed');
    expect(dismissed.body.trail.map((step) => step.action)).toEqual(['raised', 'dismissed']);
    const again = await coordinator.client.post(url, {
      outcome: 'dismissed',
      reason: 'Again please',
    });
    expect(again.status).toBe(409);
  });
});

describe('access', () => {
  it('answers 404 to another patient and to a specialist not on the case, for every records route', async () => {
    const doc = await db()
      .selectFrom('record_documents')
      .select('id')
      .where('case_id', '=', caseId)
      .executeTakeFirstOrThrow();
    for (const outsider of [otherPatient, specialist]) {
      for (const url of [
        `/api/v1/cases/${caseId}/documents`,
        `/api/v1/cases/${caseId}/documents/${doc.id}/content`,
        `/api/v1/cases/${caseId}/records-timeline`,
        `/api/v1/cases/${caseId}/findings`,
      ]) {
        const response = await outsider.client.get(url);
        expect(response.status, url).toBe(404);
      }
    }
  });
});

describe('the DICOM viewer decoders', () => {
  it('are served beside any page, and nothing else under that name', async () => {
    const decoder = await testApp.app.http.inject({
      method: 'GET',
      url: '/cases/0f2c/assets/workers/jpeg2000.worker.min.js',
    });
    expect(decoder.statusCode).toBe(200);
    expect(decoder.headers['content-type']).toMatch(/javascript/);
    expect(decoder.body.length).toBeGreaterThan(1000);
    for (const url of [
      '/cases/0f2c/assets/workers/evil.worker.min.js',
      '/cases/0f2c/assets/workers/../../package.json',
    ]) {
      const response = await testApp.app.http.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
    }
  });
});
