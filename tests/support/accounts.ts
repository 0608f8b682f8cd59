/**
 * Test accounts: provisioned straight through the same use cases the CLI uses, then signed in
 * over HTTP like a browser would (password, then TOTP for staff).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Role } from '../../src/core/roles.ts';
import { isMfaMandatory } from '../../src/core/roles.ts';
import { transact } from '../../src/server/app/unit-of-work.ts';
import { hashPassword } from '../../src/server/auth/password-hashing.ts';
import { newTotpSecret, totpCodeAt } from '../../src/server/auth/totp.ts';
import { provisionMember, provisionOrganization } from '../../src/server/orgs/provision.ts';
import type { TestApp, TestClient } from './test-app.ts';

export const testPassword = 'lantern-orchid-47-quay';

export interface TestMember {
  email: string;
  role: Role;
  userId: string;
  membershipId: string;
  patientId: string | null;
  organizationId: string;
  totpSecret: string | null;
  client: TestClient;
}

let passwordHash: Promise<string> | null = null;

export async function createOrganization(testApp: TestApp, name = 'Test Clinic') {
  const slug = `org-${randomBytes(4).toString('hex')}`;
  return transact(testApp.app.services, (unit) => provisionOrganization(unit, { slug, name }));
}

/** Provision a member; staff get TOTP enrolled (unless `withTotp` is false); then sign in. */
export async function createMember(
  testApp: TestApp,
  organizationId: string,
  role: Role,
  options: { withTotp?: boolean; signIn?: boolean } = {},
): Promise<TestMember> {
  passwordHash ??= hashPassword(testPassword);
  const email = `${role}-${randomBytes(4).toString('hex')}@example.test`;
  const services = testApp.app.services;
  const created = await transact(services, (unit) =>
    provisionMember(unit, {
      organizationId,
      email,
      name: `Test ${role.replace('_', ' ')}`,
      passwordHash: 'pending',
      role,
    }),
  );
  await services.db
    .updateTable('users')
    .set({ password_hash: await passwordHash })
    .where('id', '=', created.userId)
    .execute();
  const withTotp = options.withTotp ?? isMfaMandatory(role);
  let totpSecret: string | null = null;
  if (withTotp) {
    totpSecret = newTotpSecret();
    await services.db
      .updateTable('users')
      .set({
        totp_secret_encrypted: services.secretBox.seal(totpSecret),
        totp_enabled_at: services.clock.now(),
      })
      .where('id', '=', created.userId)
      .execute();
  }
  const client = testApp.client();
  const member: TestMember = { email, role, organizationId, totpSecret, client, ...created };
  if (options.signIn !== false) await signIn(testApp, member);
  return member;
}

/** Sign in over HTTP, answering the TOTP step at a fresh time step. */
export async function signIn(
  testApp: TestApp,
  member: Pick<TestMember, 'email' | 'totpSecret' | 'client'>,
) {
  const first = await member.client.post('/api/v1/auth/sign-in', {
    email: member.email,
    password: testPassword,
  });
  expect(first.status).toBe(200);
  if (first.body.status === 'mfa_required') {
    expect(member.totpSecret).not.toBeNull();
    testApp.clock.advance(31_000);
    const second = await member.client.post('/api/v1/auth/mfa/totp', {
      code: totpCodeAt(member.totpSecret!, testApp.clock.now()),
    });
    expect(second.status).toBe(200);
  }
}

/** Lets `proxy` act for (scope `act`) or only view (scope `view`) the records of `patient`. */
export async function grantProxy(
  testApp: TestApp,
  patient: TestMember,
  proxy: TestMember,
  scope: 'act' | 'view',
): Promise<void> {
  await testApp.app.services.db
    .insertInto('patient_proxies')
    .values({
      organization_id: patient.organizationId,
      patient_id: patient.patientId!,
      proxy_user_id: proxy.userId,
      scope,
    })
    .execute();
}

/** Records `physician` as a referring physician of `patient`. */
export async function linkReferrer(
  testApp: TestApp,
  patient: TestMember,
  physician: TestMember,
): Promise<void> {
  await testApp.app.services.db
    .insertInto('patient_referrers')
    .values({
      organization_id: patient.organizationId,
      patient_id: patient.patientId!,
      physician_user_id: physician.userId,
    })
    .execute();
}
