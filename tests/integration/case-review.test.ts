/**
 * The case after triage (issue 3): offers and their answers, the specialist's review with questions
 * to the patient, the structured opinion with peer review, signing with re-authentication and the
 * seal, delivery with the referring physician's receipt, follow-up questions answered as signed
 * addenda, the public verification of printed codes, and the scheduler's sweeps — against a real
 * PostgreSQL, over HTTP, with real sign-ins.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opinionSealInput, type OpinionContent } from '../../src/core/opinion.ts';
import { sweepCases } from '../../src/server/cases/case-sweeps.ts';
import {
  createMember,
  createOrganization,
  signIn,
  testPassword,
  type TestMember,
} from '../support/accounts.ts';
import { auditEvents, currentTotp } from '../support/auth-helpers.ts';
import { formatFhirIssues, validateFhir } from '../support/fhir-validator.ts';
import { startTestApp, type TestApp, type TestClient } from '../support/test-app.ts';

interface CaseBody {
  id: string;
  state: string;
  version: number;
  questions: Array<{ id: string; text: string }>;
  offer: { specialistUserId: string; expiresAt: string } | null;
  offers: Array<{ status: string; declineReason: string | null; specialistUserId: string }>;
  assignedSpecialist: { userId: string; name: string; credentials: string } | null;
  patientQuestions: Array<{ id: string; text: string; answer: string | null }>;
  opinion: {
    versions: Array<{ id: string; sequence: number; verificationCode: string; current: boolean }>;
  };
  followUps: Array<{ id: string; text: string; answeredAt: string | null }>;
  followUpAllowance: { limit: number; asked: number; windowEndsAt: string | null };
  receipts: Array<{ id: string; recipientUserId: string; confirmedAt: string | null }>;
  timeline: Array<{ kind: string; transition: string | null; event: string | null }>;
  availableTransitions: Array<{ name: string; failures: string[] }>;
  stageDeadlineAt: string | null;
}

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

let testApp: TestApp;
let organizationId: string;
let patient: TestMember;
let referrer: TestMember;
let coordinator: TestMember;
let secondCoordinator: TestMember;
let cardiologist: TestMember;
let surgeon: TestMember;
let reviewer: TestMember;
let outsider: TestMember;

const intake = {
  conditionDescription: 'Chest pain when I climb stairs, for three months.',
  diagnosisCode: 'I20.9',
  diagnosisText: 'Angina pectoris, unspecified',
  proposedTreatment: 'Coronary bypass surgery',
  questions: ['Do I need surgery now?', 'Are there options without surgery?'],
  consentAccepted: true,
};

function completeOpinion(questionIds: string[]): OpinionContent {
  return {
    diagnosisAssessment: {
      outcome: 'refined',
      diagnosis: { code: 'I20.8', text: 'Other forms of angina pectoris' },
      confidence: 'high',
      rationale: 'The stress test and the history fit stable angina.',
    },
    alternativeDiagnoses: [],
    recommendedTests: [{ test: 'Coronary CT angiography', reason: 'To see the vessels.' }],
    treatmentOptions: [
      {
        name: 'Medicines and cardiac rehabilitation',
        expectedBenefit: 'Fewer episodes of pain.',
        sideEffectsAndRisks: 'Low blood pressure, tiredness.',
        recoveryTime: 'None',
        relativeCost: 'lower',
        fitWithGoals: 'Keeps you active without an operation.',
      },
    ],
    recommendation: {
      text: 'Start with medicines and rehabilitation.',
      changesProposedTreatment: true,
    },
    riskOfWaiting: {
      riskOfWaiting: 'Low while the pain stays stable.',
      riskOfActingNow: 'Surgery carries a small risk of stroke.',
      advisedTiming: 'Within four weeks',
    },
    followUpWindows: [{ what: 'Cardiology visit', when: 'In 3 months' }],
    warningSigns: [{ sign: 'Pain at rest', action: 'Call emergency services' }],
    questionAnswers: questionIds.map((questionId) => ({
      questionId,
      answer: 'Not now. Medicines come first.',
    })),
    plainLanguageSummary: 'Your heart pain is stable. Try medicines first. Surgery can wait.',
    references: [{ citation: 'ESC 2024 guidelines on chronic coronary syndromes' }],
  };
}

async function transition(client: TestClient, caseId: string, body: Record<string, unknown>) {
  return client.post<CaseBody & ErrorBody>(`/api/v1/cases/${caseId}/transitions`, body);
}

async function step(client: TestClient, caseId: string, body: Record<string, unknown>) {
  const response = await transition(client, caseId, body);
  expect(response.status, response.text).toBe(200);
  return response.body;
}

async function readCase(client: TestClient, caseId: string) {
  return client.get<CaseBody & ErrorBody>(`/api/v1/cases/${caseId}`);
}

async function reauthenticate(member: TestMember) {
  testApp.clock.advance(31_000);
  const response = await member.client.post('/api/v1/auth/reauthenticate', {
    password: testPassword,
    code: currentTotp(testApp, member.totpSecret!),
  });
  expect(response.status, response.text).toBe(200);
}

/**
 * A submitted case of the patient, triaged and ready for matching. It comes without records, so
 * the cardiology checklist's missing ECG blocks it: the coordinator overrides with a reason.
 */
