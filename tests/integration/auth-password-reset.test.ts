/**
 * Password reset by email over HTTP: the same answer for unknown accounts (and no email), the
 * password rules, every session ended, the old password dead, a single-use one-hour token, and
 * no way around the second factor (the reset never signs in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createOrganization, testPassword } from '../support/accounts.ts';
import {
  auditEvents,
  currentTotp,
  expectError,
  tokenOf,
  uniqueEmail,
  wrongTotp,
} from '../support/auth-helpers.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

const newPassword = 'copper-meadow-61-sloop';
const subject = /^Reset your Consilium password$/;

let testApp: TestApp;
let organizationId: string;
beforeAll(async () => {
  testApp = await startTestApp();
  organizationId = (await createOrganization(testApp, 'Reset Clinic')).id;
});
afterAll(async () => {
  await testApp.close();
});

async function requestReset(email: string): Promise<string> {
  const response = await testApp.client().post('/api/v1/auth/password-reset/request', { email });
  expect(response.status).toBe(202);
  expect(response.body).toEqual({ status: 'email_sent' });
  const message = await testApp.smtp.waitFor(email, subject);
  const link = testApp.smtp.linkIn(message, '/reset-password');
  expect(link.startsWith('http://localhost:3000/reset-password?token=')).toBe(true);
  return tokenOf(link);
}

describe('password reset', () => {
  it('answers an unknown email the same way and sends nothing', async () => {
    const known = await createMember(testApp, organizationId, 'patient', { signIn: false });
    const unknown = uniqueEmail('unknown');
    const unknownResponse = await testApp
      .client()
      .post('/api/v1/auth/password-reset/request', { email: unknown });
    const knownResponse = await testApp
      .client()
      .post('/api/v1/auth/password-reset/request', { email: known.email });
    expect({ status: unknownResponse.status, body: unknownResponse.body }).toEqual({
      status: knownResponse.status,
      body: knownResponse.body,
    });
    expect(unknownResponse.status).toBe(202);

    // Once the known account's email has arrived, any email to the unknown one would have too.
    await testApp.smtp.waitFor(known.email, subject);
    expect(testApp.smtp.messages.filter((message) => message.to === unknown)).toEqual([]);
    expect(
      await testApp.app.services.db
        .selectFrom('mail_outbox')
        .select('id')
        .where('to_address', '=', unknown)
        .execute(),
    ).toEqual([]);
    expect(await auditEvents(testApp, 'auth.password_reset_requested', known.userId)).toHaveLength(
      1,
    );
  });

  it('sets a new password, ends every session, and kills the old password and the token', async () => {
    const patient = await createMember(testApp, organizationId, 'patient');
    const otherDevice = testApp.client();
    expect(
      (
        await otherDevice.post('/api/v1/auth/sign-in', {
          email: patient.email,
          password: testPassword,
        })
      ).status,
    ).toBe(200);
    const token = await requestReset(patient.email);

    const common = await testApp
      .client()
      .post('/api/v1/auth/password-reset/complete', { token, password: 'password123' });
    expectError(common, 400, 'password_rejected', {
      message: 'Choose a longer or less common password.',
      details: { problems: ['too_common'] },
    });
    expectError(
      await testApp
        .client()
        .post('/api/v1/auth/password-reset/complete', { token, password: 'short' }),
      400,
      'password_rejected',
      {
        message: 'Choose a longer or less common password.',
        details: { problems: ['too_short'] },
      },
    );
    // Refused attempts change nothing.
    expect((await patient.client.get('/api/v1/auth/session')).status).toBe(200);

    const completed = await testApp
      .client()
      .post('/api/v1/auth/password-reset/complete', { token, password: newPassword });
    expect(completed.status).toBe(200);
    expect(completed.body).toEqual({ status: 'password_reset' });
    // The reset itself signs nobody in.
    expect(completed.headers['set-cookie']?.toString() ?? '').not.toContain('consilium_session=');

    expectError(await patient.client.get('/api/v1/auth/session'), 401, 'session_expired');
    expectError(await otherDevice.get('/api/v1/auth/session'), 401, 'session_expired');
    const reasons = await testApp.app.services.db
      .selectFrom('sessions')
      .select('revoked_reason')
      .where('user_id', '=', patient.userId)
      .execute();
    expect(reasons.map((row) => row.revoked_reason)).toEqual(['password_reset', 'password_reset']);

    expectError(
      await testApp
        .client()
        .post('/api/v1/auth/sign-in', { email: patient.email, password: testPassword }),
      401,
      'invalid_credentials',
    );
    expect(
      (
        await testApp
          .client()
          .post('/api/v1/auth/sign-in', { email: patient.email, password: newPassword })
      ).body,
    ).toEqual({
      status: 'signed_in',
    });

    expectError(
      await testApp.client().post('/api/v1/auth/password-reset/complete', {
        token,
        password: 'another-fine-passphrase',
      }),
      400,
      'invalid_token',
    );
    expect(
      (
        await testApp
          .client()
          .post('/api/v1/auth/sign-in', { email: patient.email, password: newPassword })
      ).status,
    ).toBe(200);

    const [event] = await auditEvents(testApp, 'auth.password_reset', patient.userId);
    expect(event).toMatchObject({
      outcome: '0',
      organization_id: organizationId,
      entity_id: patient.userId,
    });
  });

  it('cannot bypass the second factor', async () => {
    const specialist = await createMember(testApp, organizationId, 'specialist', { signIn: false });
    const token = await requestReset(specialist.email);
    expect(
      (
        await testApp
          .client()
          .post('/api/v1/auth/password-reset/complete', { token, password: newPassword })
      ).status,
    ).toBe(200);

    const client = testApp.client();
    const signIn = await client.post('/api/v1/auth/sign-in', {
      email: specialist.email,
      password: newPassword,
    });
    expect(signIn.body).toEqual({ status: 'mfa_required', methods: ['totp', 'recovery_code'] });
    expectError(await client.get('/api/v1/auth/session'), 401, 'mfa_challenge_required');
    testApp.clock.advance(31_000);
    expect(
      (
        await client.post('/api/v1/auth/mfa/totp', {
          code: currentTotp(testApp, specialist.totpSecret!),
        })
      ).status,
    ).toBe(200);
    expect((await client.get('/api/v1/auth/session')).body.mfa).toMatchObject({
      totpEnabled: true,
      enrolmentRequired: false,
    });
  });

  it('does not lift a second-factor lockout', async () => {
    const coordinator = await createMember(testApp, organizationId, 'coordinator', {
      signIn: false,
    });
    const guesser = testApp.client();
    await guesser.post('/api/v1/auth/sign-in', {
      email: coordinator.email,
      password: testPassword,
    });
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await guesser.post('/api/v1/auth/mfa/totp', {
        code: wrongTotp(testApp, coordinator.totpSecret!),
      });
    }
    const token = await requestReset(coordinator.email);
    expect(
      (
        await testApp
          .client()
          .post('/api/v1/auth/password-reset/complete', { token, password: newPassword })
      ).status,
    ).toBe(200);

    const client = testApp.client();
    expect(
      (
        await client.post('/api/v1/auth/sign-in', {
          email: coordinator.email,
          password: newPassword,
        })
      ).body.status,
    ).toBe('mfa_required');
    testApp.clock.advance(31_000);
    const locked = await client.post('/api/v1/auth/mfa/totp', {
      code: currentTotp(testApp, coordinator.totpSecret!),
    });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('account_locked');
  });

  it('refuses a token after one hour, an unknown token, and a verification token', async () => {
    const patient = await createMember(testApp, organizationId, 'patient', { signIn: false });
    const token = await requestReset(patient.email);
    testApp.clock.advance(61 * 60_000);
    expectError(
      await testApp
        .client()
        .post('/api/v1/auth/password-reset/complete', { token, password: newPassword }),
      400,
      'invalid_token',
    );
    expectError(
      await testApp.client().post('/api/v1/auth/password-reset/complete', {
        token: 'made-up-token-0123456789',
        password: newPassword,
      }),
      400,
      'invalid_token',
    );
    expect(
      (
        await testApp
          .client()
          .post('/api/v1/auth/sign-in', { email: patient.email, password: testPassword })
      ).status,
    ).toBe(200);

    // A sign-up verification token is not a reset token.
    const email = uniqueEmail('verify');
    await testApp.client().post('/api/v1/auth/sign-up', {
      email,
      password: newPassword,
      name: 'Vera Token',
      acceptTerms: true,
    });
    const verifyToken = tokenOf(
      testApp.smtp.linkIn(await testApp.smtp.waitFor(email, /Confirm your email/), '/verify-email'),
    );
    expectError(
      await testApp.client().post('/api/v1/auth/password-reset/complete', {
        token: verifyToken,
        password: 'hijacked-passphrase-22',
      }),
      400,
      'invalid_token',
    );
    expect(
      (await testApp.client().post('/api/v1/auth/verify-email', { token: verifyToken })).status,
    ).toBe(200);
    expect(
      (await testApp.client().post('/api/v1/auth/sign-in', { email, password: newPassword }))
        .status,
    ).toBe(200);
  });
});
