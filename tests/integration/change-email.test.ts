import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMember,
  createOrganization,
  testPassword,
  type TestMember,
} from '../support/accounts.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let testApp: TestApp;
let patient: TestMember;
let organizationId: string;
beforeAll(async () => {
  testApp = await startTestApp();
  organizationId = (await createOrganization(testApp)).id;
  patient = await createMember(testApp, organizationId, 'patient');
});
afterAll(async () => {
  await testApp.close();
});

function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token') ?? '';
}

describe('changing the email address', () => {
  it('needs a recent re-authentication', async () => {
    testApp.clock.advance(6 * 60_000);
    const refused = await patient.client.post('/api/v1/auth/email', {
      email: 'new-address@example.test',
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('reauthentication_required');
  });

  it('changes the address only after the new one is confirmed, tells the old one, ends other sessions', async () => {
    const otherDevice = testApp.client();
    expect(
      (
        await otherDevice.post('/api/v1/auth/sign-in', {
          email: patient.email,
          password: testPassword,
        })
      ).status,
    ).toBe(200);
    expect(
      (await patient.client.post('/api/v1/auth/reauthenticate', { password: testPassword })).status,
    ).toBe(200);
    const requested = await patient.client.post('/api/v1/auth/email', {
      email: 'New-Address@Example.test',
    });
    expect(requested.status).toBe(202);
    const email = await testApp.smtp.waitFor(
      'new-address@example.test',
      /Confirm your new email address/,
    );
    const token = tokenOf(testApp.smtp.linkIn(email, '/confirm-email'));
    // Until confirmed, the old address still signs in.
    expect(
      (
        await testApp
          .client()
          .post('/api/v1/auth/sign-in', { email: patient.email, password: testPassword })
      ).status,
    ).toBe(200);

    const confirmed = await testApp.client().post('/api/v1/auth/email/confirm', { token });
    expect(confirmed.body).toEqual({ status: 'email_changed' });
    await testApp.smtp.waitFor(patient.email, /Your Consilium email address changed/);
    expect((await otherDevice.get('/api/v1/auth/session')).status).toBe(401);
    expect(
      (
        await testApp
          .client()
          .post('/api/v1/auth/sign-in', { email: patient.email, password: testPassword })
      ).status,
    ).toBe(401);
    expect(
      (
        await testApp.client().post('/api/v1/auth/sign-in', {
          email: 'new-address@example.test',
          password: testPassword,
        })
      ).status,
    ).toBe(200);
    const replay = await testApp.client().post('/api/v1/auth/email/confirm', { token });
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('invalid_token');
    const events = await testApp.app.services.db
      .selectFrom('audit_events')
      .select('event_type')
      .where('actor_user_id', '=', patient.userId)
      .where('event_type', 'in', ['auth.email_change_requested', 'auth.email_changed'])
      .execute();
    expect(events.map((event) => event.event_type).sort()).toEqual([
      'auth.email_change_requested',
      'auth.email_changed',
    ]);
  });

  it('sends no link for an address that already has an account, and answers the same', async () => {
    const other = await createMember(testApp, organizationId, 'patient', { signIn: false });
    // The confirmation (opened from the link, without this session) ended the patient's sessions.
    expect((await patient.client.get('/api/v1/auth/session')).status).toBe(401);
    expect(
      (
        await patient.client.post('/api/v1/auth/sign-in', {
          email: 'new-address@example.test',
          password: testPassword,
        })
      ).status,
    ).toBe(200);
    const before = testApp.smtp.messages.length;
    const requested = await patient.client.post('/api/v1/auth/email', { email: other.email });
    expect(requested.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(
      testApp.smtp.messages.slice(before).filter((message) => message.to === other.email),
    ).toEqual([]);
  });
});