async function readyCase(): Promise<CaseBody> {
  const draft = await patient.client.post<CaseBody>('/api/v1/cases', {
    patientId: patient.patientId,
  });
  expect(draft.status, draft.text).toBe(201);
  const saved = await patient.client.request('PATCH', `/api/v1/cases/${draft.body.id}`, intake);
  expect(saved.status, saved.text).toBe(200);
  await step(patient.client, draft.body.id, { transition: 'submit' });
  await step(coordinator.client, draft.body.id, { transition: 'start_triage' });
  return step(coordinator.client, draft.body.id, {
    transition: 'mark_ready',
    blockerOverrideReason: 'ECG reviewed with the referring cardiologist',
  });
}

beforeAll(async () => {
  testApp = await startTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
  const organization = await createOrganization(testApp, 'Heart Clinic');
  organizationId = organization.id;
  await testApp.app.services.db
    .updateTable('organizations')
    // Long enough sessions for the scheduler tests, which move the clock by hours.
    .set({ peer_review_required: true, idle_timeout_minutes: 720 })
    .where('id', '=', organizationId)
    .execute();
  patient = await createMember(testApp, organizationId, 'patient');
  referrer = await createMember(testApp, organizationId, 'referring_physician');
  coordinator = await createMember(testApp, organizationId, 'coordinator');
  secondCoordinator = await createMember(testApp, organizationId, 'coordinator');
  cardiologist = await createMember(testApp, organizationId, 'specialist');
  surgeon = await createMember(testApp, organizationId, 'specialist');
  reviewer = await createMember(testApp, organizationId, 'specialist');
  outsider = await createMember(testApp, organizationId, 'specialist');
  await testApp.app.services.db
    .insertInto('patient_referrers')
    .values({
      organization_id: organizationId,
      patient_id: patient.patientId!,
      physician_user_id: referrer.userId,
    })
    .execute();
  const profile = await cardiologist.client.request('PUT', '/api/v1/specialists/me', {
    specialties: ['Cardiology', 'Interventional cardiology'],
    languages: ['en', 'ES'],
    credentials: 'MD, PhD — Board-certified cardiologist',
  });
  expect(profile.status, profile.text).toBe(200);
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('the specialist list', () => {
  it('filters by specialty and language and lists only active specialists of the organization', async () => {
    const all = await coordinator.client.get<{ specialists: Array<{ userId: string }> }>(
      '/api/v1/specialists',
    );
    expect(all.status).toBe(200);
    expect(all.body.specialists.map((entry) => entry.userId)).toEqual(
      expect.arrayContaining([cardiologist.userId, surgeon.userId, reviewer.userId]),
    );
    const filtered = await coordinator.client.get<{
      specialists: Array<{ userId: string; languages: string[]; credentials: string }>;
    }>('/api/v1/specialists?specialty=cardio&language=es');
    expect(filtered.body.specialists).toEqual([
      expect.objectContaining({
        userId: cardiologist.userId,
        languages: ['en', 'es'],
        credentials: 'MD, PhD — Board-certified cardiologist',
      }),
    ]);
    const patientView = await patient.client.get('/api/v1/specialists');
    expect(patientView.status).toBe(404);
  });
});

describe('a second opinion from offer to follow-up', () => {
  it('walks offer, decline, re-offer, review, peer review, signing, delivery, receipt and a follow-up addendum', async () => {
    const ready = await readyCase();
    const caseId = ready.id;
    // The patient's referring physician is the case's: they will receive the report.
    expect(
      (ready as unknown as { referringPhysician: { userId: string } | null }).referringPhysician
        ?.userId,
    ).toBe(referrer.userId);

    // Nobody outside the case sees it, before or after the offer.
    expect((await readCase(cardiologist.client, caseId)).status).toBe(404);
    const offered = await step(coordinator.client, caseId, {
      transition: 'offer',
      offer: { specialistUserId: cardiologist.userId, acceptWithinHours: 24, note: 'Angina' },
    });
    expect(offered.state).toBe('offered');
    expect(offered.offer?.specialistUserId).toBe(cardiologist.userId);
    expect(offered.stageDeadlineAt).toBe(offered.offer?.expiresAt);
    const seenByOffered = await readCase(cardiologist.client, caseId);
    expect(seenByOffered.status).toBe(200);
    expect(seenByOffered.body.availableTransitions.map((t) => t.name)).toEqual(
      expect.arrayContaining(['accept_offer', 'decline_offer']),
    );
    expect((await readCase(surgeon.client, caseId)).status).toBe(404);
    // The offered specialist hears of it by email, which carries no patient data.
    const offerEmail = await testApp.smtp.waitFor(cardiologist.email, /./);
    expect(JSON.stringify(offerEmail)).not.toContain('Chest pain');

    // Declining needs a reason; once declined, the specialist loses access.
    const noReason = await transition(cardiologist.client, caseId, { transition: 'decline_offer' });
    expect(noReason.status).toBe(400);
    await step(cardiologist.client, caseId, {
      transition: 'decline_offer',
      declineReason: 'On leave next week',
    });
    expect((await readCase(cardiologist.client, caseId)).status).toBe(404);
    const afterDecline = await readCase(coordinator.client, caseId);
    expect(afterDecline.body.state).toBe('ready_for_matching');
    expect(afterDecline.body.offers).toEqual([
      expect.objectContaining({ status: 'declined', declineReason: 'On leave next week' }),
    ]);
    const alerts = await testApp.app.services.db
      .selectFrom('notifications')
      .select(['user_id'])
      .where('case_id', '=', caseId)
      .where('kind', '=', 'offer_declined')
      .execute();
    expect(alerts.map((row) => row.user_id).sort()).toEqual(
      [coordinator.userId, secondCoordinator.userId].sort(),
    );

    // Re-offer; the second specialist accepts and starts the review.
    await step(coordinator.client, caseId, {
      transition: 'offer',
      offer: { specialistUserId: surgeon.userId },
    });
    const accepted = await step(surgeon.client, caseId, { transition: 'accept_offer' });
    expect(accepted.assignedSpecialist?.userId).toBe(surgeon.userId);
    await step(surgeon.client, caseId, { transition: 'start_review' });

    // A question to the patient; the answer returns the case to review.
    const asked = await step(surgeon.client, caseId, {
      transition: 'ask_patient',
      patientQuestion: { text: 'Do you get pain at rest?' },
    });
    expect(asked.state).toBe('awaiting_patient');
    const question = asked.patientQuestions[0]!;
    const answered = await patient.client.post<CaseBody>(
      `/api/v1/cases/${caseId}/patient-questions/${question.id}/answer`,
      { answer: 'No, only on stairs.' },
    );
    expect(answered.status, answered.text).toBe(200);
    expect(answered.body.state).toBe('in_review');
    expect(answered.body.patientQuestions[0]).toMatchObject({ answer: 'No, only on stairs.' });

    // The draft: validated section by section, answers one-to-one with the patient's questions.
    const questionIds = answered.body.questions.map((entry) => entry.id);
    const wrongAnswer = await surgeon.client.request<ErrorBody>(
      'PUT',
      `/api/v1/cases/${caseId}/opinion-draft`,
      { content: { questionAnswers: [{ questionId: crypto.randomUUID(), answer: 'Yes.' }] } },
    );
    expect(wrongAnswer.status).toBe(400);
    const partial = await surgeon.client.request<{
      version: number;
      sectionsMissing: string[];
    }>('PUT', `/api/v1/cases/${caseId}/opinion-draft`, {
      content: { plainLanguageSummary: 'Your heart is fine.' },
    });
    expect(partial.status, partial.text).toBe(200);
    expect(partial.body.sectionsMissing).toContain('treatment_options');
    const blocked = await transition(surgeon.client, caseId, { transition: 'sign_opinion' });
    expect(blocked.status).toBe(409);
    const full = await surgeon.client.request<{
      version: number;
      sectionsMissing: string[];
      readability: { grade: number; aboveTarget: boolean };
    }>('PUT', `/api/v1/cases/${caseId}/opinion-draft`, {
      content: completeOpinion(questionIds),
      expectedVersion: partial.body.version,
    });
    expect(full.status, full.text).toBe(200);
    expect(full.body.sectionsMissing).toEqual([]);
    expect(full.body.readability.aboveTarget).toBe(false);
    const stale = await surgeon.client.request('PUT', `/api/v1/cases/${caseId}/opinion-draft`, {
      content: completeOpinion(questionIds),
      expectedVersion: partial.body.version,
    });
    expect(stale.status).toBe(409);

    // Peer review is required here: signing waits for the approval.
    const unreviewed = await transition(surgeon.client, caseId, { transition: 'sign_opinion' });
    expect(unreviewed.status).toBe(409);
    expect(unreviewed.body.error.details?.failures).toEqual(['peer_review_not_approved']);
    expect((await readCase(reviewer.client, caseId)).status).toBe(404);
    const requested = await surgeon.client.post(`/api/v1/cases/${caseId}/peer-review`, {
      reviewerUserId: reviewer.userId,
    });
    expect(requested.status, requested.text).toBe(200);
    const reviewerDraft = await reviewer.client.get<{ content: OpinionContent }>(
      `/api/v1/cases/${caseId}/opinion-draft`,
    );
    expect(reviewerDraft.status).toBe(200);
    expect(reviewerDraft.body.content.recommendation?.changesProposedTreatment).toBe(true);
    const noComment = await reviewer.client.post(`/api/v1/cases/${caseId}/peer-review/decision`, {
      decision: 'return',
    });
    expect(noComment.status).toBe(400);
    const approved = await reviewer.client.post(`/api/v1/cases/${caseId}/peer-review/decision`, {
      decision: 'approve',
    });
    expect(approved.status, approved.text).toBe(200);

    // Signing needs a fresh password + second factor.
    testApp.clock.advance(10 * 60_000);
    const notReauthenticated = await transition(surgeon.client, caseId, {
      transition: 'sign_opinion',
    });
    expect(notReauthenticated.status).toBe(403);
    expect(notReauthenticated.body.error.code).toBe('reauthentication_required');
    await reauthenticate(surgeon);
    const delivered = await step(surgeon.client, caseId, { transition: 'sign_opinion' });
    expect(delivered.state).toBe('delivered');
    expect(delivered.timeline.map((entry) => entry.transition).slice(-2)).toEqual([
      'sign_opinion',
      'deliver',
    ]);
    const [original] = delivered.opinion.versions;
    expect(original).toMatchObject({ sequence: 1, current: true });

    // The seal is SHA-256 over the canonical JSON of what was signed.
    const stored = await testApp.app.services.db
      .selectFrom('opinion_versions')
      .selectAll()
      .where('case_id', '=', caseId)
      .executeTakeFirstOrThrow();
    const recomputed = crypto
      .createHash('sha256')
      .update(
        opinionSealInput({
          caseId,
          sequence: 1,
          kind: 'opinion',
          content: stored.content as OpinionContent,
          followUpQuestion: null,
          signedByUserId: surgeon.userId,
          signerName: stored.signer_name,
          signerCredentials: stored.signer_credentials,
          signedAt: stored.signed_at.toISOString(),
          previousSeal: null,
        }),
      )
      .digest('hex');
    expect(stored.seal_sha256).toBe(recomputed);
    // A signed opinion cannot be modified: the application's role may not, and the table refuses.
    await expect(
      testApp.app.services.db
        .updateTable('opinion_versions')
        .set({ signer_name: 'Someone else' })
        .where('id', '=', stored.id)
        .execute(),
    ).rejects.toThrow();
    const draftAfterSigning = await surgeon.client.request(
      'PUT',
      `/api/v1/cases/${caseId}/opinion-draft`,
      { content: {} },
    );
    expect(draftAfterSigning.status).toBe(409);

    // The patient reads the report and downloads the PDF.
    const report = await patient.client.get<{ versions: Array<{ content: OpinionContent }> }>(
      `/api/v1/cases/${caseId}/opinion`,
    );
    expect(report.status, report.text).toBe(200);
    expect(report.body.versions[0]?.content.plainLanguageSummary).toContain('Surgery can wait');
    const pdf = await patient.client.get(
      `/api/v1/cases/${caseId}/opinion/versions/${original!.id}/pdf`,
    );
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.text.startsWith('%PDF-')).toBe(true);
    expect(
      (await auditEvents(testApp, 'opinion.pdf_downloaded', patient.userId)).length,
    ).toBeGreaterThan(0);

    // The referring physician confirms receipt; someone else cannot confirm it for them.
    const referrerView = await readCase(referrer.client, caseId);
    const receipt = referrerView.body.receipts.find(
      (entry) => entry.recipientUserId === referrer.userId,
    );
    expect(receipt?.confirmedAt).toBeNull();
    expect(
      (await patient.client.post(`/api/v1/cases/${caseId}/receipts/${receipt!.id}/confirm`)).status,
    ).toBe(404);
    const confirmed = await referrer.client.post<CaseBody>(
      `/api/v1/cases/${caseId}/receipts/${receipt!.id}/confirm`,
    );
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.receipts[0]?.confirmedAt).not.toBeNull();

    // A follow-up question, answered as a signed addendum.
    const followUp = await patient.client.post<CaseBody>(`/api/v1/cases/${caseId}/follow-ups`, {
      text: 'Can I keep cycling?',
    });
    expect(followUp.status, followUp.text).toBe(200);
    expect(followUp.body.state).toBe('follow_up');
    const followUpId = followUp.body.followUps[0]!.id;
    testApp.clock.advance(10 * 60_000);
    const unsigned = await surgeon.client.post<ErrorBody>(
      `/api/v1/cases/${caseId}/follow-ups/${followUpId}/answer`,
      { text: 'Yes, at an easy pace.' },
    );
    expect(unsigned.status).toBe(403);
    await reauthenticate(surgeon);
    const addendum = await surgeon.client.post<CaseBody>(
      `/api/v1/cases/${caseId}/follow-ups/${followUpId}/answer`,
      { text: 'Yes, at an easy pace.' },
    );
    expect(addendum.status, addendum.text).toBe(200);
    expect(addendum.body.opinion.versions.map((version) => version.current)).toEqual([false, true]);
    expect(addendum.body.followUps[0]?.answeredAt).not.toBeNull();

    // The public check: the original PDF is superseded, the new one current; no patient data.
    const [first, second] = addendum.body.opinion.versions;
    const oldCheck = await testApp
      .client()
      .get<Record<string, unknown>>(`/api/v1/verify/${first!.verificationCode.toLowerCase()}`);
    expect(oldCheck.status).toBe(200);
    expect(oldCheck.body).toMatchObject({
      authentic: true,
      status: 'superseded',
      organization: 'Heart Clinic',
      latestSequence: 2,
    });
    expect(JSON.stringify(oldCheck.body)).not.toContain('Chest pain');
    const newCheck = await testApp
      .client()
      .get<Record<string, unknown>>(`/api/v1/verify/${second!.verificationCode}`);
    expect(newCheck.body).toMatchObject({ status: 'current', sequence: 2, kind: 'addendum' });
    expect((await testApp.client().get('/api/v1/verify/0000-0000-0000')).status).toBe(404);
    const chain = await testApp.app.services.db
      .selectFrom('opinion_versions')
      .select(['sequence', 'seal_sha256'])
      .where('case_id', '=', caseId)
      .orderBy('sequence')
      .execute();
    expect(chain).toHaveLength(2);
    expect(chain[0]!.seal_sha256).not.toBe(chain[1]!.seal_sha256);

    // The FHIR R4 export of the whole case validates against the base R4 definitions.
    const exported = await patient.client.get<{ resourceType: string; entry: unknown[] }>(
      `/api/v1/cases/${caseId}/fhir`,
    );
    expect(exported.status, exported.text).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const validation = validateFhir(exported.body);
    expect(validation.errors, formatFhirIssues(validation.errors)).toEqual([]);
    const types = exported.body.entry.map(
      (entry) => (entry as { resource: { resourceType: string } }).resource.resourceType,
    );
    expect(types).toEqual(
      expect.arrayContaining(['Patient', 'Condition', 'ServiceRequest', 'Task', 'Composition']),
    );
    expect(JSON.stringify(exported.body)).toContain('concordance-outcome');
  });
});

