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
import type { ServiceLevelSettings } from '../../core/service-levels.ts';
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
  if (row.actor_is_proxy === true) relations.push('proxy');
  if (row.actor_is_referrer === true) relations.push('referrer');
  return { role: actor.role, organizationId: actor.organizationId, relations };
}

const hasText = (value: string | null) => value !== null && value.trim().length > 0;

/**
 * The snapshot the guards read. Offers, the opinion, patient questions and follow-up arrive with
 * the later slices of issue 3; until then they are empty, which keeps their transitions blocked.
 */
export function caseFactsOf(row: VisibleCaseRow, now: Date): CaseFacts {
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
    offer: null,
    openPatientQuestions: 0,
    opinion: null,
    followUp: { asked: 0, limit: 3, open: 0, windowEndsAt: null },
  };
}

/**
 * The organization's service-level settings. Per-organization stage allowances and holidays are
 * not stored yet: the defaults of core apply, in business days, in the organization's time zone.
 */
export function serviceLevelSettingsOf(row: VisibleCaseRow): ServiceLevelSettings {
  return { timeZone: row.organization_time_zone, businessDays: true, holidays: [], stages: {} };
}

/** Who acted, and for whom when acting for the patient (proxy, referrer), for the audit row. */
export function caseAuditOrigin(
  context: RequestContext,
  actor: Actor,
  patientUserId: string | null,
) {
  return {
    ...auditOrigin(context),
    onBehalfOfUserId:
      patientUserId !== null && patientUserId !== actor.userId ? patientUserId : null,
  };
}
