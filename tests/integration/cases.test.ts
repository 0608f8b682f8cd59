/**
 * The second-opinion case through the real server on a real PostgreSQL: intake as a draft, the
 * triage part of the lifecycle, who sees which case (404 for everyone else), illegal and
 * concurrent transitions, and the intake's validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageDeadline } from '../../src/core/service-levels.ts';
import { createMember, createOrganization, type TestMember } from '../support/accounts.ts';
import { expectError } from '../support/auth-helpers.ts';
import { startTestApp, type TestApp, type TestClient } from '../support/test-app.ts';

/** The parts of a case answer the tests read. */
interface CaseBody {
  goals: unknown;
  id: string;
  patientId: string;
  state: string;
  version: number;
  stageOwner: string | null;
  stageDeadlineAt: string | null;
  submittedAt: string | null;
  questions: Array<{ id: string; text: string }>;
  medications: Array<{ name: string; dose: string | null; frequency: string | null }>;
  allergies: Array<{ substance: string; reaction: string | null; severity: string | null }>;
  devices: string[];
  diagnosis: { code: string | null; text: string | null };
  consent: { accepted: boolean; version: string | null; currentVersion: string };
  recordRequests: Array<{ what: string; why: string; status: string }>;
  timeline: Array<{
    occurredAt: string;
    kind: string;
    transition: string | null;
    fromState: string | null;
    toState: string | null;
    note: string | null;
  }>;
  availableTransitions: Array<{ name: string; failures: string[] }>;
}

interface ListBody {
  cases: Array<{ id: string; state: string; stageDeadlineAt: string | null; overdue: boolean }>;
  nextCursor: string | null;
  counts: Record<string, number> | null;
}

let testApp: TestApp;
const madrid = { timeZone: 'Europe/Madrid', businessDays: true, holidays: [], stages: {} };
let patient: TestMember;
let otherPatient: TestMember;
let referredPatient: TestMember;
let proxy: TestMember;
let referrer: TestMember;
let coordinator: TestMember;
let specialist: TestMember;
let otherTenantCoordinator: TestMember;
let otherTenantPatient: TestMember;

/** Everything the patient side writes except consent. */
const intakeWithoutConsent = {
  conditionDescription: 'Pain in my right knee for six months, worse on stairs.',
  diagnosisCode: 'm17.11',
  diagnosisText: 'Unilateral primary osteoarthritis, right knee',
  proposedTreatment: 'Total knee replacement',
  history: 'Meniscus surgery in 2015.',
  goals: {
    whatMatters: 'Walking my dog again',
    opinionScope: 'national',
    preferredLanguage: 'es',
    writtenOnly: true,
  },
  questions: ['Do I need surgery now?', 'What happens if I wait a year?'],
  medications: [{ name: 'Ibuprofen', dose: '400 mg', frequency: 'twice daily' }],
  allergies: [{ substance: 'Penicillin', reaction: 'Rash', severity: 'moderate' }],
  devices: ['Pacemaker (2019)'],
};

const completeIntake = { ...intakeWithoutConsent, consentAccepted: true };