describe('conflicts and the scheduler', () => {
  it('lets exactly one of two coordinators offering at once win, with one offer row', async () => {
    const ready = await readyCase();
    const [left, right] = await Promise.all([
      transition(coordinator.client, ready.id, {
        transition: 'offer',
        offer: { specialistUserId: cardiologist.userId },
        expectedVersion: ready.version,
      }),
      transition(secondCoordinator.client, ready.id, {
        transition: 'offer',
        offer: { specialistUserId: surgeon.userId },
        expectedVersion: ready.version,
      }),
    ]);
    expect([left.status, right.status].sort()).toEqual([200, 409]);
    const loser = left.status === 409 ? left : right;
    expect(loser.body.error.details?.currentState).toBe('offered');
    const offers = await testApp.app.services.db
      .selectFrom('case_offers')
      .select('id')
      .where('case_id', '=', ready.id)
      .execute();
    expect(offers).toHaveLength(1);
  });

  it('refuses an offer to someone who is not a specialist of the organization', async () => {
    const ready = await readyCase();
    const response = await transition(coordinator.client, ready.id, {
      transition: 'offer',
      offer: { specialistUserId: patient.userId },
    });
    expect(response.status).toBe(400);
    expect((await readCase(coordinator.client, ready.id)).body.state).toBe('ready_for_matching');
  });

  it('expires an unanswered offer, takes access away and alerts the coordinators', async () => {
    const ready = await readyCase();
    await step(coordinator.client, ready.id, {
      transition: 'offer',
      offer: { specialistUserId: outsider.userId, acceptWithinHours: 2 },
    });
    expect((await readCase(outsider.client, ready.id)).status).toBe(200);
    // Not yet due: the sweep expires nothing.
    expect((await sweepCases(testApp.app.services, testApp.clock.now())).offersExpired).toBe(0);
    expect((await readCase(coordinator.client, ready.id)).body.state).toBe('offered');
    testApp.clock.advance(3 * 3_600_000);
    // Two sweeps at once (two server instances) expire it once.
    await Promise.all([
      sweepCases(testApp.app.services, testApp.clock.now()),
      sweepCases(testApp.app.services, testApp.clock.now()),
    ]);
    const after = await readCase(coordinator.client, ready.id);
    expect(after.body.state).toBe('ready_for_matching');
    expect(after.body.offers).toEqual([expect.objectContaining({ status: 'expired' })]);
    expect(
      after.body.timeline.filter((entry) => entry.transition === 'offer_expired'),
    ).toHaveLength(1);
    expect((await readCase(outsider.client, ready.id)).status).toBe(404);
    const alerts = await testApp.app.services.db
      .selectFrom('notifications')
      .select('user_id')
      .where('case_id', '=', ready.id)
      .where('kind', '=', 'offer_expired')
      .execute();
    expect(alerts.map((row) => row.user_id)).toEqual(
      expect.arrayContaining([coordinator.userId, secondCoordinator.userId]),
    );
  });

  it('lets the specialist resume without waiting, retracting the open question', async () => {
    const ready = await readyCase();
    await step(coordinator.client, ready.id, {
      transition: 'offer',
      offer: { specialistUserId: outsider.userId },
    });
    await step(outsider.client, ready.id, { transition: 'accept_offer' });
    await step(outsider.client, ready.id, { transition: 'start_review' });
    const waiting = await step(outsider.client, ready.id, {
      transition: 'ask_patient',
      patientQuestion: { text: 'Any fainting?' },
    });
    expect(
      waiting.availableTransitions.find((entry) => entry.name === 'patient_answered')?.failures,
    ).toEqual([]);
    // The patient cannot skip their own question.
    const skipped = await transition(patient.client, ready.id, { transition: 'patient_answered' });
    expect(skipped.status).toBe(409);
    const resumed = await step(outsider.client, ready.id, { transition: 'patient_answered' });
    expect(resumed.state).toBe('in_review');
    expect(resumed.patientQuestions[0]).toMatchObject({ answer: null });
    expect(
      (resumed.patientQuestions[0] as unknown as { retractedAt: string | null }).retractedAt,
    ).not.toBeNull();
  });

  it('lets the coordinator take the case back from its specialist, who then loses access', async () => {
    const ready = await readyCase();
    await step(coordinator.client, ready.id, {
      transition: 'offer',
      offer: { specialistUserId: outsider.userId },
    });
    await step(outsider.client, ready.id, { transition: 'accept_offer' });
    await step(outsider.client, ready.id, { transition: 'start_review' });
    expect((await readCase(outsider.client, ready.id)).status).toBe(200);
    const back = await step(coordinator.client, ready.id, {
      transition: 'reassign',
      note: 'Specialist unavailable',
    });
    expect(back.state).toBe('ready_for_matching');
    expect(back.assignedSpecialist).toBeNull();
    expect((await readCase(outsider.client, ready.id)).status).toBe(404);
  });
});

