/**
 * SQL for proxy grants (`patient_proxies`): who may act for a patient, with which scope, since
 * when, and when the grant ended. A grant is never deleted: revoking stamps `revoked_at`, so the
 * history of who could act for the patient stays. No rules here.
 */
import { sql } from 'kysely';
import type { ProxyScope } from '../../core/access.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

type Executor = Database | DatabaseTransaction;

const grantColumns = [
  'g.id',
  'g.patient_id',
  'g.proxy_user_id',
  'g.scope',
  'g.granted_at',
  'g.revoked_at',
  'u.name',
  'u.email',
] as const;

/** Every grant of the patient, active first, then newest first. */
export function findProxyGrants(db: Executor, patientId: string) {
  return db
    .selectFrom('patient_proxies as g')
    .innerJoin('users as u', 'u.id', 'g.proxy_user_id')
    .select(grantColumns)
    .where('g.patient_id', '=', patientId)
    .orderBy(sql`g.revoked_at IS NULL`, 'desc')
    .orderBy('g.granted_at', 'desc')
    .orderBy('g.id')
    .execute();
}

export type ProxyGrantRow = Awaited<ReturnType<typeof findProxyGrants>>[number];

/** The active grant of `proxyUserId` for the patient, if any. */
export function findActiveProxyGrant(db: Executor, patientId: string, proxyUserId: string) {
  return db
    .selectFrom('patient_proxies')
    .select(['id', 'scope'])
    .where('patient_id', '=', patientId)
    .where('proxy_user_id', '=', proxyUserId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Whether an active grant of the patient belongs to the account with `email`. */
export async function hasActiveProxyGrantForEmail(
  db: Executor,
  patientId: string,
  email: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('patient_proxies as g')
    .innerJoin('users as u', 'u.id', 'g.proxy_user_id')
    .select('g.id')
    .where('g.patient_id', '=', patientId)
    .where('u.email', '=', email)
    .where('g.revoked_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

export function insertProxyGrant(
  db: Executor,
  grant: {
    organizationId: string;
    patientId: string;
    proxyUserId: string;
    scope: ProxyScope;
    grantedByUserId: string | null;
    now: Date;
  },
) {
  return db
    .insertInto('patient_proxies')
    .values({
      organization_id: grant.organizationId,
      patient_id: grant.patientId,
      proxy_user_id: grant.proxyUserId,
      scope: grant.scope,
      granted_by_user_id: grant.grantedByUserId,
      granted_at: grant.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** Changes the scope of an active grant of the patient; undefined when there is none. */
export function updateProxyGrantScope(
  db: Executor,
  patientId: string,
  grantId: string,
  scope: ProxyScope,
) {
  return db
    .updateTable('patient_proxies')
    .set({ scope })
    .where('id', '=', grantId)
    .where('patient_id', '=', patientId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
}

/** Ends an active grant of the patient; undefined when there is none. */
export function revokeProxyGrant(db: Executor, patientId: string, grantId: string, now: Date) {
  return db
    .updateTable('patient_proxies')
    .set({ revoked_at: now })
    .where('id', '=', grantId)
    .where('patient_id', '=', patientId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
}

/** One grant of the patient (active or not), with the proxy's name and email. */
export function findProxyGrant(db: Executor, patientId: string, grantId: string) {
  return db
    .selectFrom('patient_proxies as g')
    .innerJoin('users as u', 'u.id', 'g.proxy_user_id')
    .select(grantColumns)
    .where('g.patient_id', '=', patientId)
    .where('g.id', '=', grantId)
    .executeTakeFirst();
}
