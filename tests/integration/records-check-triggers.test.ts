/**
 * When the records check runs (docs/safety-net.md), on the real server with its pg-boss workers:
 * it is queued with the submission and with every correction of what it reads in a submitted
 * intake, in the same transaction, never for a draft's changes; and `mark_ready` never decides on
 * a stale check: when the case changed since the check last ran (or it never ran), the step runs
 * it first, so a record-less case meets its checklist's blockers and a medicine added a moment
 * ago is seen before any job has run.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transact } from '../../src/server/app/unit-of-work.ts';
import { recordCheckJob } from '../../src/server/records/record-services.ts';
import { createMember, createOrganization, type TestMember } from '../support/accounts.ts';
import { auditEvents, expectError } from '../support/auth-helpers.ts';
import { setCaseState, startCase } from '../support/cases.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface CaseBody {
  id: string;
  state: string;
  medications: Array<{ name: string }>;
}

interface FindingBody {
  id: string;
  rule: string;
  severity: string;
  state: string;
  present: boolean;
  resolution: { method: string | null; note: string | null; by: { id: string } | null } | null;
}

interface FindingsBody {
  findings: FindingBody[];
  checkedAt: string | null;
  counts: { blocker: number; warning: number; info: number };
}

let testApp: TestApp;
let patient: TestMember;
let coordinator: TestMember;

const db = () => testApp.app.services.db;

const simvastatin = { name: 'Simvastatin', dose: '40 mg', frequency: 'once a day' };
/** With simvastatin, an interaction the shipped data marks high-priority (ONC-HP-11): a blocker. */
const clarithromycin = { name: 'Clarithromycin', dose: '500 mg', frequency: 'twice a day' };

/** General medicine: its checklist asks for no document as a blocker. */
const diabetesIntake = {
  conditionDescription: 'My sugar levels are high despite tablets.',
  diagnosisCode: 'E11.9',
  diagnosisText: 'Type 2 diabetes mellitus without complications',
  proposedTreatment: 'Insulin at night',
  questions: ['Do I need insulin now?'],
  medications: [simvastatin],
  allergies: [],
  consentAccepted: true,
};

/** Orthopaedics: its checklist needs imaging of the knee, a blocker while missing. */
const kneeIntake = {
  conditionDescription: 'My right knee hurts on stairs.',
  diagnosisCode: 'M17.11',
  diagnosisText: 'Unilateral primary osteoarthritis, right knee',
  proposedTreatment: 'Total knee replacement',
  questions: ['Do I need a new knee now?'],
  medications: [],
  allergies: [],
  consentAccepted: true,
};

async function draftCase(intake: Record<string, unknown>): Promise<string> {
  const caseId = await startCase(patient.client, patient.patientId!);
  const saved = await patient.client.patch<CaseBody>(`/api/v1/cases/${caseId}`, intake);
  expect(saved.status, saved.text).toBe(200);
  return caseId;
}

async function transition(member: TestMember, caseId: string, body: Record<string, unknown>) {
  return member.client.post<CaseBody>(`/api/v1/cases/${caseId}/transitions`, body);
}

async function step(member: TestMember, caseId: string, body: Record<string, unknown>) {
  const response = await transition(member, caseId, body);
  expect(response.status, response.text).toBe(200);
  return response.body;
}

/** A submitted case in triage whose first check (queued with the submission) has run. */
async function checkedCaseInTriage(intake: Record<string, unknown>): Promise<string> {
  const caseId = await draftCase(intake);
  await step(patient, caseId, { transition: 'submit' });
  await step(coordinator, caseId, { transition: 'start_triage' });
  await expect.poll(async () => (await findings(caseId)).checkedAt, pollOptions).not.toBeNull();
  return caseId;
}

async function findings(caseId: string): Promise<FindingsBody> {
  const response = await coordinator.client.get<FindingsBody>(`/api/v1/cases/${caseId}/findings`);
  expect(response.status, response.text).toBe(200);
  return response.body;
}

async function findingOf(caseId: string, rule: string): Promise<FindingBody | undefined> {
  return (await findings(caseId)).findings.find((finding) => finding.rule === rule);
}

const pollOptions = { timeout: 20_000, interval: 100 };

/** Jobs of the records check that name the case, in any state (pg-boss keeps finished ones). */
async function checkJobsOf(caseId: string): Promise<number> {
  const { rows } = await sql<{ count: number }>`
    SELECT count(*)::int AS count FROM pgboss.job
    WHERE name = ${recordCheckJob} AND data->>'caseId' = ${caseId}
  `.execute(db());
  return rows[0]!.count;
}

async function checksOf(caseId: string): Promise<Array<{ actor: string | null }>> {
  return (await auditEvents(testApp, 'record.checked'))
    .filter((event) => event.entity_id === caseId)
    .map((event) => ({ actor: event.actor_user_id }));
}

