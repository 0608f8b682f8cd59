/**
 * Moving a case through its lifecycle on request (issue 3). The transition is decided by core and
 * applied by `applyTransition` with optimistic concurrency, so of two conflicting requests exactly
 * one wins and the other answers 409 with the state it lost to. Signing the opinion takes the same
 * route but needs a fresh re-authentication and seals the opinion (see `sign-opinion.ts`).
 */
import {
  requireTransition,
  type CaseState,
  type CaseTransitionName,
} from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { requireRecentReauthentication } from '../auth/reauthenticate.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { loadIcd10CmCodeSet } from '../terminology/icd10cm-files.ts';
import {
  applyTransition,
  checkPayload,
  invalid,
  type TransitionPayload,
} from './apply-transition.ts';
import { caseActorOf, caseAuditOrigin, caseFactsOf } from './case-facts.ts';
import { findCaseQuestionIds, findVisibleCase } from './case-repository.ts';
import { readCaseView, readCaseViewIfVisible, type CaseView } from './case-view.ts';
import { requireValidDiagnosisCode } from './diagnosis-code.ts';
import { deliverSignedOpinion, sealAndDeliverOpinion } from './sign-opinion.ts';
import { requireNoOpenBlocker } from '../records/safety/case-findings.ts';
import {
  prepareRecordsCheck,
  queueRecordsCheck,
  refreshCaseRecordsCheck,
} from '../records/safety/check-case-records.ts';

/**
 * The transitions a member takes through the API. The scheduler's own (`offer_expired`) and the
 * first follow-up question (asked through its own route) are taken elsewhere; `deliver` is the
 * coordinator's release where the organization releases reports by hand, and follows signing at
 * once everywhere else.
 */
export const servedCaseTransitions = [
  'submit',
  'start_triage',
  'request_records',
  'records_provided',
  'mark_ready',
  'offer',
  'accept_offer',
  'decline_offer',
  'reassign',
  'start_review',
  'ask_patient',
  'patient_answered',
  'sign_opinion',
  'deliver',
  'close',
  'withdraw',
  'cancel',
] as const satisfies readonly CaseTransitionName[];

export type ServedCaseTransition = (typeof servedCaseTransitions)[number];

export interface CaseTransitionRequest extends TransitionPayload {
  transition: ServedCaseTransition;
  /** The version the caller last saw; a different stored version answers 409. */
  expectedVersion?: number | undefined;
  note?: string | undefined;
  /** With `mark_ready`: proceed despite open blockers of the records check, for this reason. */
  blockerOverrideReason?: string | undefined;
}

/** The answer when the step ended the caller's access to the case (a declined offer). */
export interface CaseAccessEnded {
  id: string;
  state: CaseState;
  accessEnded: true;
}

/** Takes `request.transition` on the case; answers the case as the actor now sees it. */
export async function transitionCase(
  services: Services,
  context: RequestContext,
  caseId: string,
  request: CaseTransitionRequest,
): Promise<CaseView | CaseAccessEnded> {
  const actor = requireActor(context);
  const { transition, expectedVersion, note, blockerOverrideReason, ...payload } = request;
  checkPayload(transition, payload);
  if (blockerOverrideReason !== undefined && transition !== 'mark_ready')
    throw invalid('blockerOverrideReason', 'Only allowed with mark_ready.');
  const codeSet =
    transition === 'submit' || transition === 'sign_opinion' ? await loadIcd10CmCodeSet() : null;
  // The reference data is loaded before the case's records lock is taken.
  if (transition === 'mark_ready') await prepareRecordsCheck();
  const outcome = await transact(services, async (unit): Promise<TransitionOutcome> => {
    const row = await findVisibleCase(unit.trx, actor, 'case.transition', caseId);
    if (row === undefined) throw new AppError('not_found');
    const questionIds = await findCaseQuestionIds(unit.trx, row.id);
    let facts = caseFactsOf(row, unit.now, questionIds);
    // Until the records pipeline exists, providing records is declared by this step itself,
    // which fulfils the open requests; the guard then judges the case as it will be.
    if (transition === 'records_provided') facts = { ...facts, openRecordRequests: 0 };
    // The specialist resuming without waiting retracts the open questions with this same step.
    if (transition === 'patient_answered' && row.assigned_specialist_user_id === actor.userId)
      facts = { ...facts, openPatientQuestions: 0 };
    const caseActor = caseActorOf(actor, row);
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new AppError('conflict', {
        message: 'Someone else changed this case. Reload it and try again.',
        details: { currentState: facts.state, currentVersion: row.version, transition },
      });
    }
    // A code accepted into the draft may have been retired since (ICD-10-CM changes each October).
    if (transition === 'submit' && codeSet !== null && row.diagnosis_code !== null)
      requireValidDiagnosisCode(codeSet, row.diagnosis_code, unit.now);
    const transitionActor = {
      caseActor,
      userId: actor.userId,
      origin: caseAuditOrigin(context, actor, row.patient_user_id),
    };
    if (transition === 'sign_opinion') {
      if (codeSet === null) throw new Error('code set not loaded');
      // Who may sign and when is decided first (404 / 409 tell nothing new to someone else);
      // then signing, a legal act, needs the password and second factor again (issue 3).
      requireTransition(facts, caseActor, 'sign_opinion');
      requireRecentReauthentication(services, context);
      await sealAndDeliverOpinion(services, unit, {
        row,
        facts,
        questionIds,
        actor: transitionActor,
        signer: { userId: actor.userId },
        codeSet,
        note: note ?? null,
      });
      return { answer: await readCaseView(unit.trx, actor, row.id, unit.now) };
    }
    if (transition === 'deliver') {
      await deliverSignedOpinion(services, unit, row, {
        facts,
        version: row.version,
        actor: transitionActor,
        note: note ?? null,
      });
      return { answer: await readCaseView(unit.trx, actor, row.id, unit.now) };
    }
    if (transition === 'mark_ready') {
      // Who may and the stage come first; then the records check, brought up to date under the
      // case's records lock if anything it reads changed since it last ran, must not hold a
      // blocker. A refusal keeps the fresh check: its findings are what the coordinator acts on.
      requireTransition(facts, caseActor, 'mark_ready');
      await refreshCaseRecordsCheck(unit, row.id, actor.userId);
      try {
        await requireNoOpenBlocker(
          unit,
          { caseId: row.id, organizationId: row.organization_id, patientId: row.patient_id },
          transitionActor,
          blockerOverrideReason,
        );
      } catch (error) {
        if (error instanceof AppError) return { refused: error };
        throw error;
      }
    }
    const applied = await applyTransition(services, unit, {
      row,
      facts,
      version: row.version,
      actor: transitionActor,
      name: transition,
      payload,
      note: note ?? null,
    });
    // Submitted: the organization's records check of the case runs (queued with the step).
    if (transition === 'submit') await queueRecordsCheck(services.records.jobs, row.id, unit.trx);
    // Declining an offer ends the specialist's access: they learn the outcome, not the case.
    return {
      answer: (await readCaseViewIfVisible(unit.trx, actor, row.id, unit.now)) ?? {
        id: row.id,
        state: applied.to,
        accessEnded: true as const,
      },
    };
  });
  if ('refused' in outcome) throw outcome.refused;
  return outcome.answer;
}

/** A step's answer, or the guard's refusal once what the step found out is committed. */
type TransitionOutcome = { answer: CaseView | CaseAccessEnded } | { refused: AppError };
