/**
 * Second factors over HTTP: TOTP enrolment behind re-authentication (RFC 6238 codes, single use
 * per step), the half-signed-in session that can only finish the second step, single-use
 * recovery codes, re-authentication that needs the code too, and mandatory MFA for staff
 * (enrolment gate, no removal of the only factor).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMember,
  createOrganization,
  testPassword,
  type TestMember,
} from '../support/accounts.ts';
import {
  auditEvents,
  clientWithSessionCookie,
  currentTotp,
  expectError,
  wrongTotp,
} from '../support/auth-helpers.ts';
import { startTestApp, type TestApp, type TestClient } from '../support/test-app.ts';

let testApp: TestApp;
let organizationId: string;
beforeAll(async () => {
  testApp = await startTestApp();
  organizationId = (await createOrganization(testApp, 'MFA Clinic')).id;
});
afterAll(async () => {
  await testApp.close();
});

/** Move past the current 30-second TOTP step, so a fresh code is accepted. */
function nextStep() {
  testApp.clock.advance(31_000);
}

async function passwordStep(client: TestClient, email: string) {
  const response = await client.post('/api/v1/auth/sign-in', { email, password: testPassword });
  expect(response.status).toBe(200);
  return response.body;
}

/** Enrol TOTP on a signed-in session that is still inside its re-authentication window. */
async function enrolTotp(member: TestMember): Promise<{ secret: string; recoveryCodes: string[] }> {
  const start = await member.client.post('/api/v1/auth/totp/enrolment');
  expect(start.status).toBe(200);
  const secret = start.body.secret as string;
  const confirm = await member.client.post('/api/v1/auth/totp/enrolment/confirm', {
    code: currentTotp(testApp, secret),
  });
  expect(confirm.status).toBe(200);
  return { secret, recoveryCodes: confirm.body.recoveryCodes as string[] };
}

