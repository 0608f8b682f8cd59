/**
 * The patient side's responses to safety-net findings through the real server on a real
 * PostgreSQL: the patient answers an open finding, which stays open; staff see the answer and its
 * trail step; the response is audited without its text and announced to the coordinators (in the
 * app and by an email without patient data); the coordinator then resolves it as `answered`, and
 * a closed finding takes no more responses (409). A proxy acting for the patient and the
 * referring physician respond too, recorded as who for whom. Everyone else, and a finding the
 * patient side is not shown, learns only "not found"; a body that is empty, too long or unknown
 * answers 400; nothing is written when refused.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMember,
  createOrganization,
  grantProxy,
  linkReferrer,
  type TestMember,
} from '../support/accounts.ts';
import { expectError } from '../support/auth-helpers.ts';
import { assignSpecialist, setCaseState, startCase } from '../support/cases.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface Person {
  id: string;
  name: string;
}

interface FindingBody {
  id: string;
  rule: string;
  severity: string;
  state: string;
  present: boolean;
  patientText: string;
  staffText: string | null;
  patientResponse: {
    kind: string;
    text: string;
    by: Person;
    onBehalfOf: Person | null;
    at: string;
  } | null;
  resolution: { outcome: string; method: string | null } | null;
  trail:
    | {
        action: string;
        by: Person | null;
        note: string | null;
        response: { kind: string; onBehalfOf: Person | null } | null;
      }[]
    | null;
}

interface FindingListBody {
  findings: FindingBody[];
}

let testApp: TestApp;
let organizationId: string;
let patient: TestMember;
let otherPatient: TestMember;
let proxy: TestMember;
let viewProxy: TestMember;
let referrer: TestMember;
let coordinator: TestMember;
let secondCoordinator: TestMember;
let specialist: TestMember;
let otherTenantCoordinator: TestMember;
let caseId: string;
let otherCaseId: string;

const db = () => testApp.app.services.db;
const responseUrl = (id: string, findingId: string) =>
  `/api/v1/cases/${id}/findings/${findingId}/response`;

/** Runs the records check as the coordinator; the findings as staff see them. */
async function runChecks(id: string, member = coordinator): Promise<FindingBody[]> {
  const response = await member.client.post<FindingListBody>(
    `/api/v1/cases/${id}/findings/check`,
    {},
  );
  expect(response.status, response.text).toBe(200);
  return response.body.findings;
}

async function findingsSeenBy(member: TestMember, id = caseId): Promise<FindingBody[]> {
  const response = await member.client.get<FindingListBody>(`/api/v1/cases/${id}/findings`);
  expect(response.status, response.text).toBe(200);
  return response.body.findings;
}

/** An open finding of the case that no one has responded to yet, as the patient sees it. */
async function freshOpenFinding(): Promise<FindingBody> {
  const open = (await findingsSeenBy(patient)).find(
    (finding) => finding.state === 'open' && finding.patientResponse === null,
  );
  expect(open, 'the case has an open finding nobody answered').toBeDefined();
  return open!;
}

/** `at` is an instant between `from` (ms) and the test clock's now. */
function expectBetween(at: string | undefined, from: number): void {
  const instant = Date.parse(at ?? '');
  expect(instant).toBeGreaterThanOrEqual(from);
  expect(instant).toBeLessThanOrEqual(testApp.clock.now().getTime());
}

async function storedTrail(findingId: string): Promise<unknown> {
  const row = await db()
    .selectFrom('safety_findings')
    .select(['trail', 'state'])
    .where('id', '=', findingId)
    .executeTakeFirstOrThrow();
  return row;
}

async function responseEvents(findingId: string) {
  return db()
    .selectFrom('audit_events')
    .select(['actor_user_id', 'on_behalf_of_user_id', 'patient_id', 'entity_type', 'details'])
    .where('event_type', '=', 'record.finding_responded')
    .where('entity_id', '=', findingId)
    .orderBy('seq')
    .execute();
}

