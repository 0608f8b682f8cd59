/**
 * How an organization runs its cases: peer review, follow-up allowance, business calendar and
 * per-stage service levels, and the versioned consent text — set by its administrator, read by the
 * lifecycle (deadlines, submission guard) on the next step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createOrganization, type TestMember } from '../support/accounts.ts';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app.ts';

function expectError(response: TestResponse, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect((response.body as { error: { code: string } }).error.code).toBe(code);
}

interface CaseSettingsBody {
  peerReviewRequired: boolean;
  followUpQuestionLimit: number;
  followUpWindowDays: number;
  businessDays: boolean;
  holidays: string[];
  serviceLevels: Record<string, unknown>;
  defaults: Record<string, { routine: { unit: string; amount: number } }>;
}

let testApp: TestApp;
let admin: TestMember;
let coordinator: TestMember;
let patient: TestMember;

beforeAll(async () => {
  testApp = await startTestApp();
  const organization = await createOrganization(testApp, 'Settings Clinic');
  admin = await createMember(testApp, organization.id, 'org_admin');
  coordinator = await createMember(testApp, organization.id, 'coordinator');
  patient = await createMember(testApp, organization.id, 'patient');
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('case settings', () => {
  it('starts from the defaults and changes them, audited', async () => {
    const initial = await admin.client.get<CaseSettingsBody>('/api/v1/org/case-settings');
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({
      peerReviewRequired: false,
      followUpQuestionLimit: 3,
      followUpWindowDays: 30,
      businessDays: true,
      holidays: [],
      serviceLevels: {},
    });
    expect(initial.body.defaults.in_review?.routine).toEqual({ unit: 'days', amount: 5 });
    const changed = await admin.client.request<CaseSettingsBody>(
      'PATCH',
      '/api/v1/org/case-settings',
      {
        peerReviewRequired: true,
        followUpQuestionLimit: 5,
        holidays: ['2026-12-25', '2026-12-25', '2027-01-01'],
      },
    );
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({
      peerReviewRequired: true,
      followUpQuestionLimit: 5,
      holidays: ['2026-12-25', '2027-01-01'],
    });
    const audited = await testApp.app.services.db
      .selectFrom('audit_events')
      .select('details')
      .where('event_type', '=', 'org.settings_updated')
      .where('actor_user_id', '=', admin.userId)
      .execute();
    expect(audited.length).toBeGreaterThan(0);
  });

  it('refuses an urgent allowance longer than the routine one, and bad dates, changing nothing', async () => {
    const slower = await admin.client.request('PATCH', '/api/v1/org/case-settings', {
      serviceLevels: {
        triage: { routine: { unit: 'hours', amount: 4 }, urgent: { unit: 'days', amount: 2 } },
      },
    });
    expectError(slower, 400, 'validation_failed');
    const badDate = await admin.client.request('PATCH', '/api/v1/org/case-settings', {
      holidays: ['2026-02-30'],
    });
    expectError(badDate, 400, 'validation_failed');
    const after = await admin.client.get<CaseSettingsBody>('/api/v1/org/case-settings');
    expect(after.body.serviceLevels).toEqual({});
  });

  it('is the administrator’s only', async () => {
    expect((await coordinator.client.get('/api/v1/org/case-settings')).status).toBe(404);
    expect(
      (
        await patient.client.request('PATCH', '/api/v1/org/case-settings', {
          peerReviewRequired: false,
        })
      ).status,
    ).toBe(404);
  });

  it('sets the clock of the next stage from the organization’s own allowance', async () => {
    const updated = await admin.client.request('PATCH', '/api/v1/org/case-settings', {
      businessDays: false,
      serviceLevels: {
        triage: { routine: { unit: 'hours', amount: 2 }, urgent: { unit: 'hours', amount: 1 } },
      },
    });
    expect(updated.status, updated.text).toBe(200);
    const draft = await patient.client.post<{ id: string }>('/api/v1/cases', {
      patientId: patient.patientId,
    });
    await patient.client.request('PATCH', `/api/v1/cases/${draft.body.id}`, {
      conditionDescription: 'A cough for two months.',
      questions: ['Is it asthma?'],
      consentAccepted: true,
    });
    expect(
      (
        await patient.client.post(`/api/v1/cases/${draft.body.id}/transitions`, {
          transition: 'submit',
        })
      ).status,
    ).toBe(200);
    const triage = await coordinator.client.post<{ stageDeadlineAt: string; updatedAt: string }>(
      `/api/v1/cases/${draft.body.id}/transitions`,
      { transition: 'start_triage' },
    );
    expect(triage.status, triage.text).toBe(200);
    expect(new Date(triage.body.stageDeadlineAt).getTime()).toBe(
      new Date(triage.body.updatedAt).getTime() + 2 * 3_600_000,
    );
  });
});

describe('consent texts', () => {
  it('publishes a new version, which patients must accept again before submitting', async () => {
    const draft = await patient.client.post<{ id: string }>('/api/v1/cases', {
      patientId: patient.patientId,
    });
    const saved = await patient.client.request<{ consent: { accepted: boolean; version: string } }>(
      'PATCH',
      `/api/v1/cases/${draft.body.id}`,
      {
        conditionDescription: 'Back pain.',
        questions: ['Do I need surgery?'],
        consentAccepted: true,
      },
    );
    expect(saved.body.consent).toMatchObject({ accepted: true, version: '1' });

    const published = await admin.client.post<{
      currentVersion: string;
      versions: Array<{ version: string }>;
    }>('/api/v1/org/consent', {
      version: '2027-01',
      text: 'I agree that my records are reviewed for a second opinion, and shared with my doctor.',
    });
    expect(published.status, published.text).toBe(200);
    expect(published.body.currentVersion).toBe('2027-01');
    expect(published.body.versions.map((entry) => entry.version)).toEqual(['2027-01', '1']);

    const reread = await patient.client.get<{
      consent: { accepted: boolean; currentVersion: string; currentText: string };
    }>(`/api/v1/cases/${draft.body.id}`);
    expect(reread.body.consent).toMatchObject({ accepted: false, currentVersion: '2027-01' });
    expect(reread.body.consent.currentText).toContain('shared with my doctor');
    const submit = await patient.client.post(`/api/v1/cases/${draft.body.id}/transitions`, {
      transition: 'submit',
    });
    expectError(submit, 409, 'conflict');

    const again = await admin.client.post('/api/v1/org/consent', {
      version: '2027-01',
      text: 'Another text under the same version number.',
    });
    expectError(again, 409, 'already_exists');
  });
});