describe('TOTP for a patient (optional MFA)', () => {
  it('enrols after re-authentication, then demands the code at every sign-in', async () => {
    const patient = await createMember(testApp, organizationId, 'patient');
    const { client } = patient;

    // The sign-in itself counts as a re-authentication for five minutes only.
    testApp.clock.advance(6 * 60_000);
    expectError(await client.post('/api/v1/auth/totp/enrolment'), 403, 'reauthentication_required');
    expectError(
      await client.post('/api/v1/auth/reauthenticate', { password: 'not-my-password-1' }),
      401,
      'invalid_credentials',
      {
        message: 'The password is not correct.',
      },
    );
    const reauth = await client.post('/api/v1/auth/reauthenticate', { password: testPassword });
    expect(reauth.status).toBe(200);
    expect(reauth.body).toEqual({ status: 'reauthenticated' });
    expect(await auditEvents(testApp, 'auth.reauthenticated', patient.userId)).toHaveLength(1);

    const start = await client.post('/api/v1/auth/totp/enrolment');
    expect(start.status).toBe(200);
    const secret = start.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(start.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/Consilium:.+\?.*secret=/);
    expect(start.body.otpauthUrl).toContain(`secret=${secret}`);
    expect(start.body.qrSvgDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);

    expectError(
      await client.post('/api/v1/auth/totp/enrolment/confirm', {
        code: wrongTotp(testApp, secret),
      }),
      400,
      'invalid_mfa_code',
    );
    expect((await client.get('/api/v1/auth/session')).body.mfa.totpEnabled).toBe(false);

    const confirm = await client.post('/api/v1/auth/totp/enrolment/confirm', {
      code: currentTotp(testApp, secret),
    });
    expect(confirm.status).toBe(200);
    const recoveryCodes = confirm.body.recoveryCodes as string[];
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes)
      expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{2}$/);
    const mfa = (await client.get('/api/v1/auth/session')).body.mfa;
    expect(mfa).toEqual({
      totpEnabled: true,
      passkeyCount: 0,
      recoveryCodesRemaining: 10,
      mandatory: false,
      enrolmentRequired: false,
    });
    expect(await auditEvents(testApp, 'auth.totp_enrolled', patient.userId)).toHaveLength(1);

    expect((await client.post('/api/v1/auth/sign-out')).status).toBe(204);
    expectError(await client.get('/api/v1/auth/session'), 401, 'unauthenticated');

    // Password alone now yields only a half session.
    expect(await passwordStep(client, patient.email)).toEqual({
      status: 'mfa_required',
      methods: ['totp', 'recovery_code'],
    });
    const halfSession = client.cookies.get('consilium_session')!;
    expectError(await client.get('/api/v1/auth/session'), 401, 'mfa_challenge_required');
    expectError(
      await client.get(`/api/v1/patients/${patient.patientId}`),
      401,
      'mfa_challenge_required',
    );
    expectError(await client.post('/api/v1/auth/totp/enrolment'), 401, 'mfa_challenge_required');
    expectError(
      await client.post('/api/v1/auth/reauthenticate', { password: testPassword }),
      401,
      'mfa_challenge_required',
    );

    nextStep();
    expectError(
      await client.post('/api/v1/auth/mfa/totp', { code: wrongTotp(testApp, secret) }),
      400,
      'invalid_mfa_code',
    );
    const code = currentTotp(testApp, secret);
    const second = await client.post('/api/v1/auth/mfa/totp', { code });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ status: 'signed_in' });
    const session = await client.get('/api/v1/auth/session');
    expect(session.status).toBe(200);
    expect(session.body.membership.role).toBe('patient');

    // The second step issued a new token: the half-session cookie is worthless now.
    expect(client.cookies.get('consilium_session')).not.toBe(halfSession);
    expectError(
      await clientWithSessionCookie(testApp, halfSession).get('/api/v1/auth/session'),
      401,
      'session_expired',
    );

    const failed = await auditEvents(testApp, 'auth.mfa_challenge_failed', patient.userId);
    expect(failed.map((event) => event.outcome)).toEqual(['4']);
    const passed = await auditEvents(testApp, 'auth.mfa_challenge_passed', patient.userId);
    expect(passed.map((event) => event.details)).toEqual([{ method: 'totp' }]);
    const signIns = await auditEvents(testApp, 'auth.sign_in', patient.userId);
    expect(signIns.at(-1)?.details).toEqual({ secondFactor: true });

    // The same code again in the same step is a replay.
    await client.post('/api/v1/auth/sign-out');
    await passwordStep(client, patient.email);
    expectError(await client.post('/api/v1/auth/mfa/totp', { code }), 400, 'invalid_mfa_code');
    expectError(await client.get('/api/v1/auth/session'), 401, 'mfa_challenge_required');

    // A recovery code finishes the sign-in, exactly once; input is normalised.
    const [firstCode, secondCode] = recoveryCodes as [string, string];
    const recovered = await client.post('/api/v1/auth/mfa/recovery-code', {
      code: firstCode.toLowerCase().replace(/-/g, ' '),
    });
    expect(recovered.status).toBe(200);
    expect(recovered.body).toEqual({ status: 'signed_in' });
    expect((await client.get('/api/v1/auth/session')).body.mfa.recoveryCodesRemaining).toBe(9);
    expect(await auditEvents(testApp, 'auth.recovery_code_used', patient.userId)).toHaveLength(1);

    await client.post('/api/v1/auth/sign-out');
    await passwordStep(client, patient.email);
    expectError(
      await client.post('/api/v1/auth/mfa/recovery-code', { code: firstCode }),
      400,
      'invalid_mfa_code',
    );
    expectError(await client.get('/api/v1/auth/session'), 401, 'mfa_challenge_required');
    expect((await client.post('/api/v1/auth/mfa/recovery-code', { code: secondCode })).status).toBe(
      200,
    );
    expect((await client.get('/api/v1/auth/session')).body.mfa.recoveryCodesRemaining).toBe(8);
  });

  it('needs the TOTP code as well as the password to re-authenticate, and then lets a patient remove TOTP', async () => {
    const patient = await createMember(testApp, organizationId, 'patient', { withTotp: true });
    const secret = patient.totpSecret!;
    const { client } = patient;
    testApp.clock.advance(6 * 60_000);
    expectError(
      await client.request('DELETE', '/api/v1/auth/totp'),
      403,
      'reauthentication_required',
    );

    expectError(
      await client.post('/api/v1/auth/reauthenticate', { password: testPassword }),
      400,
      'invalid_mfa_code',
    );
    expectError(
      await client.post('/api/v1/auth/reauthenticate', {
        password: testPassword,
        code: wrongTotp(testApp, secret),
      }),
      400,
      'invalid_mfa_code',
    );
    expectError(
      await client.request('DELETE', '/api/v1/auth/totp'),
      403,
      'reauthentication_required',
    );

    nextStep();
    const code = currentTotp(testApp, secret);
    expectError(
      await client.post('/api/v1/auth/reauthenticate', { password: 'wrong-password-here', code }),
      401,
      'invalid_credentials',
      {
        message: 'The password is not correct.',
      },
    );
    expect(
      (await client.post('/api/v1/auth/reauthenticate', { password: testPassword, code })).status,
    ).toBe(200);
    // The code is spent for this step.
    expectError(
      await client.post('/api/v1/auth/reauthenticate', { password: testPassword, code }),
      400,
      'invalid_mfa_code',
    );

    expect((await client.request('DELETE', '/api/v1/auth/totp')).status).toBe(204);
    expect(await auditEvents(testApp, 'auth.totp_removed', patient.userId)).toHaveLength(1);
    await client.post('/api/v1/auth/sign-out');
    expect(await passwordStep(client, patient.email)).toEqual({ status: 'signed_in' });
    expect((await client.get('/api/v1/auth/session')).body.mfa).toMatchObject({
      totpEnabled: false,
      recoveryCodesRemaining: 0,
    });
  });

  it('lets the half session lapse after ten minutes', async () => {
    const patient = await createMember(testApp, organizationId, 'patient', {
      withTotp: true,
      signIn: false,
    });
    await passwordStep(patient.client, patient.email);
    testApp.clock.advance(11 * 60_000);
    expectError(
      await patient.client.post('/api/v1/auth/mfa/totp', {
        code: currentTotp(testApp, patient.totpSecret!),
      }),
      401,
      'session_expired',
    );
    expectError(await patient.client.get('/api/v1/auth/session'), 401, 'unauthenticated');
  });

  it('refuses the second step without a half session', async () => {
    const patient = await createMember(testApp, organizationId, 'patient', { withTotp: true });
    // A fully signed-in session cannot "finish" a sign-in again.
    expectError(
      await patient.client.post('/api/v1/auth/mfa/totp', {
        code: currentTotp(testApp, patient.totpSecret!),
      }),
      401,
      'unauthenticated',
    );
    expectError(
      await testApp.client().post('/api/v1/auth/mfa/recovery-code', { code: 'AAAA-BBBB-CC' }),
      401,
      'unauthenticated',
    );
  });
});