/** A case signed by the surgeon after an approved peer review; delivered unless held for release. */
async function signedCase(): Promise<CaseBody> {
  const ready = await readyCase();
  const caseId = ready.id;
  await step(coordinator.client, caseId, {
    transition: 'offer',
    offer: { specialistUserId: surgeon.userId },
  });
  await step(surgeon.client, caseId, { transition: 'accept_offer' });
  const inReview = await step(surgeon.client, caseId, { transition: 'start_review' });
  const saved = await surgeon.client.request('PUT', `/api/v1/cases/${caseId}/opinion-draft`, {
    content: completeOpinion(inReview.questions.map((question) => question.id)),
  });
  expect(saved.status, saved.text).toBe(200);
  await surgeon.client.post(`/api/v1/cases/${caseId}/peer-review`, {
    reviewerUserId: reviewer.userId,
  });
  const approved = await reviewer.client.post(`/api/v1/cases/${caseId}/peer-review/decision`, {
    decision: 'approve',
  });
  expect(approved.status, approved.text).toBe(200);
  await reauthenticate(surgeon);
  return step(surgeon.client, caseId, { transition: 'sign_opinion' });
}

async function setOrganization(values: {
  release_by_coordinator?: boolean;
  follow_up_question_limit?: number;
}) {
  await testApp.app.services.db
    .updateTable('organizations')
    .set(values)
    .where('id', '=', organizationId)
    .execute();
}

