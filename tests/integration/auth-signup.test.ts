/**
 * Patient self sign-up and email verification, end to end over HTTP with the real SMTP sink:
 * the verification link, sign-in refused until it is followed, single-use and expiring tokens,
 * the password rules (NIST SP 800-63B), and sign-up that never reveals an existing account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../support/accounts.ts';
import { auditEvents, expectError, tokenOf, uniqueEmail } from '../support/auth-helpers.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

const password = 'harbour-violet-93-kiln';

let testApp: TestApp;
let organizationId: string;
beforeAll(async () => {
  testApp = await startTestApp();
  organizationId = (await createOrganization(testApp, 'Sign-up Clinic')).id;
});
afterAll(async () => {
  await testApp.close();
});

async function userCount(email: string): Promise<number> {
  const rows = await testApp.app.services.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .execute();
  return rows.length;
}

async function outboxTo(email: string) {
  return testApp.app.services.db
    .selectFrom('mail_outbox')
    .select(['subject'])
    .where('to_address', '=', email)
    .execute();
}

describe('patient sign-up', () => {
  it('signs up, refuses sign-in until the emailed link is followed, then signs in as a patient', async () => {
    const email = uniqueEmail('ada');
    const client = testApp.client();

    const signUp = await client.post('/api/v1/auth/sign-up', {
      email,
      password,
      name: 'Ada Lovelace',
      acceptTerms: true,
    });
    expect(signUp.status).toBe(202);
    expect(signUp.body).toEqual({ status: 'verification_sent' });

    const message = await testApp.smtp.waitFor(email, /^Confirm your email for Consilium$/);
    const link = testApp.smtp.linkIn(message, '/verify-email');
    expect(link.startsWith('http://localhost:3000/verify-email?token=')).toBe(true);

    const early = await client.post('/api/v1/auth/sign-in', { email, password });
    expectError(early, 403, 'email_not_verified');
    expect(client.cookies.has('consilium_session')).toBe(false);

    const verified = await client.post('/api/v1/auth/verify-email', { token: tokenOf(link) });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ status: 'verified' });

    const signIn = await client.post('/api/v1/auth/sign-in', { email, password });
    expect(signIn.status).toBe(200);
    expect(signIn.body).toEqual({ status: 'signed_in' });

    const session = await client.get('/api/v1/auth/session');
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ email, name: 'Ada Lovelace', locale: 'en' });
    expect(session.body.organization.id).toBe(organizationId);
    expect(session.body.membership.role).toBe('patient');
    expect(session.body.mfa).toEqual({
      totpEnabled: false,
      passkeyCount: 0,
      recoveryCodesRemaining: 0,
      mandatory: false,
      enrolmentRequired: false,
    });

    const userId = session.body.user.id as string;
    const patient = await testApp.app.services.db
      .selectFrom('patients')
      .select(['organization_id', 'given_name', 'family_name'])
      .where('user_id', '=', userId)
      .execute();
    expect(patient).toEqual([
      { organization_id: organizationId, given_name: 'Ada', family_name: 'Lovelace' },
    ]);

    const [signUpEvent] = await auditEvents(testApp, 'auth.sign_up', userId);
    expect(signUpEvent).toMatchObject({
      outcome: '0',
      organization_id: organizationId,
      entity_type: 'User',
      entity_id: userId,
    });
    expect(signUpEvent?.details).toMatchObject({ role: 'patient' });
    expect(await auditEvents(testApp, 'auth.email_verified', userId)).toHaveLength(1);
    expect(await auditEvents(testApp, 'auth.sign_in', userId)).toHaveLength(1);
  });

  it('accepts a verification token only once', async () => {
    const email = uniqueEmail('once');
    const client = testApp.client();
    expect(
      (
        await client.post('/api/v1/auth/sign-up', {
          email,
          password,
          name: 'Once Only',
          acceptTerms: true,
        })
      ).status,
    ).toBe(202);
    const token = tokenOf(
      testApp.smtp.linkIn(await testApp.smtp.waitFor(email, /Confirm your email/), '/verify-email'),
    );

    expect((await client.post('/api/v1/auth/verify-email', { token })).status).toBe(200);
    expectError(await client.post('/api/v1/auth/verify-email', { token }), 400, 'invalid_token');
    expectError(
      await client.post('/api/v1/auth/verify-email', { token: 'not-a-real-token-at-all' }),
      400,
      'invalid_token',
    );
  });

  it('refuses a verification token after 24 hours; signing in sends a fresh link that works', async () => {
    const email = uniqueEmail('late');
    const client = testApp.client();
    expect(
      (
        await client.post('/api/v1/auth/sign-up', {
          email,
          password,
          name: 'Late Reader',
          acceptTerms: true,
        })
      ).status,
    ).toBe(202);
    const first = await testApp.smtp.waitFor(email, /Confirm your email/);
    const staleToken = tokenOf(testApp.smtp.linkIn(first, '/verify-email'));

    testApp.clock.advance(25 * 60 * 60_000);
    expectError(
      await client.post('/api/v1/auth/verify-email', { token: staleToken }),
      400,
      'invalid_token',
    );
    expectError(
      await client.post('/api/v1/auth/sign-in', { email, password }),
      403,
      'email_not_verified',
    );

    // The refused sign-in sent a second link.
    const deadline = Date.now() + 15_000;
    let fresh: string | undefined;
    while (fresh === undefined && Date.now() < deadline) {
      const links = testApp.smtp.messages
        .filter((message) => message.to === email && /Confirm your email/.test(message.subject))
        .map((message) => tokenOf(testApp.smtp.linkIn(message, '/verify-email')));
      fresh = links.find((token) => token !== staleToken);
      if (fresh === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(fresh).toBeDefined();
    expect((await client.post('/api/v1/auth/verify-email', { token: fresh! })).status).toBe(200);
    expect((await client.post('/api/v1/auth/sign-in', { email, password })).body).toEqual({
      status: 'signed_in',
    });
  });

  it('rejects a common password, naming the problem, and creates nothing', async () => {
    const email = uniqueEmail('common');
    const client = testApp.client();
    for (const common of ['password123', 'Password123', 'qwertyuiop', '1234567890']) {
      const response = await client.post('/api/v1/auth/sign-up', {
        email,
        password: common,
        name: 'Common Choice',
        acceptTerms: true,
      });
      expectError(response, 400, 'password_rejected', {
        message: 'Choose a longer or less common password.',
        details: { problems: ['too_common'] },
      });
    }
    expect(await userCount(email)).toBe(0);
    expect(await outboxTo(email)).toEqual([]);
  });

  it('rejects a short password and one containing the email name', async () => {
    const client = testApp.client();
    expectError(
      await client.post('/api/v1/auth/sign-up', {
        email: uniqueEmail('short'),
        password: 'k7#qz!',
        name: 'Short',
        acceptTerms: true,
      }),
      400,
      'password_rejected',
      { message: 'Choose a longer or less common password.', details: { problems: ['too_short'] } },
    );
    expectError(
      await client.post('/api/v1/auth/sign-up', {
        email: 'marguerite@example.test',
        password: 'xx-marguerite-2024',
        name: 'M',
        acceptTerms: true,
      }),
      400,
      'password_rejected',
      {
        message: 'Choose a longer or less common password.',
        details: { problems: ['contains_email'] },
      },
    );
    expect(await userCount('marguerite@example.test')).toBe(0);
  });

  it('answers an existing email exactly like a new one, emails the owner instead, and creates no second account', async () => {
    const email = uniqueEmail('taken');
    const client = testApp.client();
    const first = await client.post('/api/v1/auth/sign-up', {
      email,
      password,
      name: 'First Owner',
      acceptTerms: true,
    });
    await testApp.smtp.waitFor(email, /Confirm your email/);

    const second = await testApp.client().post('/api/v1/auth/sign-up', {
      email: email.toUpperCase(),
      password: 'another-long-passphrase-8',
      name: 'Someone Else',
      acceptTerms: true,
    });
    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);

    const notice = await testApp.smtp.waitFor(email, /^You already have a Consilium account$/);
    expect(testApp.smtp.linkIn(notice, '/sign-in')).toBe('http://localhost:3000/sign-in');
    expect(await userCount(email)).toBe(1);
    expect((await outboxTo(email)).map((row) => row.subject).sort()).toEqual([
      'Confirm your email for Consilium',
      'You already have a Consilium account',
    ]);
    const owner = await testApp.app.services.db
      .selectFrom('users')
      .select(['id', 'name'])
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(owner.name).toBe('First Owner');
    expect(await auditEvents(testApp, 'auth.sign_up', owner.id)).toHaveLength(1);
  });

  it('validates the body strictly', async () => {
    const client = testApp.client();
    const base = { email: uniqueEmail('strict'), password, name: 'Strict Body', acceptTerms: true };

    const unknownField = await client.post('/api/v1/auth/sign-up', { ...base, role: 'org_admin' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error).toMatchObject({
      code: 'validation_failed',
      message: 'Some of the information sent is not valid.',
    });

    const termsRefused = await client.post('/api/v1/auth/sign-up', { ...base, acceptTerms: false });
    expect(termsRefused.status).toBe(400);
    expect(termsRefused.body.error.code).toBe('validation_failed');
    expect(termsRefused.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'body.acceptTerms' }),
    ]);

    const termsMissing = await client.post('/api/v1/auth/sign-up', {
      email: base.email,
      password,
      name: base.name,
    });
    expect(termsMissing.body.error.code).toBe('validation_failed');

    const badEmail = await client.post('/api/v1/auth/sign-up', { ...base, email: 'not-an-email' });
    expect(badEmail.body.error.code).toBe('validation_failed');

    expect(await userCount(base.email)).toBe(0);
  });

  it('answers 404 for an unknown organization slug', async () => {
    const response = await testApp.client().post('/api/v1/auth/sign-up', {
      email: uniqueEmail('nowhere'),
      password,
      name: 'Lost',
      acceptTerms: true,
      organization: 'no-such-clinic',
    });
    expectError(response, 404, 'not_found', { message: 'There is no such organization.' });
  });
});
