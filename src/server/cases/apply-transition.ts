/**
 * Applying one lifecycle transition inside the caller's transaction: core decides, this module
 * moves the case with optimistic concurrency, records what the transition carries (a record
 * request, an offer, a question to the patient, the signed opinion's delivery), writes the
 * timeline entry and the audit event, and tells the people who must act or would want to know.
 *
 * Every path that changes a case's state comes through here: the HTTP transition route, answering
 * the specialist's questions, signing, follow-up questions and the scheduler's sweeps. So the
 * rules, the clocks and the trail are the same whoever takes the step.
 */
import {
  requireTransition,
  type CaseActor,
  type CaseFacts,
  type CaseState,
  type CaseTransitionName,
} from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import { stageDeadline } from '../../core/service-levels.ts';
import type { Services } from '../app/services.ts';
import type { UnitOfWork } from '../app/unit-of-work.ts';
import type { AuditEventInput } from '../audit/audit-repository.ts';
import {
  coordinatorsOf,
  notify,
  patientSideOf,
  type NotificationKind,
} from '../notifications/notify.ts';
import { serviceLevelSettingsOf } from './case-facts.ts';
import {
  endOpenOffer,
  findActiveSpecialist,
  findCaseState,
  fulfilOpenRecordRequests,
  insertOffer,
  insertPatientQuestion,
  insertRecordRequest,
  insertTimelineEntry,
  retractOpenPatientQuestions,
  updateCaseStage,
  withdrawPendingPeerReview,
  type CaseStageColumns,
  type VisibleCaseRow,
} from './case-repository.ts';

/** What a transition may carry, each only with its own transition. */
export interface TransitionPayload {
  recordRequest?: { what: string; why: string; dueAt: string } | undefined;
  offer?:
    | {
        specialistUserId: string;
        acceptWithinHours?: number | undefined;
        note?: string | undefined;
      }
    | undefined;
  declineReason?: string | undefined;
  patientQuestion?: { text: string } | undefined;
}

/** Which payload field belongs to which transition (required there, refused elsewhere). */
export const payloadOf: Partial<Record<CaseTransitionName, keyof TransitionPayload>> = {
  request_records: 'recordRequest',
  offer: 'offer',
  decline_offer: 'declineReason',
  ask_patient: 'patientQuestion',
};

export function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', {
    message: 'Some of the information sent is not valid.',
    details: { issues: [{ path, message }] },
  });
}

/** Refuses a payload field sent with the wrong transition, or missing from its own. */
export function checkPayload(name: CaseTransitionName, payload: TransitionPayload): void {
  for (const [transition, field] of Object.entries(payloadOf) as [
    CaseTransitionName,
    keyof TransitionPayload,
  ][]) {
    const present = payload[field] !== undefined;
    if (transition === name && !present) throw invalid(`body.${field}`, `required with ${name}`);
    if (transition !== name && present)
      throw invalid(`body.${field}`, `only allowed with ${transition}`);
  }
}

/** Who takes the step: a member through a request, or the scheduler. */
export interface TransitionActor {
  caseActor: CaseActor;
  /** Null for the scheduler. */
  userId: string | null;
  /** The audit origin (who, from where, for whom). */
  origin: Omit<
    AuditEventInput,
    'eventType' | 'patientId' | 'entityType' | 'entityId' | 'details' | 'outcome'
  >;
}

export interface AppliedTransition {
  to: CaseState;
  version: number;
  timelineEntryId: string;
}

/** How each transition that ends the pending offer ends it. */
const offerOutcomes: Partial<
  Record<CaseTransitionName, 'accepted' | 'declined' | 'expired' | 'withdrawn'>
> = {
  accept_offer: 'accepted',
  decline_offer: 'declined',
  offer_expired: 'expired',
  reassign: 'withdrawn',
  withdraw: 'withdrawn',
  cancel: 'withdrawn',
};

