/**
 * Patients referred by their physician, through the real server on a real PostgreSQL: the
 * physician registers the patient and starts the request; the patient gets an emailed link,
 * creates their account (no second factor needed) and finds the request as their own; consent
 * is the patient's alone; each physician sees only the patients they referred; links are
 * single-use, expire and can be sent again; an address that already has its own patient record
 * is refused rather than merged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createOrganization, signIn, type TestMember } from '../support/accounts.ts';
import { expectError, tokenOf, uniqueEmail } from '../support/auth-helpers.ts';
import { startTestApp, type TestApp, type TestClient } from '../support/test-app.ts';

const password = 'meadow-cobalt-61-wren';
const day = 24 * 60 * 60_000;

interface PatientBody {
  id: string;
  givenName: string;
  familyName: string;
  birthDate: string | null;
  hasAccount: boolean;
  referral: {
    email: string | null;
    invitation: { status: string; sentAt: string; expiresAt: string } | null;
  } | null;
}

let testApp: TestApp;
let organizationId: string;
let physician: TestMember;
let otherPhysician: TestMember;
let coordinator: TestMember;
let existingPatient: TestMember;

function messagesTo(email: string) {
  return testApp.smtp.messages.filter((message) => message.to === email.toLowerCase());
}

/** The physician refers a patient; answers the patient and the token of the emailed link. */
async function refer(
  by: TestMember,
  input: { givenName: string; familyName: string; birthDate?: string | null; email: string },
) {
  const earlier = messagesTo(input.email).length;
  const response = await by.client.post<PatientBody>('/api/v1/patients', input);
  expect(response.status, response.text).toBe(201);
  return { patient: response.body, token: await nextLinkToken(input.email, earlier) };
}

async function nextLinkToken(email: string, earlier: number): Promise<string> {
  await expect.poll(() => messagesTo(email).length, { timeout: 15_000 }).toBeGreaterThan(earlier);
  const message = messagesTo(email).at(-1)!;
  expect(message.subject).toBe('Test referring physician started a second-opinion request for you');
  return tokenOf(testApp.smtp.linkIn(message, '/invitation'));
}

async function listedIds(client: TestClient): Promise<string[]> {
  const response = await client.get<{ patients: PatientBody[] }>('/api/v1/patients');
  expect(response.status, response.text).toBe(200);
  return response.body.patients.map((patient) => patient.id);
}

async function auditRows(eventType: string, patientId: string) {
  return testApp.app.services.db
    .selectFrom('audit_events')
    .select(['actor_user_id', 'on_behalf_of_user_id', 'entity_type', 'entity_id', 'details'])
    .where('event_type', '=', eventType)
    .where('patient_id', '=', patientId)
    .orderBy('seq')
    .execute();
}