describe('mandatory MFA for staff', () => {
  it('holds staff without a second factor at the enrolment gate until they enrol', async () => {
    const admin = await createMember(testApp, organizationId, 'org_admin', { withTotp: false });
    const { client } = admin;

    expectError(await client.get('/api/v1/org/members'), 403, 'mfa_enrolment_required');
    const session = await client.get('/api/v1/auth/session');
    expect(session.status).toBe(200);
    expect(session.body.membership.role).toBe('org_admin');
    expect(session.body.mfa).toMatchObject({
      totpEnabled: false,
      mandatory: true,
      enrolmentRequired: true,
    });

    const { secret } = await enrolTotp(admin);
    expect((await client.get('/api/v1/auth/session')).body.mfa).toMatchObject({
      totpEnabled: true,
      enrolmentRequired: false,
    });
    const members = await client.get('/api/v1/org/members');
    expect(members.status).toBe(200);
    expect(members.body.members).toContainEqual(
      expect.objectContaining({ userId: admin.userId, mfaEnrolled: true }),
    );

    // The only second factor cannot be removed, even right after re-authenticating.
    nextStep();
    expect(
      (
        await client.post('/api/v1/auth/reauthenticate', {
          password: testPassword,
          code: currentTotp(testApp, secret),
        })
      ).status,
    ).toBe(200);
    expectError(await client.request('DELETE', '/api/v1/auth/totp'), 409, 'conflict', {
      message:
        'Your role requires a second factor. Register a passkey before removing the authenticator app.',
    });
    expect((await client.get('/api/v1/auth/session')).body.mfa.totpEnabled).toBe(true);
    expect(await auditEvents(testApp, 'auth.totp_removed', admin.userId)).toEqual([]);

    // The next sign-in asks for the code.
    await client.post('/api/v1/auth/sign-out');
    expect(await passwordStep(client, admin.email)).toEqual({
      status: 'mfa_required',
      methods: ['totp', 'recovery_code'],
    });
  });

  it('replaces recovery codes on request, invalidating the old ones', async () => {
    const coordinator = await createMember(testApp, organizationId, 'coordinator', {
      withTotp: false,
    });
    const { recoveryCodes: original } = await enrolTotp(coordinator);
    const regenerated = await coordinator.client.post('/api/v1/auth/recovery-codes');
    expect(regenerated.status).toBe(200);
    const fresh = regenerated.body.recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh.some((code) => original.includes(code))).toBe(false);
    expect(
      await auditEvents(testApp, 'auth.recovery_codes_regenerated', coordinator.userId),
    ).toHaveLength(1);

    await coordinator.client.post('/api/v1/auth/sign-out');
    await passwordStep(coordinator.client, coordinator.email);
    expectError(
      await coordinator.client.post('/api/v1/auth/mfa/recovery-code', { code: original[0]! }),
      400,
      'invalid_mfa_code',
    );
    expect(
      (await coordinator.client.post('/api/v1/auth/mfa/recovery-code', { code: fresh[0]! })).status,
    ).toBe(200);
  });
});