async function startCase(client: TestClient, patientId: string): Promise<CaseBody> {
  const response = await client.post<CaseBody>('/api/v1/cases', { patientId });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

async function patchCase(client: TestClient, caseId: string, body: unknown) {
  return client.request<CaseBody>('PATCH', `/api/v1/cases/${caseId}`, body);
}

async function transition(client: TestClient, caseId: string, body: Record<string, unknown>) {
  return client.post<CaseBody>(`/api/v1/cases/${caseId}/transitions`, body);
}

async function expectTransition(
  client: TestClient,
  caseId: string,
  body: Record<string, unknown>,
): Promise<CaseBody> {
  const response = await transition(client, caseId, body);
  expect(response.status, response.text).toBe(200);
  return response.body;
}

/** A case of `owner` with a complete intake, submitted. */
async function submittedCase(owner: TestMember): Promise<CaseBody> {
  const draft = await startCase(owner.client, owner.patientId!);
  expect((await patchCase(owner.client, draft.id, completeIntake)).status).toBe(200);
  return expectTransition(owner.client, draft.id, { transition: 'submit' });
}

async function listIds(client: TestClient, query = ''): Promise<string[]> {
  const response = await client.get<ListBody>(`/api/v1/cases${query}`);
  expect(response.status, response.text).toBe(200);
  return response.body.cases.map((entry) => entry.id);
}

beforeAll(async () => {
  testApp = await startTestApp();
  const organization = await createOrganization(testApp, 'Case Clinic');
  await testApp.app.services.db
    .updateTable('organizations')
    .set({ time_zone: 'Europe/Madrid', consent_version: '2026-03' })
    .where('id', '=', organization.id)
    .execute();
  patient = await createMember(testApp, organization.id, 'patient');
  otherPatient = await createMember(testApp, organization.id, 'patient');
  referredPatient = await createMember(testApp, organization.id, 'patient', { signIn: false });
  proxy = await createMember(testApp, organization.id, 'proxy');
  referrer = await createMember(testApp, organization.id, 'referring_physician');
  coordinator = await createMember(testApp, organization.id, 'coordinator');
  specialist = await createMember(testApp, organization.id, 'specialist');
  const db = testApp.app.services.db;
  await db
    .insertInto('patient_proxies')
    .values({
      organization_id: organization.id,
      patient_id: patient.patientId!,
      proxy_user_id: proxy.userId,
    })
    .execute();
  await db
    .insertInto('patient_referrers')
    .values({
      organization_id: organization.id,
      patient_id: referredPatient.patientId!,
      physician_user_id: referrer.userId,
    })
    .execute();
  const otherOrganization = await createOrganization(testApp, 'Other Clinic');
  otherTenantCoordinator = await createMember(testApp, otherOrganization.id, 'coordinator');
  otherTenantPatient = await createMember(testApp, otherOrganization.id, 'patient');
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('a case from draft to ready for matching', () => {
  it('walks intake, submission, triage, a records request and its answer', async () => {
    const draft = await startCase(patient.client, patient.patientId!);
    expect(draft).toMatchObject({ state: 'draft', stageOwner: 'patient', version: 1 });
    expect(draft.timeline).toEqual([
      expect.objectContaining({ kind: 'created', toState: 'draft' }),
    ]);
    expect(draft.availableTransitions.find((entry) => entry.name === 'submit')?.failures).toEqual(
      expect.arrayContaining(['condition_missing', 'consent_missing', 'too_few_questions']),
    );

    const saved = await patchCase(patient.client, draft.id, {
      ...completeIntake,
      expectedVersion: 1,
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({
      version: 2,
      questions: completeIntake.questions.map((text) => ({ id: expect.any(String), text })),
      medications: completeIntake.medications,
      allergies: completeIntake.allergies,
      devices: completeIntake.devices,
      diagnosis: { code: 'M17.11', text: completeIntake.diagnosisText },
      goals: completeIntake.goals,
      consent: { accepted: true, version: '2026-03', currentVersion: '2026-03' },
    });
    // Lists are replaced whole.
    const replaced = await patchCase(patient.client, draft.id, {
      questions: ['Do I need surgery now?'],
      medications: [],
    });
    expect(replaced.body).toMatchObject({
      questions: [{ id: expect.any(String), text: 'Do I need surgery now?' }],
      medications: [],
    });

    const submitted = await expectTransition(patient.client, draft.id, { transition: 'submit' });
    expect(submitted).toMatchObject({ state: 'submitted', stageOwner: 'coordinator' });
    const submittedAt = new Date(submitted.submittedAt!);
    // One business day for the coordinator, counted in the organization's time zone.
    expect(submitted.stageDeadlineAt).toBe(
      stageDeadline('submitted', 'routine', submittedAt, madrid)!.toISOString(),
    );
    // Once submitted, only what the records check reads may still be corrected.
    expectError(await patchCase(patient.client, draft.id, { history: 'late' }), 409, 'conflict', {
      message:
        'Once a case is submitted, only its diagnosis, proposed treatment, medications and allergies can be corrected.',
      details: {
        currentState: 'submitted',
        correctable: [
          'diagnosisCode',
          'diagnosisText',
          'proposedTreatment',
          'medications',
          'allergies',
        ],
      },
    });

    const triage = await expectTransition(coordinator.client, draft.id, {
      transition: 'start_triage',
    });
    expect(triage).toMatchObject({ state: 'triage', stageOwner: 'coordinator' });

    const awaiting = await expectTransition(coordinator.client, draft.id, {
      transition: 'request_records',
      note: 'Imaging needed',
      recordRequest: {
        what: 'Knee MRI report',
        why: 'To judge the cartilage damage',
        dueAt: new Date(testApp.clock.now().getTime() + 7 * 24 * 3_600_000).toISOString(),
      },
    });
    expect(awaiting).toMatchObject({ state: 'awaiting_records', stageOwner: 'patient' });
    expect(awaiting.recordRequests).toEqual([
      expect.objectContaining({ what: 'Knee MRI report', status: 'open' }),
    ]);
    // Ten business days for the patient to answer, at the same Madrid wall time.
    const requestedAt = new Date(awaiting.timeline.at(-1)!.occurredAt);
    const due = stageDeadline('awaiting_records', 'routine', requestedAt, madrid)!;
    expect(awaiting.stageDeadlineAt).toBe(due.toISOString());
    expect(due.getTime() - requestedAt.getTime()).toBeGreaterThanOrEqual(
      14 * 24 * 3_600_000 - 3_600_000,
    );

    const provided = await expectTransition(proxy.client, draft.id, {
      transition: 'records_provided',
    });
    expect(provided).toMatchObject({ state: 'triage', stageOwner: 'coordinator' });
    expect(provided.recordRequests).toEqual([expect.objectContaining({ status: 'fulfilled' })]);

    // No knee imaging among the records: the records check (run by the step itself when the
    // submission's job has not run yet) holds matching back until the coordinator overrides it.
    const blocked = await transition(coordinator.client, draft.id, { transition: 'mark_ready' });
    expect(blocked.status, blocked.text).toBe(409);
    expect(blocked.body).toMatchObject({ error: { details: { reason: 'open_blockers' } } });
    const overrideReason = 'Knee X-rays seen at the referring practice';
    const ready = await expectTransition(coordinator.client, draft.id, {
      transition: 'mark_ready',
      blockerOverrideReason: overrideReason,
    });
    expect(ready).toMatchObject({ state: 'ready_for_matching', stageOwner: 'coordinator' });
    expect(
      ready.timeline.map((entry) => [entry.kind, entry.transition, entry.fromState, entry.toState]),
    ).toEqual([
      ['created', null, null, 'draft'],
      ['transition', 'submit', 'draft', 'submitted'],
      ['transition', 'start_triage', 'submitted', 'triage'],
      ['transition', 'request_records', 'triage', 'awaiting_records'],
      ['transition', 'records_provided', 'awaiting_records', 'triage'],
      ['transition', 'mark_ready', 'triage', 'ready_for_matching'],
    ]);
    expect(ready.timeline[3]?.note).toBe('Imaging needed');

    const audited = await testApp.app.services.db
      .selectFrom('audit_events')
      .select(['event_type', 'actor_user_id', 'on_behalf_of_user_id', 'details'])
      .where('entity_id', '=', draft.id)
      .orderBy('seq')
      .execute();
    const caseEvents = audited.filter((event) => event.event_type.startsWith('case.'));
    expect(caseEvents.map((event) => event.event_type)).toEqual([
      'case.created',
      'case.updated',
      'case.updated',
      'case.transitioned',
      'case.transitioned',
      'case.transitioned',
      'case.transitioned',
      'case.transitioned',
    ]);
    // The proxy's step shows who acted for whom.
    expect(caseEvents[6]).toMatchObject({
      actor_user_id: proxy.userId,
      on_behalf_of_user_id: patient.userId,
      details: expect.objectContaining({ transition: 'records_provided' }),
    });
    expect(audited.filter((event) => event.event_type === 'record.blockers_overridden')).toEqual([
      expect.objectContaining({
        actor_user_id: coordinator.userId,
        details: expect.objectContaining({ reason: overrideReason }),
      }),
    ]);
  });
});

describe('who sees a case', () => {
  let patientCase: CaseBody;
  let otherPatientCase: CaseBody;
  let referredCase: CaseBody;

  beforeAll(async () => {
    patientCase = await submittedCase(patient);
    otherPatientCase = await submittedCase(otherPatient);
    referredCase = await startCase(referrer.client, referredPatient.patientId!);
  });

  it('answers 404 to another patient and to another organization', async () => {
    for (const client of [
      otherPatient.client,
      otherTenantCoordinator.client,
      otherTenantPatient.client,
    ]) {
      expectError(await client.get(`/api/v1/cases/${patientCase.id}`), 404, 'not_found');
      expectError(
        await transition(client, patientCase.id, { transition: 'withdraw' }),
        404,
        'not_found',
      );
      expect(await listIds(client)).not.toContain(patientCase.id);
    }
    expectError(
      await patchCase(otherPatient.client, referredCase.id, { history: 'x' }),
      404,
      'not_found',
    );
  });

  it('shows the proxy and the referrer only their own patients, and audits the read', async () => {
    expect((await proxy.client.get(`/api/v1/cases/${patientCase.id}`)).status).toBe(200);
    expectError(await proxy.client.get(`/api/v1/cases/${otherPatientCase.id}`), 404, 'not_found');
    expect(await listIds(proxy.client)).toContain(patientCase.id);
    expect(await listIds(proxy.client)).not.toContain(otherPatientCase.id);
    expect(await listIds(proxy.client)).not.toContain(referredCase.id);

    expect((await referrer.client.get(`/api/v1/cases/${referredCase.id}`)).status).toBe(200);
    expectError(await referrer.client.get(`/api/v1/cases/${patientCase.id}`), 404, 'not_found');
    expect(await listIds(referrer.client)).toEqual([referredCase.id]);

    const reads = await testApp.app.services.db
      .selectFrom('audit_events')
      .select(['actor_user_id'])
      .where('event_type', '=', 'case.read')
      .where('entity_id', '=', referredCase.id)
      .execute();
    expect(reads.map((event) => event.actor_user_id)).toContain(referrer.userId);
  });

  it('lets the referrer fill in the intake but leaves consent to the patient side', async () => {
    const saved = await patchCase(referrer.client, referredCase.id, intakeWithoutConsent);
    expect(saved.status, saved.text).toBe(200);
    expectError(
      await patchCase(referrer.client, referredCase.id, { consentAccepted: true }),
      400,
      'validation_failed',
      {
        message: 'Only the patient or their proxy can give consent.',
        details: {
          issues: [{ path: 'body.consentAccepted', message: 'only the patient or their proxy' }],
        },
      },
    );
    expect(
      (await transition(referrer.client, referredCase.id, { transition: 'submit' })).body,
    ).toMatchObject({
      error: { code: 'conflict', details: { failures: ['consent_missing'] } },
    });
  });

  it('lets the proxy and the referrer start cases only for their patients', async () => {
    await startCase(proxy.client, patient.patientId!);
    expectError(
      await proxy.client.post('/api/v1/cases', { patientId: otherPatient.patientId }),
      404,
      'not_found',
    );
    expectError(
      await referrer.client.post('/api/v1/cases', { patientId: patient.patientId }),
      404,
      'not_found',
    );
    expectError(
      await coordinator.client.post('/api/v1/cases', { patientId: patient.patientId }),
      404,
      'not_found',
    );
  });

  it("gives the coordinator the organization's queue (without drafts) and counts per state", async () => {
    const response = await coordinator.client.get<ListBody>('/api/v1/cases?state=submitted');
    expect(response.status).toBe(200);
    const ids = response.body.cases.map((entry) => entry.id);
    expect(ids).toEqual(expect.arrayContaining([patientCase.id, otherPatientCase.id]));
    expect(response.body.cases.every((entry) => entry.state === 'submitted')).toBe(true);
    expect(await listIds(coordinator.client)).not.toContain(referredCase.id);
    expect(await listIds(coordinator.client, '?state=draft')).toContain(referredCase.id);
    expect(response.body.counts?.submitted).toBeGreaterThanOrEqual(2);
    expect(response.body.counts?.draft).toBeGreaterThanOrEqual(1);
    expect(await listIds(otherTenantCoordinator.client)).toEqual([]);
    // The patient side gets no organization counts.
    expect((await patient.client.get<ListBody>('/api/v1/cases')).body.counts).toBeNull();
  });

  it('pages the queue by deadline without repeating or skipping a case', async () => {
    const all = await coordinator.client.get<ListBody>('/api/v1/cases?limit=100');
    const expected = all.body.cases.map((entry) => entry.id);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const deadlines = all.body.cases.map((entry) => entry.stageDeadlineAt ?? '9999');
    expect([...deadlines].sort()).toEqual(deadlines);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await coordinator.client.get<ListBody>(`/api/v1/cases${query}`);
      expect(page.status, page.text).toBe(200);
      paged.push(...page.body.cases.map((entry) => entry.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(expected);
    expectError(
      await coordinator.client.get('/api/v1/cases?cursor=not-a-cursor'),
      400,
      'validation_failed',
      {
        message: 'The page cursor is not valid.',
        details: { issues: [{ path: 'query.cursor', message: 'invalid cursor' }] },
      },
    );
  });

  it('finds overdue stages', async () => {
    const before = await listIds(coordinator.client, '?overdue=true');
    expect(before).not.toContain(patientCase.id);
    // Let the stage's deadline pass (moving the clock a month would end every session).
    await testApp.app.services.db
      .updateTable('cases')
      .set({ stage_deadline_at: new Date(testApp.clock.now().getTime() - 60_000) })
      .where('id', '=', patientCase.id)
      .execute();
    const after = await coordinator.client.get<ListBody>('/api/v1/cases?overdue=true');
    expect(after.body.cases.map((entry) => entry.id)).toContain(patientCase.id);
    expect(after.body.cases.every((entry) => entry.overdue)).toBe(true);
  });

  it('shows a specialist nothing before an assignment', async () => {
    expect(await listIds(specialist.client)).toEqual([]);
    expectError(await specialist.client.get(`/api/v1/cases/${patientCase.id}`), 404, 'not_found');
  });
});

describe('transitions that cannot happen', () => {
  it('answers an illegal transition with 409 and the current state, a foreign one with 404', async () => {
    const submitted = await submittedCase(patient);
    expectError(
      await transition(coordinator.client, submitted.id, { transition: 'mark_ready' }),
      409,
      'conflict',
      {
        message: 'This step is not possible at the current stage of the case.',
        details: { currentState: 'submitted', transition: 'mark_ready' },
      },
    );
    // The patient has no business triaging: as if the case were not there.
    expectError(
      await transition(patient.client, submitted.id, { transition: 'start_triage' }),
      404,
      'not_found',
    );
    expectError(
      await transition(coordinator.client, submitted.id, {
        transition: 'start_triage',
        expectedVersion: submitted.version - 1,
      }),
      409,
      'conflict',
      {
        message: 'Someone else changed this case. Reload it and try again.',
        details: {
          currentState: 'submitted',
          currentVersion: submitted.version,
          transition: 'start_triage',
        },
      },
    );
  });

  it('lets exactly one of two simultaneous submissions win', async () => {
    const draft = await startCase(patient.client, patient.patientId!);
    await patchCase(patient.client, draft.id, completeIntake);
    const answers = await Promise.all([
      transition(patient.client, draft.id, { transition: 'submit' }),
      transition(proxy.client, draft.id, { transition: 'submit' }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const lost = answers.find((answer) => answer.status === 409)!;
    expect(lost.body).toMatchObject({
      error: { code: 'conflict', details: { currentState: 'submitted' } },
    });
    const entries = await testApp.app.services.db
      .selectFrom('case_timeline')
      .select('id')
      .where('case_id', '=', draft.id)
      .where('transition', '=', 'submit')
      .execute();
    expect(entries).toHaveLength(1);
    const events = await testApp.app.services.db
      .selectFrom('audit_events')
      .select('seq')
      .where('entity_id', '=', draft.id)
      .where('event_type', '=', 'case.transitioned')
      .execute();
    expect(events).toHaveLength(1);
  });

  it('lets the patient withdraw, after which nothing moves the case', async () => {
    const submitted = await submittedCase(patient);
    const withdrawn = await expectTransition(patient.client, submitted.id, {
      transition: 'withdraw',
      note: 'Decided to stay with my surgeon',
    });
    expect(withdrawn).toMatchObject({
      state: 'withdrawn',
      stageOwner: null,
      stageDeadlineAt: null,
    });
    expect(withdrawn.availableTransitions).toEqual([]);
    expectError(
      await transition(coordinator.client, submitted.id, { transition: 'cancel' }),
      409,
      'conflict',
      {
        message: 'This step is not possible at the current stage of the case.',
        details: { currentState: 'withdrawn', transition: 'cancel' },
      },
    );
  });

  it('refuses to submit an incomplete intake, naming what is missing', async () => {
    const draft = await startCase(patient.client, patient.patientId!);
    await patchCase(patient.client, draft.id, { conditionDescription: 'Headaches' });
    expectError(
      await transition(patient.client, draft.id, { transition: 'submit' }),
      409,
      'conflict',
      {
        message: 'This case is not ready for that step yet.',
        details: {
          currentState: 'draft',
          transition: 'submit',
          failures: ['consent_missing', 'too_few_questions'],
        },
      },
    );
  });
});

describe('intake validation', () => {
  it('refuses more than ten questions', async () => {
    const draft = await startCase(patient.client, patient.patientId!);
    const questions = Array.from({ length: 11 }, (_, index) => `Question ${index + 1}?`);
    const response = await patchCase(patient.client, draft.id, { questions });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: {
        code: 'validation_failed',
        details: {
          issues: [expect.objectContaining({ path: expect.stringContaining('questions') })],
        },
      },
    });
    const ten = await patchCase(patient.client, draft.id, { questions: questions.slice(0, 10) });
    expect(ten.status).toBe(200);
  });

  it('refuses an unknown ICD-10-CM code and a request without its record request', async () => {
    const draft = await startCase(patient.client, patient.patientId!);
    expectError(
      await patchCase(patient.client, draft.id, { diagnosisCode: 'E11.99' }),
      400,
      'validation_failed',
      {
        message: 'The diagnosis code is not a valid ICD-10-CM code.',
        details: {
          issues: [{ path: 'body.diagnosisCode', message: 'ICD-10-CM code unknown' }],
          reason: 'unknown',
        },
      },
    );
    const stored = await patient.client.get<CaseBody>(`/api/v1/cases/${draft.id}`);
    expect(stored.body.diagnosis.code).toBeNull();
    expectError(
      await transition(coordinator.client, draft.id, { transition: 'request_records' }),
      400,
      'validation_failed',
      {
        details: {
          issues: [{ path: 'body.recordRequest', message: 'required with request_records' }],
        },
      },
    );
  });
});
