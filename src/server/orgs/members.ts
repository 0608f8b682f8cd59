/**
 * The organization's members: listing, inviting by email, accepting an invitation, and
 * deactivation (which ends every session of the person at once).
 */
import { can } from '../../core/access.ts';
import { AppError } from '../../core/errors.ts';
import type { InvitableRole, Role } from '../../core/roles.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { revokeAllSessions } from '../auth/auth-repository.ts';
import { hashPassword } from '../auth/password-hashing.ts';
import { assertAcceptablePassword } from '../auth/sign-up.ts';
import type { RequestContext } from '../http/request-context.ts';
import { requireActor } from '../http/request-context.ts';
import { invitationMessage, toMailLocale } from '../mail/templates.ts';
import {
  acceptPatientSideInvitation,
  describePatientSideInvitation,
  isPatientSideRole,
} from '../patients/patient-invitations.ts';
import { createToken, hashToken } from '../platform/secrets.ts';

const invitationLifetimeMs = 7 * 24 * 60 * 60_000;

export async function listMembers(services: Services, context: RequestContext) {
  const actor = requireActor(context);
  if (!can(actor, 'member.read', { organizationId: actor.organizationId, relations: [] }))
    throw new AppError('not_found');
  const rows = await services.db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('passkeys as p', 'p.user_id', 'u.id')
    .select((eb) => [
      'm.id',
      'm.user_id',
      'm.role',
      'm.status',
      'm.created_at',
      'u.name',
      'u.email',
      'u.totp_enabled_at',
      eb.fn.count<number>('p.id').as('passkeys'),
    ])
    .where('m.organization_id', '=', actor.organizationId)
    .groupBy(['m.id', 'u.id'])
    .orderBy('u.name')
    .execute();
  await transact(services, async (unit) => {
    await unit.audit({
      eventType: 'member.read',
      organizationId: actor.organizationId,
      actorUserId: actor.userId,
      entityType: 'Organization',
      entityId: actor.organizationId,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      details: { count: rows.length },
    });
  });
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    name: row.name,
    email: row.email,
    role: row.role as Role,
    status: row.status as 'active' | 'deactivated',
    mfaEnrolled: row.totp_enabled_at !== null || row.passkeys > 0,
    createdAt: row.created_at.toISOString(),
  }));
}

