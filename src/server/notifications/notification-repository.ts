/**
 * SQL for notifications: who may receive one, writing them, and a member's own inbox. Every read
 * of the inbox is bound to one user of one organization; no rules live here.
 */
import { sql, type SqlBool } from 'kysely';
import type { Database, DatabaseTransaction } from '../db/database.ts';

type Executor = Database | DatabaseTransaction;

/** The position of a notification in the inbox (newest first): its instant, then its id. */
export interface InboxCursor {
  createdAt: Date;
  id: string;
}

/**
 * Of `userIds`, the active accounts with an active membership of the organization, with the role
 * they hold there.
 */
export function findReachableUsers(
  db: Executor,
  organizationId: string,
  userIds: readonly string[],
) {
  return db
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .distinctOn('u.id')
    .select(['u.id', 'u.email', 'u.locale', 'm.role'])
    .where('u.id', 'in', userIds)
    .where('u.deactivated_at', 'is', null)
    .where('m.organization_id', '=', organizationId)
    .where('m.status', '=', 'active')
    .orderBy('u.id')
    .orderBy('m.created_at')
    .execute();
}

export async function insertNotifications(
  db: Executor,
  rows: ReadonlyArray<{
    organizationId: string;
    userId: string;
    caseId: string | null;
    kind: string;
    data: Record<string, unknown>;
    createdAt: Date;
  }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('notifications')
    .values(
      rows.map((row) => ({
        organization_id: row.organizationId,
        user_id: row.userId,
        case_id: row.caseId,
        kind: row.kind,
        data: JSON.stringify(row.data),
        created_at: row.createdAt,
      })),
    )
    .execute();
}

export async function findActiveCoordinatorIds(
  db: Executor,
  organizationId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .select('user_id')
    .distinct()
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'coordinator')
    .where('status', '=', 'active')
    .orderBy('user_id')
    .execute();
  return rows.map((row) => row.user_id);
}

/** The patient's own account (when there is one) and the unrevoked proxies of the case's patient. */
export async function findPatientSideIds(db: Executor, caseId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('cases as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .select('p.user_id as userId')
    .where('c.id', '=', caseId)
    .where('p.user_id', 'is not', null)
    .union(
      db
        .selectFrom('cases as c')
        .innerJoin('patient_proxies as pp', 'pp.patient_id', 'c.patient_id')
        .select('pp.proxy_user_id as userId')
        .where('c.id', '=', caseId)
        .where('pp.revoked_at', 'is', null),
    )
    .execute();
  return rows.flatMap((row) => (row.userId === null ? [] : [row.userId])).sort();
}

const inboxColumns = ['id', 'kind', 'case_id', 'data', 'created_at', 'read_at'] as const;

/** One page of a member's notifications, newest first. */
export function findInboxPage(
  db: Executor,
  owner: { userId: string; organizationId: string },
  filter: { unreadOnly: boolean },
  cursor: InboxCursor | null,
  limit: number,
) {
  let query = db
    .selectFrom('notifications')
    .select(inboxColumns)
    .where('user_id', '=', owner.userId)
    .where('organization_id', '=', owner.organizationId);
  if (filter.unreadOnly) query = query.where('read_at', 'is', null);
  if (cursor !== null)
    query = query.where(sql<SqlBool>`(created_at, id) < (${cursor.createdAt}, ${cursor.id})`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export type InboxRow = Awaited<ReturnType<typeof findInboxPage>>[number];

export async function countUnread(
  db: Executor,
  owner: { userId: string; organizationId: string },
): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select(db.fn.countAll<number>().as('count'))
    .where('user_id', '=', owner.userId)
    .where('organization_id', '=', owner.organizationId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return row.count;
}

/** Marks one of the member's notifications read (keeping the first read instant); undefined when not theirs. */
export function markNotificationRead(
  db: Executor,
  owner: { userId: string; organizationId: string },
  id: string,
  now: Date,
) {
  return db
    .updateTable('notifications')
    .set({ read_at: sql<Date>`coalesce(read_at, ${now})` })
    .where('id', '=', id)
    .where('user_id', '=', owner.userId)
    .where('organization_id', '=', owner.organizationId)
    .returning(inboxColumns)
    .executeTakeFirst();
}

/** Marks every unread notification of the member read; returns how many changed. */
export async function markAllNotificationsRead(
  db: Executor,
  owner: { userId: string; organizationId: string },
  now: Date,
): Promise<number> {
  const result = await db
    .updateTable('notifications')
    .set({ read_at: now })
    .where('user_id', '=', owner.userId)
    .where('organization_id', '=', owner.organizationId)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
