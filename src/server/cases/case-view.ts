/**
 * How a case is shown to the people on it: the stored row and its lists turned into the API view,
 * with the transitions the viewer could take now (and what still blocks them). What is internal to
 * the organization (offer history with decline reasons, peer review comments) is shown to staff
 * only; the patient side sees who is on the case, the questions put to them, the report and its
 * follow-ups.
 */
import type { Actor } from '../../core/access.ts';
import { availableTransitions } from '../../core/case-lifecycle.ts';
import { formatVerificationCode } from '../../core/opinion.ts';
import { AppError } from '../../core/errors.ts';
import type { DatabaseTransaction } from '../db/database.ts';
import { caseActorOf, caseFactsOf, peerReviewStateOf } from './case-facts.ts';
import { findCaseParts, findVisibleCase, type VisibleCaseRow } from './case-repository.ts';

type CaseParts = Awaited<ReturnType<typeof findCaseParts>>;

const iso = (value: Date | null) => (value === null ? null : value.toISOString());

export function caseViewOf(actor: Actor, row: VisibleCaseRow, parts: CaseParts, now: Date) {
  const facts = caseFactsOf(
    row,
    now,
    parts.questions.map((question) => question.id),
  );
  const caseActor = caseActorOf(actor, row);
  const coordinator = actor.role === 'coordinator';
  const specialistOnCase =
    actor.role === 'specialist' &&
    (caseActor.relations.includes('assigned') ||
      parts.peerReviews.some((review) => review.reviewer_user_id === actor.userId));
  const staff = coordinator || specialistOnCase;
  const pendingOffer = parts.offers.find((offer) => offer.status === 'pending') ?? null;
  const latestVersion = parts.versions.at(-1);
  return {
    id: row.id,
    patientId: row.patient_id,
    patientName: `${row.patient_given_name} ${row.patient_family_name}`.trim(),
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
      currentText: parts.consent.text,
    },
    stageOwner: row.stage_owner,
    stageDeadlineAt: iso(row.stage_deadline_at),
    submittedAt: iso(row.submitted_at),
    deliveredAt: iso(row.delivered_at),
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
    /** The pending offer, for the coordinator and the specialist who holds it. */
    offer:
      pendingOffer !== null && (coordinator || pendingOffer.specialist_user_id === actor.userId)
        ? {
            id: pendingOffer.id,
            specialistUserId: pendingOffer.specialist_user_id,
            specialistName: pendingOffer.specialist_name,
            offeredAt: pendingOffer.offered_at.toISOString(),
            expiresAt: pendingOffer.expires_at.toISOString(),
            note: pendingOffer.note,
            status: pendingOffer.status,
          }
        : null,
    /** Every offer made, with declines and their reasons: the coordinator's view only. */
    offers: coordinator
      ? parts.offers.map((offer) => ({
          id: offer.id,
          specialistUserId: offer.specialist_user_id,
          specialistName: offer.specialist_name,
          offeredAt: offer.offered_at.toISOString(),
          expiresAt: offer.expires_at.toISOString(),
          status: offer.status,
          respondedAt: iso(offer.responded_at),
          declineReason: offer.decline_reason,
          note: offer.note,
        }))
      : [],
    assignedSpecialist:
      parts.people.specialist_user_id === null
        ? null
        : {
            userId: parts.people.specialist_user_id,
            name: parts.people.specialist_name ?? '',
            credentials: parts.people.specialist_credentials ?? '',
          },
    referringPhysician:
      parts.people.referrer_user_id === null
        ? null
        : { userId: parts.people.referrer_user_id, name: parts.people.referrer_name ?? '' },
    patientQuestions: parts.patientQuestions.map((question) => ({
      id: question.id,
      text: question.text,
      askedAt: question.asked_at.toISOString(),
      answer: question.answer,
      answeredAt: iso(question.answered_at),
      retractedAt: iso(question.retracted_at),
    })),
    peerReview: staff
      ? {
          state: peerReviewStateOf(row),
          required: row.organization_peer_review_required,
          reviews: parts.peerReviews.map((review) => ({
            id: review.id,
            reviewerUserId: review.reviewer_user_id,
            reviewerName: review.reviewer_name,
            requestedAt: review.requested_at.toISOString(),
            status: review.status,
            comment: review.comment,
            decidedAt: iso(review.decided_at),
          })),
        }
      : null,
    opinion: {
      versions: parts.versions.map((version) => ({
        id: version.id,
        sequence: version.sequence,
        kind: version.kind,
        signedAt: version.signed_at.toISOString(),
        signerName: version.signer_name,
        verificationCode: formatVerificationCode(version.verification_code),
        current: version.id === latestVersion?.id,
      })),
      draftVersion: staff ? row.draft_version : null,
    },
    followUps: parts.followUps.map((question) => ({
      id: question.id,
      text: question.text,
      askedAt: question.asked_at.toISOString(),
      answeredAt: iso(question.answered_at),
      answeredVersionId: question.answered_version_id,
    })),
    followUpAllowance: {
      limit: facts.followUp.limit,
      asked: facts.followUp.asked,
      windowEndsAt: iso(row.follow_up_window_ends_at),
    },
    receipts: parts.receipts
      .filter((receipt) => staff || receipt.recipient_user_id === actor.userId)
      .map((receipt) => ({
        id: receipt.id,
        versionId: receipt.opinion_version_id,
        sequence: receipt.sequence,
        recipientUserId: receipt.recipient_user_id,
        recipientName: receipt.recipient_name,
        sentAt: receipt.sent_at.toISOString(),
        remindedAt: iso(receipt.reminded_at),
        confirmedAt: iso(receipt.confirmed_at),
      })),
    timeline: parts.timeline.map((entry) => ({
      id: entry.id,
      occurredAt: entry.occurred_at.toISOString(),
      actorUserId: entry.actor_user_id,
      kind: entry.kind,
      transition: entry.transition,
      event: entry.event,
      fromState: entry.from_state,
      toState: entry.to_state,
      note: entry.note,
    })),
    // The specialist may resume without waiting (the step retracts the open questions).
    availableTransitions: availableTransitions(
      caseActor.relations.includes('assigned') ? { ...facts, openPatientQuestions: 0 } : facts,
      caseActor,
    ),
  };
}

export type CaseView = ReturnType<typeof caseViewOf>;

/** The case as the actor sees it right now, or null when they no longer may (a declined offer). */
export async function readCaseViewIfVisible(
  trx: DatabaseTransaction,
  actor: Actor,
  caseId: string,
  now: Date,
): Promise<CaseView | null> {
  const row = await findVisibleCase(trx, actor, 'case.read', caseId);
  if (row === undefined) return null;
  return caseViewOf(actor, row, await findCaseParts(trx, caseId), now);
}

/** The case as the actor sees it right now, inside the caller's transaction. */
export async function readCaseView(
  trx: DatabaseTransaction,
  actor: Actor,
  caseId: string,
  now: Date,
): Promise<CaseView> {
  const view = await readCaseViewIfVisible(trx, actor, caseId, now);
  if (view === null) throw new AppError('not_found');
  return view;
}
