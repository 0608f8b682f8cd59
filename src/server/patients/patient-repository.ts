/**
 * SQL for patient records, bound to the acting member: the access rule from core becomes a SQL
 * filter here, so a row the actor may not see is never loaded (and the caller answers 404).
 */
import type { Expression, SqlBool } from 'kysely';
import type { Action, Actor } from '../../core/access.ts';
import { patientAccessFilter } from '../access/patient-access-filter.ts';
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
  'p.created_at',
] as const;

export function findVisiblePatients(db: Executor, actor: Actor, limit: number) {
  return db
    .selectFrom('patients as p')
    .select(patientColumns)
    .where(accessFilter(actor, 'patient.read'))
    .orderBy('p.family_name')
    .orderBy('p.id')
    .limit(limit)
    .execute();
}

export function findVisiblePatient(db: Executor, actor: Actor, action: Action, patientId: string) {
  return db
    .selectFrom('patients as p')
    .select(patientColumns)
    .where('p.id', '=', patientId)
    .where(accessFilter(actor, action))
    .executeTakeFirst();
}
