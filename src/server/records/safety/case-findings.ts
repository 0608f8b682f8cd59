/**
 * The safety net's findings of a case as people see and handle them:
 * - everyone who may read the case sees its findings; the patient side sees the plain words and
 *   what they can do, staff also the technical explanation, the values compared and the trail;
 * - the coordinator runs the checks on demand, and resolves (saying how) or dismisses (with a
 *   reason) a finding; every decision is appended to the finding's trail and audited;
 * - `requireNoOpenBlocker` is the guard of `mark_ready`: a case with an open blocker does not move
 *   on to matching unless the coordinator overrides it with a reason, which resolves each open
 *   blocker as `overridden` (audited).
 */
import type { z } from 'zod';
import type { Actor } from '../../../core/access.ts';
import { AppError } from '../../../core/errors.ts';
import type { EvidenceSource } from '../../../core/safety/finding.ts';
import {
  decideFinding,
  findingDecisionSchema,
  resolveFinding,
  type TrackedFinding,
} from '../../../core/safety/resolution.ts';
import type { Services } from '../../app/services.ts';
import { auditedRead, transact, type UnitOfWork } from '../../app/unit-of-work.ts';
import { caseAuditOrigin } from '../../cases/case-facts.ts';
import type { Database, DatabaseTransaction } from '../../db/database.ts';
import { requireActor, type RequestContext } from '../../http/request-context.ts';
import {
  findRecordsCheckedAt,
  findUserNames,
  listTrackedFindings,
  lockCaseRecords,
  saveTrackedFindings,
} from '../record-repository.ts';
import { findRecordsCase } from '../records-case.ts';
import type { findingDecisionBody, findingListView, findingView } from '../records.types.ts';
import { checkCaseRecords } from './check-case-records.ts';

type FindingView = z.infer<typeof findingView>;

/** Staff who handle findings: the coordinator, who triages the case. */
function handlesFindings(actor: Actor): boolean {
  return actor.role === 'coordinator';
}

function evidenceLabel(source: EvidenceSource): { label: string; documentId: string | null } {
  switch (source.type) {
    case 'document':
      return {
        label:
          source.foundIn === undefined
            ? source.displayName
            : `${source.displayName} (${source.foundIn})`,
        documentId: source.documentId,
      };
    case 'clinical_item':
      return { label: source.display, documentId: source.sourceDocumentId };
    case 'intake':
      return {
        label: source.entry === undefined ? source.field : `${source.field}: ${source.entry}`,
        documentId: null,
      };
    case 'checklist':
      return { label: `${source.checklist} checklist: ${source.itemId}`, documentId: null };
  }
}

async function userNames(db: Database | DatabaseTransaction, ids: readonly string[]) {
  return new Map((await findUserNames(db, ids)).map((row) => [row.id, row.name]));
}

function viewOf(
  tracked: TrackedFinding & { id: string },
  staff: boolean,
  names: Map<string, string>,
): FindingView {
  const person = (id: string | null) => (id === null ? null : { id, name: names.get(id) ?? '' });
  const { finding } = tracked;
  return {
    id: tracked.id,
    rule: finding.rule,
    severity: finding.severity,
    state: tracked.state,
    present: tracked.present,
    patientText: finding.patientMessage,
    patientAction: finding.patientAction,
    staffText: staff ? finding.staffMessage : null,
    evidence: finding.evidence.sources.map(evidenceLabel),
    values: staff ? finding.evidence.values : null,
    resolution:
      tracked.resolution === null
        ? null
        : {
            outcome: tracked.resolution.outcome,
            by: person(tracked.resolution.by),
            at: tracked.resolution.at,
            method: tracked.resolution.method,
            note: staff ? tracked.resolution.note : null,
          },
    trail: staff
      ? tracked.trail.map((step) => ({
          at: step.at,
          action: step.action,
          by: person(step.by),
          method: step.method,
          note: step.note,
          severity: step.severity,
        }))
      : null,
    firstRaisedAt: tracked.firstRaisedAt,
    lastRaisedAt: tracked.lastRaisedAt,
  };
}

async function listView(
  db: Database | DatabaseTransaction,
  tracked: readonly (TrackedFinding & { id: string })[],
  staff: boolean,
  checkedAt: Date | null,
): Promise<z.infer<typeof findingListView>> {
  // The patient side sees what is still to do; staff see the whole record.
  const shown = staff ? tracked : tracked.filter((item) => item.state === 'open' && item.present);
  const names = await userNames(
    db,
    shown.flatMap((item) => [
      ...(item.resolution?.by === null || item.resolution === null ? [] : [item.resolution.by]),
      ...item.trail.flatMap((step) => (step.by === null ? [] : [step.by])),
    ]),
  );
  const open = shown.filter((item) => item.state === 'open' && item.present);
  const order = { blocker: 0, warning: 1, info: 2 } as const;
  return {
    findings: shown
      .map((item) => viewOf(item, staff, names))
      .sort(
        (a, b) =>
          Number(a.state !== 'open') - Number(b.state !== 'open') ||
          order[a.severity] - order[b.severity] ||
          a.rule.localeCompare(b.rule),
      ),
    checkedAt: checkedAt?.toISOString() ?? null,
    counts: {
      blocker: open.filter((item) => item.finding.severity === 'blocker').length,
      warning: open.filter((item) => item.finding.severity === 'warning').length,
      info: open.filter((item) => item.finding.severity === 'info').length,
    },
  };
}

