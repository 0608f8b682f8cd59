/**
 * SQL for the invitations that belong to a patient: the patient's own invitation (a referred
 * patient confirming the request a physician started) and invitations of the patient's proxies.
 * Tokens are stored as digests only. No rules here: the use cases decide, this module reads and
 * writes.
 */
import type { ProxyScope } from '../../core/access.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

type Executor = Database | DatabaseTransaction;

export type PatientSideRole = 'patient' | 'proxy';

export function insertPatientSideInvitation(
  db: Executor,
  invitation: {
    organizationId: string;
    patientId: string;
    email: string;
    role: PatientSideRole;
    proxyScope: ProxyScope | null;
    invitedByUserId: string;
    tokenHash: string;
    expiresAt: Date;
    now: Date;
  },
) {
  return db
    .insertInto('invitations')
    .values({
      organization_id: invitation.organizationId,
      patient_id: invitation.patientId,
      email: invitation.email,
      role: invitation.role,
      proxy_scope: invitation.proxyScope,
      invited_by_user_id: invitation.invitedByUserId,
      token_hash: invitation.tokenHash,
      expires_at: invitation.expiresAt,
      created_at: invitation.now,
    })
    .returning(['id', 'created_at', 'expires_at'])
    .executeTakeFirstOrThrow();
}

/** Revokes the patient's open invitations of `role` (for `email` only, when given). */
export function revokeOpenPatientInvitations(
  db: Executor,
  filter: { patientId: string; role: PatientSideRole; email?: string },
  now: Date,
) {
  let query = db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('patient_id', '=', filter.patientId)
    .where('role', '=', filter.role)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null);
  if (filter.email !== undefined) query = query.where('email', '=', filter.email);
  return query.returning('id').execute();
}

/** Proxy invitations of the patient that were neither accepted nor revoked (expired ones too). */
export function findUnansweredProxyInvitations(db: Executor, patientId: string) {
  return db
    .selectFrom('invitations')
    .select(['id', 'email', 'proxy_scope', 'created_at', 'expires_at'])
    .where('patient_id', '=', patientId)
    .where('role', '=', 'proxy')
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

/** Revokes one unanswered proxy invitation of the patient; undefined when there is none. */
export function revokeProxyInvitation(
  db: Executor,
  patientId: string,
  invitationId: string,
  now: Date,
) {
  return db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('id', '=', invitationId)
    .where('patient_id', '=', patientId)
    .where('role', '=', 'proxy')
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning(['id', 'email', 'proxy_scope'])
    .executeTakeFirst();
}

/**
 * An open (unaccepted, unrevoked, unexpired) patient-side invitation by token digest, with what
 * the invitation page shows: the organization, the patient's name and who invited.
 */
export function findOpenPatientSideInvitation(db: Executor, tokenHash: string, now: Date) {
  return db
    .selectFrom('invitations as i')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .innerJoin('patients as p', 'p.id', 'i.patient_id')
    .leftJoin('users as inviter', 'inviter.id', 'i.invited_by_user_id')
    .select([
      'i.id',
      'i.organization_id',
      'i.email',
      'i.role',
      'i.proxy_scope',
      'i.patient_id',
      'i.invited_by_user_id',
      'o.name as organization_name',
      'p.given_name as patient_given_name',
      'p.family_name as patient_family_name',
      'p.user_id as patient_user_id',
      'inviter.name as inviter_name',
    ])
    .where('i.token_hash', '=', tokenHash)
    .where('i.role', 'in', ['patient', 'proxy'])
    .where('i.accepted_at', 'is', null)
    .where('i.revoked_at', 'is', null)
    .where('i.expires_at', '>', now)
    .executeTakeFirst();
}

export type OpenPatientSideInvitation = NonNullable<
  Awaited<ReturnType<typeof findOpenPatientSideInvitation>>
>;

/**
 * Marks the invitation accepted if it is still open at `now`; exactly one of two concurrent
 * acceptances gets the row back (the link is single-use).
 */
export function claimInvitation(db: Executor, invitationId: string, now: Date) {
  return db
    .updateTable('invitations')
    .set({ accepted_at: now })
    .where('id', '=', invitationId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('id')
    .executeTakeFirst();
}

/** The account behind an email and its membership in `organizationId`, if any. */
export function findAccountForInvitation(db: Executor, email: string, organizationId: string) {
  return db
    .selectFrom('users as u')
    .leftJoin('memberships as m', (join) =>
      join.onRef('m.user_id', '=', 'u.id').on('m.organization_id', '=', organizationId),
    )
    .select([
      'u.id',
      'u.password_hash',
      'u.deactivated_at',
      'm.id as membership_id',
      'm.role as membership_role',
      'm.status as membership_status',
      (eb) =>
        eb
          .exists(
            eb
              .selectFrom('memberships as elsewhere')
              .select('elsewhere.id')
              .whereRef('elsewhere.user_id', '=', 'u.id')
              .where('elsewhere.organization_id', '<>', organizationId)
              .where('elsewhere.status', '=', 'active'),
          )
          .as('member_elsewhere'),
    ])
    .where('u.email', '=', email)
    .executeTakeFirst();
}

export type InvitationAccount = NonNullable<Awaited<ReturnType<typeof findAccountForInvitation>>>;

export function insertInvitedUser(
  db: Executor,
  user: { email: string; name: string; passwordHash: string; now: Date },
) {
  return db
    .insertInto('users')
    .values({
      email: user.email,
      name: user.name,
      password_hash: user.passwordHash,
      email_verified_at: user.now,
      created_at: user.now,
      updated_at: user.now,
    })
    .onConflict((conflict) => conflict.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
}

export function insertMembership(
  db: Executor,
  membership: { organizationId: string; userId: string; role: PatientSideRole; now: Date },
) {
  return db
    .insertInto('memberships')
    .values({
      organization_id: membership.organizationId,
      user_id: membership.userId,
      role: membership.role,
      created_at: membership.now,
    })
    .onConflict((conflict) => conflict.columns(['organization_id', 'user_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
}
