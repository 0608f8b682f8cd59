/**
 * The case lifecycle: the one state machine every case change goes through (PRODUCT.md, "The case,
 * from start to finish"; issue 3).
 *
 * The machine is a single declarative table: each named transition lists the states it leaves, the
 * state it enters, who may take it (role plus relation to the case, as in `access.ts`) and a guard
 * over a snapshot of the case. `decideTransition` evaluates one row; `availableTransitions` lists
 * what an actor could do now (the UI shows the buttons, the server takes the same decision, so the
 * two cannot disagree). Every stage has an owner, which is what the service-level clock of
 * `service-levels.ts` measures. A signed opinion is never edited: nothing leads from
 * `opinion_signed` or later back into review; corrections are addenda outside this machine.
 */
import { z } from 'zod';
import type { Relation } from './access.ts';
import { AppError } from './errors.ts';
import type { Role } from './roles.ts';

/** Every state a case can be in, in the order of the happy path. */
export const caseStates = [
  'draft',
  'submitted',
  'triage',
  'awaiting_records',
  'ready_for_matching',
  'offered',
  'accepted',
  'in_review',
  'awaiting_patient',
  'opinion_signed',
  'delivered',
  'follow_up',
  'closed',
  'withdrawn',
  'cancelled',
] as const;

export type CaseState = (typeof caseStates)[number];

/** States a case never leaves: the record stays, the work is over. */
export const terminalCaseStates = [
  'closed',
  'withdrawn',
  'cancelled',
] as const satisfies readonly CaseState[];

/** Whether no transition leaves `state`. */
export function isTerminalCaseState(state: CaseState): boolean {
  return (terminalCaseStates as readonly CaseState[]).includes(state);
}

/** How fast the patient needs the opinion; it picks the service-level clock (routine / urgent). */
export const urgencies = ['routine', 'urgent'] as const;

export type Urgency = (typeof urgencies)[number];

/** Who must act next. The patient side includes a proxy and, for a referred case, the referrer. */
export const stageOwners = ['patient', 'coordinator', 'specialist'] as const;

export type StageOwner = (typeof stageOwners)[number];

/**
 * The owner of each stage. The owner depends on the stage only (never on the path into it), so a
 * queue filtered by owner and the overdue escalation agree on whose clock is running. Terminal
 * states have no owner and no clock.
 */
export const stageOwnerOf: Readonly<Record<CaseState, StageOwner | null>> = {
  draft: 'patient',
  submitted: 'coordinator',
  triage: 'coordinator',
  awaiting_records: 'patient',
  ready_for_matching: 'coordinator',
  offered: 'specialist',
  accepted: 'specialist',
  in_review: 'specialist',
  awaiting_patient: 'patient',
  // Release of the signed opinion is the coordinator's step (often automatic, see `deliver`).
  opinion_signed: 'coordinator',
  delivered: 'patient',
  follow_up: 'specialist',
  closed: null,
  withdrawn: null,
  cancelled: null,
};

/**
 * The opinion sections that must be present before signing (PRODUCT.md capability 7, issue 3).
 * "Present" means filled in, possibly with an explicit "none considered". References are optional.
 */
export const requiredOpinionSections = [
  'diagnosis_assessment',
  'alternative_diagnoses',
  'recommended_tests',
  'treatment_options',
  'recommendation',
  'risk_of_waiting',
  'follow_up_windows',
  'warning_signs',
  'question_answers',
  'plain_language_summary',
] as const;

export type OpinionSection = (typeof requiredOpinionSections)[number];

/** The patient asks at least one and at most ten questions (issue 3, intake). */
export const intakeQuestionLimits = { min: 1, max: 10 } as const;

/**
 * What the machine needs to know about a case, as the deciding transaction sees it just before the
 * state changes. Work that the transition itself records (a new record request, a new offer, a new
 * question to the patient) is not yet in the snapshot; work that led up to it (answers, uploaded
 * records, completed opinion sections) is.
 */