beforeAll(async () => {
  testApp = await startTestApp();
  const organization = await createOrganization(testApp, 'Check Clinic');
  await db()
    .updateTable('organizations')
    .set({ consent_version: '2026-03' })
    .where('id', '=', organization.id)
    .execute();
  patient = await createMember(testApp, organization.id, 'patient');
  coordinator = await createMember(testApp, organization.id, 'coordinator');
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('the records check is queued', () => {
  it('not for the changes of a draft; with the submission, and its findings then appear', async () => {
    const caseId = await draftCase(diabetesIntake);
    const changed = await patient.client.patch<CaseBody>(`/api/v1/cases/${caseId}`, {
      medications: [simvastatin, clarithromycin],
    });
    expect(changed.status, changed.text).toBe(200);
    expect(await checkJobsOf(caseId)).toBe(0);

    await step(patient, caseId, { transition: 'submit' });
    // Committed with the step itself.
    expect(await checkJobsOf(caseId)).toBeGreaterThanOrEqual(1);
    await expect
      .poll(async () => (await findingOf(caseId, 'drug_interaction'))?.state, pollOptions)
      .toBe('open');
    const found = await findings(caseId);
    expect(found.checkedAt).not.toBeNull();
    expect(found.findings.map((finding) => finding.rule)).toContain('missing_document');
    expect(await checksOf(caseId)).toEqual([{ actor: null }]);
  });

  it('with a correction of the medicines: an interaction is raised, then resolved once the drug is gone', async () => {
    const caseId = await checkedCaseInTriage(diabetesIntake);
    expect(await findingOf(caseId, 'drug_interaction')).toBeUndefined();

    const added = await patient.client.patch<CaseBody>(`/api/v1/cases/${caseId}`, {
      medications: [simvastatin, clarithromycin],
    });
    expect(added.status, added.text).toBe(200);
    expect(added.body.medications.map((medication) => medication.name)).toEqual([
      'Simvastatin',
      'Clarithromycin',
    ]);
    await expect
      .poll(async () => {
        const finding = await findingOf(caseId, 'drug_interaction');
        return finding && { severity: finding.severity, state: finding.state };
      }, pollOptions)
      .toEqual({ severity: 'blocker', state: 'open' });

    const removed = await patient.client.patch<CaseBody>(`/api/v1/cases/${caseId}`, {
      medications: [simvastatin],
    });
    expect(removed.status, removed.text).toBe(200);
    await expect
      .poll(async () => {
        const finding = await findingOf(caseId, 'drug_interaction');
        return finding && { state: finding.state, present: finding.present };
      }, pollOptions)
      .toEqual({ state: 'resolved', present: false });
    expect((await findingOf(caseId, 'drug_interaction'))?.resolution).toMatchObject({
      method: 'no_longer_raised',
      by: null,
    });
    const updates = (await auditEvents(testApp, 'case.updated', patient.userId)).filter(
      (event) => event.entity_id === caseId,
    );
    expect(updates.at(-1)?.details).toEqual({ fields: ['medications'] });
  });

  it('inside the transaction of the change: a rollback leaves no job', async () => {
    const services = testApp.app.services;
    const rolledBack = randomUUID();
    await expect(
      transact(services, async (unit) => {
        await services.records.jobs.send(
          recordCheckJob,
          { caseId: rolledBack },
          { transaction: unit.trx },
        );
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await checkJobsOf(rolledBack)).toBe(0);
    const committed = randomUUID();
    await transact(services, (unit) =>
      services.records.jobs.send(recordCheckJob, { caseId: committed }, { transaction: unit.trx }),
    );
    expect(await checkJobsOf(committed)).toBe(1);
  });
});

describe('a submitted intake', () => {
  it('takes corrections of what the check reads only, and none once ready for matching', async () => {
    const caseId = await draftCase(diabetesIntake);
    await step(patient, caseId, { transition: 'submit' });
    const correctable = [
      'diagnosisCode',
      'diagnosisText',
      'proposedTreatment',
      'medications',
      'allergies',
    ];
    const message =
      'Once a case is submitted, only its diagnosis, proposed treatment, medications and allergies can be corrected.';
    expectError(
      await patient.client.patch(`/api/v1/cases/${caseId}`, { history: 'Late addition' }),
      409,
      'conflict',
      { message, details: { currentState: 'submitted', correctable } },
    );
    expectError(
      await patient.client.patch(`/api/v1/cases/${caseId}`, {
        medications: [simvastatin],
        questions: ['Another question?'],
      }),
      409,
      'conflict',
      { message, details: { currentState: 'submitted', correctable } },
    );
    // The coordinator triages; the intake is the patient side's to correct.
    expectError(
      await coordinator.client.patch(`/api/v1/cases/${caseId}`, { medications: [] }),
      404,
      'not_found',
    );
    await step(coordinator, caseId, { transition: 'start_triage' });
    await step(coordinator, caseId, { transition: 'mark_ready' });
    expectError(
      await patient.client.patch(`/api/v1/cases/${caseId}`, { medications: [] }),
      409,
      'conflict',
      { message: 'Only a draft can be changed.', details: { currentState: 'ready_for_matching' } },
    );
  });
});

describe('mark_ready', () => {
  it('runs the check of a case never checked: 409 with the blockers, then an override goes on, audited', async () => {
    // Moved to triage without a submission: no job was ever queued, no check ever ran.
    const caseId = await draftCase(kneeIntake);
    await setCaseState(testApp, caseId, 'triage');
    expect(await checkJobsOf(caseId)).toBe(0);
    expect((await findings(caseId)).checkedAt).toBeNull();

    const refused = await transition(coordinator, caseId, { transition: 'mark_ready' });
    expect(refused.status, refused.text).toBe(409);
    const details = (
      refused.body as unknown as {
        error: {
          code: string;
          details: { reason: string; blockers: { id: string; rule: string }[] };
        };
      }
    ).error.details;
    expect(details.reason).toBe('open_blockers');
    expect(details.blockers.map((blocker) => blocker.rule)).toContain('missing_document');
    // The check it ran stays, with the blockers the answer named.
    const after = await findings(caseId);
    expect(after.checkedAt).not.toBeNull();
    const open = after.findings.filter(
      (finding) => finding.severity === 'blocker' && finding.state === 'open',
    );
    expect(open.map((finding) => finding.id).sort()).toEqual(
      details.blockers.map((blocker) => blocker.id).sort(),
    );
    expect(await checksOf(caseId)).toEqual([{ actor: coordinator.userId }]);
    expect(
      (
        await db()
          .selectFrom('cases')
          .select('state')
          .where('id', '=', caseId)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('triage');

    const reason = 'Knee X-rays reviewed at the referring hospital';
    const ready = await step(coordinator, caseId, {
      transition: 'mark_ready',
      blockerOverrideReason: reason,
    });
    expect(ready.state).toBe('ready_for_matching');
    for (const id of details.blockers.map((blocker) => blocker.id)) {
      const finding = (await findings(caseId)).findings.find((item) => item.id === id)!;
      expect(finding).toMatchObject({
        state: 'resolved',
        resolution: { method: 'overridden', note: reason, by: { id: coordinator.userId } },
      });
    }
    const overrides = (await auditEvents(testApp, 'record.blockers_overridden')).filter(
      (event) => event.entity_id === caseId,
    );
    expect(overrides).toHaveLength(1);
    expect(overrides[0]).toMatchObject({
      actor_user_id: coordinator.userId,
      details: { reason },
    });
    // Nothing it reads changed since: the check did not run again.
    expect(await checksOf(caseId)).toHaveLength(1);
  });

  it('sees a medicine added a moment ago, before any job has run', async () => {
    const caseId = await checkedCaseInTriage(diabetesIntake);
    const checked = (await findings(caseId)).checkedAt;
    expect((await findings(caseId)).counts.blocker).toBe(0);
    const jobs = await checkJobsOf(caseId);
    const runs = (await checksOf(caseId)).length;

    // Written straight into the intake: no job is queued for it, so only the step can see it.
    await db()
      .insertInto('case_medications')
      .values({ case_id: caseId, position: 1, ...clarithromycin })
      .execute();
    const refused = await transition(coordinator, caseId, { transition: 'mark_ready' });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body).toMatchObject({
      error: {
        details: {
          reason: 'open_blockers',
          blockers: [expect.objectContaining({ rule: 'drug_interaction' })],
        },
      },
    });
    expect(await checkJobsOf(caseId)).toBe(jobs);
    expect(await checksOf(caseId)).toHaveLength(runs + 1);
    expect((await checksOf(caseId)).at(-1)).toEqual({ actor: coordinator.userId });
    expect((await findings(caseId)).checkedAt).not.toBe(checked);
  });

  it('sees the interaction of a correction made just before, whether or not its job ran', async () => {
    const caseId = await checkedCaseInTriage(diabetesIntake);
    const added = await patient.client.patch(`/api/v1/cases/${caseId}`, {
      medications: [simvastatin, clarithromycin],
    });
    expect(added.status, added.text).toBe(200);
    const refused = await transition(coordinator, caseId, { transition: 'mark_ready' });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body).toMatchObject({
      error: { details: { blockers: [expect.objectContaining({ rule: 'drug_interaction' })] } },
    });
  });
});
