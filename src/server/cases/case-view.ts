/**
 * How a case is shown to the people on it: the stored row and its lists turned into the API view,
 * with the transitions the viewer could take now (and what still blocks them).
 */
import type { Actor } from '../../core/access.ts';
import { availableTransitions } from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import type { DatabaseTransaction } from '../db/database.ts';
import { caseActorOf, caseFactsOf } from './case-facts.ts';
import { findCaseParts, findVisibleCase, type VisibleCaseRow } from './case-repository.ts';

type CaseParts = Awaited<ReturnType<typeof findCaseParts>>;

const iso = (value: Date | null) => (value === null ? null : value.toISOString());

export function caseViewOf(actor: Actor, row: VisibleCaseRow, parts: CaseParts, now: Date) {
  const facts = caseFactsOf(row, now);
  return {
    id: row.id,
    patientId: row.patient_id,
    state: facts.state,
    urgency: facts.urgency,
    urgencyReason: row.urgency_reason,
    conditionDescription: row.condition_description,
    diagnosis: { code: row.diagnosis_code, text: row.diagnosis_text },
    proposedTreatment: row.proposed_treatment,
    history: row.history,
    goals: row.goals,
    questions: parts.questions.map((question) => ({ id: question.id, text: question.text })),
    medications: parts.medications,
    allergies: parts.allergies,
    devices: parts.devices.map((device) => device.description),
    consent: {
      accepted: facts.intake.consentAccepted,
      version: row.consent_version,
      acceptedAt: iso(row.consent_accepted_at),
      currentVersion: row.organization_consent_version,
    },
    stageOwner: row.stage_owner,
    stageDeadlineAt: iso(row.stage_deadline_at),
    submittedAt: iso(row.submitted_at),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
    recordRequests: parts.recordRequests.map((request) => ({
      id: request.id,
      what: request.what,
      why: request.why,
      dueAt: request.due_at.toISOString(),
      status: request.status,
      createdAt: request.created_at.toISOString(),
      fulfilledAt: iso(request.fulfilled_at),
    })),
    timeline: parts.timeline.map((entry) => ({
      id: entry.id,
      occurredAt: entry.occurred_at.toISOString(),
      actorUserId: entry.actor_user_id,
      kind: entry.kind,
      transition: entry.transition,
      fromState: entry.from_state,
      toState: entry.to_state,
      note: entry.note,
    })),
    availableTransitions: availableTransitions(facts, caseActorOf(actor, row)),
  };
}

export type CaseView = ReturnType<typeof caseViewOf>;

/** The case as the actor sees it right now, inside the caller's transaction. */
export async function readCaseView(
  trx: DatabaseTransaction,
  actor: Actor,
  caseId: string,
  now: Date,
): Promise<CaseView> {
  const row = await findVisibleCase(trx, actor, 'case.read', caseId);
  if (row === undefined) throw new AppError('not_found');
  return caseViewOf(actor, row, await findCaseParts(trx, caseId), now);
}