export interface CaseFacts {
  organizationId: string;
  state: CaseState;
  urgency: Urgency;
  /** The moment of the decision; offers and follow-up windows are judged against it. */
  now: Date;
  intake: {
    /** The condition is described in the patient's words. */
    conditionDescribed: boolean;
    questionCount: number;
    /** The organization's current consent version is accepted by the patient (or their proxy). */
    consentAccepted: boolean;
    /** An urgent case says why it is urgent. */
    urgencyReasonGiven: boolean;
  };
  /** Record requests from triage that are neither fulfilled nor declared unavailable. */
  openRecordRequests: number;
  /** The pending offer to a specialist, if any. */
  offer: { expiresAt: Date } | null;
  /** Questions the specialist asked the patient that are still unanswered. */
  openPatientQuestions: number;
  /** The opinion draft, once the specialist started one. */
  opinion: {
    sectionsPresent: readonly OpinionSection[];
    /** How many of the patient's intake questions the draft answers (one answer per question). */
    answeredQuestionCount: number;
    peerReview: 'not_required' | 'pending' | 'approved' | 'returned';
  } | null;
  followUp: {
    /** Follow-up questions asked so far, and the organization's limit (default 3). */
    asked: number;
    limit: number;
    /** Follow-up questions not yet answered by a signed addendum. */
    open: number;
    /** End of the follow-up window (delivery + M days); null before delivery. */
    windowEndsAt: Date | null;
  };
}

/**
 * How an actor relates to a case: the relations of `access.ts`, plus `offered` for the specialist
 * holding the pending offer (who may see and accept the case but is not yet assigned).
 */
export type CaseRelation = Relation | 'offered';

/** Who acts: a member's role, or the scheduler (offer time-outs, closing after the follow-up window). */
export type CaseActorRole = Role | 'system';

/** The actor as far as the lifecycle needs to know. */
export interface CaseActor {
  role: CaseActorRole;
  organizationId: string;
  /**
   * Relations other than `organization` that hold between the actor and this case, as computed by
   * the server (a revoked proxy grant or a declined offer no longer yields a relation).
   */
  relations: readonly Exclude<CaseRelation, 'organization'>[];
}

/** One way to be allowed to take a transition: this role, under this relation to the case. */
export interface TransitionPermit {
  role: CaseActorRole;
  relation: CaseRelation;
}

/** Why a guard refuses; stable codes the UI translates into "what is missing". */
export type GuardFailure =
  | 'condition_missing'
  | 'consent_missing'
  | 'too_few_questions'
  | 'too_many_questions'
  | 'urgency_reason_missing'
  | 'records_outstanding'
  | 'offer_missing'
  | 'offer_expired'
  | 'offer_not_expired'
  | 'patient_questions_open'
  | 'opinion_missing'
  | `opinion_section_missing:${OpinionSection}`
  | 'patient_question_unanswered'
  | 'peer_review_not_approved'
  | 'follow_up_window_closed'
  | 'follow_up_limit_reached'
  | 'follow_up_window_open'
  | 'follow_up_question_open';

/** One row of the transition table. */
export interface CaseTransitionRule {
  from: readonly CaseState[];
  to: CaseState;
  by: readonly TransitionPermit[];
  /** The reasons the transition cannot be taken now; empty when it can. */
  guard: (facts: CaseFacts) => readonly GuardFailure[];
}

/** The names of all transitions; the table below must define each one. */
export const caseTransitionNames = [
  'submit',
  'start_triage',
  'request_records',
  'records_provided',
  'mark_ready',
  'offer',
  'accept_offer',
  'decline_offer',
  'offer_expired',
  'reassign',
  'start_review',
  'ask_patient',
  'patient_answered',
  'sign_opinion',
  'deliver',
  'start_follow_up',
  'close',
  'withdraw',
  'cancel',
] as const;

export type CaseTransitionName = (typeof caseTransitionNames)[number];

