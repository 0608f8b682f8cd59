/**
 * The organization's completeness checklists (docs/safety-net.md): the admin reads the shipped
 * defaults, stores a set of the organization's own (validated whole, audited), the records check
 * of its cases follows it, and forgetting it brings the defaults back. Other organizations keep
 * theirs. Who may do what is in the authorization matrix; malformed sets in the bad-input table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChecklistSet, type ChecklistSet } from '../../src/core/safety/checklists.ts';
import { createMember, createOrganization, type TestMember } from '../support/accounts.ts';
import { auditEvents } from '../support/auth-helpers.ts';
import { submitCase } from '../support/cases.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface ChecklistsBody {
  checklists: ChecklistSet;
  custom: boolean;
  updatedAt: string | null;
}

interface FindingsBody {
  findings: Array<{ rule: string; state: string; present: boolean; patientText: string }>;
}

let testApp: TestApp;
let admin: TestMember;
let coordinator: TestMember;
let patient: TestMember;
let otherAdmin: TestMember;
let caseId: string;

const genomeLabel = 'genome sequencing report';

/** The defaults with one more document every category asks for. */
function withGenomeReport(): ChecklistSet {
  const set = structuredClone(defaultChecklistSet);
  for (const checklist of Object.values(set.checklists)) {
    checklist.items.push({
      type: 'document',
      id: 'genome_report',
      label: genomeLabel,
      why: 'The tumour board reads every case with its sequencing.',
      kinds: ['other'],
      keywords: ['genome sequencing'],
      maxAgeDays: null,
      missingSeverity: 'warning',
      staleSeverity: 'info',
    });
  }
  return set;
}

async function checkNow(): Promise<FindingsBody['findings']> {
  const response = await coordinator.client.post<FindingsBody>(
    `/api/v1/cases/${caseId}/findings/check`,
  );
  expect(response.status, response.text).toBe(200);
  return response.body.findings;
}

const asksForGenome = (findings: FindingsBody['findings']) =>
  findings.some(
    (finding) =>
      finding.present && finding.state === 'open' && finding.patientText.includes(genomeLabel),
  );

beforeAll(async () => {
  testApp = await startTestApp();
  const organization = await createOrganization(testApp, 'Checklist Clinic');
  const other = await createOrganization(testApp, 'Elsewhere Clinic');
  await testApp.app.services.db
    .updateTable('organizations')
    .set({ consent_version: '2026-03' })
    .where('id', '=', organization.id)
    .execute();
  admin = await createMember(testApp, organization.id, 'org_admin');
  coordinator = await createMember(testApp, organization.id, 'coordinator');
  patient = await createMember(testApp, organization.id, 'patient');
  otherAdmin = await createMember(testApp, other.id, 'org_admin');
  caseId = await submitCase(patient.client, patient.patientId!, {
    conditionDescription: 'Short of breath on stairs.',
    diagnosisCode: 'I50.9',
    diagnosisText: 'Heart failure, unspecified',
    proposedTreatment: 'Start a beta blocker',
    questions: ['Is the beta blocker right?'],
    consentAccepted: true,
  });
}, 60_000);

afterAll(async () => {
  await testApp?.close();
});

describe("an organization's checklists", () => {
  it('are the shipped defaults until it stores its own', async () => {
    const response = await admin.client.get<ChecklistsBody>('/api/v1/org/checklists');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      checklists: defaultChecklistSet,
      custom: false,
      updatedAt: null,
    });
    expect(asksForGenome(await checkNow())).toBe(false);
  });

  it('are stored whole, audited, and followed by the records check of its cases', async () => {
    const set = withGenomeReport();
    const saved = await admin.client.request<ChecklistsBody>('PUT', '/api/v1/org/checklists', set);
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ custom: true, checklists: set });
    const read = await admin.client.get<ChecklistsBody>('/api/v1/org/checklists');
    expect(read.body.checklists).toEqual(set);
    expect(read.body.updatedAt).not.toBeNull();
    const events = await auditEvents(testApp, 'org.checklists_updated');
    expect(events.at(-1)).toMatchObject({ actor_user_id: admin.userId });

    expect(asksForGenome(await checkNow())).toBe(true);
    // Another organization still has the defaults.
    const elsewhere = await otherAdmin.client.get<ChecklistsBody>('/api/v1/org/checklists');
    expect(elsewhere.body.custom).toBe(false);
  });

  it('refuse a set that breaks a rule, keeping the stored one', async () => {
    const broken = withGenomeReport();
    broken.checklists.cardiology.items.push(
      structuredClone(broken.checklists.cardiology.items[0]!),
    );
    const response = await admin.client.request('PUT', '/api/v1/org/checklists', broken);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: {
        code: 'validation_failed',
        details: {
          issues: [
            expect.objectContaining({ message: expect.stringContaining('duplicate item id') }),
          ],
        },
      },
    });
    const read = await admin.client.get<ChecklistsBody>('/api/v1/org/checklists');
    expect(read.body.checklists).toEqual(withGenomeReport());
  });

  it('are forgotten on reset: the defaults apply again, and the check stops asking', async () => {
    const reset = await admin.client.request<ChecklistsBody>('DELETE', '/api/v1/org/checklists');
    expect(reset.status, reset.text).toBe(200);
    expect(reset.body).toEqual({ checklists: defaultChecklistSet, custom: false, updatedAt: null });
    const read = await admin.client.get<ChecklistsBody>('/api/v1/org/checklists');
    expect(read.body.custom).toBe(false);
    const events = await auditEvents(testApp, 'org.checklists_reset');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_user_id: admin.userId });

    const findings = await checkNow();
    expect(asksForGenome(findings)).toBe(false);
    // Resetting what is already the default changes nothing and records nothing.
    expect((await admin.client.request('DELETE', '/api/v1/org/checklists')).status).toBe(200);
    expect(await auditEvents(testApp, 'org.checklists_reset')).toHaveLength(1);
  });
});
