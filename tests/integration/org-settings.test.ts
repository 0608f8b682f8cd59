import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createOrganization, signIn, type TestMember } from '../support/accounts.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let testApp: TestApp;
let admin: TestMember;
let patient: TestMember;
beforeAll(async () => {
  testApp = await startTestApp();
  const organization = await createOrganization(testApp, 'Settings Clinic');
  admin = await createMember(testApp, organization.id, 'org_admin');
  patient = await createMember(testApp, organization.id, 'patient');
});
afterAll(async () => {
  await testApp.close();
});

describe('organization settings', () => {
  it('lets the admin shorten the idle timeout, which then applies to sessions of the organization', async () => {
    const before = await admin.client.get('/api/v1/org/settings');
    expect(before.body).toMatchObject({
      name: 'Settings Clinic',
      idleTimeoutMinutes: 30,
      absoluteLifetimeMinutes: 720,
      timeZone: 'UTC',
    });
    const changed = await admin.client.request('PATCH', '/api/v1/org/settings', {
      idleTimeoutMinutes: 10,
      timeZone: 'Europe/Madrid',
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ idleTimeoutMinutes: 10, timeZone: 'Europe/Madrid' });
    const audit = await testApp.app.services.db
      .selectFrom('audit_events')
      .select(['actor_user_id', 'details'])
      .where('event_type', '=', 'org.settings_updated')
      .executeTakeFirstOrThrow();
    expect(audit.actor_user_id).toBe(admin.userId);
    expect(audit.details).toMatchObject({
      before: { idleTimeoutMinutes: 30 },
      change: { idleTimeoutMinutes: 10 },
    });

    expect((await patient.client.get('/api/v1/auth/session')).status).toBe(200);
    testApp.clock.advance(11 * 60_000);
    const expired = await patient.client.get('/api/v1/auth/session');
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('session_expired');
  });

  it('refuses an unknown time zone and an idle timeout longer than the lifetime, changing nothing', async () => {
    // The idle timeout of 10 minutes ended the admin's session during the previous test.
    expect((await admin.client.get('/api/v1/auth/session')).status).toBe(401);
    await signIn(testApp, admin);
    const zone = await admin.client.request('PATCH', '/api/v1/org/settings', {
      timeZone: 'Mars/Olympus',
    });
    expect(zone.status).toBe(400);
    expect(zone.body.error.code).toBe('validation_failed');
    const order = await admin.client.request('PATCH', '/api/v1/org/settings', {
      idleTimeoutMinutes: 700,
      absoluteLifetimeMinutes: 60,
    });
    expect(order.status).toBe(400);
    expect(order.body.error.message).toBe(
      'The idle timeout cannot be longer than the session lifetime.',
    );
    const out = await admin.client.request('PATCH', '/api/v1/org/settings', {
      idleTimeoutMinutes: 1,
    });
    expect(out.status).toBe(400);
    expect((await admin.client.get('/api/v1/org/settings')).body).toMatchObject({
      idleTimeoutMinutes: 10,
      absoluteLifetimeMinutes: 720,
      timeZone: 'Europe/Madrid',
    });
  });

  it('is hidden from other roles (404)', async () => {
    const other = await createMember(testApp, (await createOrganization(testApp)).id, 'patient');
    expect((await other.client.get('/api/v1/org/settings')).status).toBe(404);
    expect(
      (await other.client.request('PATCH', '/api/v1/org/settings', { name: 'Hijacked' })).status,
    ).toBe(404);
  });
});