/** The notification each transition sends, and to whom; absent means nobody needs telling. */
type Audience = 'coordinators' | 'patient_side' | 'specialist' | 'offered_specialist';
const notices: Partial<Record<CaseTransitionName, { kind: NotificationKind; to: Audience[] }>> = {
  submit: { kind: 'case_submitted', to: ['coordinators'] },
  request_records: { kind: 'records_requested', to: ['patient_side'] },
  records_provided: { kind: 'records_provided', to: ['coordinators'] },
  offer: { kind: 'offer_made', to: ['offered_specialist'] },
  accept_offer: { kind: 'offer_accepted', to: ['coordinators'] },
  decline_offer: { kind: 'offer_declined', to: ['coordinators'] },
  offer_expired: { kind: 'offer_expired', to: ['coordinators', 'offered_specialist'] },
  reassign: { kind: 'case_reassigned', to: ['specialist', 'offered_specialist'] },
  ask_patient: { kind: 'patient_question_asked', to: ['patient_side'] },
  patient_answered: { kind: 'patient_question_answered', to: ['specialist'] },
  deliver: { kind: 'opinion_delivered', to: ['patient_side'] },
  withdraw: { kind: 'case_withdrawn', to: ['coordinators', 'specialist', 'offered_specialist'] },
  cancel: { kind: 'case_cancelled', to: ['patient_side', 'specialist', 'offered_specialist'] },
};

/**
 * Takes `name` on the case `row` (as loaded in this transaction, at `facts`), or throws: 404 when
 * the actor may not, 409 with the current state when the case is not there or someone else moved
 * it first, 400 for a payload that does not fit.
 */
