/**
 * Reading and correcting patient demographics. Every read and write is access-checked (as a SQL
 * filter) and audited in the same transaction; what the actor may not see answers 404. A proxy
 * or a referring physician acts for the patient, so their rows name the patient as the person
 * acted for.
 */
import type { Actor } from '../../core/access.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { auditOrigin, requireActor, type RequestContext } from '../http/request-context.ts';
import { findVisiblePatient, findVisiblePatients } from './patient-repository.ts';

export type PatientRow = NonNullable<Awaited<ReturnType<typeof findVisiblePatient>>>;

export type PatientInvitationStatus = 'pending' | 'expired' | 'accepted';

function invitationStatus(
  invitation: { expiresAt: string; acceptedAt: string | null },
  now: Date,
): PatientInvitationStatus {
  if (invitation.acceptedAt !== null) return 'accepted';
  return new Date(invitation.expiresAt) <= now ? 'expired' : 'pending';
}

/**
 * The patient as the API shows them. `referral` is only for the physician who referred the
 * patient: the address their invitation went to and whether the patient has confirmed.
 */
export function patientViewOf(row: PatientRow, now: Date) {
  const invitation = row.patient_invitation;
  return {
    id: row.id,
    givenName: row.given_name,
    familyName: row.family_name,
    birthDate: row.birth_date,
    hasAccount: row.user_id !== null,
    createdAt: row.created_at.toISOString(),
    referral:
      row.actor_is_referrer === true
        ? {
            email: row.email,
            invitation:
              invitation === null
                ? null
                : {
                    status: invitationStatus(invitation, now),
                    sentAt: new Date(invitation.sentAt).toISOString(),
                    expiresAt: new Date(invitation.expiresAt).toISOString(),
                  },
          }
        : null,
  };
}

export type PatientView = ReturnType<typeof patientViewOf>;

/**
 * Who acted and, when a proxy or the referring physician acts, for whom (the patient's account;
 * none yet for a referred patient who has not confirmed).
 */
export function patientAuditOrigin(
  context: RequestContext,
  actor: Actor,
  patientUserId: string | null,
) {
  const actsForPatient = actor.role === 'proxy' || actor.role === 'referring_physician';
  return {
    ...auditOrigin(context),
    onBehalfOfUserId:
      actsForPatient && patientUserId !== null && patientUserId !== actor.userId
        ? patientUserId
        : null,
  };
}

export async function listPatients(services: Services, context: RequestContext) {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const rows = await findVisiblePatients(unit.trx, actor, 200);
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'patient.list',
      entityType: 'Patient',
      details: { count: rows.length, patientIds: rows.map((row) => row.id) },
    });
    return rows.map((row) => patientViewOf(row, unit.now));
  });
}

export async function getPatient(services: Services, context: RequestContext, patientId: string) {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const row = await findVisiblePatient(unit.trx, actor, 'patient.read', patientId);
    if (row === undefined) throw new AppError('not_found');
    await unit.audit({
      ...patientAuditOrigin(context, actor, row.user_id),
      eventType: 'patient.read',
      patientId: row.id,
      entityType: 'Patient',
      entityId: row.id,
    });
    return patientViewOf(row, unit.now);
  });
}

export async function correctPatient(
  services: Services,
  context: RequestContext,
  patientId: string,
  changes: {
    givenName?: string | undefined;
    familyName?: string | undefined;
    birthDate?: string | null | undefined;
  },
) {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const row = await findVisiblePatient(unit.trx, actor, 'patient.update', patientId);
    if (row === undefined) throw new AppError('not_found');
    await unit.trx
      .updateTable('patients')
      .set({
        ...(changes.givenName === undefined ? {} : { given_name: changes.givenName }),
        ...(changes.familyName === undefined ? {} : { family_name: changes.familyName }),
        ...(changes.birthDate === undefined ? {} : { birth_date: changes.birthDate }),
        updated_at: unit.now,
      })
      .where('id', '=', row.id)
      .execute();
    await unit.audit({
      ...patientAuditOrigin(context, actor, row.user_id),
      eventType: 'patient.updated',
      patientId: row.id,
      entityType: 'Patient',
      entityId: row.id,
      details: {
        fields: Object.keys(changes).filter(
          (key) => changes[key as keyof typeof changes] !== undefined,
        ),
      },
    });
    const updated = await findVisiblePatient(unit.trx, actor, 'patient.read', row.id);
    if (updated === undefined) throw new AppError('not_found');
    return patientViewOf(updated, unit.now);
  });
}