/** The findings of a case as the caller may see them. */
export async function listCaseFindings(
  services: Services,
  context: RequestContext,
  caseId: string,
): Promise<z.infer<typeof findingListView>> {
  const actor = requireActor(context);
  return auditedRead(services, async (unit) => {
    const found = await findRecordsCase(unit.db, actor, caseId);
    const [tracked, checkedAt] = await Promise.all([
      listTrackedFindings(unit.db, found.id),
      findRecordsCheckedAt(unit.db, found.id),
    ]);
    await unit.audit({
      ...caseAuditOrigin(context, actor, found.patient_user_id),
      eventType: 'record.findings_read',
      patientId: found.patient_id,
      entityType: 'Case',
      entityId: found.id,
      details: { findings: tracked.length },
    });
    return listView(
      unit.db,
      tracked,
      actor.role !== 'patient' && actor.role !== 'proxy' && actor.role !== 'referring_physician',
      checkedAt,
    );
  });
}

/** The coordinator runs the checks now; answers the findings as they stand after the run. */
export async function runCaseChecks(
  services: Services,
  context: RequestContext,
  caseId: string,
): Promise<z.infer<typeof findingListView>> {
  const actor = requireActor(context);
  const found = await findRecordsCase(services.db, actor, caseId);
  if (!handlesFindings(actor)) throw new AppError('not_found');
  const tracked = await checkCaseRecords(services, found.id, actor.userId);
  if (tracked === null) throw new AppError('not_found');
  return listView(services.db, tracked, true, await findRecordsCheckedAt(services.db, found.id));
}

/** The coordinator resolves or dismisses one finding. */
export async function decideCaseFinding(
  services: Services,
  context: RequestContext,
  caseId: string,
  findingId: string,
  body: z.infer<typeof findingDecisionBody>,
): Promise<FindingView> {
  const actor = requireActor(context);
  const parsed = findingDecisionSchema.safeParse(
    body.outcome === 'resolved'
      ? { outcome: 'resolved', method: body.method, note: body.note ?? null }
      : { outcome: 'dismissed', reason: body.reason },
  );
  if (!parsed.success || (body.outcome === 'resolved' && body.reason !== undefined))
    throw new AppError('validation_failed', {
      message: 'Resolving a finding needs how it was resolved; dismissing it needs a reason.',
      details: {
        issues: [{ path: body.outcome === 'resolved' ? 'method' : 'reason', message: 'Required' }],
      },
    });
  const decision = parsed.data;
  return transact(services, async (unit) => {
    const found = await findRecordsCase(unit.trx, actor, caseId);
    if (!handlesFindings(actor)) throw new AppError('not_found');
    await lockCaseRecords(unit.trx, found.id);
    const tracked = (await listTrackedFindings(unit.trx, found.id)).find(
      (item) => item.id === findingId,
    );
    if (tracked === undefined) throw new AppError('not_found');
    if (tracked.state !== 'open') {
      throw new AppError('conflict', {
        message: 'This finding was already resolved or dismissed.',
        details: { state: tracked.state },
      });
    }
    const decided = {
      ...decideFinding(tracked, decision, actor.userId, unit.now.toISOString()),
      id: tracked.id,
    };
    await saveTrackedFindings(
      unit.trx,
      { organizationId: found.organization_id, caseId: found.id },
      [decided],
    );
    await unit.audit({
      ...caseAuditOrigin(context, actor, found.patient_user_id),
      eventType: 'record.finding_decided',
      patientId: found.patient_id,
      entityType: 'SafetyFinding',
      entityId: tracked.id,
      details: {
        rule: tracked.finding.rule,
        severity: tracked.finding.severity,
        outcome: decision.outcome,
        method: decision.outcome === 'resolved' ? decision.method : null,
      },
    });
    const names = await userNames(unit.trx, [actor.userId]);
    return viewOf(decided, true, names);
  });
}

/**
 * The guard of `mark_ready`, inside the transition's unit of work: open blockers stop it (409
 * with the blockers listed) unless `overrideReason` is given, which resolves each of them as
 * `overridden` with that reason, audited.
 */
export async function requireNoOpenBlocker(
  unit: UnitOfWork,
  scope: { caseId: string; organizationId: string; patientId: string },
  actor: { userId: string; origin: ReturnType<typeof caseAuditOrigin> },
  overrideReason: string | undefined,
): Promise<void> {
  await lockCaseRecords(unit.trx, scope.caseId);
  const tracked = await listTrackedFindings(unit.trx, scope.caseId);
  const blockers = tracked.filter(
    (item) => item.state === 'open' && item.present && item.finding.severity === 'blocker',
  );
  if (blockers.length === 0) return;
  if (overrideReason === undefined) {
    throw new AppError('conflict', {
      message:
        'The records check found problems that block matching. Resolve them, or override with a reason.',
      details: {
        reason: 'open_blockers',
        blockers: blockers.map((item) => ({ id: item.id, rule: item.finding.rule })),
      },
    });
  }
  const at = unit.now.toISOString();
  const overridden = blockers.map((item) => ({
    ...resolveFinding(item, 'overridden', actor.userId, at, overrideReason),
    id: item.id,
  }));
  await saveTrackedFindings(
    unit.trx,
    { organizationId: scope.organizationId, caseId: scope.caseId },
    overridden,
  );
  await unit.audit({
    ...actor.origin,
    eventType: 'record.blockers_overridden',
    patientId: scope.patientId,
    entityType: 'Case',
    entityId: scope.caseId,
    details: { reason: overrideReason, findings: overridden.map((item) => item.finding.rule) },
  });
}
