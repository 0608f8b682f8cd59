/**
 * The cases a member may see: the patient side's own cases, or the coordinator's queue across the
 * organization (issue 3: filter by stage, urgency, overdue; sorted by deadline; counts per stage;
 * keyset pagination so deep pages stay as fast as the first).
 */
import { accessScope } from '../../core/access.ts';
import { caseStates, type CaseState, type Urgency } from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import { isOverdue } from '../../core/service-levels.ts';
import type { Actor } from '../../core/access.ts';
import type { Services } from '../app/services.ts';
import { auditedRead } from '../app/unit-of-work.ts';
import type { Database } from '../db/database.ts';
import { createReadSharing, perOwner, type ReadSharing } from '../platform/batching.ts';
import { auditOrigin, requireActor, type RequestContext } from '../http/request-context.ts';
import { asCaseState, asUrgency } from './case-facts.ts';
import { countCasesByState, findCasePage, type QueueCursor } from './case-repository.ts';

export interface CaseListQuery {
  state?: CaseState | undefined;
  urgency?: Urgency | undefined;
  overdue?: boolean | undefined;
  assignee?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** The opaque cursor: the (deadline, id) of the last row of the page, base64url JSON. */
function encodeCursor(cursor: QueueCursor): string {
  return Buffer.from(
    JSON.stringify({ d: cursor.deadline?.toISOString() ?? null, i: cursor.id }),
  ).toString('base64url');
}

function decodeCursor(text: string): QueueCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'd' in parsed && 'i' in parsed) {
      const { d, i } = parsed;
      const deadline = typeof d === 'string' ? new Date(d) : null;
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
      if (
        typeof i === 'string' &&
        uuid.test(i) &&
        (d === null || (deadline !== null && !Number.isNaN(deadline.getTime())))
      )
        return { deadline, id: i };
    }
  } catch {
    // Falls through to the validation error below.
  }
  throw new AppError('validation_failed', {
    message: 'The page cursor is not valid.',
    details: { issues: [{ path: 'query.cursor', message: 'invalid cursor' }] },
  });
}

/** Per read pool: queue pages being read, shared by identical requests that overlap. */
const sharingFor = perOwner<Database, ReadSharing>(() => createReadSharing());

/**
 * What decides which cases an actor's page holds besides the query: staff who see the whole
 * organization see the same cases as everyone of their role there; anyone else sees their own.
 */
function visibilityKey(actor: Actor, organizationWide: boolean): unknown[] {
  return organizationWide
    ? ['organization', actor.organizationId, actor.role]
    : ['member', actor.organizationId, actor.membershipId, actor.userId, actor.role];
}

/**
 * One page of visible cases by deadline. Staff who see the whole organization get the counts per
 * state and, unless they ask for drafts, no drafts: a draft is still the patient's own.
 *
 * When a coordination desk's screens refresh together (a change pushed to every coordinator),
 * many identical page requests arrive at once: those that overlap share one read of the page
 * (platform/batching.ts; never a read that began before the request), and each is audited on its
 * own, with the cases it was shown.
 */
export async function listCases(services: Services, context: RequestContext, query: CaseListQuery) {
  const actor = requireActor(context);
  const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
  const organizationWide = accessScope(actor, 'case.read').includes('organization');
  const key = JSON.stringify([
    ...visibilityKey(actor, organizationWide),
    query.state ?? null,
    query.urgency ?? null,
    query.overdue ?? null,
    query.assignee ?? null,
    query.cursor ?? null,
    query.limit,
  ]);
  return auditedRead(services, async (unit) => {
    const view = await sharingFor(unit.db)(key, () =>
      readCasePage(services, actor, organizationWide, query, cursor),
    );
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'case.listed',
      entityType: 'Case',
      details: { count: view.cases.length, caseIds: view.cases.map((item) => item.id) },
    });
    return view;
  });
}

/** The page as answered, read at the time it runs (deadlines are compared with that instant). */
async function readCasePage(
  services: Services,
  actor: Actor,
  organizationWide: boolean,
  query: CaseListQuery,
  cursor: QueueCursor | null,
) {
  const now = services.clock.now();
  const [rows, stateCounts] = await Promise.all([
    findCasePage(
      services.readDb,
      actor,
      {
        state: query.state,
        excludeStates: organizationWide ? ['draft'] : [],
        urgency: query.urgency,
        overdueAt: query.overdue === true ? now : undefined,
        assignee: query.assignee,
      },
      cursor,
      query.limit + 1,
    ),
    organizationWide ? countCasesByState(services.readDb, actor.organizationId) : null,
  ]);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    cases: page.map((row) => ({
      id: row.id,
      patientId: row.patient_id,
      patientName: `${row.given_name} ${row.family_name}`.trim(),
      state: asCaseState(row.state),
      urgency: asUrgency(row.urgency),
      stageOwner: row.stage_owner,
      assignedSpecialistUserId: row.assigned_specialist_user_id,
      assignedSpecialistName: row.assigned_specialist_name,
      stageDeadlineAt: row.stage_deadline_at?.toISOString() ?? null,
      overdue: isOverdue(row.stage_deadline_at, now),
      submittedAt: row.submitted_at?.toISOString() ?? null,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      version: row.version,
    })),
    nextCursor:
      rows.length > query.limit && last !== undefined
        ? encodeCursor({ deadline: last.stage_deadline_at, id: last.id })
        : null,
    counts: stateCounts === null ? null : countsByState(stateCounts),
  };
}

/** Every state named, with 0 for those the organization has no case in. */
function countsByState(rows: readonly { state: string; count: number }[]) {
  const counts = Object.fromEntries(caseStates.map((state) => [state, 0] as [CaseState, number]));
  for (const row of rows) counts[asCaseState(row.state)] = row.count;
  return counts;
}
