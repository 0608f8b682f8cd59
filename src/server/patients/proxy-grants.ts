/**
 * Proxy (caregiver) grants, managed by the patient alone: invite someone by email with a scope
 * (`view`: read the patient's record and cases; `act`: also edit, submit and answer for them),
 * see who helps and who was invited, change a scope, revoke a grant or an unanswered invitation.
 * A revoked grant ends access at once (the access filter reads the grant on every request).
 * Every change and every read of the list is audited with the patient's id.
 */
import type { ProxyScope } from '../../core/access.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact, type UnitOfWork } from '../app/unit-of-work.ts';
import { auditOrigin, requireActor, type RequestContext } from '../http/request-context.ts';
import { proxyInvitationMessage, toMailLocale } from '../mail/templates.ts';
import {
  findUnansweredProxyInvitations,
  revokeOpenPatientInvitations,
  revokeProxyInvitation,
} from './patient-invitation-repository.ts';
import { issuePatientSideInvitation } from './patient-invitations.ts';
import { findVisiblePatient } from './patient-repository.ts';
import {
  findProxyGrant,
  findProxyGrants,
  hasActiveProxyGrantForEmail,
  revokeProxyGrant,
  updateProxyGrantScope,
  type ProxyGrantRow,
} from './proxy-grant-repository.ts';

const asScope = (value: string | null): ProxyScope => (value === 'act' ? 'act' : 'view');

function grantViewOf(row: ProxyGrantRow) {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    scope: asScope(row.scope),
    grantedAt: row.granted_at.toISOString(),
    revokedAt: row.revoked_at === null ? null : row.revoked_at.toISOString(),
  };
}

export type ProxyGrantView = ReturnType<typeof grantViewOf>;

/** The patient whose proxies the actor manages (only the patient themself); 404 otherwise. */
async function requireManagedPatient(unit: UnitOfWork, context: RequestContext, patientId: string) {
  const actor = requireActor(context);
  const patient = await findVisiblePatient(unit.trx, actor, 'patient.proxy.manage', patientId);
  if (patient === undefined) throw new AppError('not_found');
  return patient;
}

/** Invites `email` to help the patient with `scope`; a newer invitation replaces an older one. */
export async function inviteProxy(
  services: Services,
  context: RequestContext,
  patientId: string,
  input: { email: string; scope: ProxyScope },
): Promise<{ id: string }> {
  const actor = requireActor(context);
  const email = input.email.trim().toLowerCase();
  return transact(services, async (unit) => {
    const patient = await requireManagedPatient(unit, context, patientId);
    if (email === context.user?.email)
      throw new AppError('conflict', { message: 'You cannot invite yourself.' });
    if (await hasActiveProxyGrantForEmail(unit.trx, patient.id, email)) {
      throw new AppError('already_exists', {
        message: 'This person already helps you. Change what they may do instead.',
      });
    }
    await revokeOpenPatientInvitations(
      unit.trx,
      { patientId: patient.id, role: 'proxy', email },
      unit.now,
    );
    const invitation = await issuePatientSideInvitation(services, unit, {
      organizationId: actor.organizationId,
      patientId: patient.id,
      email,
      role: 'proxy',
      proxyScope: input.scope,
      invitedByUserId: actor.userId,
    });
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'patient.proxy_invited',
      patientId: patient.id,
      entityType: 'Invitation',
      entityId: invitation.id,
      details: { scope: input.scope },
    });
    const organization = await unit.trx
      .selectFrom('organizations')
      .select('name')
      .where('id', '=', actor.organizationId)
      .executeTakeFirstOrThrow();
    await unit.email({
      to: email,
      organizationId: actor.organizationId,
      ...proxyInvitationMessage(
        toMailLocale(context.user?.locale ?? 'en'),
        organization.name,
        invitation.url,
      ),
    });
    return { id: invitation.id };
  });
}

