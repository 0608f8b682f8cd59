/**
 * Moving a case through its lifecycle (issue 3). Core decides whether the actor may take the
 * transition now; this use case applies it with optimistic concurrency, so of two conflicting
 * requests exactly one wins and the other answers 409 with the state it lost to. Each transition
 * writes its timeline entry and audit event in the same transaction, and starts the new stage's
 * clock from the organization's service levels.
 */
import { requireTransition, type CaseTransitionName } from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import { stageDeadline } from '../../core/service-levels.ts';
import type { Icd10CmCodeSet } from '../../core/terminology/icd10cm.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { loadIcd10CmCodeSet } from '../terminology/icd10cm-files.ts';
import { caseActorOf, caseAuditOrigin, caseFactsOf, serviceLevelSettingsOf } from './case-facts.ts';
import {
  findCaseState,
  findVisibleCase,
  fulfilOpenRecordRequests,
  insertRecordRequest,
  insertTimelineEntry,
  updateCaseStage,
} from './case-repository.ts';
import { readCaseView, type CaseView } from './case-view.ts';
import { requireValidDiagnosisCode } from './diagnosis-code.ts';

/** The transitions this slice serves; offers, review and delivery follow in later slices. */
export const servedCaseTransitions = [
  'submit',
  'start_triage',
  'request_records',
  'records_provided',
  'mark_ready',
  'withdraw',
  'cancel',
] as const satisfies readonly CaseTransitionName[];

export type ServedCaseTransition = (typeof servedCaseTransitions)[number];

export interface CaseTransitionRequest {
  transition: ServedCaseTransition;
  /** The version the caller last saw; a different stored version answers 409. */
  expectedVersion?: number | undefined;
  note?: string | undefined;
  /** Required with `request_records`: the structured request (what, why, by when). */
  recordRequest?: { what: string; why: string; dueAt: string } | undefined;
}

function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', {
    message: 'Some of the information sent is not valid.',
    details: { issues: [{ path, message }] },
  });
}

/** Takes `request.transition` on the case; answers the case as the actor now sees it. */
export async function transitionCase(
  services: Services,
  context: RequestContext,
  caseId: string,
  request: CaseTransitionRequest,
): Promise<CaseView> {
  const actor = requireActor(context);
  const { transition, recordRequest } = request;
  if ((transition === 'request_records') !== (recordRequest !== undefined)) {
    throw invalid(
      'body.recordRequest',
      transition === 'request_records'
        ? 'required with request_records'
        : 'only allowed with request_records',
    );
  }
  const codeSet: Icd10CmCodeSet | null =
    transition === 'submit' ? await loadIcd10CmCodeSet() : null;
  return transact(services, async (unit) => {
    const row = await findVisibleCase(unit.trx, actor, 'case.transition', caseId);
    if (row === undefined) throw new AppError('not_found');
    const facts = caseFactsOf(row, unit.now);
    // Until the records pipeline exists, providing records is declared by this step itself,
    // which fulfils the open requests; the guard then judges the case as it will be.
    const decided = transition === 'records_provided' ? { ...facts, openRecordRequests: 0 } : facts;
    const { to, owner } = requireTransition(decided, caseActorOf(actor, row), transition);
    if (request.expectedVersion !== undefined && request.expectedVersion !== row.version) {
      throw new AppError('conflict', {
        message: 'Someone else changed this case. Reload it and try again.',
        details: { currentState: facts.state, currentVersion: row.version, transition },
      });
    }
    // A code accepted into the draft may have been retired since (ICD-10-CM changes each October).
    if (codeSet !== null && row.diagnosis_code !== null)
      requireValidDiagnosisCode(codeSet, row.diagnosis_code, unit.now);
    if (recordRequest !== undefined && new Date(recordRequest.dueAt) <= unit.now)
      throw invalid('body.recordRequest.dueAt', 'must be in the future');
    const moved = await updateCaseStage(unit.trx, {
      caseId: row.id,
      from: facts.state,
      version: row.version,
      to,
      owner,
      deadline: stageDeadline(to, facts.urgency, unit.now, serviceLevelSettingsOf(row)),
      ...(transition === 'submit' ? { submittedAt: unit.now } : {}),
      now: unit.now,
    });
    if (moved === undefined) {
      // Another transition committed between our read and our write: it won.
      const current = await findCaseState(unit.trx, row.id);
      throw new AppError('conflict', {
        message: 'This step is not possible at the current stage of the case.',
        details: { currentState: current.state, currentVersion: current.version, transition },
      });
    }
    let recordRequestId: string | null = null;
    if (recordRequest !== undefined) {
      ({ id: recordRequestId } = await insertRecordRequest(unit.trx, {
        caseId: row.id,
        what: recordRequest.what,
        why: recordRequest.why,
        dueAt: new Date(recordRequest.dueAt),
        requestedByUserId: actor.userId,
        now: unit.now,
      }));
    }
    const fulfilled =
      transition === 'records_provided'
        ? await fulfilOpenRecordRequests(unit.trx, row.id, unit.now)
        : [];
    const entry = await insertTimelineEntry(unit.trx, {
      caseId: row.id,
      occurredAt: unit.now,
      actorUserId: actor.userId,
      kind: 'transition',
      transition,
      fromState: facts.state,
      toState: to,
      note: request.note ?? null,
    });
    await unit.audit({
      ...caseAuditOrigin(context, actor, row.patient_user_id),
      eventType: 'case.transitioned',
      patientId: row.patient_id,
      entityType: 'Case',
      entityId: row.id,
      details: {
        transition,
        from: facts.state,
        to,
        timelineEntryId: entry.id,
        ...(recordRequestId === null ? {} : { recordRequestId }),
        ...(fulfilled.length === 0
          ? {}
          : { fulfilledRecordRequestIds: fulfilled.map((r) => r.id) }),
      },
    });
    return readCaseView(unit.trx, actor, row.id, unit.now);
  });
}