/** Validates a transition name arriving from a request. */
export const caseTransitionNameSchema = z.enum(caseTransitionNames);

const patient: TransitionPermit = { role: 'patient', relation: 'self' };
const proxy: TransitionPermit = { role: 'proxy', relation: 'proxy' };
const referrer: TransitionPermit = { role: 'referring_physician', relation: 'referrer' };
const coordinator: TransitionPermit = { role: 'coordinator', relation: 'organization' };
const offeredSpecialist: TransitionPermit = { role: 'specialist', relation: 'offered' };
const assignedSpecialist: TransitionPermit = { role: 'specialist', relation: 'assigned' };
const scheduler: TransitionPermit = { role: 'system', relation: 'organization' };

const noGuard = (): readonly GuardFailure[] => [];

function submissionGuard(facts: CaseFacts): GuardFailure[] {
  const failures: GuardFailure[] = [];
  const { intake } = facts;
  if (!intake.conditionDescribed) failures.push('condition_missing');
  if (!intake.consentAccepted) failures.push('consent_missing');
  if (intake.questionCount < intakeQuestionLimits.min) failures.push('too_few_questions');
  if (intake.questionCount > intakeQuestionLimits.max) failures.push('too_many_questions');
  if (facts.urgency === 'urgent' && !intake.urgencyReasonGiven) {
    failures.push('urgency_reason_missing');
  }
  return failures;
}

function noOutstandingRecords(facts: CaseFacts): GuardFailure[] {
  return facts.openRecordRequests > 0 ? ['records_outstanding'] : [];
}

function offerStillOpen(facts: CaseFacts): GuardFailure[] {
  if (facts.offer === null) return ['offer_missing'];
  return facts.now.getTime() >= facts.offer.expiresAt.getTime() ? ['offer_expired'] : [];
}

function offerPending(facts: CaseFacts): GuardFailure[] {
  return facts.offer === null ? ['offer_missing'] : [];
}

function offerTimedOut(facts: CaseFacts): GuardFailure[] {
  if (facts.offer === null) return ['offer_missing'];
  return facts.now.getTime() < facts.offer.expiresAt.getTime() ? ['offer_not_expired'] : [];
}

function patientQuestionsAnswered(facts: CaseFacts): GuardFailure[] {
  return facts.openPatientQuestions > 0 ? ['patient_questions_open'] : [];
}

function signingGuard(facts: CaseFacts): GuardFailure[] {
  const { opinion } = facts;
  if (opinion === null) return ['opinion_missing'];
  const failures: GuardFailure[] = requiredOpinionSections
    .filter((section) => !opinion.sectionsPresent.includes(section))
    .map((section) => `opinion_section_missing:${section}` as const);
  // Issue 3: one answer per patient question, none left unanswered.
  if (opinion.answeredQuestionCount < facts.intake.questionCount) {
    failures.push('patient_question_unanswered');
  }
  if (opinion.peerReview !== 'not_required' && opinion.peerReview !== 'approved') {
    failures.push('peer_review_not_approved');
  }
  return failures;
}

function followUpAllowed(facts: CaseFacts): GuardFailure[] {
  const { followUp } = facts;
  const failures: GuardFailure[] = [];
  if (followUp.windowEndsAt === null || facts.now.getTime() >= followUp.windowEndsAt.getTime()) {
    failures.push('follow_up_window_closed');
  }
  if (followUp.asked >= followUp.limit) failures.push('follow_up_limit_reached');
  return failures;
}

function closingGuard(facts: CaseFacts): GuardFailure[] {
  const { followUp } = facts;
  const failures: GuardFailure[] = [];
  if (followUp.open > 0) failures.push('follow_up_question_open');
  // Closing early would take away follow-up questions the patient is still entitled to.
  const windowOpen =
    followUp.windowEndsAt !== null && facts.now.getTime() < followUp.windowEndsAt.getTime();
  if (windowOpen && followUp.asked < followUp.limit) failures.push('follow_up_window_open');
  return failures;
}

