/**
 * Patients referred by their physician (issue: "a referring physician can start a case on behalf
 * of a patient; the patient is invited to confirm and consent"). The physician registers the
 * patient (a record without an account yet) and becomes their referrer; the patient receives an
 * invitation to create their account, which links it to this same record, so the request the
 * physician started is theirs. The patient's consent is theirs alone to give.
 */
import { can } from '../../core/access.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact, type UnitOfWork } from '../app/unit-of-work.ts';
import { auditOrigin, requireActor, type RequestContext } from '../http/request-context.ts';
import { referredPatientInvitationMessage, toMailLocale } from '../mail/templates.ts';
import { revokeOpenPatientInvitations } from './patient-invitation-repository.ts';
import { issuePatientSideInvitation } from './patient-invitations.ts';
import {
  findVisiblePatient,
  insertPatientReferrer,
  insertReferredPatient,
} from './patient-repository.ts';
import { patientViewOf, type PatientView } from './patients.ts';

export interface ReferralInput {
  givenName: string;
  familyName: string;
  birthDate?: string | null | undefined;
  email: string;
}

/** Sends the patient the link to their request (inside the unit that records it). */
async function invitePatient(
  services: Services,
  unit: UnitOfWork,
  context: RequestContext,
  patient: { id: string; email: string },
  resent: boolean,
) {
  const actor = requireActor(context);
  const invitation = await issuePatientSideInvitation(services, unit, {
    organizationId: actor.organizationId,
    patientId: patient.id,
    email: patient.email,
    role: 'patient',
    proxyScope: null,
    invitedByUserId: actor.userId,
  });
  await unit.audit({
    ...auditOrigin(context),
    eventType: 'patient.invited',
    patientId: patient.id,
    entityType: 'Invitation',
    entityId: invitation.id,
    details: { resent },
  });
  const organization = await unit.trx
    .selectFrom('organizations')
    .select('name')
    .where('id', '=', actor.organizationId)
    .executeTakeFirstOrThrow();
  await unit.email({
    to: patient.email,
    organizationId: actor.organizationId,
    ...referredPatientInvitationMessage(
      toMailLocale(context.user?.locale ?? 'en'),
      organization.name,
      context.user?.name ?? organization.name,
      invitation.url,
    ),
  });
}

async function readBack(unit: UnitOfWork, context: RequestContext, patientId: string) {
  const row = await findVisiblePatient(unit.trx, requireActor(context), 'patient.read', patientId);
  if (row === undefined) throw new AppError('not_found');
  return patientViewOf(row, unit.now);
}

/** Registers a referred patient, links the physician as referrer and invites the patient. */
export async function referPatient(
  services: Services,
  context: RequestContext,
  input: ReferralInput,
): Promise<PatientView> {
  const actor = requireActor(context);
  if (!can(actor, 'patient.create', { organizationId: actor.organizationId, relations: [] }))
    throw new AppError('not_found');
  const email = input.email.trim().toLowerCase();
  return transact(services, async (unit) => {
    const patient = await insertReferredPatient(unit.trx, {
      organizationId: actor.organizationId,
      givenName: input.givenName,
      familyName: input.familyName,
      birthDate: input.birthDate ?? null,
      email,
      now: unit.now,
    });
    await insertPatientReferrer(unit.trx, {
      organizationId: actor.organizationId,
      patientId: patient.id,
      physicianUserId: actor.userId,
      now: unit.now,
    });
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'patient.referred',
      patientId: patient.id,
      entityType: 'Patient',
      entityId: patient.id,
    });
    await invitePatient(services, unit, context, { id: patient.id, email }, false);
    return readBack(unit, context, patient.id);
  });
}

/**
 * Sends a referred patient a new invitation (the old link stops working): for a link that
 * expired or went astray. 409 once the patient has confirmed.
 */
export async function resendPatientInvitation(
  services: Services,
  context: RequestContext,
  patientId: string,
): Promise<PatientView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const patient = await findVisiblePatient(unit.trx, actor, 'patient.invite', patientId);
    if (patient === undefined) throw new AppError('not_found');
    if (patient.user_id !== null)
      throw new AppError('conflict', { message: 'This patient has already confirmed.' });
    if (patient.email === null)
      throw new AppError('conflict', { message: 'This patient has no email address on record.' });
    await revokeOpenPatientInvitations(
      unit.trx,
      { patientId: patient.id, role: 'patient' },
      unit.now,
    );
    await invitePatient(services, unit, context, { id: patient.id, email: patient.email }, true);
    return readBack(unit, context, patient.id);
  });
}
