/**
 * Passkeys (WebAuthn) over HTTP with a software authenticator: registration behind
 * re-authentication, passwordless sign-in, the passkey as second step after a password,
 * re-authentication with a passkey, forged assertions and replayed challenges, and removal.
 * Relying party: origin http://localhost:3000 (the test PUBLIC_URL), rpID localhost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createOrganization, testPassword } from '../support/accounts.ts';
import {
  SoftwareAuthenticator,
  auditEvents,
  expectError,
  strangerKey,
} from '../support/auth-helpers.ts';
import { startTestApp, type TestApp, type TestClient } from '../support/test-app.ts';

let testApp: TestApp;
let organizationId: string;
beforeAll(async () => {
  testApp = await startTestApp();
  organizationId = (await createOrganization(testApp, 'Passkey Clinic')).id;
});
afterAll(async () => {
  await testApp.close();
});

async function registerPasskey(
  client: TestClient,
  authenticator: SoftwareAuthenticator,
  name = 'Laptop',
) {
  const options = await client.post('/api/v1/auth/passkeys/registration-options');
  expect(options.status).toBe(200);
  expect(client.cookies.has('consilium_webauthn')).toBe(true);
  const registered = await client.post('/api/v1/auth/passkeys', {
    response: authenticator.create(options.body.optionsJSON),
    name,
  });
  return registered;
}

async function assertWith(
  client: TestClient,
  authenticator: SoftwareAuthenticator,
  options: Parameters<SoftwareAuthenticator['get']>[1] = {},
) {
  const challenge = await client.post('/api/v1/auth/passkeys/authentication-options');
  expect(challenge.status).toBe(200);
  return client.post('/api/v1/auth/passkeys/authenticate', {
    response: authenticator.get(challenge.body.optionsJSON, options),
  });
}

describe('passkeys', () => {
  it('registers a passkey, signs in with it alone, and serves as the second step after a password', async () => {
    const patient = await createMember(testApp, organizationId, 'patient');
    const authenticator = new SoftwareAuthenticator();

    // Registration needs a recent re-authentication.
    testApp.clock.advance(6 * 60_000);
    expectError(
      await patient.client.post('/api/v1/auth/passkeys/registration-options'),
      403,
      'reauthentication_required',
    );
    expect(
      (await patient.client.post('/api/v1/auth/reauthenticate', { password: testPassword })).status,
    ).toBe(200);

    const registered = await registerPasskey(patient.client, authenticator, 'My laptop');
    expect(registered.status).toBe(201);
    const passkeyId = registered.body.id as string;
    expect(patient.client.cookies.has('consilium_webauthn')).toBe(false);

    const list = await patient.client.get('/api/v1/auth/passkeys');
    expect(list.status).toBe(200);
    expect(list.body.passkeys).toEqual([
      { id: passkeyId, name: 'My laptop', createdAt: expect.any(String), lastUsedAt: null },
    ]);
    expect((await patient.client.get('/api/v1/auth/session')).body.mfa.passkeyCount).toBe(1);
    const [registeredEvent] = await auditEvents(testApp, 'auth.passkey_registered', patient.userId);
    expect(registeredEvent).toMatchObject({ entity_type: 'Passkey', entity_id: passkeyId });

    // The same credential cannot be registered twice.
    const again = await registerPasskey(patient.client, authenticator);
    expectError(again, 409, 'already_exists', { message: 'This passkey is already registered.' });

    // Passwordless sign-in on a new device.
    const device = testApp.client();
    const passwordless = await assertWith(device, authenticator);
    expect(passwordless.status).toBe(200);
    expect(passwordless.body).toEqual({ status: 'signed_in' });
    const session = await device.get('/api/v1/auth/session');
    expect(session.status).toBe(200);
    expect(session.body.user.id).toBe(patient.userId);
    expect((await auditEvents(testApp, 'auth.sign_in', patient.userId)).at(-1)?.details).toEqual({
      secondFactor: true,
    });
    expect(
      (await patient.client.get('/api/v1/auth/passkeys')).body.passkeys[0].lastUsedAt,
    ).not.toBeNull();

    // Passwordless sign-in requires user verification.
    const unverified = await assertWith(testApp.client(), authenticator, { userVerified: false });
    expectError(unverified, 401, 'invalid_credentials', {
      message: 'The passkey could not be verified.',
    });

    // A password now leads to a second step, which the passkey completes.
    const laptop = testApp.client();
    const passwordStep = await laptop.post('/api/v1/auth/sign-in', {
      email: patient.email,
      password: testPassword,
    });
    expect(passwordStep.body).toEqual({ status: 'mfa_required', methods: ['passkey'] });
    expectError(await laptop.get('/api/v1/auth/session'), 401, 'mfa_challenge_required');
    const options = await laptop.post('/api/v1/auth/passkeys/authentication-options');
    expect(options.body.optionsJSON.allowCredentials).toEqual([
      expect.objectContaining({ id: authenticator.id }),
    ]);
    const secondStep = await laptop.post('/api/v1/auth/passkeys/authenticate', {
      response: authenticator.get(options.body.optionsJSON),
    });
    expect(secondStep.body).toEqual({ status: 'signed_in' });
    expect((await laptop.get('/api/v1/auth/session')).status).toBe(200);
    expect(
      (await auditEvents(testApp, 'auth.mfa_challenge_passed', patient.userId)).map(
        (event) => event.details,
      ),
    ).toEqual([{ method: 'passkey' }]);
  });

  it('refuses a forged signature, a replayed challenge and a passkey of another account', async () => {
    const owner = await createMember(testApp, organizationId, 'patient');
    const authenticator = new SoftwareAuthenticator();
    expect((await registerPasskey(owner.client, authenticator)).status).toBe(201);

    const attacker = testApp.client();
    const forged = await assertWith(attacker, authenticator, { signWith: strangerKey() });
    expectError(forged, 401, 'invalid_credentials', {
      message: 'The passkey could not be verified.',
    });
    expectError(await attacker.get('/api/v1/auth/session'), 401, 'unauthenticated');

    // A challenge is single-use: replaying a whole valid assertion fails.
    const device = testApp.client();
    const challenge = await device.post('/api/v1/auth/passkeys/authentication-options');
    const challengeCookie = device.cookies.get('consilium_webauthn')!;
    const assertion = authenticator.get(challenge.body.optionsJSON);
    expect(
      (await device.post('/api/v1/auth/passkeys/authenticate', { response: assertion })).status,
    ).toBe(200);
    const replay = testApp.client();
    replay.cookies.set('consilium_webauthn', challengeCookie);
    expectError(
      await replay.post('/api/v1/auth/passkeys/authenticate', { response: assertion }),
      400,
      'invalid_token',
      {
        message: 'The passkey request expired. Try again.',
      },
    );

    // Without the challenge cookie there is nothing to answer.
    expectError(
      await testApp.client().post('/api/v1/auth/passkeys/authenticate', { response: assertion }),
      400,
      'invalid_token',
      {
        message: 'The passkey request expired. Try again.',
      },
    );

    // An expired challenge (5 minutes) is refused.
    const slow = testApp.client();
    const slowChallenge = await slow.post('/api/v1/auth/passkeys/authentication-options');
    testApp.clock.advance(6 * 60_000);
    expectError(
      await slow.post('/api/v1/auth/passkeys/authenticate', {
        response: authenticator.get(slowChallenge.body.optionsJSON),
      }),
      400,
      'invalid_token',
      { message: 'The passkey request expired. Try again.' },
    );

    // Another account's half session cannot be finished with this passkey.
    const other = await createMember(testApp, organizationId, 'patient', {
      withTotp: true,
      signIn: false,
    });
    const otherClient = other.client;
    expect(
      (
        await otherClient.post('/api/v1/auth/sign-in', {
          email: other.email,
          password: testPassword,
        })
      ).body.status,
    ).toBe('mfa_required');
    expectError(await assertWith(otherClient, authenticator), 401, 'invalid_credentials', {
      message: 'This passkey is not registered for this account.',
    });
    expectError(await otherClient.get('/api/v1/auth/session'), 401, 'mfa_challenge_required');
  });

  it('re-authenticates with a passkey and removes it', async () => {
    const patient = await createMember(testApp, organizationId, 'patient');
    const authenticator = new SoftwareAuthenticator();
    const passkeyId = (await registerPasskey(patient.client, authenticator)).body.id as string;

    testApp.clock.advance(6 * 60_000);
    expectError(
      await patient.client.request('DELETE', `/api/v1/auth/passkeys/${passkeyId}`),
      403,
      'reauthentication_required',
    );
    const reauth = await assertWith(patient.client, authenticator);
    expect(reauth.status).toBe(200);
    expect(reauth.body).toEqual({ status: 'reauthenticated' });
    expect(
      (await auditEvents(testApp, 'auth.reauthenticated', patient.userId)).map(
        (event) => event.details,
      ),
    ).toEqual([{ method: 'passkey' }]);

    const removed = await patient.client.request('DELETE', `/api/v1/auth/passkeys/${passkeyId}`);
    expect(removed.status).toBe(204);
    expect((await patient.client.get('/api/v1/auth/passkeys')).body.passkeys).toEqual([]);
    expect(await auditEvents(testApp, 'auth.passkey_removed', patient.userId)).toHaveLength(1);
    expectError(
      await patient.client.request('DELETE', `/api/v1/auth/passkeys/${passkeyId}`),
      404,
      'not_found',
    );

    // The removed passkey no longer signs in, and the password alone does again.
    expectError(await assertWith(testApp.client(), authenticator), 401, 'invalid_credentials', {
      message: 'This passkey is not registered for this account.',
    });
    const device = testApp.client();
    expect(
      (await device.post('/api/v1/auth/sign-in', { email: patient.email, password: testPassword }))
        .body,
    ).toEqual({ status: 'signed_in' });
  });

  it('cannot remove another account’s passkey', async () => {
    const owner = await createMember(testApp, organizationId, 'patient');
    const passkeyId = (await registerPasskey(owner.client, new SoftwareAuthenticator())).body
      .id as string;
    const stranger = await createMember(testApp, organizationId, 'patient');
    expectError(
      await stranger.client.request('DELETE', `/api/v1/auth/passkeys/${passkeyId}`),
      404,
      'not_found',
    );
    expect((await owner.client.get('/api/v1/auth/passkeys')).body.passkeys).toHaveLength(1);
  });

  it('lets staff satisfy mandatory MFA with a passkey, and keeps the last one', async () => {
    const coordinator = await createMember(testApp, organizationId, 'coordinator', {
      withTotp: false,
    });
    expectError(await coordinator.client.get('/api/v1/org/members'), 403, 'mfa_enrolment_required');
    const passkeyId = (await registerPasskey(coordinator.client, new SoftwareAuthenticator())).body
      .id as string;
    expect((await coordinator.client.get('/api/v1/org/members')).status).toBe(200);
    expectError(
      await coordinator.client.request('DELETE', `/api/v1/auth/passkeys/${passkeyId}`),
      409,
      'conflict',
      {
        message: 'Your role requires a second factor. Set up another before removing this one.',
      },
    );
  });
});
