/**
 * Inviting members by email over HTTP: only org admins invite; the emailed link describes the
 * invitation and creates the account (email proven by the link); staff invited this way must
 * then enrol a second factor; links are single-use, replaced by a newer invitation, and expire
 * after seven days.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMember, createOrganization, signIn, type TestMember } from '../support/accounts.ts';
import { auditEvents, expectError, tokenOf, uniqueEmail } from '../support/auth-helpers.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

const password = 'granite-lupin-52-ferry';
const day = 24 * 60 * 60_000;

let testApp: TestApp;
let organizationId: string;
let admin: TestMember;
beforeAll(async () => {
  testApp = await startTestApp();
  organizationId = (await createOrganization(testApp, 'Invitation Clinic')).id;
  admin = await createMember(testApp, organizationId, 'org_admin');
});
afterAll(async () => {
  await testApp.close();
});
// Tests move the clock by days: sign the admin in again when the session has lapsed.
beforeEach(async () => {
  if ((await admin.client.get('/api/v1/auth/session')).status !== 200) await signIn(testApp, admin);
});

/** Invite `email` as `role` and return the token from the emailed link. */
async function invite(email: string, role: string): Promise<{ id: string; token: string }> {
  const response = await admin.client.post('/api/v1/org/invitations', { email, role });
  expect(response.status).toBe(201);
  const message = await testApp.smtp.waitFor(
    email,
    /^You are invited to Invitation Clinic on Consilium$/,
  );
  const link = testApp.smtp.linkIn(message, '/invitation');
  expect(link.startsWith('http://localhost:3000/invitation?token=')).toBe(true);
  return { id: response.body.id as string, token: tokenOf(link) };
}

describe('invitations', () => {
  it('invites a specialist who accepts, signs in and must enrol a second factor', async () => {
    const email = uniqueEmail('specialist');
    const { id, token } = await invite(email, 'specialist');
    expect((await testApp.smtp.waitFor(email, /invited/)).text).toContain('as specialist');

    const visitor = testApp.client();
    const described = await visitor.get(`/api/v1/invitations/${token}`);
    expect(described.status).toBe(200);
    expect(described.body).toEqual({
      organizationName: 'Invitation Clinic',
      role: 'specialist',
      email,
    });

    const weak = await visitor.post(`/api/v1/invitations/${token}/accept`, {
      name: 'Dr Grace Hopper',
      password: 'password123',
    });
    expectError(weak, 400, 'password_rejected', {
      message: 'Choose a longer or less common password.',
      details: { problems: ['too_common'] },
    });

    const accepted = await visitor.post(`/api/v1/invitations/${token}/accept`, {
      name: 'Dr Grace Hopper',
      password,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ status: 'accepted' });

    const signIn = await visitor.post('/api/v1/auth/sign-in', { email, password });
    expect(signIn.body).toEqual({ status: 'signed_in' });
    const session = await visitor.get('/api/v1/auth/session');
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ email, name: 'Dr Grace Hopper' });
    expect(session.body.organization.id).toBe(organizationId);
    expect(session.body.membership.role).toBe('specialist');
    expect(session.body.mfa).toMatchObject({
      mandatory: true,
      enrolmentRequired: true,
      totpEnabled: false,
    });
    expectError(await visitor.get(`/api/v1/patients`), 403, 'mfa_enrolment_required');

    const newUserId = session.body.user.id as string;
    const [invited] = await auditEvents(testApp, 'member.invited', admin.userId);
    expect(invited).toMatchObject({
      organization_id: organizationId,
      entity_type: 'Invitation',
      entity_id: id,
      details: { role: 'specialist' },
    });
    const [acceptedEvent] = await auditEvents(testApp, 'member.invitation_accepted', newUserId);
    expect(acceptedEvent).toMatchObject({
      organization_id: organizationId,
      entity_type: 'Invitation',
      entity_id: id,
      details: { role: 'specialist' },
    });

    const members = (await admin.client.get('/api/v1/org/members')).body.members as Array<
      Record<string, unknown>
    >;
    expect(members).toContainEqual(
      expect.objectContaining({
        userId: newUserId,
        role: 'specialist',
        status: 'active',
        mfaEnrolled: false,
      }),
    );

    // The link is spent.
    expectError(await testApp.client().get(`/api/v1/invitations/${token}`), 400, 'invalid_token');
    expectError(
      await testApp
        .client()
        .post(`/api/v1/invitations/${token}/accept`, { name: 'Someone Else', password }),
      400,
      'invalid_token',
    );
  });

  it('refuses to invite an email that already has an account', async () => {
    const existing = await createMember(testApp, organizationId, 'patient', { signIn: false });
    const response = await admin.client.post('/api/v1/org/invitations', {
      email: existing.email.toUpperCase(),
      role: 'care_team',
    });
    expectError(response, 409, 'already_exists', {
      message: 'This person already has an account.',
    });
    expect(
      await testApp.app.services.db
        .selectFrom('invitations')
        .select('id')
        .where('email', '=', existing.email)
        .execute(),
    ).toEqual([]);
  });

  it('lets only org admins invite', async () => {
    const coordinator = await createMember(testApp, organizationId, 'coordinator');
    const patient = await createMember(testApp, organizationId, 'patient');
    const email = uniqueEmail('nope');
    expectError(
      await coordinator.client.post('/api/v1/org/invitations', { email, role: 'specialist' }),
      404,
      'not_found',
    );
    expectError(
      await patient.client.post('/api/v1/org/invitations', { email, role: 'specialist' }),
      404,
      'not_found',
    );
    expectError(
      await testApp.client().post('/api/v1/org/invitations', { email, role: 'specialist' }),
      401,
      'unauthenticated',
    );
    // Patients sign up themselves; they are not invitable.
    const patientRole = await admin.client.post('/api/v1/org/invitations', {
      email,
      role: 'patient',
    });
    expect(patientRole.status).toBe(400);
    expect(patientRole.body.error.code).toBe('validation_failed');
    expect(
      await testApp.app.services.db
        .selectFrom('invitations')
        .select('id')
        .where('email', '=', email)
        .execute(),
    ).toEqual([]);
    expect(await auditEvents(testApp, 'member.invited', coordinator.userId)).toEqual([]);
  });

  it('lets a newer invitation replace an older one', async () => {
    const email = uniqueEmail('twice');
    const first = await invite(email, 'care_team');
    const second = await admin.client.post('/api/v1/org/invitations', {
      email,
      role: 'coordinator',
    });
    expect(second.status).toBe(201);
    expectError(
      await testApp.client().get(`/api/v1/invitations/${first.token}`),
      400,
      'invalid_token',
    );
    expectError(
      await testApp
        .client()
        .post(`/api/v1/invitations/${first.token}/accept`, { name: 'Old Link', password }),
      400,
      'invalid_token',
    );
  });

  it('expires an invitation after seven days', async () => {
    const email = uniqueEmail('slow');
    const { token } = await invite(email, 'referring_physician');
    testApp.clock.advance(7 * day - 60_000);
    expect((await testApp.client().get(`/api/v1/invitations/${token}`)).status).toBe(200);
    testApp.clock.advance(2 * 60_000);
    expectError(await testApp.client().get(`/api/v1/invitations/${token}`), 400, 'invalid_token');
    expectError(
      await testApp
        .client()
        .post(`/api/v1/invitations/${token}/accept`, { name: 'Too Late', password }),
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
  });

  it('refuses an unknown token', async () => {
    expectError(
      await testApp.client().get('/api/v1/invitations/made-up-token-0123456789'),
      400,
      'invalid_token',
    );
  });
});
