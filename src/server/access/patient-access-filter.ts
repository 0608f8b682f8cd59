/**
 * The access policy of core as a SQL condition over anything that belongs to a patient (the
 * patient record itself, a case): "the actor relates to this row's patient under one of the
 * relations granted for the action, within the actor's organization". Repositories add it to
 * their queries, so a row the actor may not see is never loaded (and the caller answers 404).
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { accessScope, type Action, type Actor, type Relation } from '../../core/access.ts';

export interface PatientOwnedColumns {
  /** Qualified column holding the row's organization, e.g. `c.organization_id`. */
  organization: string;
  /** Qualified column holding the row's patient id, e.g. `c.patient_id` (or `p.id`). */
  patient: string;
}

/** The SQL condition "the actor is in `relation` to the patient in `patientColumn`". */
export function patientRelation(
  actor: Actor,
  relation: 'self' | 'proxy' | 'referrer',
  patientColumn: string,
): RawBuilder<SqlBool> {
  const patient = sql.ref(patientColumn);
  switch (relation) {
    case 'self':
      return sql<SqlBool>`EXISTS (SELECT 1 FROM patients own WHERE own.id = ${patient} AND own.user_id = ${actor.userId})`;
    case 'proxy':
      return sql<SqlBool>`EXISTS (SELECT 1 FROM patient_proxies pp WHERE pp.patient_id = ${patient} AND pp.proxy_user_id = ${actor.userId} AND pp.revoked_at IS NULL)`;
    case 'referrer':
      return sql<SqlBool>`EXISTS (SELECT 1 FROM patient_referrers pr WHERE pr.patient_id = ${patient} AND pr.physician_user_id = ${actor.userId})`;
  }
}

export function patientAccessFilter(
  actor: Actor,
  action: Action,
  columns: PatientOwnedColumns,
): Expression<SqlBool> {
  const granted: readonly Relation[] = accessScope(actor, action);
  const conditions = granted.map((relation) => {
    switch (relation) {
      case 'organization':
        return sql<SqlBool>`true`;
      case 'self':
      case 'proxy':
      case 'referrer':
        return patientRelation(actor, relation, columns.patient);
      case 'assigned':
        // Offers and assignment arrive with matching; until then nobody is assigned.
        return sql<SqlBool>`false`;
      default: {
        const exhaustive: never = relation;
        throw new Error(`unknown relation ${String(exhaustive)}`);
      }
    }
  });
  if (conditions.length === 0) return sql<SqlBool>`false`;
  return sql<SqlBool>`(${sql.ref(columns.organization)} = ${actor.organizationId} AND (${sql.join(conditions, sql` OR `)}))`;
}
