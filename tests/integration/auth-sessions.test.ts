/**
 * Session lifetime and revocation over HTTP (OWASP Session Management Cheat Sheet): the idle
 * timeout (per organization) extended by activity, the 12-hour absolute lifetime, sign-out here
 * and everywhere, replayed cookies, deactivation ending every session at once, and the
 * double-submit CSRF check on unsafe methods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createOrganization, testPassword } from '../support/accounts.ts';
import {
  auditEvents,
  clientWithSessionCookie,
  expectError,
  requestWithoutCsrfHeader,
} from '../support/auth-helpers.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

const minute = 60_000;

let testApp: TestApp;
let organizationId: string;
beforeAll(async () => {
  testApp = await startTestApp();
  organizationId = (await createOrganization(testApp, 'Session Clinic')).id;
});
afterAll(async () => {
  await testApp.close();
});

async function sessionRow(userId: string) {
  return testApp.app.services.db
    .selectFrom('sessions')
    .select(['id', 'revoked_at', 'revoked_reason'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
}

describe('session timeouts', () => {
  it('keeps an active session alive past 30 minutes, and ends it after 30 idle minutes', async () => {
    const patient = await createMember(testApp, organizationId, 'patient');
    const { client } = patient;

    testApp.clock.advance(29 * minute);
    expect((await client.get('/api/v1/auth/session')).status).toBe(200);
    testApp.clock.advance(29 * minute);
    expect((await client.get('/api/v1/auth/session')).status).toBe(200);

    testApp.clock.advance(31 * minute);
    expectError(await client.get('/api/v1/auth/session'), 401, 'session_expired');
    // The cookie was cleared: the next request is simply anonymous.
    expect(client.cookies.has('consilium_session')).toBe(false);
    expectError(await client.get('/api/v1/auth/session'), 401, 'unauthenticated');

    const row = await sessionRow(patient.userId);
    expect(row.revoked_reason).toBe('idle_expired');
    const expired = await auditEvents(testApp, 'auth.session_expired', patient.userId);
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({
      outcome: '0',
      organization_id: organizationId,
      entity_type: 'Session',
      entity_id: row.id,
    });
    expect(expired[0]?.details).toEqual({ reason: 'idle_expired' });
  });

  it('ends even a busy session after its 12-hour absolute lifetime', async () => {
    const patient = await createMember(testApp, organizationId, 'patient');
    const { client } = patient;
    // Active every 20 minutes: 35 × 20 = 700 minutes is still within the lifetime.
    for (let elapsed = 20; elapsed <= 700; elapsed += 20) {
      testApp.clock.advance(20 * minute);
      const response = await client.get('/api/v1/auth/session');
      expect(response.status, `after ${elapsed} minutes`).toBe(200);
    }
    testApp.clock.advance(20 * minute);
    expectError(await client.get('/api/v1/auth/session'), 401, 'session_expired');
    expect((await sessionRow(patient.userId)).revoked_reason).toBe('absolute_expired');
    expect(
      (await auditEvents(testApp, 'auth.session_expired', patient.userId)).map(
        (event) => event.details,
      ),
    ).toEqual([{ reason: 'absolute_expired' }]);
  });

  it("applies the organization's own idle timeout", async () => {
    const strict = await createOrganization(testApp, 'Strict Clinic');
    await testApp.app.services.db
      .updateTable('organizations')
      .set({ idle_timeout_minutes: 10 })
      .where('id', '=', strict.id)
      .execute();
    const patient = await createMember(testApp, strict.id, 'patient');

    testApp.clock.advance(9 * minute);
    expect((await patient.client.get('/api/v1/auth/session')).status).toBe(200);
    testApp.clock.advance(11 * minute);
    expectError(await patient.client.get('/api/v1/auth/session'), 401, 'session_expired');
    expect(
      (await auditEvents(testApp, 'auth.session_expired', patient.userId)).map(
        (event) => event.details,
      ),
    ).toEqual([{ reason: 'idle_expired' }]);

    // Members of the default organization keep the 30-minute timeout.
    const other = await createMember(testApp, organizationId, 'patient');
    testApp.clock.advance(20 * minute);
    expect((await other.client.get('/api/v1/auth/session')).status).toBe(200);
  });
});

describe('sign-out', () => {
  it('ends the session; the old cookie replayed is refused', async () => {
    const patient = await createMember(testApp, organizationId, 'patient');
    const { client } = patient;
    const token = client.cookies.get('consilium_session')!;

    const signOut = await client.post('/api/v1/auth/sign-out');
    expect(signOut.status).toBe(204);
    expect(client.cookies.has('consilium_session')).toBe(false);
    expectError(await client.get('/api/v1/auth/session'), 401, 'unauthenticated');

    const replay = clientWithSessionCookie(testApp, token);
    expectError(await replay.get('/api/v1/auth/session'), 401, 'session_expired');
    expect((await sessionRow(patient.userId)).revoked_reason).toBe('signed_out');
    const [event] = await auditEvents(testApp, 'auth.sign_out', patient.userId);
    expect(event).toMatchObject({
      organization_id: organizationId,
      details: { everywhere: false },
    });
  });

  it('ends only this session by default, every session with everywhere: true', async () => {
    const patient = await createMember(testApp, organizationId, 'patient');
    const phone = testApp.client();
    const tablet = testApp.client();
    for (const device of [phone, tablet]) {
      expect(
        (
          await device.post('/api/v1/auth/sign-in', {
            email: patient.email,
            password: testPassword,
          })
        ).body,
      ).toEqual({ status: 'signed_in' });
    }

    expect((await tablet.post('/api/v1/auth/sign-out', { everywhere: false })).status).toBe(204);
    expect((await phone.get('/api/v1/auth/session')).status).toBe(200);
    expect((await patient.client.get('/api/v1/auth/session')).status).toBe(200);

    expect((await phone.post('/api/v1/auth/sign-out', { everywhere: true })).status).toBe(204);
    expectError(await patient.client.get('/api/v1/auth/session'), 401, 'session_expired');
    expectError(await phone.get('/api/v1/auth/session'), 401, 'unauthenticated');
    const open = await testApp.app.services.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', patient.userId)
      .where('revoked_at', 'is', null)
      .execute();
    expect(open).toEqual([]);
    expect(
      (await auditEvents(testApp, 'auth.sign_out', patient.userId)).map((event) => event.details),
    ).toEqual([{ everywhere: false }, { everywhere: true }]);
  });
});

describe('deactivation', () => {
  it('ends every session of the member at once and refuses their sign-in', async () => {
    const admin = await createMember(testApp, organizationId, 'org_admin');
    const specialist = await createMember(testApp, organizationId, 'specialist');
    // A second device stopped after the password step: its half session must end too.
    const secondDevice = testApp.client();
    expect(
      (
        await secondDevice.post('/api/v1/auth/sign-in', {
          email: specialist.email,
          password: testPassword,
        })
      ).body.status,
    ).toBe('mfa_required');
    expect((await specialist.client.get('/api/v1/auth/session')).status).toBe(200);

    const deactivated = await admin.client.post(
      `/api/v1/org/members/${specialist.membershipId}/deactivate`,
    );
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toEqual({ status: 'deactivated' });

    expectError(await specialist.client.get('/api/v1/auth/session'), 401, 'session_expired');
    expectError(
      await secondDevice.post('/api/v1/auth/mfa/totp', { code: '123456' }),
      401,
      'session_expired',
    );

    const again = testApp.client();
    expectError(
      await again.post('/api/v1/auth/sign-in', { email: specialist.email, password: testPassword }),
      403,
      'account_deactivated',
    );
    expect(again.cookies.has('consilium_session')).toBe(false);
    // A wrong password still answers like any wrong password (no hint that the account exists).
    expectError(
      await again.post('/api/v1/auth/sign-in', {
        email: specialist.email,
        password: 'wrong-password-1',
      }),
      401,
      'invalid_credentials',
    );
    // Nor can a password reset bring the account back.
    expect(
      (await again.post('/api/v1/auth/password-reset/request', { email: specialist.email })).status,
    ).toBe(202);
    const outbox = await testApp.app.services.db
      .selectFrom('mail_outbox')
      .select('subject')
      .where('to_address', '=', specialist.email)
      .execute();
    expect(outbox).toEqual([]);

    const [event] = await auditEvents(testApp, 'member.deactivated', admin.userId);
    expect(event).toMatchObject({
      entity_type: 'Membership',
      entity_id: specialist.membershipId,
      details: { userId: specialist.userId },
    });
    const members = (await admin.client.get('/api/v1/org/members')).body.members as Array<{
      id: string;
      status: string;
    }>;
    expect(members.find((member) => member.id === specialist.membershipId)?.status).toBe(
      'deactivated',
    );
  });

  it('is for org admins only, and not of oneself', async () => {
    const admin = await createMember(testApp, organizationId, 'org_admin');
    const coordinator = await createMember(testApp, organizationId, 'coordinator');
    const patient = await createMember(testApp, organizationId, 'patient');

    expectError(
      await coordinator.client.post(`/api/v1/org/members/${patient.membershipId}/deactivate`),
      404,
      'not_found',
    );
    expectError(
      await patient.client.post(`/api/v1/org/members/${coordinator.membershipId}/deactivate`),
      404,
      'not_found',
    );
    expectError(
      await admin.client.post(`/api/v1/org/members/${admin.membershipId}/deactivate`),
      409,
      'conflict',
      {
        message: 'You cannot deactivate your own account.',
      },
    );
    // Another organization's member is invisible.
    const elsewhere = await createOrganization(testApp, 'Elsewhere Clinic');
    const outsider = await createMember(testApp, elsewhere.id, 'patient');
    expectError(
      await admin.client.post(`/api/v1/org/members/${outsider.membershipId}/deactivate`),
      404,
      'not_found',
    );
    expect((await outsider.client.get('/api/v1/auth/session')).status).toBe(200);
    expect((await patient.client.get('/api/v1/auth/session')).status).toBe(200);
  });
});

describe('CSRF', () => {
  it('refuses unsafe requests without the matching x-csrf-token header', async () => {
    const patient = await createMember(testApp, organizationId, 'patient');

    const missing = await requestWithoutCsrfHeader(
      testApp,
      patient.client,
      'POST',
      '/api/v1/auth/sign-out',
      { everywhere: true },
    );
    expectError(missing, 403, 'csrf_failed');
    const mismatched = await requestWithoutCsrfHeader(
      testApp,
      patient.client,
      'POST',
      '/api/v1/auth/sign-out',
      { everywhere: true },
      {
        'x-csrf-token': 'a'.repeat(43),
      },
    );
    expectError(mismatched, 403, 'csrf_failed');
    const emptyHeader = await patient.client.request(
      'POST',
      '/api/v1/auth/sign-out',
      {},
      { headers: { 'x-csrf-token': '' } },
    );
    expectError(emptyHeader, 403, 'csrf_failed');
    // Nothing happened: the session is still open.
    expect((await patient.client.get('/api/v1/auth/session')).status).toBe(200);

    // A header without the cookie it must match is refused too (e.g. a forged cross-site form).
    const noCookie = await testApp.app.http.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      headers: { 'content-type': 'application/json', 'x-csrf-token': 'b'.repeat(43) },
      payload: JSON.stringify({ email: patient.email, password: testPassword }),
    });
    expectError(
      {
        status: noCookie.statusCode,
        body: JSON.parse(noCookie.body),
        text: noCookie.body,
        headers: {},
      },
      403,
      'csrf_failed',
    );

    // The matching header is accepted (the check does not simply refuse everything).
    const matching = await requestWithoutCsrfHeader(
      testApp,
      patient.client,
      'POST',
      '/api/v1/auth/sign-out',
      {},
      {
        'x-csrf-token': patient.client.cookies.get('consilium_csrf')!,
      },
    );
    expect(matching.status).toBe(204);
    expectError(await patient.client.get('/api/v1/auth/session'), 401, 'session_expired');
  });
});
