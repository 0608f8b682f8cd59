/**
 * SQL for patient records, bound to the acting member: the access rule from core becomes a SQL
 * filter here, so a row the actor may not see is never loaded (and the caller answers 404).
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Action, Actor } from '../../core/access.ts';
import { patientAccessFilter, patientRelation } from '../access/patient-access-filter.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

type Executor = Database | DatabaseTransaction;

/** The access rule over patients `p`. */
function accessFilter(actor: Actor, action: Action): Expression<SqlBool> {
  return patientAccessFilter(actor, action, { organization: 'p.organization_id', patient: 'p.id' });
}

const patientColumns = [
  'p.id',
  'p.organization_id',
  'p.user_id',
  'p.given_name',
  'p.family_name',
  'p.birth_date',
  'p.email',
  'p.created_at',
] as const;

/** The latest patient invitation not replaced by a newer one, for the referral's status. */
const latestPatientInvitation = sql<{
  sentAt: string;
  expiresAt: string;
  acceptedAt: string | null;
} | null>`(SELECT json_build_object('sentAt', i.created_at, 'expiresAt', i.expires_at, 'acceptedAt', i.accepted_at)
  FROM invitations i WHERE i.patient_id = p.id AND i.role = 'patient' AND i.revoked_at IS NULL
  ORDER BY i.created_at DESC, i.id LIMIT 1)`;

/** The patient columns with the actor's referral of the patient (when the actor referred them). */
function selectPatients(db: Executor, actor: Actor) {
  return db
    .selectFrom('patients as p')
    .select(patientColumns)
    .select([
      patientRelation(actor, 'referrer', 'p.id').as('actor_is_referrer'),
      latestPatientInvitation.as('patient_invitation'),
    ]);
}

export function findVisiblePatients(db: Executor, actor: Actor, limit: number) {
  return selectPatients(db, actor)
    .where(accessFilter(actor, 'patient.read'))
    .orderBy('p.family_name')
    .orderBy('p.id')
    .limit(limit)
    .execute();
}

export function findVisiblePatient(db: Executor, actor: Actor, action: Action, patientId: string) {
  return selectPatients(db, actor)
    .where('p.id', '=', patientId)
    .where(accessFilter(actor, action))
    .executeTakeFirst();
}

/** A patient record without an account yet (a referred patient who has not confirmed). */
export function insertReferredPatient(
  db: Executor,
  patient: {
    organizationId: string;
    givenName: string;
    familyName: string;
    birthDate: string | null;
    email: string;
    now: Date;
  },
) {
  return db
    .insertInto('patients')
    .values({
      organization_id: patient.organizationId,
      user_id: null,
      given_name: patient.givenName,
      family_name: patient.familyName,
      birth_date: patient.birthDate,
      email: patient.email,
      created_at: patient.now,
      updated_at: patient.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function insertPatientReferrer(
  db: Executor,
  referrer: { organizationId: string; patientId: string; physicianUserId: string; now: Date },
) {
  return db
    .insertInto('patient_referrers')
    .values({
      organization_id: referrer.organizationId,
      patient_id: referrer.patientId,
      physician_user_id: referrer.physicianUserId,
      created_at: referrer.now,
    })
    .execute();
}

/** Links the patient record to its person's new account; undefined when already linked. */
export function linkPatientAccount(db: Executor, patientId: string, userId: string, now: Date) {
  return db
    .updateTable('patients')
    .set({ user_id: userId, updated_at: now })
    .where('id', '=', patientId)
    .where('user_id', 'is', null)
    .returning('id')
    .executeTakeFirst();
}