/** Who helps the patient now, who was invited and has not answered, and whose help ended. */
export async function listProxies(services: Services, context: RequestContext, patientId: string) {
  return transact(services, async (unit) => {
    const patient = await requireManagedPatient(unit, context, patientId);
    const grants = (await findProxyGrants(unit.trx, patient.id)).map(grantViewOf);
    const invitations = await findUnansweredProxyInvitations(unit.trx, patient.id);
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'patient.proxies_read',
      patientId: patient.id,
      entityType: 'Patient',
      entityId: patient.id,
    });
    return {
      active: grants.filter((grant) => grant.revokedAt === null),
      invitations: invitations.map((invitation) => ({
        id: invitation.id,
        email: invitation.email,
        scope: asScope(invitation.proxy_scope),
        sentAt: invitation.created_at.toISOString(),
        expiresAt: invitation.expires_at.toISOString(),
        status: invitation.expires_at <= unit.now ? ('expired' as const) : ('pending' as const),
      })),
      revoked: grants.filter((grant) => grant.revokedAt !== null),
    };
  });
}

/** A grant of the patient that is still active; 404 when it is not theirs, 409 when it ended. */
async function requireActiveGrant(unit: UnitOfWork, patientId: string, grantId: string) {
  const grant = await findProxyGrant(unit.trx, patientId, grantId);
  if (grant === undefined) throw new AppError('not_found');
  if (grant.revoked_at !== null)
    throw new AppError('conflict', { message: 'This person no longer helps you.' });
  return grant;
}

/** Widens or narrows what a proxy may do; takes effect on the proxy's next request. */
export async function changeProxyScope(
  services: Services,
  context: RequestContext,
  patientId: string,
  grantId: string,
  scope: ProxyScope,
): Promise<ProxyGrantView> {
  return transact(services, async (unit) => {
    const patient = await requireManagedPatient(unit, context, patientId);
    const grant = await requireActiveGrant(unit, patient.id, grantId);
    const from = asScope(grant.scope);
    if (from !== scope) {
      if ((await updateProxyGrantScope(unit.trx, patient.id, grant.id, scope)) === undefined)
        throw new AppError('conflict', { message: 'This person no longer helps you.' });
      await unit.audit({
        ...auditOrigin(context),
        eventType: 'patient.proxy_scope_changed',
        patientId: patient.id,
        entityType: 'PatientProxy',
        entityId: grant.id,
        details: { proxyUserId: grant.proxy_user_id, from, to: scope },
      });
    }
    return grantViewOf({ ...grant, scope });
  });
}

/** Ends a proxy's access to the patient at once. */
export async function revokeProxy(
  services: Services,
  context: RequestContext,
  patientId: string,
  grantId: string,
): Promise<ProxyGrantView> {
  return transact(services, async (unit) => {
    const patient = await requireManagedPatient(unit, context, patientId);
    const grant = await requireActiveGrant(unit, patient.id, grantId);
    if ((await revokeProxyGrant(unit.trx, patient.id, grant.id, unit.now)) === undefined)
      throw new AppError('conflict', { message: 'This person no longer helps you.' });
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'patient.proxy_revoked',
      patientId: patient.id,
      entityType: 'PatientProxy',
      entityId: grant.id,
      details: { proxyUserId: grant.proxy_user_id, scope: asScope(grant.scope) },
    });
    return grantViewOf({ ...grant, revoked_at: unit.now });
  });
}

/** Withdraws an invitation nobody has answered yet; its link stops working. */
export async function withdrawProxyInvitation(
  services: Services,
  context: RequestContext,
  patientId: string,
  invitationId: string,
): Promise<void> {
  await transact(services, async (unit) => {
    const patient = await requireManagedPatient(unit, context, patientId);
    const revoked = await revokeProxyInvitation(unit.trx, patient.id, invitationId, unit.now);
    if (revoked === undefined) throw new AppError('not_found');
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'patient.proxy_invitation_revoked',
      patientId: patient.id,
      entityType: 'Invitation',
      entityId: revoked.id,
      details: { scope: asScope(revoked.proxy_scope) },
    });
  });
}