export async function inviteMember(
  services: Services,
  context: RequestContext,
  input: { email: string; role: InvitableRole },
): Promise<string> {
  const actor = requireActor(context);
  if (!can(actor, 'member.invite', { organizationId: actor.organizationId, relations: [] }))
    throw new AppError('not_found');
  const email = input.email.trim().toLowerCase();
  const existing = await services.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirst();
  if (existing !== undefined) {
    throw new AppError('already_exists', { message: 'This person already has an account.' });
  }
  const organization = await services.db
    .selectFrom('organizations')
    .select(['name'])
    .where('id', '=', actor.organizationId)
    .executeTakeFirstOrThrow();
  return transact(services, async (unit) => {
    await unit.trx
      .updateTable('invitations')
      .set({ revoked_at: unit.now })
      .where('organization_id', '=', actor.organizationId)
      .where('email', '=', email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
    const token = createToken();
    const invitation = await unit.trx
      .insertInto('invitations')
      .values({
        organization_id: actor.organizationId,
        email,
        role: input.role,
        invited_by_user_id: actor.userId,
        token_hash: hashToken(token),
        expires_at: new Date(unit.now.getTime() + invitationLifetimeMs),
        created_at: unit.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await unit.audit({
      eventType: 'member.invited',
      organizationId: actor.organizationId,
      actorUserId: actor.userId,
      entityType: 'Invitation',
      entityId: invitation.id,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      details: { role: input.role },
    });
    await unit.email({
      to: email,
      organizationId: actor.organizationId,
      ...invitationMessage(
        toMailLocale(context.user?.locale ?? 'en'),
        organization.name,
        input.role,
        `${services.config.http.publicUrl}/invitation?token=${token}`,
      ),
    });
    return invitation.id;
  });
}

function findOpenInvitation(services: Services, token: string, now: Date) {
  return services.db
    .selectFrom('invitations as i')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .select(['i.id', 'i.email', 'i.role', 'i.organization_id', 'o.name as organization_name'])
    .where('i.token_hash', '=', hashToken(token))
    .where('i.accepted_at', 'is', null)
    .where('i.revoked_at', 'is', null)
    .where('i.expires_at', '>', now)
    .executeTakeFirst();
}

export async function describeInvitation(services: Services, token: string) {
  const invitation = await findOpenInvitation(services, token, services.clock.now());
  if (invitation === undefined) throw new AppError('invalid_token');
  // A patient's or a proxy's invitation names the patient and may be accepted with an account.
  if (isPatientSideRole(invitation.role)) return describePatientSideInvitation(services, token);
  return {
    organizationName: invitation.organization_name,
    role: invitation.role,
    email: invitation.email,
  };
}

/** Create the invited person's account (email already proven by the link) and membership. */
export async function acceptInvitation(
  services: Services,
  context: RequestContext,
  input: { token: string; name?: string | undefined; password: string },
) {
  const invitation = await findOpenInvitation(services, input.token, services.clock.now());
  if (invitation === undefined) throw new AppError('invalid_token');
  if (isPatientSideRole(invitation.role))
    return acceptPatientSideInvitation(services, context, input);
  const name = input.name?.trim() ?? '';
  if (name === '') {
    throw new AppError('validation_failed', {
      details: { issues: [{ path: 'body.name', message: 'required' }] },
    });
  }
  assertAcceptablePassword(services, input.password, invitation.email);
  const passwordHash = await hashPassword(input.password);
  await transact(services, async (unit) => {
    const claimed = await unit.trx
      .updateTable('invitations')
      .set({ accepted_at: unit.now })
      .where('id', '=', invitation.id)
      .where('accepted_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (claimed === undefined) throw new AppError('invalid_token');
    const user = await unit.trx
      .insertInto('users')
      .values({
        email: invitation.email,
        name,
        password_hash: passwordHash,
        email_verified_at: unit.now,
        created_at: unit.now,
        updated_at: unit.now,
      })
      .onConflict((conflict) => conflict.column('email').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (user === undefined)
      throw new AppError('already_exists', { message: 'This person already has an account.' });
    await unit.trx
      .insertInto('memberships')
      .values({
        organization_id: invitation.organization_id,
        user_id: user.id,
        role: invitation.role,
        created_at: unit.now,
      })
      .execute();
    await unit.audit({
      eventType: 'member.invitation_accepted',
      organizationId: invitation.organization_id,
      actorUserId: user.id,
      entityType: 'Invitation',
      entityId: invitation.id,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      details: { role: invitation.role },
    });
  });
}

/** Deactivate a membership; the person's sessions end at once. */
export async function deactivateMember(
  services: Services,
  context: RequestContext,
  membershipId: string,
) {
  const actor = requireActor(context);
  if (!can(actor, 'member.deactivate', { organizationId: actor.organizationId, relations: [] }))
    throw new AppError('not_found');
  if (membershipId === actor.membershipId) {
    throw new AppError('conflict', { message: 'You cannot deactivate your own account.' });
  }
  await transact(services, async (unit) => {
    const membership = await unit.trx
      .updateTable('memberships')
      .set({ status: 'deactivated', deactivated_at: unit.now })
      .where('id', '=', membershipId)
      .where('organization_id', '=', actor.organizationId)
      .where('status', '=', 'active')
      .returning(['id', 'user_id'])
      .executeTakeFirst();
    if (membership === undefined) throw new AppError('not_found');
    const remaining = await unit.trx
      .selectFrom('memberships')
      .select('id')
      .where('user_id', '=', membership.user_id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (remaining === undefined) {
      await unit.trx
        .updateTable('users')
        .set({ deactivated_at: unit.now, updated_at: unit.now })
        .where('id', '=', membership.user_id)
        .execute();
    }
    await revokeAllSessions(unit.trx, membership.user_id, unit.now, 'account_deactivated');
    await unit.audit({
      eventType: 'member.deactivated',
      organizationId: actor.organizationId,
      actorUserId: actor.userId,
      entityType: 'Membership',
      entityId: membership.id,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      details: { userId: membership.user_id },
    });
  });
}
