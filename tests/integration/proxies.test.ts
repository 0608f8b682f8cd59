/**
 * Proxies (caregivers) through the real server on a real PostgreSQL: the patient alone invites,
 * lists, rescopes and revokes; the invited person accepts through the emailed link (a new
 * account, or an existing proxy account confirmed with its password); a `view` proxy reads but
 * writes nothing, an `act` proxy edits and submits; every action of the proxy is audited as done
 * for the patient; a revoked proxy, and a proxy of another patient, get 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createOrganization, signIn, type TestMember } from '../support/accounts.ts';
import { expectError, tokenOf, uniqueEmail } from '../support/auth-helpers.ts';
import { startTestApp, type TestApp, type TestClient } from '../support/test-app.ts';

const password = 'harbour-quince-83-lattice';
const day = 24 * 60 * 60_000;

interface GrantBody {
  id: string;
  name: string;
  email: string;
  scope: 'view' | 'act';
  grantedAt: string;
  revokedAt: string | null;
}

interface ProxiesBody {
  active: GrantBody[];
  invitations: Array<{ id: string; email: string; scope: string; status: string }>;
  revoked: GrantBody[];
}

let testApp: TestApp;
let organizationId: string;
let patientA: TestMember;
let patientB: TestMember;
let coordinator: TestMember;
let caregiverEmail: string;
let caregiver: TestClient;
let caregiverUserId: string;
let grantId: string;
let caseId: string;

const proxiesUrl = (patient: TestMember) => `/api/v1/patients/${patient.patientId!}/proxies`;

/** The patient invites `email`; answers the invitation id and the token of the emailed link. */
async function inviteProxy(patient: TestMember, email: string, scope: 'view' | 'act') {
  const earlier = messagesTo(email).length;
  const response = await patient.client.post(proxiesUrl(patient), { email, scope });
  expect(response.status, response.text).toBe(201);
  await testApp.smtp.waitFor(email, /^You are invited to help someone at Proxy Clinic$/);
  await expect.poll(() => messagesTo(email).length, { timeout: 15_000 }).toBeGreaterThan(earlier);
  const message = messagesTo(email).at(-1)!;
  return {
    id: response.body.id as string,
    token: tokenOf(testApp.smtp.linkIn(message, '/invitation')),
  };
}

/** The emails received by `email`, oldest first (one address may be invited more than once). */
function messagesTo(email: string) {
  return testApp.smtp.messages.filter((message) => message.to === email.toLowerCase());
}

async function signInAs(email: string): Promise<TestClient> {
  const client = testApp.client();
  const response = await client.post('/api/v1/auth/sign-in', { email, password });
  expect(response.body, response.text).toEqual({ status: 'signed_in' });
  return client;
}

async function auditRows(eventType: string, actorUserId: string) {
  return testApp.app.services.db
    .selectFrom('audit_events')
    .select(['event_type', 'patient_id', 'on_behalf_of_user_id', 'entity_id', 'details'])
    .where('event_type', '=', eventType)
    .where('actor_user_id', '=', actorUserId)
    .orderBy('seq')
    .execute();
}

