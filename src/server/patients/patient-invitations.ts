/**
 * Invitations on the patient's side: a referred patient confirming the request their physician
 * started, and a proxy (caregiver) the patient asked for help. Both use the invitation link of
 * staff invitations (a single-use token, 7 days, stored as a digest); accepting one creates or
 * reuses the account and links it to the patient, audited with the patient's id.
 *
 * Who may accept with an existing account: a proxy who already helps someone in this
 * organization (they confirm with their password; the link alone is not enough to change an
 * account). Everyone else needs a new account: one membership per person and organization, and
 * a patient record is never merged into another.
 */
import type { ProxyScope } from '../../core/access.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact, type UnitOfWork } from '../app/unit-of-work.ts';
import { assertNotLocked, recordFailure } from '../auth/lockout-guard.ts';
import { hashPassword, verifyPassword } from '../auth/password-hashing.ts';
import { assertAcceptablePassword } from '../auth/sign-up.ts';
import type { RequestContext } from '../http/request-context.ts';
import { createToken, hashToken } from '../platform/secrets.ts';
import {
  claimInvitation,
  findAccountForInvitation,
  findOpenPatientSideInvitation,
  insertInvitedUser,
  insertMembership,
  insertPatientSideInvitation,
  type InvitationAccount,
  type OpenPatientSideInvitation,
  type PatientSideRole,
} from './patient-invitation-repository.ts';
import { linkPatientAccount } from './patient-repository.ts';
import { findActiveProxyGrant, insertProxyGrant } from './proxy-grant-repository.ts';

/** As long as staff invitations (the emails say so). */
export const patientInvitationLifetimeMs = 7 * 24 * 60 * 60_000;

/** Whether an invitation of this role is accepted here rather than as a staff invitation. */
export function isPatientSideRole(role: string): role is PatientSideRole {
  return role === 'patient' || role === 'proxy';
}

/** Records a new invitation inside `unit` and answers its id and the emailed link. */
export async function issuePatientSideInvitation(
  services: Pick<Services, 'config'>,
  unit: UnitOfWork,
  invitation: {
    organizationId: string;
    patientId: string;
    email: string;
    role: PatientSideRole;
    proxyScope: ProxyScope | null;
    invitedByUserId: string;
  },
) {
  const token = createToken();
  const row = await insertPatientSideInvitation(unit.trx, {
    ...invitation,
    tokenHash: hashToken(token),
    expiresAt: new Date(unit.now.getTime() + patientInvitationLifetimeMs),
    now: unit.now,
  });
  return {
    id: row.id,
    sentAt: row.created_at,
    expiresAt: row.expires_at,
    url: `${services.config.http.publicUrl}/invitation?token=${token}`,
  };
}

/**
 * How the invited person can accept: with a new account, with the account they have (a proxy
 * helping someone else here), or not at all (the email belongs to another kind of account).
 */
export type InvitationAccountStanding = 'new' | 'existing' | 'unavailable';

function accountStanding(
  role: PatientSideRole,
  account: InvitationAccount | undefined,
): InvitationAccountStanding {
  if (account === undefined) return 'new';
  if (account.deactivated_at !== null || role === 'patient') return 'unavailable';
  if (account.membership_id === null) return account.member_elsewhere ? 'unavailable' : 'existing';
  return account.membership_role === 'proxy' && account.membership_status === 'active'
    ? 'existing'
    : 'unavailable';
}

function unavailableAccount(role: PatientSideRole, account: InvitationAccount): AppError {
  if (role === 'patient' && account.membership_role === 'patient') {
    return new AppError('conflict', {
      message:
        'This email address already has its own patient record here. Sign in with it, or ask your physician to use another address.',
    });
  }
  return new AppError('conflict', {
    message:
      role === 'patient'
        ? 'This email address already belongs to an account that cannot be linked to this request. Ask your physician to use another address.'
        : 'This email address already belongs to an account that cannot help a patient here. Ask the patient to invite another address.',
  });
}

const fullName = (invitation: OpenPatientSideInvitation) =>
  `${invitation.patient_given_name} ${invitation.patient_family_name}`.trim();

async function findOpen(services: Services, token: string): Promise<OpenPatientSideInvitation> {
  const invitation = await findOpenPatientSideInvitation(
    services.db,
    hashToken(token),
    services.clock.now(),
  );
  if (invitation === undefined || !isPatientSideRole(invitation.role))
    throw new AppError('invalid_token');
  return invitation;
}

/** What the invitation page shows: who invited, for which patient, and how to accept. */
export async function describePatientSideInvitation(services: Services, token: string) {
  const invitation = await findOpen(services, token);
  const role = invitation.role as PatientSideRole;
  const account = await findAccountForInvitation(
    services.db,
    invitation.email,
    invitation.organization_id,
  );
  return {
    organizationName: invitation.organization_name,
    role,
    email: invitation.email,
    patientName: fullName(invitation),
    invitedByName: invitation.inviter_name ?? invitation.organization_name,
    ...(role === 'proxy' ? { proxyScope: (invitation.proxy_scope ?? 'view') as ProxyScope } : {}),
    account: accountStanding(role, account),
  };
}

function nameRequired(): AppError {
  return new AppError('validation_failed', {
    details: { issues: [{ path: 'body.name', message: 'required' }] },
  });
}

interface NewAccount {
  kind: 'new';
  name: string;
  passwordHash: string;
}

