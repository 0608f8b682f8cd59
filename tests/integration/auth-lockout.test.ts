/**
 * Brute-force protection over HTTP (OWASP Authentication Cheat Sheet, "Account lockout"): five
 * failures within 15 minutes lock the account for 15 minutes, separately for passwords and for
 * second-factor codes; the lock answers 429 with Retry-After and is audited; an unknown email
 * is refused exactly like a wrong password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createOrganization, testPassword } from '../support/accounts.ts';
import {
  auditEvents,
  currentTotp,
  expectError,
  uniqueEmail,
  wrongTotp,
} from '../support/auth-helpers.ts';
import {
  startTestApp,
  type TestApp,
  type TestClient,
  type TestResponse,
} from '../support/test-app.ts';

const minute = 60_000;
const lockSeconds = 15 * 60;

let testApp: TestApp;
let organizationId: string;
beforeAll(async () => {
  testApp = await startTestApp();
  organizationId = (await createOrganization(testApp, 'Lockout Clinic')).id;
});
afterAll(async () => {
  await testApp.close();
});

function expectLocked(response: TestResponse) {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(lockSeconds - 120);
  expect(retryAfter).toBeLessThanOrEqual(lockSeconds);
  expectError(response, 429, 'account_locked', { details: { retryAfterSeconds: retryAfter } });
}

async function passwordStep(client: TestClient, email: string) {
  const response = await client.post('/api/v1/auth/sign-in', { email, password: testPassword });
  expect(response.body).toEqual({ status: 'mfa_required', methods: ['totp', 'recovery_code'] });
}

describe('password lockout', () => {
  it('locks after five wrong passwords, even against the right one, and lifts after 15 minutes', async () => {
    const patient = await createMember(testApp, organizationId, 'patient', { signIn: false });
    const client = patient.client;
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expectError(
        await client.post('/api/v1/auth/sign-in', {
          email: patient.email,
          password: `wrong-password-${attempt}`,
        }),
        401,
        'invalid_credentials',
      );
    }
    expectLocked(
      await client.post('/api/v1/auth/sign-in', { email: patient.email, password: testPassword }),
    );
    expect(client.cookies.has('consilium_session')).toBe(false);

    const failed = await auditEvents(testApp, 'auth.sign_in_failed', patient.userId);
    expect(failed.map((event) => event.outcome)).toEqual(['4', '4', '4', '4', '4']);
    const locked = await auditEvents(testApp, 'auth.account_locked', patient.userId);
    expect(locked).toHaveLength(1);
    expect(locked[0]).toMatchObject({
      outcome: '8',
      organization_id: organizationId,
      entity_id: patient.userId,
    });
    expect(locked[0]?.details).toMatchObject({ kind: 'password' });

    testApp.clock.advance(14 * minute);
    expectLockedOrAlmostFree(
      await client.post('/api/v1/auth/sign-in', { email: patient.email, password: testPassword }),
    );

    testApp.clock.advance(1 * minute + 1_000);
    const signedIn = await client.post('/api/v1/auth/sign-in', {
      email: patient.email,
      password: testPassword,
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toEqual({ status: 'signed_in' });

    // A success clears the count: four new failures do not lock.
    await client.post('/api/v1/auth/sign-out');
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      expectError(
        await client.post('/api/v1/auth/sign-in', {
          email: patient.email,
          password: 'still-wrong-pass',
        }),
        401,
        'invalid_credentials',
      );
    }
    expect(
      (await client.post('/api/v1/auth/sign-in', { email: patient.email, password: testPassword }))
        .status,
    ).toBe(200);
  });

  it('counts failures only within the 15-minute window', async () => {
    const patient = await createMember(testApp, organizationId, 'patient', { signIn: false });
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      await patient.client.post('/api/v1/auth/sign-in', {
        email: patient.email,
        password: 'wrong-password-x',
      });
    }
    testApp.clock.advance(16 * minute);
    expectError(
      await patient.client.post('/api/v1/auth/sign-in', {
        email: patient.email,
        password: 'wrong-password-x',
      }),
      401,
      'invalid_credentials',
    );
    expect(
      (
        await patient.client.post('/api/v1/auth/sign-in', {
          email: patient.email,
          password: testPassword,
        })
      ).status,
    ).toBe(200);
  });

  it('answers an unknown email exactly like a wrong password, and locks it the same way', async () => {
    const patient = await createMember(testApp, organizationId, 'patient', { signIn: false });
    const wrongPassword = await testApp
      .client()
      .post('/api/v1/auth/sign-in', { email: patient.email, password: 'not-the-password' });
    const unknownEmail = await testApp
      .client()
      .post('/api/v1/auth/sign-in', { email: uniqueEmail('nobody'), password: 'not-the-password' });
    expectError(wrongPassword, 401, 'invalid_credentials');
    expect({ status: unknownEmail.status, body: unknownEmail.body }).toEqual({
      status: wrongPassword.status,
      body: wrongPassword.body,
    });
    expect(unknownEmail.headers['set-cookie']?.toString() ?? '').not.toContain(
      'consilium_session=',
    );

    const nobody = uniqueEmail('ghost');
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expectError(
        await testApp
          .client()
          .post('/api/v1/auth/sign-in', { email: nobody, password: 'anything-at-all' }),
        401,
        'invalid_credentials',
      );
    }
    expectLocked(
      await testApp
        .client()
        .post('/api/v1/auth/sign-in', { email: nobody, password: 'anything-at-all' }),
    );
    const anonymousFailures = await auditEvents(testApp, 'auth.sign_in_failed', null);
    expect(anonymousFailures.length).toBeGreaterThanOrEqual(6);
  });
});

describe('second-factor lockout', () => {
  it('locks after five wrong TOTP codes, even against the right one, and lifts after 15 minutes', async () => {
    const staff = await createMember(testApp, organizationId, 'specialist', { signIn: false });
    const secret = staff.totpSecret!;
    const { client } = staff;
    await passwordStep(client, staff.email);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expectError(
        await client.post('/api/v1/auth/mfa/totp', { code: wrongTotp(testApp, secret) }),
        400,
        'invalid_mfa_code',
      );
    }
    testApp.clock.advance(31_000);
    expectLocked(
      await client.post('/api/v1/auth/mfa/totp', { code: currentTotp(testApp, secret) }),
    );
    expectLocked(await client.post('/api/v1/auth/mfa/recovery-code', { code: 'AAAA-BBBB-CC' }));
    expectError(await client.get('/api/v1/auth/session'), 401, 'mfa_challenge_required');

    const locked = await auditEvents(testApp, 'auth.account_locked', staff.userId);
    expect(locked.map((event) => event.details.kind)).toEqual(['second_factor']);
    expect(await auditEvents(testApp, 'auth.mfa_challenge_failed', staff.userId)).toHaveLength(5);

    // Signing in with the password again must not reset the second-factor count.
    const fresh = testApp.client();
    await passwordStep(fresh, staff.email);
    testApp.clock.advance(31_000);
    expectLocked(await fresh.post('/api/v1/auth/mfa/totp', { code: currentTotp(testApp, secret) }));

    // After 15 minutes (the half session has lapsed by then) the account works again.
    testApp.clock.advance(15 * minute);
    const later = testApp.client();
    await passwordStep(later, staff.email);
    expect(
      (await later.post('/api/v1/auth/mfa/totp', { code: currentTotp(testApp, secret) })).body,
    ).toEqual({ status: 'signed_in' });
    expect((await later.get('/api/v1/auth/session')).status).toBe(200);
  });

  it('cannot be reset by spreading guesses over several password sign-ins', async () => {
    const staff = await createMember(testApp, organizationId, 'coordinator', { signIn: false });
    const secret = staff.totpSecret!;
    for (let round = 0; round < 3; round += 1) {
      const client = testApp.client();
      await passwordStep(client, staff.email);
      for (let attempt = 1; attempt <= 2; attempt += 1) {
        const response = await client.post('/api/v1/auth/mfa/totp', {
          code: wrongTotp(testApp, secret),
        });
        expect(response.status).toBe(round * 2 + attempt > 5 ? 429 : 400);
      }
    }
  });

  it('counts wrong codes at re-authentication towards the same lock', async () => {
    const staff = await createMember(testApp, organizationId, 'org_admin');
    const secret = staff.totpSecret!;
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      expectError(
        await staff.client.post('/api/v1/auth/reauthenticate', {
          password: testPassword,
          code: wrongTotp(testApp, secret),
        }),
        400,
        'invalid_mfa_code',
      );
    }
    testApp.clock.advance(31_000);
    expectLocked(
      await staff.client.post('/api/v1/auth/reauthenticate', {
        password: testPassword,
        code: currentTotp(testApp, secret),
      }),
    );
  });
});

/** Retry-After counts down: one minute before the end it is about a minute. */
function expectLockedOrAlmostFree(response: TestResponse) {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expectError(response, 429, 'account_locked', { details: { retryAfterSeconds: retryAfter } });
}
