/**
 * The access policy of core as a SQL condition over anything that belongs to a patient (the
 * patient record itself, a case): "the actor relates to this row's patient under one of the
 * relations granted for the action, within the actor's organization". Repositories add it to
 * their queries, so a row the actor may not see is never loaded (and the caller answers 404).
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import {
  accessScope,
  proxyScopeFor,
  type Action,
  type Actor,
  type ProxyScope,
  type Relation,
} from '../../core/access.ts';

export interface PatientOwnedColumns {
  /** Qualified column holding the row's organization, e.g. `c.organization_id`. */
  organization: string;
  /** Qualified column holding the row's patient id, e.g. `c.patient_id` (or `p.id`). */
  patient: string;
  /**
   * Qualified column holding the case id when the row is a case (or belongs to one): `assigned`
   * then means "on this case"; without it, "on any case of this patient".
   */
  case?: string;
}

/**
 * The SQL condition "the actor works on the case in `caseColumn`": its assigned specialist, the
 * specialist holding its pending offer (who must read the case to decide), or its peer reviewer.
 * A declined, expired or withdrawn offer and a reassignment end the relation at once.
 */
export function caseParticipation(actor: Actor, caseColumn: string): RawBuilder<SqlBool> {
  const caseId = sql.ref(caseColumn);
  return sql<SqlBool>`(EXISTS (SELECT 1 FROM cases ac WHERE ac.id = ${caseId} AND ac.assigned_specialist_user_id = ${actor.userId})
    OR EXISTS (SELECT 1 FROM case_offers co WHERE co.case_id = ${caseId} AND co.specialist_user_id = ${actor.userId} AND co.status = 'pending')
    OR EXISTS (SELECT 1 FROM peer_reviews pr WHERE pr.case_id = ${caseId} AND pr.reviewer_user_id = ${actor.userId} AND pr.status <> 'withdrawn'))`;
}

/**
 * The SQL condition "the actor is in `relation` to the patient in `patientColumn`". For `proxy`,
 * `proxyScope` names the scope the grant must cover: `act` for anything that writes (a `view`
 * grant does not hold then); omitted or `view`, any active grant holds.
 */
export function patientRelation(
  actor: Actor,
  relation: 'self' | 'proxy' | 'referrer',
  patientColumn: string,
  proxyScope: ProxyScope = 'view',
): RawBuilder<SqlBool> {
  const patient = sql.ref(patientColumn);
  switch (relation) {
    case 'self':
      return sql<SqlBool>`EXISTS (SELECT 1 FROM patients own WHERE own.id = ${patient} AND own.user_id = ${actor.userId})`;
    case 'proxy':
      // A revoked grant ends access at once: every request reads the grant again.
      return proxyScope === 'act'
        ? sql<SqlBool>`EXISTS (SELECT 1 FROM patient_proxies pp WHERE pp.patient_id = ${patient} AND pp.proxy_user_id = ${actor.userId} AND pp.revoked_at IS NULL AND pp.scope = 'act')`
        : sql<SqlBool>`EXISTS (SELECT 1 FROM patient_proxies pp WHERE pp.patient_id = ${patient} AND pp.proxy_user_id = ${actor.userId} AND pp.revoked_at IS NULL)`;
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
      case 'referrer':
        return patientRelation(actor, relation, columns.patient);
      case 'proxy':
        // The grant's scope must cover the action: a `view` proxy reads, an `act` proxy also writes.
        return patientRelation(actor, relation, columns.patient, proxyScopeFor(action));
      case 'assigned':
        return columns.case === undefined
          ? sql<SqlBool>`EXISTS (SELECT 1 FROM cases pc WHERE pc.patient_id = ${sql.ref(columns.patient)} AND ${caseParticipation(actor, 'pc.id')})`
          : caseParticipation(actor, columns.case);
      default: {
        const exhaustive: never = relation;
        throw new Error(`unknown relation ${String(exhaustive)}`);
      }
    }
  });
  if (conditions.length === 0) return sql<SqlBool>`false`;
  return sql<SqlBool>`(${sql.ref(columns.organization)} = ${actor.organizationId} AND (${sql.join(conditions, sql` OR `)}))`;
}