beforeAll(async () => {
  testApp = await startTestApp();
  organizationId = (await createOrganization(testApp, 'Referral Clinic')).id;
  physician = await createMember(testApp, organizationId, 'referring_physician');
  otherPhysician = await createMember(testApp, organizationId, 'referring_physician');
  coordinator = await createMember(testApp, organizationId, 'coordinator');
  existingPatient = await createMember(testApp, organizationId, 'patient');
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('a referred patient', () => {
  let patientId: string;
  let token: string;
  let caseId: string;
  const email = uniqueEmail('lucia');

  it('is registered by the physician, who becomes the referrer and sees the invitation', async () => {
    const referred = await refer(physician, {
      givenName: 'Lucía',
      familyName: 'Gómez',
      birthDate: '1961-04-02',
      email: email.toUpperCase(),
    });
    patientId = referred.patient.id;
    token = referred.token;
    expect(referred.patient).toEqual({
      id: expect.any(String),
      givenName: 'Lucía',
      familyName: 'Gómez',
      birthDate: '1961-04-02',
      hasAccount: false,
      createdAt: expect.any(String),
      referral: {
        email,
        invitation: {
          status: 'pending',
          sentAt: expect.any(String),
          expiresAt: expect.any(String),
        },
      },
    });
    const message = messagesTo(email).at(-1)!;
    expect(message.text).toContain(
      'Test referring physician started a request for a second medical opinion for you at Referral Clinic.',
    );
    expect(message.text).not.toContain('Gómez');

    const [referredEvent] = await auditRows('patient.referred', patientId);
    expect(referredEvent).toMatchObject({ actor_user_id: physician.userId, entity_id: patientId });
    const [invited] = await auditRows('patient.invited', patientId);
    expect(invited).toMatchObject({
      actor_user_id: physician.userId,
      entity_type: 'Invitation',
      details: { resent: false },
    });
  });

  it('is listed for the physician who referred them and for no other physician', async () => {
    expect(await listedIds(physician.client)).toEqual([patientId]);
    expect(await listedIds(otherPhysician.client)).toEqual([]);
    expectError(await otherPhysician.client.get(`/api/v1/patients/${patientId}`), 404, 'not_found');
    expectError(await otherPhysician.client.post('/api/v1/cases', { patientId }), 404, 'not_found');
    expectError(
      await otherPhysician.client.post(`/api/v1/patients/${patientId}/invitation`, {}),
      404,
      'not_found',
    );
    // The coordinator sees the patient, without the referral details meant for the physician.
    const seen = await coordinator.client.get<PatientBody>(`/api/v1/patients/${patientId}`);
    expect(seen.status).toBe(200);
    expect(seen.body.referral).toBeNull();
    expectError(
      await existingPatient.client.get(`/api/v1/patients/${patientId}`),
      404,
      'not_found',
    );
  });

  it('has a request started by the physician, who cannot consent for them', async () => {
    const draft = await physician.client.post('/api/v1/cases', { patientId });
    expect(draft.status, draft.text).toBe(201);
    caseId = draft.body.id as string;
    const saved = await physician.client.request('PATCH', `/api/v1/cases/${caseId}`, {
      conditionDescription: 'Persistent cough for four months; CT shows a 9 mm nodule.',
      questions: ['Is a biopsy needed now?'],
    });
    expect(saved.status, saved.text).toBe(200);
    const consent = await physician.client.request('PATCH', `/api/v1/cases/${caseId}`, {
      consentAccepted: true,
    });
    expect(consent.status, consent.text).toBe(400);
    expect(consent.body.error.code).toBe('validation_failed');
    const submit = await physician.client.post(`/api/v1/cases/${caseId}/transitions`, {
      transition: 'submit',
    });
    expect(submit.status, submit.text).toBe(409);
    expect(submit.body.error.code).toBe('conflict');
  });

  it('accepts the link with a password only (the record names them) and finds the request as theirs', async () => {
    const visitor = testApp.client();
    const described = await visitor.get(`/api/v1/invitations/${token}`);
    expect(described.status, described.text).toBe(200);
    expect(described.body).toEqual({
      organizationName: 'Referral Clinic',
      role: 'patient',
      email,
      patientName: 'Lucía Gómez',
      invitedByName: 'Test referring physician',
      account: 'new',
    });
    expectError(
      await visitor.post(`/api/v1/invitations/${token}/accept`, { password: 'password123' }),
      400,
      'password_rejected',
      {
        message: 'Choose a longer or less common password.',
        details: { problems: ['too_common'] },
      },
    );
    const accepted = await visitor.post(`/api/v1/invitations/${token}/accept`, { password });
    expect(accepted.status, accepted.text).toBe(200);
    expectError(
      await testApp.client().post(`/api/v1/invitations/${token}/accept`, { password }),
      400,
      'invalid_token',
    );

    const signedIn = await visitor.post('/api/v1/auth/sign-in', { email, password });
    expect(signedIn.body).toEqual({ status: 'signed_in' });
    const session = await visitor.get('/api/v1/auth/session');
    expect(session.body.user).toMatchObject({ email, name: 'Lucía Gómez' });
    expect(session.body.membership.role).toBe('patient');
    expect(session.body.mfa.enrolmentRequired).toBe(false);
    const userId = session.body.user.id as string;

    expect(await listedIds(visitor)).toEqual([patientId]);
    const cases = await visitor.get('/api/v1/cases');
    expect(cases.body.cases.map((entry: { id: string }) => entry.id)).toEqual([caseId]);
    const consented = await visitor.request('PATCH', `/api/v1/cases/${caseId}`, {
      consentAccepted: true,
    });
    expect(consented.status, consented.text).toBe(200);
    expect(consented.body.consent.accepted).toBe(true);
    const submitted = await visitor.post(`/api/v1/cases/${caseId}/transitions`, {
      transition: 'submit',
    });
    expect(submitted.status, submitted.text).toBe(200);
    expect(submitted.body.state).toBe('submitted');

    const [linked] = await auditRows('patient.account_linked', patientId);
    expect(linked).toMatchObject({ actor_user_id: userId, entity_id: patientId });
    const [acceptedEvent] = await auditRows('member.invitation_accepted', patientId);
    expect(acceptedEvent).toMatchObject({ actor_user_id: userId, details: { role: 'patient' } });

    // The physician now reads for a patient who has an account: audited as done for them.
    const seen = await physician.client.get<PatientBody>(`/api/v1/patients/${patientId}`);
    expect(seen.body.hasAccount).toBe(true);
    expect(seen.body.referral?.invitation?.status).toBe('accepted');
    const reads = await auditRows('patient.read', patientId);
    expect(reads.at(-1)).toMatchObject({
      actor_user_id: physician.userId,
      on_behalf_of_user_id: userId,
    });
    expectError(
      await physician.client.post(`/api/v1/patients/${patientId}/invitation`, {}),
      409,
      'conflict',
      { message: 'This patient has already confirmed.' },
    );
  });
});

describe('refusals', () => {
  it('does not merge into an address that already has its own patient record', async () => {
    const { patient, token } = await refer(physician, {
      givenName: 'Ana',
      familyName: 'Repetida',
      email: existingPatient.email,
    });
    const described = await testApp.client().get(`/api/v1/invitations/${token}`);
    expect(described.body).toMatchObject({ role: 'patient', account: 'unavailable' });
    expectError(
      await testApp.client().post(`/api/v1/invitations/${token}/accept`, { password }),
      409,
      'conflict',
      {
        message:
          'This email address already has its own patient record here. Sign in with it, or ask your physician to use another address.',
      },
    );
    const records = await testApp.app.services.db
      .selectFrom('patients')
      .select(['id', 'user_id'])
      .where('id', 'in', [patient.id, existingPatient.patientId!])
      .orderBy('id')
      .execute();
    expect(records).toEqual(
      [
        { id: patient.id, user_id: null },
        { id: existingPatient.patientId!, user_id: existingPatient.userId },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('lets only referring physicians register patients', async () => {
    const body = { givenName: 'No', familyName: 'Body', email: uniqueEmail('nobody') };
    for (const member of [existingPatient, coordinator]) {
      expectError(await member.client.post('/api/v1/patients', body), 404, 'not_found');
    }
    expectError(await testApp.client().post('/api/v1/patients', body), 401, 'unauthenticated');
    expect(
      await testApp.app.services.db
        .selectFrom('patients')
        .select('id')
        .where('email', '=', body.email)
        .execute(),
    ).toEqual([]);
  });

  it('answers bad input with 400 validation_failed and writes nothing', async () => {
    const count = async () =>
      Number(
        (
          await testApp.app.services.db
            .selectFrom('patients')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    for (const body of [
      { givenName: 'Ana', familyName: 'Sin Correo' },
      { givenName: 'Ana', familyName: 'Mal', email: 'not-an-email' },
      { givenName: '', familyName: 'Vacía', email: uniqueEmail('x') },
      { givenName: 'Ana', familyName: 'Fecha', birthDate: '1961-13-40', email: uniqueEmail('x') },
      { givenName: 'Ana', familyName: 'Extra', email: uniqueEmail('x'), userId: physician.userId },
    ]) {
      const response = await physician.client.post('/api/v1/patients', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
    expect(await count()).toBe(before);
  });
});

describe('expiry and sending again', () => {
  it('expires the link after seven days; a new link replaces it', async () => {
    const email = uniqueEmail('slow-patient');
    const { patient, token } = await refer(physician, {
      givenName: 'Pedro',
      familyName: 'Lento',
      email,
    });
    testApp.clock.advance(7 * day + 60_000);
    expectError(await testApp.client().get(`/api/v1/invitations/${token}`), 400, 'invalid_token');
    expectError(
      await testApp.client().post(`/api/v1/invitations/${token}/accept`, { password }),
      400,
      'invalid_token',
    );
    await signIn(testApp, physician);
    const listed = await physician.client.get<PatientBody>(`/api/v1/patients/${patient.id}`);
    expect(listed.body.referral?.invitation?.status).toBe('expired');

    const earlier = messagesTo(email).length;
    const resent = await physician.client.post<PatientBody>(
      `/api/v1/patients/${patient.id}/invitation`,
      {},
    );
    expect(resent.status, resent.text).toBe(200);
    expect(resent.body.referral?.invitation?.status).toBe('pending');
    const fresh = await nextLinkToken(email, earlier);
    expect(fresh).not.toBe(token);
    expect((await testApp.client().get(`/api/v1/invitations/${fresh}`)).status).toBe(200);

    // Sending again replaces a link that still works, too.
    const again = messagesTo(email).length;
    expect(
      (await physician.client.post(`/api/v1/patients/${patient.id}/invitation`, {})).status,
    ).toBe(200);
    const newest = await nextLinkToken(email, again);
    expectError(await testApp.client().get(`/api/v1/invitations/${fresh}`), 400, 'invalid_token');
    const accepted = await testApp
      .client()
      .post(`/api/v1/invitations/${newest}/accept`, { password });
    expect(accepted.status, accepted.text).toBe(200);
    const invited = await auditRows('patient.invited', patient.id);
    expect(invited.map((row) => row.details)).toEqual([
      { resent: false },
      { resent: true },
      { resent: true },
    ]);
  });
});
