/**
 * SQL of the deadline sweep: claiming overdue stages and stages whose deadline draws near. Claims
 * lock the case rows they take with `FOR NO KEY UPDATE SKIP LOCKED`, so two sweeps running at once
 * (two server instances) take disjoint cases, and nothing waits on a case a person is changing.
 */
import { sql, type SqlBool } from 'kysely';
import { timedStages } from '../../core/service-levels.ts';
import type { DatabaseTransaction } from '../db/database.ts';

/** The stage's deadline has not been escalated yet (NULL-safe: a first escalation too). */
const notYetEscalated = sql<SqlBool>`escalated_deadline_at IS DISTINCT FROM stage_deadline_at`;

/**
 * Marks up to `limit` overdue stages escalated and returns them. One statement: the inner select
 * locks the rows it picks and skips locked ones; the outer UPDATE re-checks the condition on the
 * latest row version, so a stage another sweep escalated meanwhile is not returned twice.
 */
export function claimOverdueStages(trx: DatabaseTransaction, now: Date, limit: number) {
  return trx
    .updateTable('cases')
    .set({ escalated_deadline_at: sql<Date>`stage_deadline_at` })
    .where(
      'id',
      'in',
      trx
        .selectFrom('cases')
        .select('id')
        .where('state', 'in', timedStages)
        .where('stage_deadline_at', '<=', now)
        .where(notYetEscalated)
        .orderBy('stage_deadline_at')
        .orderBy('id')
        .limit(limit)
        .forNoKeyUpdate()
        .skipLocked(),
    )
    .where('state', 'in', timedStages)
    .where('stage_deadline_at', '<=', now)
    .where(notYetEscalated)
    .returning(['id', 'organization_id', 'state', 'stage_deadline_at'])
    .execute();
}

/** Where the approaching-deadline scan resumes: after this (deadline, case id). */
export interface ApproachingCursor {
  deadline: Date;
  id: string;
}

/**
 * The stage deadline was already announced as approaching to its owner. The instant travels through
 * JSON as an ISO string with milliseconds, so both sides are compared at that precision.
 */
const alreadyAnnounced = sql<SqlBool>`EXISTS (
  SELECT 1 FROM notifications n
  WHERE n.case_id = c.id
    AND n.kind = 'deadline_approaching'
    AND date_trunc('milliseconds', (n.data->>'deadline')::timestamptz)
      = date_trunc('milliseconds', c.stage_deadline_at)
)`;

/**
 * Locks up to `limit` cases whose stage deadline falls after `now` and no later than the window of
 * their urgency, not yet announced, in deadline order after `cursor`.
 */
export function lockApproachingStages(
  trx: DatabaseTransaction,
  now: Date,
  windows: { routine: Date; urgent: Date },
  cursor: ApproachingCursor | null,
  limit: number,
) {
  let query = trx
    .selectFrom('cases as c')
    .select(['c.id', 'c.stage_deadline_at'])
    .where('c.state', 'in', timedStages)
    .where('c.stage_deadline_at', '>', now)
    .where(
      sql<SqlBool>`c.stage_deadline_at <= CASE WHEN c.urgency = 'urgent' THEN ${windows.urgent}::timestamptz ELSE ${windows.routine}::timestamptz END`,
    )
    .where(sql<SqlBool>`NOT ${alreadyAnnounced}`);
  if (cursor !== null)
    query = query.where(
      sql<SqlBool>`(c.stage_deadline_at, c.id) > (${cursor.deadline}, ${cursor.id})`,
    );
  return query
    .orderBy('c.stage_deadline_at')
    .orderBy('c.id')
    .limit(limit)
    .forNoKeyUpdate()
    .skipLocked()
    .execute();
}

/**
 * The locked cases that are still not announced, read in a new statement (so a sweep that
 * announced one of them and committed before the lock was taken is seen), with who owns the stage.
 */
export function findUnannouncedStages(trx: DatabaseTransaction, caseIds: readonly string[]) {
  return trx
    .selectFrom('cases as c')
    .leftJoin('case_offers as o', (join) =>
      join.onRef('o.case_id', '=', 'c.id').on('o.status', '=', 'pending'),
    )
    .select([
      'c.id',
      'c.organization_id',
      'c.state',
      'c.urgency',
      'c.stage_owner',
      'c.stage_deadline_at',
      'c.assigned_specialist_user_id',
      'c.referring_physician_user_id',
      'o.specialist_user_id as offered_specialist_user_id',
    ])
    .where('c.id', 'in', caseIds)
    .where(sql<SqlBool>`NOT ${alreadyAnnounced}`)
    .orderBy('c.stage_deadline_at')
    .orderBy('c.id')
    .execute();
}
