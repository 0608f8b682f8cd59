/**
 * The cases a member may see: the patient side's own cases, or the coordinator's queue across the
 * organization (issue 3: filter by stage, urgency, overdue; sorted by deadline; counts per stage;
 * keyset pagination so deep pages stay as fast as the first).
 */
import { accessScope } from '../../core/access.ts';
import { caseStates, type CaseState, type Urgency } from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import { isOverdue } from '../../core/service-levels.ts';
import type { Services } from '../app/services.ts';
import { auditedRead } from '../app/unit-of-work.ts';
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

/**
 * One page of visible cases by deadline. Staff who see the whole organization get the counts per
 * state and, unless they ask for drafts, no drafts: a draft is still the patient's own.
 */
export async function listCases(services: Services, context: RequestContext, query: CaseListQuery) {
  const actor = requireActor(context);
  const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
  const organizationWide = accessScope(actor, 'case.read').includes('organization');
  return auditedRead(services, async (unit) => {
    const [rows, stateCounts] = await Promise.all([
      findCasePage(
        unit.db,
        actor,
        {
          state: query.state,
          excludeStates: organizationWide ? ['draft'] : [],
          urgency: query.urgency,
          overdueAt: query.overdue === true ? unit.now : undefined,
          assignee: query.assignee,
        },
        cursor,
        query.limit + 1,
      ),
      organizationWide ? countCasesByState(unit.db, actor.organizationId) : null,
    ]);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const counts = organizationWide
      ? Object.fromEntries(caseStates.map((state) => [state, 0] as [CaseState, number]))
      : null;
    if (counts !== null) {
      for (const row of stateCounts ?? []) counts[asCaseState(row.state)] = row.count;
    }
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'case.listed',
      entityType: 'Case',
      details: { count: page.length, caseIds: page.map((row) => row.id) },
    });
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
        overdue: isOverdue(row.stage_deadline_at, unit.now),
        submittedAt: row.submitted_at?.toISOString() ?? null,
        createdAt: row.created_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
        version: row.version,
      })),
      nextCursor:
        rows.length > query.limit && last !== undefined
          ? encodeCursor({ deadline: last.stage_deadline_at, id: last.id })
          : null,
      counts,
    };
  });
}