export async function applyTransition(
  services: Services,
  unit: UnitOfWork,
  input: {
    row: VisibleCaseRow;
    facts: CaseFacts;
    /** The version the decision was read at (moves on when transitions are chained). */
    version: number;
    actor: TransitionActor;
    name: CaseTransitionName;
    payload?: TransitionPayload;
    note?: string | null;
  },
): Promise<AppliedTransition> {
  const { row, facts, actor, name } = input;
  const payload = input.payload ?? {};
  const { to, owner } = requireTransition(facts, actor.caseActor, name);
  const now = unit.now;

  // Validate what the transition carries before anything is written.
  let offerSpecialist: { user_id: string } | undefined;
  let offerExpiresAt: Date | null = null;
  if (name === 'offer' && payload.offer !== undefined) {
    offerSpecialist = await findActiveSpecialist(
      unit.trx,
      row.organization_id,
      payload.offer.specialistUserId,
    );
    if (offerSpecialist === undefined)
      throw invalid('body.offer.specialistUserId', 'not an active specialist of the organization');
    if (payload.offer.acceptWithinHours !== undefined)
      offerExpiresAt = new Date(now.getTime() + payload.offer.acceptWithinHours * 3_600_000);
  }
  if (payload.recordRequest !== undefined && new Date(payload.recordRequest.dueAt) <= now)
    throw invalid('body.recordRequest.dueAt', 'must be in the future');

  const settings = serviceLevelSettingsOf(row);
  let deadline = stageDeadline(to, facts.urgency, now, settings);
  if (name === 'offer') {
    offerExpiresAt ??= deadline ?? new Date(now.getTime() + 12 * 3_600_000);
    // The offer's accept-within deadline is the stage's clock.
    deadline = offerExpiresAt;
  }
  // The case columns a transition sets besides state, owner and clock.
  const columns: CaseStageColumns = {};
  if (name === 'submit') columns.submitted_at = now;
  if (name === 'accept_offer') columns.assigned_specialist_user_id = actor.userId;
  if (name === 'reassign' || name === 'withdraw' || name === 'cancel')
    columns.assigned_specialist_user_id = null;
  if (name === 'deliver') {
    columns.delivered_at = now;
    columns.follow_up_window_ends_at = new Date(
      now.getTime() + row.organization_follow_up_window_days * 86_400_000,
    );
  }
  if (name === 'close') columns.closed_at = now;
  const moved = await updateCaseStage(unit.trx, {
    caseId: row.id,
    from: facts.state,
    version: input.version,
    to,
    owner,
    deadline,
    columns,
    now,
  });
  if (moved === undefined) {
    // Another transition committed between our read and our write: it won.
    const current = await findCaseState(unit.trx, row.id);
    throw new AppError('conflict', {
      message: 'This step is not possible at the current stage of the case.',
      details: { currentState: current.state, currentVersion: current.version, transition: name },
    });
  }

  const details: Record<string, unknown> = {};
  const offeredSpecialistBefore = row.offer_specialist_user_id;
  if (name === 'request_records' && payload.recordRequest !== undefined && actor.userId !== null) {
    const request = payload.recordRequest;
    const { id } = await insertRecordRequest(unit.trx, {
      caseId: row.id,
      what: request.what,
      why: request.why,
      dueAt: new Date(request.dueAt),
      requestedByUserId: actor.userId,
      now,
    });
    details.recordRequestId = id;
  }
  if (name === 'records_provided') {
    const fulfilled = await fulfilOpenRecordRequests(unit.trx, row.id, now);
    if (fulfilled.length > 0) details.fulfilledRecordRequestIds = fulfilled.map((r) => r.id);
  }
  if (
    name === 'offer' &&
    offerSpecialist !== undefined &&
    offerExpiresAt !== null &&
    actor.userId !== null
  ) {
    const { id } = await insertOffer(unit.trx, {
      caseId: row.id,
      specialistUserId: offerSpecialist.user_id,
      offeredByUserId: actor.userId,
      offeredAt: now,
      expiresAt: offerExpiresAt,
      note: payload.offer?.note ?? null,
    });
    details.offerId = id;
    details.specialistUserId = offerSpecialist.user_id;
    details.expiresAt = offerExpiresAt.toISOString();
  }
  const offerOutcome = offerOutcomes[name];
  if (offerOutcome !== undefined) {
    const ended = await endOpenOffer(unit.trx, row.id, {
      status: offerOutcome,
      respondedAt: now,
      declineReason: name === 'decline_offer' ? (payload.declineReason ?? null) : null,
    });
    if (ended !== undefined) details.offerId = ended.id;
    if (name === 'decline_offer') details.declineReason = payload.declineReason ?? null;
  }
  if (name === 'reassign' || name === 'withdraw' || name === 'cancel') {
    // The case leaves its specialist: pending review ends, open questions are retracted.
    await withdrawPendingPeerReview(unit.trx, row.id, now);
    await retractOpenPatientQuestions(unit.trx, row.id, now);
    if (row.assigned_specialist_user_id !== null)
      details.previousSpecialistUserId = row.assigned_specialist_user_id;
  }
  if (name === 'ask_patient' && payload.patientQuestion !== undefined && actor.userId !== null) {
    const { id } = await insertPatientQuestion(unit.trx, {
      caseId: row.id,
      askedByUserId: actor.userId,
      text: payload.patientQuestion.text,
      askedAt: now,
    });
    details.patientQuestionId = id;
  }
  if (name === 'patient_answered') {
    // The specialist may resume without waiting: open questions are retracted, not lost.
    const retracted = await retractOpenPatientQuestions(unit.trx, row.id, now);
    if (retracted.length > 0) details.retractedPatientQuestionIds = retracted.map((q) => q.id);
  }

  const entry = await insertTimelineEntry(unit.trx, {
    caseId: row.id,
    occurredAt: now,
    actorUserId: actor.userId,
    kind: 'transition',
    transition: name,
    fromState: facts.state,
    toState: to,
    note: input.note ?? null,
  });
  await unit.audit({
    ...actor.origin,
    eventType: 'case.transitioned',
    patientId: row.patient_id,
    entityType: 'Case',
    entityId: row.id,
    details: { transition: name, from: facts.state, to, timelineEntryId: entry.id, ...details },
  });

  const notice = notices[name];
  if (notice !== undefined) {
    const recipients = new Set<string>();
    for (const audience of notice.to) {
      if (audience === 'coordinators')
        for (const id of await coordinatorsOf(unit.trx, row.organization_id)) recipients.add(id);
      if (audience === 'patient_side')
        for (const id of await patientSideOf(unit.trx, row.id)) recipients.add(id);
      if (audience === 'specialist' && row.assigned_specialist_user_id !== null)
        recipients.add(row.assigned_specialist_user_id);
      if (audience === 'offered_specialist') {
        const offered = name === 'offer' ? offerSpecialist?.user_id : offeredSpecialistBefore;
        if (offered != null) recipients.add(offered);
      }
    }
    await notify(unit, {
      organizationId: row.organization_id,
      recipientUserIds: [...recipients],
      kind: notice.kind,
      caseId: row.id,
      data: { transition: name, state: to },
      actorUserId: actor.userId,
      appUrl: services.config.http.publicUrl,
    });
  }
  return { to, version: moved.version, timelineEntryId: entry.id };
}
