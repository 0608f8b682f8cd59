/**
 * The release-of-information authorization through the real server on a real PostgreSQL: the PDF
 * read back with PDF.js names the patient, the facility, every record wanted and the dates, and
 * carries the statements a valid authorization needs (expiration, revocation, no conditioning,
 * re-disclosure) with signature lines; a reversed, future or empty request is refused with 400;
 * who may not add documents to the case learns only "not found"; each form prepared is audited
 * without its free text.
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calendarDateIn,
  oneYearAfter,
} from '../../src/server/records/release-of-information/generate-release-authorization.ts';
import { createMember, createOrganization, type TestMember } from '../support/accounts.ts';
import { auditEvents, expectError } from '../support/auth-helpers.ts';
import {
  startTestApp,
  type TestApp,
  type TestClient,
  type TestResponse,
} from '../support/test-app.ts';

let testApp: TestApp;
let patient: TestMember;
let otherPatient: TestMember;
let proxy: TestMember;
let coordinator: TestMember;
let specialist: TestMember;
let otherTenantCoordinator: TestMember;
let caseId: string;

const request = {
  facility: {
    name: 'Hospital Universitario San Cecilio',
    address: 'Avenida del Conocimiento s/n, 18016 Granada',
    phone: '+34 958 02 30 00',
    fax: '+34 958 02 30 01',
  },
  recordsWanted: ['Pathology reports', 'CT images on disc', 'Discharge summary'],
  from: '2024-03-01',
  to: '2025-02-28',
};

/** Posts with the member's session and CSRF header; the body as bytes (the PDF is binary). */
async function generate(client: TestClient, id: string, body: unknown) {
  if (!client.cookies.has('consilium_csrf')) await client.get('/api/v1/auth/csrf');
  const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const response = await testApp.app.http.inject({
    method: 'POST',
    url: `/api/v1/cases/${id}/release-of-information`,
    headers: {
      cookie,
      'x-csrf-token': client.cookies.get('consilium_csrf') ?? '',
      'content-type': 'application/json',
    },
    payload: JSON.stringify(body),
  });
  let json: any;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  return {
    status: response.statusCode,
    bytes: response.rawPayload,
    body: json,
    text: response.body,
    headers: response.headers as TestResponse['headers'],
  };
}

/** The PDF's text with PDF.js, whitespace collapsed to single spaces. */
async function textOf(pdf: Buffer): Promise<string> {
  const loading = getDocument({ data: new Uint8Array(pdf), verbosity: 0 });
  const document = await loading.promise;
  try {
    const parts: string[] = [];
    for (let number = 1; number <= document.numPages; number += 1) {
      const content = await (await document.getPage(number)).getTextContent();
      for (const item of content.items)
        if ('str' in item) parts.push(item.str, item.hasEOL ? '\n' : '');
      parts.push('\n');
    }
    return parts.join('').replace(/\s+/gu, ' ');
  } finally {
    await loading.destroy();
  }
}

