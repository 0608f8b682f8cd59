/**
 * The safety net's findings of a case as people see and handle them:
 * - everyone who may read the case sees its findings; the patient side sees the plain words and
 *   what they can do, staff also the technical explanation, the values compared and the trail;
 * - the coordinator runs the checks on demand, and resolves (saying how) or dismisses (with a
 *   reason) a finding; every decision is appended to the finding's trail and audited;
 * - the patient side (whoever may add documents to the case for the patient) answers the question
 *   an open finding asks, or explains why it does not apply; the response is appended to the
 *   trail, audited without its text, and announced to the coordinators, who verify it and then
 *   resolve the finding (`answered`) or dismiss it;
 * - `requireNoOpenBlocker` is the guard of `mark_ready`: a case with an open blocker does not move
 *   on to matching unless the coordinator overrides it with a reason, which resolves each open
 *   blocker as `overridden` (audited).
 */
import type { z } from 'zod';
import type { Actor } from '../../../core/access.ts';
import { AppError } from '../../../core/errors.ts';
import { isStaffRole } from '../../../core/roles.ts';
import type { EvidenceSource } from '../../../core/safety/finding.ts';
import {
  decideFinding,
  openBlockers,
  findingDecisionSchema,
  patientResponseOf,
  resolveFinding,
  respondToFinding,
  type TrackedFinding,
} from '../../../core/safety/resolution.ts';
import type { Services } from '../../app/services.ts';
import { auditedRead, transact, type UnitOfWork } from '../../app/unit-of-work.ts';
import { caseAuditOrigin } from '../../cases/case-facts.ts';
import type { Database, DatabaseTransaction } from '../../db/database.ts';
import { requireActor, type RequestContext } from '../../http/request-context.ts';
import { coordinatorsOf, notify } from '../../notifications/notify.ts';
import {
  findRecordsCheckedAt,
  findUserNames,
  listTrackedFindings,
  lockCaseRecords,
  saveTrackedFindings,
} from '../record-repository.ts';
import { findRecordsCase } from '../records-case.ts';
import type {
  findingDecisionBody,
  findingListView,
  findingResponseBody,
  findingView,
} from '../records.types.ts';
import { checkCaseRecords } from './check-case-records.ts';

type FindingView = z.infer<typeof findingView>;

/** Staff who handle findings: the coordinator, who triages the case. */
function handlesFindings(actor: Actor): boolean {
  return actor.role === 'coordinator';
}

/**
 * Whether the actor sees the staff view of findings (staff roles); the patient side (the patient,
 * a proxy, the referring physician) sees the plain-words view and is the one that responds.
 */
function seesStaffView(actor: Actor): boolean {
  return isStaffRole(actor.role);
}

/** What the patient side is shown: what is still to do (open, and raised by the latest run). */
function shownToPatientSide(tracked: TrackedFinding): boolean {
  return tracked.state === 'open' && tracked.present;
}

/** Everyone a finding's view names: who decided it, who took each step, who a response was for. */
function peopleOf(tracked: TrackedFinding): string[] {
  const decidedBy = tracked.resolution?.by ?? null;
  return [
    ...(decidedBy === null ? [] : [decidedBy]),
    ...tracked.trail.flatMap((step) => [
      ...(step.by === null ? [] : [step.by]),
      ...(typeof step.response?.onBehalfOf === 'string' ? [step.response.onBehalfOf] : []),
    ]),
  ];
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

/** The kind and patient of a `responded` step, read as defensively as the latest response. */
function responseOfStep(
  step: TrackedFinding['trail'][number],
  person: (id: string | null) => { id: string; name: string } | null,
) {
  const read = step.action === 'responded' ? patientResponseOf({ trail: [step] }) : null;
  return read === null ? null : { kind: read.kind, onBehalfOf: person(read.onBehalfOf) };
}

function viewOf(
  tracked: TrackedFinding & { id: string },
  staff: boolean,
  names: Map<string, string>,
): FindingView {
  const person = (id: string | null) => (id === null ? null : { id, name: names.get(id) ?? '' });
  const { finding } = tracked;
  const response = patientResponseOf(tracked);
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
    patientResponse:
      response === null
        ? null
        : {
            kind: response.kind,
            text: response.text,
            by: { id: response.by, name: names.get(response.by) ?? '' },
            onBehalfOf: person(response.onBehalfOf),
            at: response.at,
          },
    trail: staff
      ? tracked.trail.map((step) => ({
          at: step.at,
          action: step.action,
          by: person(step.by),
          method: step.method,
          note: step.note,
          severity: step.severity,
          response: responseOfStep(step, person),
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
  const shown = staff ? tracked : tracked.filter(shownToPatientSide);
  const names = await userNames(db, shown.flatMap(peopleOf));
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
    return listView(unit.db, tracked, seesStaffView(actor), checkedAt);
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
    return viewOf(decided, true, await userNames(unit.trx, peopleOf(decided)));
  });
}

/**
 * The patient side answers the question an open finding asks, or explains why it does not apply.
 * Who may: those who may add documents to the case for the patient (the patient, a proxy whose
 * grant lets them act, the referring physician); everyone else, and a finding the patient side is
 * not shown (not raised by the latest check), answers 404. A finding already resolved or
 * dismissed answers 409 `finding_not_open` (it was shown when it was raised, and closed since).
 * In one transaction: the response is appended to the trail (the finding stays open), audited
 * with the finding and the kind of response but not its text, and the coordinators are told.
 */
export async function respondToCaseFinding(
  services: Services,
  context: RequestContext,
  caseId: string,
  findingId: string,
  body: z.infer<typeof findingResponseBody>,
): Promise<FindingView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const found = await findRecordsCase(unit.trx, actor, caseId, 'upload');
    if (seesStaffView(actor)) throw new AppError('not_found');
    await lockCaseRecords(unit.trx, found.id);
    const tracked = (await listTrackedFindings(unit.trx, found.id)).find(
      (item) => item.id === findingId,
    );
    if (tracked === undefined) throw new AppError('not_found');
    if (tracked.state === 'open' && !shownToPatientSide(tracked)) throw new AppError('not_found');
    const origin = caseAuditOrigin(context, actor, found.patient_user_id);
    const responded = {
      ...respondToFinding(
        tracked,
        body,
        actor.userId,
        unit.now.toISOString(),
        origin.onBehalfOfUserId,
      ),
      id: tracked.id,
    };
    await saveTrackedFindings(
      unit.trx,
      { organizationId: found.organization_id, caseId: found.id },
      [responded],
    );
    await unit.audit({
      ...origin,
      eventType: 'record.finding_responded',
      patientId: found.patient_id,
      entityType: 'SafetyFinding',
      entityId: tracked.id,
      details: {
        rule: tracked.finding.rule,
        severity: tracked.finding.severity,
        responseKind: body.kind,
      },
    });
    await notify(unit, {
      organizationId: found.organization_id,
      recipientUserIds: await coordinatorsOf(unit.trx, found.organization_id),
      kind: 'finding_responded',
      caseId: found.id,
      data: { findingId: tracked.id, responseKind: body.kind },
      actorUserId: actor.userId,
      appUrl: services.config.http.publicUrl,
    });
    return viewOf(responded, false, await userNames(unit.trx, peopleOf(responded)));
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
  const blockers = openBlockers(tracked);
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
