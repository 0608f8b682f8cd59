/**
 * Provisioning from the command line and the demo seed: organizations and members created
 * directly (no invitation email), inside the caller's unit of work and audited like any change.
 */
import type { Role } from '../../core/roles.ts';
import type { UnitOfWork } from '../app/unit-of-work.ts';

/**
 * The consent text a new organization starts with (version 1); its administrator publishes its
 * own versions later. Patients accept a version, and the exact version accepted is stored.
 */
export const defaultConsentText =
  'I ask for a second medical opinion on my case. I agree that the coordinators, specialists and reviewers of this organization may read the information and records I provide, for this purpose only. I understand that the opinion does not replace my own doctor, who remains responsible for my care, and that I may withdraw my request at any time before the opinion is signed.';

export async function provisionOrganization(
  unit: UnitOfWork,
  input: { slug: string; name: string; timeZone?: string },
) {
  const organization = await unit.trx
    .insertInto('organizations')
    .values({
      slug: input.slug,
      name: input.name,
      time_zone: input.timeZone ?? 'UTC',
      created_at: unit.now,
    })
    .returning(['id', 'slug', 'name', 'consent_version'])
    .executeTakeFirstOrThrow();
  await unit.trx
    .insertInto('consent_texts')
    .values({
      organization_id: organization.id,
      version: organization.consent_version,
      text: defaultConsentText,
      published_at: unit.now,
    })
    .execute();
  await unit.audit({
    eventType: 'org.created',
    organizationId: organization.id,
    actorUserId: null,
    entityType: 'Organization',
    entityId: organization.id,
    details: { slug: input.slug },
  });
  return organization;
}

/** Create a verified account with a membership (and, for patients, the patient record). */
export async function provisionMember(
  unit: UnitOfWork,
  input: {
    organizationId: string;
    email: string;
    name: string;
    passwordHash: string;
    role: Role;
    birthDate?: string;
  },
) {
  const user = await unit.trx
    .insertInto('users')
    .values({
      email: input.email.toLowerCase(),
      name: input.name,
      password_hash: input.passwordHash,
      email_verified_at: unit.now,
      created_at: unit.now,
      updated_at: unit.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const membership = await unit.trx
    .insertInto('memberships')
    .values({
      organization_id: input.organizationId,
      user_id: user.id,
      role: input.role,
      created_at: unit.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  let patientId: string | null = null;
  if (input.role === 'patient') {
    const parts = input.name.split(' ');
    const patient = await unit.trx
      .insertInto('patients')
      .values({
        organization_id: input.organizationId,
        user_id: user.id,
        given_name: parts.slice(0, -1).join(' ') || input.name,
        family_name: parts.length > 1 ? (parts[parts.length - 1] ?? '') : '',
        birth_date: input.birthDate ?? null,
        created_at: unit.now,
        updated_at: unit.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    patientId = patient.id;
    await unit.audit({
      eventType: 'patient.created',
      organizationId: input.organizationId,
      actorUserId: null,
      patientId,
      entityType: 'Patient',
      entityId: patientId,
    });
  }
  await unit.audit({
    eventType: 'member.invitation_accepted',
    organizationId: input.organizationId,
    actorUserId: null,
    entityType: 'Membership',
    entityId: membership.id,
    details: { role: input.role, provisioned: true, userId: user.id },
  });
  return { userId: user.id, membershipId: membership.id, patientId };
}
