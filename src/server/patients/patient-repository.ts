/**
 * SQL for patient records, bound to the acting member: the access rule from core becomes a SQL
 * filter here, so a row the actor may not see is never loaded (and the caller answers 404).
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import { accessScope, type Action, type Actor, type Relation } from '../../core/access.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

type Executor = Database | DatabaseTransaction;

/** The SQL condition "actor relates to patient p under one of the granted relations". */
function accessFilter(actor: Actor, action: Action): Expression<SqlBool> {
  const granted: readonly Relation[] = accessScope(actor, action);
  const conditions = granted.map((relation) => {
    switch (relation) {
      case 'organization':
        return sql<SqlBool>`true`;
      case 'self':
        return sql<SqlBool>`p.user_id = ${actor.userId}`;
      case 'proxy':
        return sql<SqlBool>`EXISTS (SELECT 1 FROM patient_proxies pp WHERE pp.patient_id = p.id AND pp.proxy_user_id = ${actor.userId} AND pp.revoked_at IS NULL)`;
      case 'referrer':
        return sql<SqlBool>`EXISTS (SELECT 1 FROM patient_referrers pr WHERE pr.patient_id = p.id AND pr.physician_user_id = ${actor.userId})`;
      case 'assigned':
        // Case assignment arrives with the case lifecycle; until then nobody is assigned.
        return sql<SqlBool>`false`;
      default: {
        const exhaustive: never = relation;
        throw new Error(`unknown relation ${String(exhaustive)}`);
      }
    }
  });
  if (conditions.length === 0) return sql<SqlBool>`false`;
  return sql<SqlBool>`(p.organization_id = ${actor.organizationId} AND (${sql.join(conditions, sql` OR `)}))`;
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