async function caseVersion(id: string) {
  const row = await testApp.app.services.db
    .selectFrom('cases')
    .select(['version', 'state', 'condition_description'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row;
}

beforeAll(async () => {
  testApp = await startTestApp();
  organizationId = (await createOrganization(testApp, 'Proxy Clinic')).id;
  patientA = await createMember(testApp, organizationId, 'patient');
  patientB = await createMember(testApp, organizationId, 'patient');
  coordinator = await createMember(testApp, organizationId, 'coordinator');
  const draft = await patientA.client.post('/api/v1/cases', { patientId: patientA.patientId });
  expect(draft.status, draft.text).toBe(201);
  caseId = draft.body.id as string;
}, 120_000);

afterAll(async () => {
  await testApp?.close();
});

describe('inviting a proxy', () => {
  it('emails a link that names the patient and the scope, and creates the account and the grant', async () => {
    caregiverEmail = uniqueEmail('caregiver');
    const { id, token } = await inviteProxy(patientA, caregiverEmail.toUpperCase(), 'view');
    const message = await testApp.smtp.waitFor(caregiverEmail, /invited to help/);
    // The email says nothing about the patient; the page behind the link does.
    expect(message.text).not.toContain('Test patient');

    const visitor = testApp.client();
    const described = await visitor.get(`/api/v1/invitations/${token}`);
    expect(described.status, described.text).toBe(200);
    expect(described.body).toEqual({
      organizationName: 'Proxy Clinic',
      role: 'proxy',
      email: caregiverEmail,
      patientName: 'Test patient',
      invitedByName: 'Test patient',
      proxyScope: 'view',
      account: 'new',
    });

    expectError(
      await visitor.post(`/api/v1/invitations/${token}/accept`, { password }),
      400,
      'validation_failed',
      { details: { issues: [{ path: 'body.name', message: 'required' }] } },
    );
    const accepted = await visitor.post(`/api/v1/invitations/${token}/accept`, {
      name: 'Carmen Cuidadora',
      password,
    });
    expect(accepted.status, accepted.text).toBe(200);
    // Single use.
    expectError(
      await visitor.post(`/api/v1/invitations/${token}/accept`, { name: 'Again', password }),
      400,
      'invalid_token',
    );
    expectError(await visitor.get(`/api/v1/invitations/${token}`), 400, 'invalid_token');

    caregiver = await signInAs(caregiverEmail);
    const session = await caregiver.get('/api/v1/auth/session');
    expect(session.body.membership.role).toBe('proxy');
    expect(session.body.mfa.enrolmentRequired).toBe(false);
    caregiverUserId = session.body.user.id as string;

    const listed = await patientA.client.get<ProxiesBody>(proxiesUrl(patientA));
    expect(listed.status).toBe(200);
    expect(listed.body.invitations).toEqual([]);
    expect(listed.body.revoked).toEqual([]);
    expect(listed.body.active).toEqual([
      {
        id: expect.any(String),
        name: 'Carmen Cuidadora',
        email: caregiverEmail,
        scope: 'view',
        grantedAt: expect.any(String),
        revokedAt: null,
      },
    ]);
    grantId = listed.body.active[0]!.id;

    const [acceptedEvent] = await auditRows('member.invitation_accepted', caregiverUserId);
    expect(acceptedEvent).toMatchObject({ patient_id: patientA.patientId, entity_id: id });
    const [granted] = await auditRows('patient.proxy_granted', caregiverUserId);
    expect(granted).toMatchObject({
      patient_id: patientA.patientId,
      entity_id: grantId,
      details: { scope: 'view', grantedByUserId: patientA.userId, invitationId: id },
    });
    const [invited] = await auditRows('patient.proxy_invited', patientA.userId);
    expect(invited).toMatchObject({ patient_id: patientA.patientId, entity_id: id });
  });

  it('lets a view proxy read the patient and the case, but write nothing', async () => {
    const patient = await caregiver.get(`/api/v1/patients/${patientA.patientId!}`);
    expect(patient.status).toBe(200);
    const listed = await caregiver.get('/api/v1/patients');
    expect(listed.body.patients.map((entry: { id: string }) => entry.id)).toEqual([
      patientA.patientId,
    ]);
    const read = await caregiver.get(`/api/v1/cases/${caseId}`);
    expect(read.status, read.text).toBe(200);

    const before = await caseVersion(caseId);
    expectError(
      await caregiver.request('PATCH', `/api/v1/cases/${caseId}`, {
        conditionDescription: 'Written by a view proxy',
      }),
      404,
      'not_found',
    );
    expectError(
      await caregiver.post(`/api/v1/cases/${caseId}/transitions`, { transition: 'withdraw' }),
      404,
      'not_found',
    );
    expectError(
      await caregiver.request('PATCH', `/api/v1/patients/${patientA.patientId!}`, {
        givenName: 'Changed',
      }),
      404,
      'not_found',
    );
    expectError(
      await caregiver.post('/api/v1/cases', { patientId: patientA.patientId }),
      404,
      'not_found',
    );
    expect(await caseVersion(caseId)).toEqual(before);
    expect(await auditRows('case.updated', caregiverUserId)).toEqual([]);
    expect(await auditRows('case.transitioned', caregiverUserId)).toEqual([]);
    expect(await auditRows('patient.updated', caregiverUserId)).toEqual([]);

    // Reads are audited as done for the patient.
    const [caseRead] = await auditRows('case.read', caregiverUserId);
    expect(caseRead).toMatchObject({
      patient_id: patientA.patientId,
      on_behalf_of_user_id: patientA.userId,
    });
    const [patientRead] = await auditRows('patient.read', caregiverUserId);
    expect(patientRead).toMatchObject({
      patient_id: patientA.patientId,
      on_behalf_of_user_id: patientA.userId,
    });
  });

  it('never shows the proxy another patient', async () => {
    expectError(await caregiver.get(`/api/v1/patients/${patientB.patientId!}`), 404, 'not_found');
    const caseOfB = await patientB.client.post('/api/v1/cases', { patientId: patientB.patientId });
    expect(caseOfB.status).toBe(201);
    expectError(await caregiver.get(`/api/v1/cases/${caseOfB.body.id}`), 404, 'not_found');
    const cases = await caregiver.get('/api/v1/cases');
    expect(cases.body.cases.map((entry: { id: string }) => entry.id)).not.toContain(
      caseOfB.body.id,
    );
  });

  it('lets an act proxy edit the draft, consent and submit, audited for the patient', async () => {
    const rescoped = await patientA.client.request('PATCH', `${proxiesUrl(patientA)}/${grantId}`, {
      scope: 'act',
    });
    expect(rescoped.status, rescoped.text).toBe(200);
    expect(rescoped.body).toMatchObject({ id: grantId, scope: 'act', revokedAt: null });
    const [changed] = await auditRows('patient.proxy_scope_changed', patientA.userId);
    expect(changed).toMatchObject({
      patient_id: patientA.patientId,
      entity_id: grantId,
      details: { from: 'view', to: 'act', proxyUserId: caregiverUserId },
    });

    const saved = await caregiver.request('PATCH', `/api/v1/cases/${caseId}`, {
      conditionDescription: 'Chest pain on exertion since March.',
      questions: ['Is a stent needed?'],
      consentAccepted: true,
    });
    expect(saved.status, saved.text).toBe(200);
    const submitted = await caregiver.post(`/api/v1/cases/${caseId}/transitions`, {
      transition: 'submit',
    });
    expect(submitted.status, submitted.text).toBe(200);
    expect(submitted.body.state).toBe('submitted');

    for (const eventType of ['case.updated', 'case.transitioned']) {
      const rows = await auditRows(eventType, caregiverUserId);
      expect(rows.length, eventType).toBeGreaterThan(0);
      for (const row of rows)
        expect(row, eventType).toMatchObject({
          patient_id: patientA.patientId,
          on_behalf_of_user_id: patientA.userId,
        });
    }
  });

  it('keeps proxy management to the patient alone', async () => {
    expectError(await caregiver.get(proxiesUrl(patientA)), 404, 'not_found');
    expectError(
      await caregiver.post(proxiesUrl(patientA), { email: uniqueEmail('x'), scope: 'act' }),
      404,
      'not_found',
    );
    expectError(await patientB.client.get(proxiesUrl(patientA)), 404, 'not_found');
    expectError(
      await patientB.client.post(`${proxiesUrl(patientA)}/${grantId}/revoke`, {}),
      404,
      'not_found',
    );
    expectError(
      await patientB.client.request('PATCH', `${proxiesUrl(patientA)}/${grantId}`, {
        scope: 'view',
      }),
      404,
      'not_found',
    );
    // A grant of patient A addressed through patient B's own list is not found either.
    expectError(
      await patientB.client.post(`${proxiesUrl(patientB)}/${grantId}/revoke`, {}),
      404,
      'not_found',
    );
    expectError(await coordinator.client.get(proxiesUrl(patientA)), 404, 'not_found');
    expect(
      (await patientA.client.get<ProxiesBody>(proxiesUrl(patientA))).body.active[0]?.scope,
    ).toBe('act');
  });

  it('refuses to invite the patient themself or someone who already helps', async () => {
    expectError(
      await patientA.client.post(proxiesUrl(patientA), { email: patientA.email, scope: 'view' }),
      409,
      'conflict',
      { message: 'You cannot invite yourself.' },
    );
    expectError(
      await patientA.client.post(proxiesUrl(patientA), { email: caregiverEmail, scope: 'view' }),
      409,
      'already_exists',
      { message: 'This person already helps you. Change what they may do instead.' },
    );
  });

  it('answers bad input with 400 and a stable code', async () => {
    for (const body of [
      { email: 'not-an-email', scope: 'view' },
      { email: uniqueEmail('x'), scope: 'admin' },
      { email: uniqueEmail('x') },
      { email: uniqueEmail('x'), scope: 'view', patientId: patientB.patientId },
    ]) {
      const response = await patientA.client.post(proxiesUrl(patientA), body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
    const badScope = await patientA.client.request('PATCH', `${proxiesUrl(patientA)}/${grantId}`, {
      scope: 'everything',
    });
    expect(badScope.status).toBe(400);
    expect(badScope.body.error.code).toBe('validation_failed');
    const badId = await patientA.client.post(`${proxiesUrl(patientA)}/not-a-uuid/revoke`, {});
    expect(badId.status).toBe(400);
    expect(badId.body.error.code).toBe('validation_failed');
  });
});

describe('an existing proxy account', () => {
  it('accepts a second patient with its password, and refuses a wrong one', async () => {
    const { token } = await inviteProxy(patientB, caregiverEmail, 'view');
    const described = await testApp.client().get(`/api/v1/invitations/${token}`);
    expect(described.body).toMatchObject({ role: 'proxy', account: 'existing' });
    expectError(
      await testApp
        .client()
        .post(`/api/v1/invitations/${token}/accept`, { password: 'not-the-password-1' }),
      401,
      'invalid_credentials',
      { message: 'The password is not correct. Use the password of your existing account.' },
    );
    const accepted = await testApp.client().post(`/api/v1/invitations/${token}/accept`, {
      password,
    });
    expect(accepted.status, accepted.text).toBe(200);
    const memberships = await testApp.app.services.db
      .selectFrom('memberships')
      .select('role')
      .where('user_id', '=', caregiverUserId)
      .execute();
    expect(memberships).toEqual([{ role: 'proxy' }]);
    expect((await caregiver.get(`/api/v1/patients/${patientB.patientId!}`)).status).toBe(200);
    // View only for B, act for A: each grant keeps its own scope.
    expectError(
      await caregiver.request('PATCH', `/api/v1/patients/${patientB.patientId!}`, {
        givenName: 'Changed',
      }),
      404,
      'not_found',
    );
    expect(
      (
        await caregiver.request('PATCH', `/api/v1/patients/${patientA.patientId!}`, {
          givenName: 'Test',
        })
      ).status,
    ).toBe(200);
  });

  it('cannot be an account of another kind (staff, patient)', async () => {
    const { token } = await inviteProxy(patientA, coordinator.email, 'view');
    const described = await testApp.client().get(`/api/v1/invitations/${token}`);
    expect(described.body).toMatchObject({ role: 'proxy', account: 'unavailable' });
    expectError(
      await testApp.client().post(`/api/v1/invitations/${token}/accept`, { password }),
      409,
      'conflict',
      {
        message:
          'This email address already belongs to an account that cannot help a patient here. Ask the patient to invite another address.',
      },
    );
    expect(
      (
        await testApp.app.services.db
          .selectFrom('patient_proxies')
          .select('id')
          .where('proxy_user_id', '=', coordinator.userId)
          .execute()
      ).length,
    ).toBe(0);
  });
});

describe('revoking', () => {
  it('ends access at once: the next request of the proxy answers 404', async () => {
    expect((await caregiver.get(`/api/v1/cases/${caseId}`)).status).toBe(200);
    const revoked = await patientA.client.post(`${proxiesUrl(patientA)}/${grantId}/revoke`, {});
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body).toMatchObject({ id: grantId, revokedAt: expect.any(String) });

    expectError(await caregiver.get(`/api/v1/cases/${caseId}`), 404, 'not_found');
    expectError(await caregiver.get(`/api/v1/patients/${patientA.patientId!}`), 404, 'not_found');
    expectError(
      await caregiver.request('PATCH', `/api/v1/patients/${patientA.patientId!}`, {
        givenName: 'Late',
      }),
      404,
      'not_found',
    );
    const listed = await caregiver.get('/api/v1/patients');
    expect(listed.body.patients.map((entry: { id: string }) => entry.id)).toEqual([
      patientB.patientId,
    ]);
    const cases = await caregiver.get('/api/v1/cases');
    expect(cases.body.cases.map((entry: { id: string }) => entry.id)).not.toContain(caseId);

    const list = await patientA.client.get<ProxiesBody>(proxiesUrl(patientA));
    expect(list.body.active).toEqual([]);
    expect(list.body.revoked.map((grant) => grant.id)).toEqual([grantId]);
    expectError(
      await patientA.client.post(`${proxiesUrl(patientA)}/${grantId}/revoke`, {}),
      409,
      'conflict',
      { message: 'This person no longer helps you.' },
    );
    expectError(
      await patientA.client.request('PATCH', `${proxiesUrl(patientA)}/${grantId}`, {
        scope: 'act',
      }),
      409,
      'conflict',
      { message: 'This person no longer helps you.' },
    );
    const [event] = await auditRows('patient.proxy_revoked', patientA.userId);
    expect(event).toMatchObject({ patient_id: patientA.patientId, entity_id: grantId });
  });

  it('withdraws an unanswered invitation, whose link then stops working', async () => {
    const email = uniqueEmail('late-helper');
    const { id, token } = await inviteProxy(patientA, email, 'act');
    const list = await patientA.client.get<ProxiesBody>(proxiesUrl(patientA));
    expect(list.body.invitations).toContainEqual(
      expect.objectContaining({ id, email, scope: 'act', status: 'pending' }),
    );
    expectError(
      await patientB.client.post(
        `/api/v1/patients/${patientB.patientId!}/proxy-invitations/${id}/revoke`,
        {},
      ),
      404,
      'not_found',
    );
    const withdrawn = await patientA.client.post(
      `/api/v1/patients/${patientA.patientId!}/proxy-invitations/${id}/revoke`,
      {},
    );
    expect(withdrawn.status, withdrawn.text).toBe(200);
    expect(withdrawn.body).toEqual({ status: 'revoked' });
    expectError(await testApp.client().get(`/api/v1/invitations/${token}`), 400, 'invalid_token');
    expectError(
      await testApp
        .client()
        .post(`/api/v1/invitations/${token}/accept`, { name: 'Too Late', password }),
      400,
      'invalid_token',
    );
    expect(
      (await patientA.client.get<ProxiesBody>(proxiesUrl(patientA))).body.invitations.map(
        (invitation) => invitation.id,
      ),
    ).not.toContain(id);
    const [event] = await auditRows('patient.proxy_invitation_revoked', patientA.userId);
    expect(event).toMatchObject({ patient_id: patientA.patientId, entity_id: id });
  });

  it('replaces an older invitation to the same address with a newer one', async () => {
    const email = uniqueEmail('twice-helper');
    const first = await inviteProxy(patientA, email, 'view');
    const second = await patientA.client.post(proxiesUrl(patientA), { email, scope: 'act' });
    expect(second.status).toBe(201);
    expectError(
      await testApp.client().get(`/api/v1/invitations/${first.token}`),
      400,
      'invalid_token',
    );
    const pending = (
      await patientA.client.get<ProxiesBody>(proxiesUrl(patientA))
    ).body.invitations.filter((invitation) => invitation.email === email);
    expect(pending).toEqual([expect.objectContaining({ id: second.body.id, scope: 'act' })]);
  });
});

describe('expiry', () => {
  it('expires the link after seven days and lists the invitation as expired', async () => {
    const email = uniqueEmail('slow-helper');
    const { id, token } = await inviteProxy(patientA, email, 'view');
    testApp.clock.advance(7 * day + 60_000);
    expectError(await testApp.client().get(`/api/v1/invitations/${token}`), 400, 'invalid_token');
    expectError(
      await testApp
        .client()
        .post(`/api/v1/invitations/${token}/accept`, { name: 'Too Slow', password }),
      400,
      'invalid_token',
    );
    expect(
      await testApp.app.services.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .execute(),
    ).toEqual([]);
    // A week later the patient's session has lapsed: sign in again to read the list.
    await signIn(testApp, patientA);
    const list = await patientA.client.get<ProxiesBody>(proxiesUrl(patientA));
    expect(list.body.invitations).toContainEqual(
      expect.objectContaining({ id, status: 'expired' }),
    );
  });
});