describe('after signing', () => {
  it('holds the report for the coordinator to release where the organization asks for it', async () => {
    await setOrganization({ release_by_coordinator: true });
    try {
      const signed = await signedCase();
      expect(signed.state).toBe('opinion_signed');
      // Not yet the patient's to read, nor the referring physician's.
      expect((await patient.client.get(`/api/v1/cases/${signed.id}/opinion`)).status).toBe(404);
      const before = await readCase(referrer.client, signed.id);
      expect(before.body.receipts).toEqual([]);
      const released = await step(coordinator.client, signed.id, { transition: 'deliver' });
      expect(released.state).toBe('delivered');
      expect((await patient.client.get(`/api/v1/cases/${signed.id}/opinion`)).status).toBe(200);
      const after = await readCase(referrer.client, signed.id);
      expect(after.body.receipts).toHaveLength(1);
    } finally {
      await setOrganization({ release_by_coordinator: false });
    }
  });

  it('signs a correction as an addendum and never changes the original', async () => {
    const signed = await signedCase();
    const original = await testApp.app.services.db
      .selectFrom('opinion_versions')
      .selectAll()
      .where('case_id', '=', signed.id)
      .executeTakeFirstOrThrow();
    expect(
      (await patient.client.post(`/api/v1/cases/${signed.id}/addenda`, { text: 'No.' })).status,
    ).toBe(404);
    await reauthenticate(surgeon);
    const corrected = await surgeon.client.post<CaseBody>(`/api/v1/cases/${signed.id}/addenda`, {
      text: 'The advised timing is within two weeks, not four.',
    });
    expect(corrected.status, corrected.text).toBe(200);
    expect(corrected.body.opinion.versions).toHaveLength(2);
    const reread = await testApp.app.services.db
      .selectFrom('opinion_versions')
      .selectAll()
      .where('id', '=', original.id)
      .executeTakeFirstOrThrow();
    expect(reread).toEqual(original);
  });

  it('allows follow-up questions up to the limit, then closes once the window ends', async () => {
    await setOrganization({ follow_up_question_limit: 2 });
    try {
      const signed = await signedCase();
      const caseId = signed.id;
      for (const text of ['First question?', 'Second question?']) {
        const asked = await patient.client.post(`/api/v1/cases/${caseId}/follow-ups`, { text });
        expect(asked.status, asked.text).toBe(200);
      }
      const third = await patient.client.post<ErrorBody>(`/api/v1/cases/${caseId}/follow-ups`, {
        text: 'Third question?',
      });
      expect(third.status).toBe(409);
      expect(third.body.error.details?.failures).toContain('follow_up_limit_reached');
      // Open questions keep the case open past its window; answered, the scheduler closes it.
      testApp.clock.advance(31 * 86_400_000);
      await signIn(testApp, patient);
      await signIn(testApp, surgeon);
      await signIn(testApp, coordinator);
      await sweepCases(testApp.app.services, testApp.clock.now());
      expect((await readCase(coordinator.client, caseId)).body.state).toBe('follow_up');
      const open = (await readCase(surgeon.client, caseId)).body.followUps;
      for (const question of open) {
        await reauthenticate(surgeon);
        const answered = await surgeon.client.post(
          `/api/v1/cases/${caseId}/follow-ups/${question.id}/answer`,
          { text: 'Yes.' },
        );
        expect(answered.status, answered.text).toBe(200);
      }
      const swept = await sweepCases(testApp.app.services, testApp.clock.now());
      expect(swept.casesClosed).toBeGreaterThanOrEqual(1);
      expect((await readCase(coordinator.client, caseId)).body.state).toBe('closed');
      // The referring physician who never confirmed receipt was reminded once.
      const reminders = await testApp.app.services.db
        .selectFrom('notifications')
        .select('id')
        .where('case_id', '=', caseId)
        .where('kind', '=', 'report_receipt_reminder')
        .execute();
      expect(reminders.length).toBeGreaterThanOrEqual(1);
    } finally {
      await setOrganization({ follow_up_question_limit: 3 });
    }
  });
});