async function createInvitedAccount(
  unit: UnitOfWork,
  invitation: OpenPatientSideInvitation,
  role: PatientSideRole,
  account: NewAccount,
) {
  const user = await insertInvitedUser(unit.trx, {
    email: invitation.email,
    name: account.name,
    passwordHash: account.passwordHash,
    now: unit.now,
  });
  // Someone created an account with this address since the page was opened.
  if (user === undefined) throw new AppError('conflict');
  const membership = await insertMembership(unit.trx, {
    organizationId: invitation.organization_id,
    userId: user.id,
    role,
    now: unit.now,
  });
  if (membership === undefined) throw new AppError('conflict');
  return { userId: user.id, membershipId: membership.id };
}

async function reuseInvitedAccount(
  unit: UnitOfWork,
  invitation: OpenPatientSideInvitation,
  role: PatientSideRole,
  account: InvitationAccount,
) {
  // The link proves the address, as the verification email would.
  await unit.trx
    .updateTable('users')
    .set({ email_verified_at: unit.now, updated_at: unit.now })
    .where('id', '=', account.id)
    .where('email_verified_at', 'is', null)
    .execute();
  if (account.membership_id !== null)
    return { userId: account.id, membershipId: account.membership_id };
  const membership = await insertMembership(unit.trx, {
    organizationId: invitation.organization_id,
    userId: account.id,
    role,
    now: unit.now,
  });
  if (membership === undefined) throw new AppError('conflict');
  return { userId: account.id, membershipId: membership.id };
}

/**
 * Accepts a patient-side invitation. A new account takes the password chosen here (for a
 * patient, the name of their record); an existing proxy account confirms with its password
 * (failures count towards the lockout like a sign-in). Then, in one transaction: the link is
 * spent, the account and membership exist, and the proxy grant or the patient's link to their
 * record is in place, with its audit events.
 */
export async function acceptPatientSideInvitation(
  services: Services,
  context: RequestContext,
  input: { token: string; name?: string | undefined; password: string },
): Promise<void> {
  const invitation = await findOpen(services, input.token);
  const role = invitation.role as PatientSideRole;
  const account = await findAccountForInvitation(
    services.db,
    invitation.email,
    invitation.organization_id,
  );
  let plan: { kind: 'existing'; account: InvitationAccount } | NewAccount;
  if (account !== undefined) {
    if (accountStanding(role, account) === 'unavailable') throw unavailableAccount(role, account);
    await assertNotLocked(services, invitation.email, 'password');
    const matches =
      account.password_hash !== null &&
      (await verifyPassword(account.password_hash, input.password));
    if (!matches) {
      await recordFailure(services, context, {
        email: invitation.email,
        kind: 'password',
        userId: account.id,
      });
      throw new AppError('invalid_credentials', {
        message: 'The password is not correct. Use the password of your existing account.',
      });
    }
    plan = { kind: 'existing', account };
  } else {
    const name = role === 'patient' ? fullName(invitation) : (input.name?.trim() ?? '');
    if (name === '') throw nameRequired();
    assertAcceptablePassword(services, input.password, invitation.email);
    plan = { kind: 'new', name, passwordHash: await hashPassword(input.password) };
  }

  await transact(services, async (unit) => {
    if ((await claimInvitation(unit.trx, invitation.id, unit.now)) === undefined)
      throw new AppError('invalid_token');
    const { userId, membershipId } =
      plan.kind === 'new'
        ? await createInvitedAccount(unit, invitation, role, plan)
        : await reuseInvitedAccount(unit, invitation, role, plan.account);

    const origin = {
      organizationId: invitation.organization_id,
      actorUserId: userId,
      patientId: invitation.patient_id,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
    };
    await unit.audit({
      ...origin,
      eventType: 'member.invitation_accepted',
      entityType: 'Invitation',
      entityId: invitation.id,
      details: { role, membershipId, newAccount: plan.kind === 'new' },
    });
    if (role === 'proxy') {
      if (invitation.patient_id === null) throw new Error('proxy invitation without a patient');
      if ((await findActiveProxyGrant(unit.trx, invitation.patient_id, userId)) !== undefined)
        throw new AppError('conflict', { message: 'You already help this patient.' });
      const scope: ProxyScope = invitation.proxy_scope === 'act' ? 'act' : 'view';
      const grant = await insertProxyGrant(unit.trx, {
        organizationId: invitation.organization_id,
        patientId: invitation.patient_id,
        proxyUserId: userId,
        scope,
        grantedByUserId: invitation.invited_by_user_id,
        now: unit.now,
      });
      await unit.audit({
        ...origin,
        eventType: 'patient.proxy_granted',
        entityType: 'PatientProxy',
        entityId: grant.id,
        details: {
          scope,
          invitationId: invitation.id,
          grantedByUserId: invitation.invited_by_user_id,
        },
      });
    } else {
      if (invitation.patient_id === null) throw new Error('patient invitation without a patient');
      const linked = await linkPatientAccount(unit.trx, invitation.patient_id, userId, unit.now);
      if (linked === undefined)
        throw new AppError('conflict', { message: 'This patient record already has an account.' });
      await unit.audit({
        ...origin,
        eventType: 'patient.account_linked',
        entityType: 'Patient',
        entityId: invitation.patient_id,
        details: { invitationId: invitation.id },
      });
    }
  });
}