/** States before delivery from which the patient may still walk away (not after signing). */
const withdrawableStates = [
  'draft',
  'submitted',
  'triage',
  'awaiting_records',
  'ready_for_matching',
  'offered',
  'accepted',
  'in_review',
  'awaiting_patient',
] as const satisfies readonly CaseState[];

/**
 * The transition table. Reading guide: `from` -> `to`, taken by any of `by`, when `guard` is empty.
 * Once the opinion is signed there is no way back into review and no withdrawal or cancellation:
 * the signed opinion is part of the medicolegal record and is corrected only by addenda.
 */
export const caseTransitions: Readonly<Record<CaseTransitionName, CaseTransitionRule>> = {
  // The patient side submits; a referring physician may submit on the patient's behalf once the
  // patient has consented (issue 3).
  submit: {
    from: ['draft'],
    to: 'submitted',
    by: [patient, proxy, referrer],
    guard: submissionGuard,
  },
  start_triage: { from: ['submitted'], to: 'triage', by: [coordinator], guard: noGuard },
  // The structured request (what, why, by when) is recorded with the transition.
  request_records: { from: ['triage'], to: 'awaiting_records', by: [coordinator], guard: noGuard },
  // The coordinator may also close the loop (records arrived by another route, request dropped).
  records_provided: {
    from: ['awaiting_records'],
    to: 'triage',
    by: [patient, proxy, referrer, coordinator],
    guard: noOutstandingRecords,
  },
  mark_ready: {
    from: ['triage'],
    to: 'ready_for_matching',
    by: [coordinator],
    guard: noOutstandingRecords,
  },
  // The offer (specialist, accept-within deadline) is recorded with the transition.
  offer: { from: ['ready_for_matching'], to: 'offered', by: [coordinator], guard: noGuard },
  accept_offer: {
    from: ['offered'],
    to: 'accepted',
    by: [offeredSpecialist],
    guard: offerStillOpen,
  },
  decline_offer: {
    from: ['offered'],
    to: 'ready_for_matching',
    by: [offeredSpecialist],
    guard: offerPending,
  },
  // Taken by the scheduler; the coordinator is then alerted to re-offer (issue 3).
  offer_expired: {
    from: ['offered'],
    to: 'ready_for_matching',
    by: [scheduler],
    guard: offerTimedOut,
  },
  // Withdraws a pending offer or takes the case from its specialist (PRODUCT.md: reassignment
  // from offered, accepted, in_review).
  reassign: {
    from: ['offered', 'accepted', 'in_review'],
    to: 'ready_for_matching',
    by: [coordinator],
    guard: noGuard,
  },
  start_review: { from: ['accepted'], to: 'in_review', by: [assignedSpecialist], guard: noGuard },
  // The question to the patient is recorded with the transition.
  ask_patient: {
    from: ['in_review'],
    to: 'awaiting_patient',
    by: [assignedSpecialist],
    guard: noGuard,
  },
  // The specialist may resume after retracting a question, so a silent patient cannot stall review.
  patient_answered: {
    from: ['awaiting_patient'],
    to: 'in_review',
    by: [patient, proxy, assignedSpecialist],
    guard: patientQuestionsAnswered,
  },
  // Re-authentication (password + MFA) is checked by the use case before this decision: its
  // failure is a 403 "reauthentication_required", not a state conflict.
  sign_opinion: {
    from: ['in_review'],
    to: 'opinion_signed',
    by: [assignedSpecialist],
    guard: signingGuard,
  },
  deliver: {
    from: ['opinion_signed'],
    to: 'delivered',
    by: [coordinator, scheduler],
    guard: noGuard,
  },
  // The patient asks the first follow-up question; later ones within the limit are addenda work
  // inside `follow_up` and need no state change.
  start_follow_up: {
    from: ['delivered'],
    to: 'follow_up',
    by: [patient, proxy],
    guard: followUpAllowed,
  },
  close: {
    from: ['delivered', 'follow_up'],
    to: 'closed',
    by: [coordinator, scheduler],
    guard: closingGuard,
  },
  withdraw: { from: withdrawableStates, to: 'withdrawn', by: [patient, proxy], guard: noGuard },
  // Drafts are the patient's own and not yet the organization's to cancel.
  cancel: {
    from: withdrawableStates.filter((state) => state !== 'draft'),
    to: 'cancelled',
    by: [coordinator],
    guard: noGuard,
  },
};

