/**
 * Two organizations with one signed-in member per role, patients with a proxy and a referring
 * physician, and the relations between them as core's access policy sees them. Shared by the
 * authorization matrix and the bad-input tests so each role signs in once per organization.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { can, type Actor, type ResourceAccessFacts } from '../../src/core/access.ts';
import { attachmentUploadAction } from '../../src/core/attachments.ts';
import { roles, type Role } from '../../src/core/roles.ts';
import {
  attachmentFilePath,
  attachmentStorageKey,
} from '../../src/server/attachments/attachment-storage.ts';
import { createMember, createOrganization, testPassword, type TestMember } from './accounts.ts';
import type { TestApp, TestClient } from './test-app.ts';

export interface FixturePatient {
  label: string;
  id: string;
  organizationId: string;
  userId: string | null;
  proxyUserIds: string[];
  referrerUserIds: string[];
}

export interface FixtureOrganization {
  id: string;
  slug: string;
  members: Record<Role, TestMember>;
  /** The patient member's own record; the proxy and the referring physician are linked to it. */
  patient: FixturePatient;
  /** Another patient of the same organization with no link to anyone else. */
  otherPatient: FixturePatient;
}

/** Who calls: nobody, a member with a role, or one of the two half-way session states. */
export type Subject =
  | { kind: 'anonymous'; label: string; client: TestClient }
  | { kind: 'member'; label: string; client: TestClient; member: TestMember; actor: Actor }
  | { kind: 'awaiting_second_factor'; label: string; client: TestClient; member: TestMember }
  | {
      kind: 'enrolment_required';
      label: string;
      client: TestClient;
      member: TestMember;
      actor: Actor;
    };

export interface MatrixFixtures {
  a: FixtureOrganization;
  b: FixtureOrganization;
  patients: FixturePatient[];
  subjects: Subject[];
}

export function actorOf(member: TestMember): Actor {
  return {
    userId: member.userId,
    organizationId: member.organizationId,
    membershipId: member.membershipId,
    role: member.role,
  };
}

/** The relations that hold between `actor` and `patient`, read from the fixtures. */
export function patientFacts(actor: Actor, patient: FixturePatient): ResourceAccessFacts {
  const held: ResourceAccessFacts['relations'][number][] = [];
  if (patient.userId === actor.userId) held.push('self');
  if (patient.proxyUserIds.includes(actor.userId)) held.push('proxy');
  if (patient.referrerUserIds.includes(actor.userId)) held.push('referrer');
  return { organizationId: patient.organizationId, relations: held };
}

async function createFixtureOrganization(
  testApp: TestApp,
  name: string,
): Promise<FixtureOrganization> {
  const organization = await createOrganization(testApp, name);
  const members = {} as Record<Role, TestMember>;
  for (const role of roles) members[role] = await createMember(testApp, organization.id, role);
  const otherPatientMember = await createMember(testApp, organization.id, 'patient', {
    signIn: false,
  });
  const db = testApp.app.services.db;
  const patientId = members.patient.patientId!;
  await db
    .insertInto('patient_proxies')
    .values({
      organization_id: organization.id,
      patient_id: patientId,
      proxy_user_id: members.proxy.userId,
    })
    .execute();
  await db
    .insertInto('patient_referrers')
    .values({
      organization_id: organization.id,
      patient_id: patientId,
      physician_user_id: members.referring_physician.userId,
    })
    .execute();
  return {
    id: organization.id,
    slug: organization.slug,
    members,
    patient: {
      label: `${name} patient`,
      id: patientId,
      organizationId: organization.id,
      userId: members.patient.userId,
      proxyUserIds: [members.proxy.userId],
      referrerUserIds: [members.referring_physician.userId],
    },
    otherPatient: {
      label: `${name} other patient`,
      id: otherPatientMember.patientId!,
      organizationId: organization.id,
      userId: otherPatientMember.userId,
      proxyUserIds: [],
      referrerUserIds: [],
    },
  };
}

export async function createMatrixFixtures(testApp: TestApp): Promise<MatrixFixtures> {
  const a = await createFixtureOrganization(testApp, 'Org A');
  const b = await createFixtureOrganization(testApp, 'Org B');
  const subjects: Subject[] = [{ kind: 'anonymous', label: 'anonymous', client: testApp.client() }];
  for (const [name, organization] of [
    ['A', a],
    ['B', b],
  ] as const) {
    for (const role of roles) {
      const member = organization.members[role];
      subjects.push({
        kind: 'member',
        label: `${role}@${name}`,
        client: member.client,
        member,
        actor: actorOf(member),
      });
    }
  }
  // A staff member who passed the password step and has not yet given the second factor.
  const pending = await createMember(testApp, a.id, 'coordinator', { signIn: false });
  const first = await pending.client.post('/api/v1/auth/sign-in', {
    email: pending.email,
    password: testPassword,
  });
  if (first.body?.status !== 'mfa_required')
    throw new Error(`expected mfa_required, got ${first.text}`);
  subjects.push({
    kind: 'awaiting_second_factor',
    label: 'coordinator@A awaiting second factor',
    client: pending.client,
    member: pending,
  });
  // A staff member signed in who has not enrolled the mandatory second factor yet.
  const enrolling = await createMember(testApp, a.id, 'coordinator', { withTotp: false });
  subjects.push({
    kind: 'enrolment_required',
    label: 'coordinator@A without second factor',
    client: enrolling.client,
    member: enrolling,
    actor: actorOf(enrolling),
  });
  return { a, b, patients: [a.patient, a.otherPatient, b.patient], subjects };
}

/** A document attached to a fixture case: its row, and its file under the data directory. */
export interface FixtureAttachment {
  id: string;
  caseId: string;
  uploadedByUserId: string;
  content: string;
}

/**
 * Attaches a small text document to `caseId` as if `uploadedByUserId` had uploaded it, straight
 * into the database and the data directory (the upload route itself is exercised by the
 * attachments tests), so reads and removals have something to find.
 */
export async function createFixtureAttachment(
  testApp: TestApp,
  fixtureCase: { caseId: string; organizationId: string; uploadedByUserId: string },
): Promise<FixtureAttachment> {
  const id = randomUUID();
  const content = `Fixture document ${id}`;
  const storageKey = attachmentStorageKey(fixtureCase.organizationId, fixtureCase.caseId, id);
  const file = attachmentFilePath(testApp.app.services.config.dataDir, storageKey);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  await testApp.app.services.db
    .insertInto('case_attachments')
    .values({
      id,
      case_id: fixtureCase.caseId,
      file_name: 'fixture.txt',
      media_type: 'text/plain',
      size_bytes: Buffer.byteLength(content),
      sha256: createHash('sha256').update(content).digest('hex'),
      storage_key: storageKey,
      uploaded_by_user_id: fixtureCase.uploadedByUserId,
      uploaded_at: testApp.clock.now(),
    })
    .execute();
  return {
    id,
    caseId: fixtureCase.caseId,
    uploadedByUserId: fixtureCase.uploadedByUserId,
    content,
  };
}

/** Whether `actor` may add documents to a case of `patient` (see `attachmentUploadAction`). */
export function mayAttachTo(actor: Actor, patient: FixturePatient): boolean {
  const action = attachmentUploadAction(actor.role);
  return action !== null && can(actor, action, patientFacts(actor, patient));
}
