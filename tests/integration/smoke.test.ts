import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, createOrganization } from '../support/accounts.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(async () => {
  await testApp.close();
});

describe('health', () => {
  it('is live and ready once migrations are applied', async () => {
    const client = testApp.client();
    expect((await client.get('/api/health')).body).toEqual({ status: 'ok' });
    const ready = await client.get('/api/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('signs a staff member in with password and TOTP', async () => {
    const organization = await createOrganization(testApp);
    const admin = await createMember(testApp, organization.id, 'org_admin');
    const session = await admin.client.get('/api/v1/auth/session');
    expect(session.status).toBe(200);
    expect(session.body.membership.role).toBe('org_admin');
    expect(session.body.mfa.enrolmentRequired).toBe(false);
    const members = await admin.client.get('/api/v1/org/members');
    expect(members.status).toBe(200);
    expect(members.body.members).toHaveLength(1);
  });
});