/** The outcome of asking whether an actor may take a transition now. */
export type TransitionDecision =
  | { ok: true; to: CaseState; owner: StageOwner | null }
  | {
      ok: false;
      reason: 'not_allowed_in_state' | 'not_permitted' | 'guard_failed';
      failures: readonly GuardFailure[];
    };

/** Whether the actor holds one of the transition's permits. Nothing crosses organizations. */
function mayTake(actor: CaseActor, rule: CaseTransitionRule, facts: CaseFacts): boolean {
  if (actor.organizationId !== facts.organizationId) return false;
  return rule.by.some(
    (permit) =>
      permit.role === actor.role &&
      (permit.relation === 'organization' ||
        (actor.relations as readonly CaseRelation[]).includes(permit.relation)),
  );
}

/**
 * Whether `actor` may take transition `name` on the case described by `facts`, and if so the state
 * it enters and that stage's owner. Permission is checked before the state so that someone with no
 * business on the case learns nothing about where it stands.
 */
export function decideTransition(
  facts: CaseFacts,
  actor: CaseActor,
  name: CaseTransitionName,
): TransitionDecision {
  const rule = caseTransitions[name];
  if (!mayTake(actor, rule, facts)) return { ok: false, reason: 'not_permitted', failures: [] };
  if (!rule.from.includes(facts.state)) {
    return { ok: false, reason: 'not_allowed_in_state', failures: [] };
  }
  const failures = rule.guard(facts);
  if (failures.length > 0) return { ok: false, reason: 'guard_failed', failures };
  return { ok: true, to: rule.to, owner: stageOwnerOf[rule.to] };
}

/** A transition the actor may take from the current state, with what still blocks it. */
export interface AvailableTransition {
  name: CaseTransitionName;
  to: CaseState;
  /** Empty when the transition can be taken now; otherwise what is missing, for the UI to say. */
  failures: readonly GuardFailure[];
}

/**
 * The transitions `actor` may take from the case's current state, including those a guard still
 * blocks (so the patient sees "add at least one question" next to a disabled submit button).
 */
export function availableTransitions(facts: CaseFacts, actor: CaseActor): AvailableTransition[] {
  return caseTransitionNames.flatMap((name) => {
    const rule = caseTransitions[name];
    if (!mayTake(actor, rule, facts) || !rule.from.includes(facts.state)) return [];
    return [{ name, to: rule.to, failures: rule.guard(facts) }];
  });
}

/**
 * The decision as the use case needs it: the new state and owner, or the one error type.
 * An illegal or blocked transition is a 409 carrying the current state (issue 3). A transition
 * the actor may not take answers 404 like any other thing they may not touch (STYLE.md: never 403).
 */
export function requireTransition(
  facts: CaseFacts,
  actor: CaseActor,
  name: CaseTransitionName,
): { to: CaseState; owner: StageOwner | null } {
  const decision = decideTransition(facts, actor, name);
  if (decision.ok) return { to: decision.to, owner: decision.owner };
  switch (decision.reason) {
    case 'not_permitted':
      throw new AppError('not_found');
    case 'not_allowed_in_state':
      throw new AppError('conflict', {
        message: 'This step is not possible at the current stage of the case.',
        details: { currentState: facts.state, transition: name },
      });
    case 'guard_failed':
      throw new AppError('conflict', {
        message: 'This case is not ready for that step yet.',
        details: { currentState: facts.state, transition: name, failures: decision.failures },
      });
  }
}