beforeAll(async () => {
  testApp = await startTestApp();
  const organization = await createOrganization(testApp, 'Responding Clinic');
  organizationId = organization.id;
  patient = await createMember(testApp, organizationId, 'patient');
  otherPatient = await createMember(testApp, organizationId, 'patient');
  proxy = await createMember(testApp, organizationId, 'proxy');
  viewProxy = await createMember(testApp, organizationId, 'proxy');
  referrer = await createMember(testApp, organizationId, 'referring_physician');
  coordinator = await createMember(testApp, organizationId, 'coordinator');
  secondCoordinator = await createMember(testApp, organizationId, 'coordinator');
  specialist = await createMember(testApp, organizationId, 'specialist');
  const otherOrganization = await createOrganization(testApp, 'Other Clinic');
  otherTenantCoordinator = await createMember(testApp, otherOrganization.id, 'coordinator');
  await grantProxy(testApp, patient, proxy, 'act');
  await grantProxy(testApp, patient, viewProxy, 'view');
  await linkReferrer(testApp, patient, referrer);

  // A case sent without records or intake: the checklist asks for a doctor's letter and facts.
  caseId = await startCase(patient.client, patient.patientId!);
  await setCaseState(testApp, caseId, 'triage');
  await assignSpecialist(testApp, caseId, specialist.userId);
  otherCaseId = await startCase(otherPatient.client, otherPatient.patientId!);
  await setCaseState(testApp, otherCaseId, 'triage');
  expect((await runChecks(caseId)).filter((finding) => finding.state === 'open').length).toBe(
    (await runChecks(otherCaseId)).filter((finding) => finding.state === 'open').length,
  );
  expect((await findingsSeenBy(patient)).length).toBeGreaterThanOrEqual(4);
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('the patient answers a finding', () => {
  let finding: FindingBody;
  const text = "The letter from Dr Rao at St Mary's is coming by post; I asked for it on 3 March.";

  it('keeps the finding open and shows the patient their answer', async () => {
    finding = await freshOpenFinding();
    const sentAt = testApp.clock.now().getTime();
    const response = await patient.client.post<FindingBody>(responseUrl(caseId, finding.id), {
      kind: 'answer',
      text: `  ${text}\n`,
    });
    expect(response.status, response.text).toBe(200);
    expectBetween(response.body.patientResponse?.at, sentAt);
    expect(response.body).toMatchObject({
      id: finding.id,
      state: 'open',
      resolution: null,
      staffText: null,
      trail: null,
      patientResponse: {
        kind: 'answer',
        text,
        by: { id: patient.userId, name: 'Test patient' },
        onBehalfOf: null,
      },
    });
    const seen = (await findingsSeenBy(patient)).find((item) => item.id === finding.id);
    expect(seen).toMatchObject({ state: 'open', patientResponse: { kind: 'answer', text } });
  });

  it('shows staff the answer and its step in the trail', async () => {
    for (const member of [coordinator, specialist]) {
      const seen = (await findingsSeenBy(member)).find((item) => item.id === finding.id)!;
      expect(seen.state).toBe('open');
      expect(seen.patientResponse).toMatchObject({
        kind: 'answer',
        text,
        by: { id: patient.userId },
        onBehalfOf: null,
      });
      expect(seen.trail!.map((step) => step.action)).toEqual(['raised', 'responded']);
      expect(seen.trail!.at(-1)).toMatchObject({
        action: 'responded',
        by: { id: patient.userId, name: 'Test patient' },
        note: text,
        response: { kind: 'answer', onBehalfOf: null },
      });
    }
  });

  it('is audited with the finding and the kind of response, never the text', async () => {
    const events = await responseEvents(finding.id);
    expect(events).toEqual([
      {
        actor_user_id: patient.userId,
        on_behalf_of_user_id: null,
        patient_id: patient.patientId,
        entity_type: 'SafetyFinding',
        details: { rule: finding.rule, severity: finding.severity, responseKind: 'answer' },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('Rao');
  });

  it('tells every coordinator, in the app and by an email without the answer', async () => {
    for (const member of [coordinator, secondCoordinator]) {
      const inbox = await member.client.get<{
        notifications: { kind: string; caseId: string | null; data: Record<string, unknown> }[];
      }>('/api/v1/notifications');
      expect(inbox.status, inbox.text).toBe(200);
      expect(
        inbox.body.notifications
          .filter((item) => item.kind === 'finding_responded')
          .map((item) => ({ caseId: item.caseId, data: item.data })),
      ).toEqual([{ caseId, data: { findingId: finding.id, responseKind: 'answer' } }]);
      const mail = await db()
        .selectFrom('mail_outbox')
        .select(['subject', 'text_body', 'html_body'])
        .where('to_address', '=', member.email)
        .execute();
      expect(mail).toHaveLength(1);
      expect(JSON.stringify(mail)).not.toMatch(/Rao|St Mary/u);
    }
    const patientInbox = await patient.client.get<{ notifications: { kind: string }[] }>(
      '/api/v1/notifications',
    );
    expect(patientInbox.body.notifications.map((item) => item.kind)).not.toContain(
      'finding_responded',
    );
  });

  it('lets the patient change it by answering again; the trail keeps both', async () => {
    testApp.clock.advance(60_000);
    const sentAt = testApp.clock.now().getTime();
    const again = await patient.client.post<FindingBody>(responseUrl(caseId, finding.id), {
      kind: 'answer',
      text: 'The letter arrived; I uploaded it just now.',
    });
    expect(again.status, again.text).toBe(200);
    expect(again.body.patientResponse).toMatchObject({
      text: 'The letter arrived; I uploaded it just now.',
    });
    expectBetween(again.body.patientResponse?.at, sentAt);
    const staffView = (await findingsSeenBy(coordinator)).find((item) => item.id === finding.id)!;
    expect(staffView.trail!.map((step) => step.note)).toEqual([
      null,
      text,
      'The letter arrived; I uploaded it just now.',
    ]);
  });

  it('is then verified by the coordinator, who resolves it as answered', async () => {
    const resolved = await coordinator.client.post<FindingBody>(
      `/api/v1/cases/${caseId}/findings/${finding.id}/decision`,
      { outcome: 'resolved', method: 'answered', note: 'Letter received and filed.' },
    );
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body).toMatchObject({
      state: 'resolved',
      resolution: { outcome: 'resolved', method: 'answered' },
      patientResponse: { text: 'The letter arrived; I uploaded it just now.' },
    });
    expect(resolved.body.trail!.map((step) => step.action)).toEqual([
      'raised',
      'responded',
      'responded',
      'resolved',
    ]);
    expect(resolved.body.trail![1]!.by).toEqual({ id: patient.userId, name: 'Test patient' });
    // The patient side is shown only what is still to do.
    expect((await findingsSeenBy(patient)).map((item) => item.id)).not.toContain(finding.id);
  });

  it('takes no response once resolved (409), and writes nothing', async () => {
    const before = await storedTrail(finding.id);
    const late = await patient.client.post(responseUrl(caseId, finding.id), {
      kind: 'explanation',
      text: 'One more thing.',
    });
    expectError(late, 409, 'conflict', {
      message: 'This finding was already resolved or dismissed.',
      details: { reason: 'finding_not_open', state: 'resolved' },
    });
    expect(await storedTrail(finding.id)).toEqual(before);
    expect(await responseEvents(finding.id)).toHaveLength(2);
  });

  it('takes no response on a dismissed finding either', async () => {
    const open = await freshOpenFinding();
    const dismissed = await coordinator.client.post(
      `/api/v1/cases/${caseId}/findings/${open.id}/decision`,
      { outcome: 'dismissed', reason: 'Not needed for this question.' },
    );
    expect(dismissed.status, dismissed.text).toBe(200);
    const late = await patient.client.post(responseUrl(caseId, open.id), {
      kind: 'answer',
      text: 'Here it is.',
    });
    expectError(late, 409, 'conflict', {
      message: 'This finding was already resolved or dismissed.',
      details: { reason: 'finding_not_open', state: 'dismissed' },
    });
  });
});

describe('someone acting for the patient', () => {
  it('is recorded as the writer, for the patient (a proxy who may act)', async () => {
    const finding = await freshOpenFinding();
    const response = await proxy.client.post<FindingBody>(responseUrl(caseId, finding.id), {
      kind: 'explanation',
      text: 'My mother stopped warfarin in June.',
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.patientResponse).toMatchObject({
      kind: 'explanation',
      by: { id: proxy.userId, name: 'Test proxy' },
      onBehalfOf: { id: patient.userId, name: 'Test patient' },
    });
    const staffView = (await findingsSeenBy(coordinator)).find((item) => item.id === finding.id)!;
    expect(staffView.trail!.at(-1)).toMatchObject({
      action: 'responded',
      by: { id: proxy.userId },
      response: { kind: 'explanation', onBehalfOf: { id: patient.userId } },
    });
    expect(await responseEvents(finding.id)).toMatchObject([
      { actor_user_id: proxy.userId, on_behalf_of_user_id: patient.userId },
    ]);
    // The patient sees who wrote it.
    const patientView = (await findingsSeenBy(patient)).find((item) => item.id === finding.id)!;
    expect(patientView.patientResponse).toMatchObject({ by: { id: proxy.userId } });
  });

  it('is recorded as the writer, for the patient (the referring physician)', async () => {
    const finding = await freshOpenFinding();
    const response = await referrer.client.post<FindingBody>(responseUrl(caseId, finding.id), {
      kind: 'answer',
      text: 'The current medication list is in my referral letter.',
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.patientResponse).toMatchObject({
      by: { id: referrer.userId },
      onBehalfOf: { id: patient.userId },
    });
    expect(await responseEvents(finding.id)).toMatchObject([
      { actor_user_id: referrer.userId, on_behalf_of_user_id: patient.userId },
    ]);
  });
});

describe('who may not respond', () => {
  it('answers 404 to everyone who may not add documents for the patient, writing nothing', async () => {
    const finding = await freshOpenFinding();
    const before = await storedTrail(finding.id);
    for (const member of [
      viewProxy,
      coordinator,
      specialist,
      otherPatient,
      otherTenantCoordinator,
    ]) {
      const response = await member.client.post(responseUrl(caseId, finding.id), {
        kind: 'answer',
        text: 'Not mine to say.',
      });
      expectError(response, 404, 'not_found');
    }
    expect(await storedTrail(finding.id)).toEqual(before);
    expect(await responseEvents(finding.id)).toEqual([]);
  });

  it('answers 404 for a finding of another case, and for one that does not exist', async () => {
    const othersFinding = (await findingsSeenBy(otherPatient, otherCaseId))[0]!;
    for (const url of [
      responseUrl(caseId, othersFinding.id),
      responseUrl(otherCaseId, othersFinding.id),
      responseUrl(caseId, randomUUID()),
    ]) {
      const response = await patient.client.post(url, { kind: 'answer', text: 'Hello.' });
      expectError(response, 404, 'not_found');
    }
    expect(await responseEvents(othersFinding.id)).toEqual([]);
  });

  it('answers 404 for an open finding the patient side is not shown (no longer raised)', async () => {
    const finding = await freshOpenFinding();
    await db()
      .updateTable('safety_findings')
      .set({ present: false })
      .where('id', '=', finding.id)
      .execute();
    try {
      expect((await findingsSeenBy(patient)).map((item) => item.id)).not.toContain(finding.id);
      const response = await patient.client.post(responseUrl(caseId, finding.id), {
        kind: 'answer',
        text: 'Can I still answer?',
      });
      expectError(response, 404, 'not_found');
      expect(await responseEvents(finding.id)).toEqual([]);
    } finally {
      await db()
        .updateTable('safety_findings')
        .set({ present: true })
        .where('id', '=', finding.id)
        .execute();
    }
  });
});

describe('the body', () => {
  it.each([
    ['an empty text', { kind: 'answer', text: '' }],
    ['only spaces', { kind: 'explanation', text: '   \n\t  ' }],
    ['2001 characters', { kind: 'answer', text: 'x'.repeat(2001) }],
    ['no text', { kind: 'answer' }],
    ['an unknown kind', { kind: 'excuse', text: 'Because.' }],
    ['an unknown field', { kind: 'answer', text: 'Fine.', resolve: true }],
  ])('refuses %s with 400, writing nothing', async (_name, body) => {
    const finding = await freshOpenFinding();
    const before = await storedTrail(finding.id);
    const response = await patient.client.post<{ error: { code: string } }>(
      responseUrl(caseId, finding.id),
      body,
    );
    expect(response.status, response.text).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(await storedTrail(finding.id)).toEqual(before);
    expect(await responseEvents(finding.id)).toEqual([]);
  });

  it('takes 2000 characters', async () => {
    const finding = await freshOpenFinding();
    const response = await patient.client.post<FindingBody>(responseUrl(caseId, finding.id), {
      kind: 'explanation',
      text: 'y'.repeat(2000),
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.patientResponse?.text).toHaveLength(2000);
  });
});
