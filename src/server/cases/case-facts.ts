/**
 * What the lifecycle in core needs to know about a loaded case: the actor's relations to it, the
 * snapshot its guards read, and the organization's service-level settings. Kept apart from the
 * use cases so that reading a case and changing it judge it the same way.
 */
import type { Actor } from '../../core/access.ts';
import {
  caseStates,
  urgencies,
  type CaseActor,
  type CaseFacts,
  type CaseState,
  type Urgency,
} from '../../core/case-lifecycle.ts';
import {
  opinionContentSchema,
  presentOpinionSections,
  answeredQuestionCount,
  type OpinionContent,
} from '../../core/opinion.ts';
import {
  serviceLevelSettingsSchema,
  type ServiceLevelSettings,
} from '../../core/service-levels.ts';
import { auditOrigin, type RequestContext } from '../http/request-context.ts';
import type { VisibleCaseRow } from './case-repository.ts';

/** The stored state, checked against the states core declares (the column has the same CHECK). */
export function asCaseState(value: string): CaseState {
  const state = caseStates.find((candidate) => candidate === value);
  if (state === undefined) throw new Error(`unknown case state ${value}`);
  return state;
}

export function asUrgency(value: string): Urgency {
  const urgency = urgencies.find((candidate) => candidate === value);
  if (urgency === undefined) throw new Error(`unknown urgency ${value}`);
  return urgency;
}

/** The actor as the lifecycle sees it, with the relations the SQL found. */
export function caseActorOf(actor: Actor, row: VisibleCaseRow): CaseActor {
  const relations: CaseActor['relations'][number][] = [];
  if (row.actor_is_self === true) relations.push('self');
  // A proxy who may only view the case takes no step in it (the patient granted reading only).
  if (row.actor_is_acting_proxy === true) relations.push('proxy');
  if (row.actor_is_referrer === true) relations.push('referrer');
  if (row.assigned_specialist_user_id === actor.userId) relations.push('assigned');
  if (row.offer_specialist_user_id === actor.userId) relations.push('offered');
  return { role: actor.role, organizationId: actor.organizationId, relations };
}

const hasText = (value: string | null) => value !== null && value.trim().length > 0;

/**
 * The stored opinion draft, read back through the schema. A draft saved under an older schema
 * that no longer parses counts as empty rather than failing every read of the case.
 */
export function draftContentOf(row: VisibleCaseRow): OpinionContent | null {
  if (row.draft_content === null) return null;
  const parsed = opinionContentSchema.safeParse(row.draft_content);
  return parsed.success ? parsed.data : {};
}

/** Where peer review stands for the current draft; an approval holds for the version it saw. */
export function peerReviewStateOf(
  row: VisibleCaseRow,
): 'not_required' | 'pending' | 'approved' | 'returned' {
  const status = row.peer_review_status;
  if (status === 'approved' && row.peer_review_draft_version === row.draft_version)
    return 'approved';
  if (status === 'pending') return 'pending';
  // A return holds for the draft it saw; once the author revises, it is settled by a new review
  // where the organization requires one, and by the author otherwise.
  if (status === 'returned' && row.peer_review_draft_version === row.draft_version)
    return 'returned';
  return row.organization_peer_review_required ? 'pending' : 'not_required';
}

/** The snapshot the guards read; `questionIds` are the case's intake questions. */
export function caseFactsOf(
  row: VisibleCaseRow,
  now: Date,
  questionIds: readonly string[] = [],
): CaseFacts {
  const draft = draftContentOf(row);
  return {
    organizationId: row.organization_id,
    state: asCaseState(row.state),
    urgency: asUrgency(row.urgency),
    now,
    intake: {
      conditionDescribed: hasText(row.condition_description),
      questionCount: row.question_count,
      // Consent counts only for the organization's current text (issue 3: versioned consent).
      consentAccepted:
        row.consent_accepted_at !== null &&
        row.consent_version === row.organization_consent_version,
      urgencyReasonGiven: hasText(row.urgency_reason),
    },
    openRecordRequests: row.open_record_requests,
    offer: row.offer_expires_at === null ? null : { expiresAt: row.offer_expires_at },
    openPatientQuestions: row.open_patient_questions,
    opinion:
      draft === null
        ? null
        : {
            sectionsPresent: presentOpinionSections(draft, questionIds),
            answeredQuestionCount: answeredQuestionCount(draft, questionIds),
            peerReview: peerReviewStateOf(row),
          },
    followUp: {
      asked: row.follow_ups_asked,
      limit: row.organization_follow_up_limit,
      open: row.follow_ups_open,
      windowEndsAt: row.follow_up_window_ends_at,
    },
  };
}

/**
 * The organization's service-level settings: its calendar and per-stage allowances as stored;
 * stages it did not set use the defaults of core. Settings that no longer parse fall back to the
 * defaults rather than stopping the case.
 */
export function serviceLevelSettingsOf(row: VisibleCaseRow): ServiceLevelSettings {
  const parsed = serviceLevelSettingsSchema.safeParse({
    timeZone: row.organization_time_zone,
    businessDays: row.organization_business_days,
    holidays: row.organization_holidays,
    stages: row.organization_service_levels,
  });
  return parsed.success
    ? parsed.data
    : { timeZone: row.organization_time_zone, businessDays: true, holidays: [], stages: {} };
}

/** Who acted, and for whom when acting for the patient (proxy, referrer), for the audit row. */
export function caseAuditOrigin(
  context: RequestContext,
  actor: Actor,
  patientUserId: string | null,
) {
  return {
    ...auditOrigin(context),
    // Only those acting for the patient act on their behalf; staff act for the organization.
    onBehalfOfUserId:
      (actor.role === 'proxy' || actor.role === 'referring_physician') && patientUserId !== null
        ? patientUserId
        : null,
  };
}