beforeAll(async () => {
  testApp = await startTestApp();
  const organization = await createOrganization(testApp, 'Clínica Ejemplo Second Opinions');
  patient = await createMember(testApp, organization.id, 'patient');
  otherPatient = await createMember(testApp, organization.id, 'patient');
  proxy = await createMember(testApp, organization.id, 'proxy');
  coordinator = await createMember(testApp, organization.id, 'coordinator');
  specialist = await createMember(testApp, organization.id, 'specialist');
  const otherOrganization = await createOrganization(testApp, 'Other Clinic');
  otherTenantCoordinator = await createMember(testApp, otherOrganization.id, 'coordinator');
  const db = testApp.app.services.db;
  await db
    .updateTable('patients')
    .set({ given_name: 'María José', family_name: 'Núñez', birth_date: '1968-04-21' })
    .where('id', '=', patient.patientId!)
    .execute();
  await db
    .insertInto('patient_proxies')
    .values({
      organization_id: organization.id,
      patient_id: patient.patientId!,
      proxy_user_id: proxy.userId,
      scope: 'act',
    })
    .execute();
  const created = await patient.client.post<{ id: string }>('/api/v1/cases', {
    patientId: patient.patientId!,
  });
  expect(created.status, created.text).toBe(201);
  caseId = created.body.id;
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('the release-of-information authorization', () => {
  it('is a PDF download naming the patient, the facility, the records and the dates, with the required statements', async () => {
    const response = await generate(patient.client, caseId, request);
    expect(response.status, response.text).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename=".+\.pdf"$/u);
    expect(response.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const text = await textOf(response.bytes);
    const today = calendarDateIn(testApp.clock.now(), 'UTC');
    const long = (date: string) =>
      new Intl.DateTimeFormat('en', { timeZone: 'UTC', dateStyle: 'long' }).format(
        new Date(`${date}T00:00:00Z`),
      );
    expect(text).toContain('Clínica Ejemplo Second Opinions');
    expect(text).toContain('Authorization to release medical records');
    expect(text).toContain('Name: María José Núñez');
    expect(text).toContain('Date of birth: April 21, 1968');
    expect(text).toContain('Facility: Hospital Universitario San Cecilio');
    expect(text).toContain('Address: Avenida del Conocimiento s/n, 18016 Granada');
    expect(text).toContain('Fax: +34 958 02 30 01');
    expect(text).toContain('Organization: Clínica Ejemplo Second Opinions');
    expect(text).toContain(`Contact: ${testApp.app.services.config.http.publicUrl}`);
    expect(text).toContain(`Case reference: ${caseId}`);
    for (const record of request.recordsWanted) expect(text).toContain(record);
    expect(text).toContain('Dates of service: March 1, 2024 to February 28, 2025');
    expect(text).toContain('The records are requested for a second medical opinion.');
    expect(text).toContain(`This authorization expires on ${long(oneYearAfter(today))}`);
    expect(text).toContain('I may revoke this authorization at any time by writing');
    expect(text).toContain('will not be conditioned on whether I sign this authorization');
    expect(text).toContain('may be re-disclosed by the recipient');
    expect(text).toContain('Signature of the patient or legal representative');
    expect(text).toContain('Relationship to the patient');
  });

  it('prints the purpose given, and is prepared by the proxy who acts for the patient and by the coordinator', async () => {
    const withPurpose = await generate(proxy.client, caseId, {
      ...request,
      purpose: 'review by an oncologist before surgery',
    });
    expect(withPurpose.status, withPurpose.text).toBe(200);
    expect(await textOf(withPurpose.bytes)).toContain(
      'The records are requested for review by an oncologist before surgery.',
    );
    expect((await generate(coordinator.client, caseId, request)).status).toBe(200);
  });

  it('refuses a reversed range, a range ending in the future and an empty list with 400', async () => {
    const reversed = await generate(patient.client, caseId, {
      ...request,
      from: '2025-03-01',
      to: '2025-02-28',
    });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.code).toBe('validation_failed');

    const tomorrow = calendarDateIn(
      new Date(testApp.clock.now().getTime() + 2 * 86_400_000),
      'UTC',
    );
    const future = await generate(patient.client, caseId, { ...request, to: tomorrow });
    expect(future.status).toBe(400);
    expect(future.body.error.code).toBe('validation_failed');

    const empty = await generate(patient.client, caseId, { ...request, recordsWanted: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('validation_failed');

    const tooMany = await generate(patient.client, caseId, {
      ...request,
      recordsWanted: Array.from({ length: 11 }, (_, index) => `Record ${index + 1}`),
    });
    expect(tooMany.status).toBe(400);
  });

  it('answers 404 to another patient, a specialist not on the case and another organization', async () => {
    for (const member of [otherPatient, specialist, otherTenantCoordinator]) {
      const response = await generate(member.client, caseId, request);
      expectError(response, 404, 'not_found');
    }
  });

  it('audits each form prepared, without the facility or the records named', async () => {
    const before = await auditEvents(testApp, 'record.release_form_generated', patient.userId);
    expect((await generate(patient.client, caseId, request)).status).toBe(200);
    const after = await auditEvents(testApp, 'record.release_form_generated', patient.userId);
    expect(after).toHaveLength(before.length + 1);
    const event = after.at(-1)!;
    expect(event).toMatchObject({
      outcome: '0',
      entity_type: 'Case',
      entity_id: caseId,
      details: { recordsWanted: 3, from: '2024-03-01', to: '2025-02-28', purposeStated: false },
    });
    expect(JSON.stringify(event.details)).not.toMatch(/San Cecilio|Pathology/u);
    const refused = await auditEvents(
      testApp,
      'record.release_form_generated',
      otherPatient.userId,
    );
    expect(refused).toEqual([]);
  });
});
