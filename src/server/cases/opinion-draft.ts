/**
 * The specialist's opinion draft (issue 3): saved as often as the specialist likes while the case
 * is in review, validated against the opinion schema of core on every save, and shown with what is
 * still missing before it can be signed and with the reading level of the plain-language summary.
 * Peer review, where the organization asks for it, is requested by the author and decided by a
 * second specialist; an approval holds for the draft version it saw.
 */
import { AppError } from '../../core/errors.ts';
import {
  presentOpinionSections,
  questionAnswerProblems,
  type OpinionContent,
} from '../../core/opinion.ts';
import { requiredOpinionSections } from '../../core/case-lifecycle.ts';
import { readingLevel, readingGradeTarget } from '../../core/readability.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { notify } from '../notifications/notify.ts';
import { invalid } from './apply-transition.ts';
import { draftContentOf, peerReviewStateOf } from './case-facts.ts';
import { findActiveSpecialist, insertTimelineEntry } from './case-repository.ts';
import { loadCase, wrongStage, type LoadedCase } from './load-case.ts';
import {
  decidePeerReview,
  findOpinionDraft,
  findReviewerIds,
  insertPeerReview,
  saveOpinionDraft,
} from './opinion-repository.ts';

/** States in which the assigned specialist writes the draft. */
const writableStates = ['in_review', 'awaiting_patient'];

function draftViewOf(
  loaded: LoadedCase,
  draft: { content: OpinionContent; version: number; updatedAt: Date } | null,
) {
  const content = draft?.content ?? {};
  const present = presentOpinionSections(content, loaded.questionIds);
  const summary = content.plainLanguageSummary;
  const level = summary === undefined ? null : readingLevel(summary);
  return {
    caseId: loaded.row.id,
    content,
    version: draft?.version ?? null,
    updatedAt: draft?.updatedAt.toISOString() ?? null,
    sectionsPresent: present,
    sectionsMissing: requiredOpinionSections.filter((section) => !present.includes(section)),
    readability:
      level === null
        ? null
        : {
            grade: level.grade,
            target: readingGradeTarget,
            aboveTarget: level.grade > readingGradeTarget,
          },
    peerReview: peerReviewStateOf(loaded.row),
  };
}

export type OpinionDraftView = ReturnType<typeof draftViewOf>;

/** Whether the actor writes or reviews this case's opinion; everyone else answers 404. */
function requireOpinionPeople(loaded: LoadedCase, actorUserId: string, reviewerIds: string[]) {
  const author = loaded.caseActor.relations.includes('assigned');
  if (!author && !reviewerIds.includes(actorUserId)) throw new AppError('not_found');
  return { author };
}

export async function getOpinionDraft(
  services: Services,
  context: RequestContext,
  caseId: string,
): Promise<OpinionDraftView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.read', caseId);
    requireOpinionPeople(loaded, actor.userId, await findReviewerIds(unit.trx, caseId));
    const draft = await findOpinionDraft(unit.trx, caseId);
    await unit.audit({
      ...loaded.transitionActor.origin,
      eventType: 'opinion.draft_read',
      patientId: loaded.row.patient_id,
      entityType: 'Case',
      entityId: caseId,
    });
    return draftViewOf(
      loaded,
      draft === undefined
        ? null
        : {
            content: draftContentOf({ ...loaded.row, draft_content: draft.content }) ?? {},
            version: draft.version,
            updatedAt: draft.updated_at,
          },
    );
  });
}

/** Saves the whole draft (sections replaced as sent); 409 when someone else saved in between. */
export async function saveDraft(
  services: Services,
  context: RequestContext,
  caseId: string,
  input: { content: OpinionContent; expectedVersion?: number | null | undefined },
): Promise<OpinionDraftView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.read', caseId);
    if (!loaded.caseActor.relations.includes('assigned')) throw new AppError('not_found');
    if (!writableStates.includes(loaded.row.state))
      throw wrongStage(loaded.row, 'The opinion can be written only while the case is in review.');
    const problems = questionAnswerProblems(input.content, loaded.questionIds);
    if (problems.length > 0)
      throw invalid(`body.content.${problems[0]?.path}`, problems[0]?.message ?? '');
    // `null` says "there is no draft yet": creating one over another tab's first save is a conflict.
    const expected =
      input.expectedVersion === undefined ? loaded.row.draft_version : input.expectedVersion;
    const saved = await saveOpinionDraft(unit.trx, {
      caseId,
      authorUserId: actor.userId,
      content: input.content,
      expectedVersion: expected,
      now: unit.now,
    });
    if (saved === undefined)
      throw new AppError('conflict', {
        message: 'The draft was saved elsewhere in the meantime. Reload it and try again.',
        details: { currentState: loaded.row.state, currentDraftVersion: loaded.row.draft_version },
      });
    await unit.audit({
      ...loaded.transitionActor.origin,
      eventType: 'opinion.draft_saved',
      patientId: loaded.row.patient_id,
      entityType: 'Case',
      entityId: caseId,
      details: { draftVersion: saved.version },
    });
    const refreshed = await loadCase(unit, context, actor, 'case.read', caseId);
    return draftViewOf(refreshed, {
      content: input.content,
      version: saved.version,
      updatedAt: saved.updated_at,
    });
  });
}

/** The author asks another specialist of the organization to review the current draft. */
export async function requestPeerReview(
  services: Services,
  context: RequestContext,
  caseId: string,
  input: { reviewerUserId: string },
): Promise<OpinionDraftView> {
  const actor = requireActor(context);
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.read', caseId);
    if (!loaded.caseActor.relations.includes('assigned')) throw new AppError('not_found');
    if (loaded.row.state !== 'in_review')
      throw wrongStage(loaded.row, 'Peer review is requested while the case is in review.');
    if (loaded.row.draft_version === null)
      throw new AppError('conflict', {
        message: 'Save a draft before asking for peer review.',
        details: { currentState: loaded.row.state },
      });
    if (input.reviewerUserId === actor.userId)
      throw invalid('body.reviewerUserId', 'the reviewer must be another specialist');
    const reviewer = await findActiveSpecialist(
      unit.trx,
      loaded.row.organization_id,
      input.reviewerUserId,
    );
    if (reviewer === undefined)
      throw invalid('body.reviewerUserId', 'not an active specialist of the organization');
    const created = await insertPeerReview(unit.trx, {
      caseId,
      reviewerUserId: input.reviewerUserId,
      requestedByUserId: actor.userId,
      draftVersion: loaded.row.draft_version,
      now: unit.now,
    });
    if (created === undefined)
      throw new AppError('conflict', {
        message: 'A peer review is already pending for this case.',
        details: { currentState: loaded.row.state },
      });
    await insertTimelineEntry(unit.trx, {
      caseId,
      occurredAt: unit.now,
      actorUserId: actor.userId,
      kind: 'event',
      event: 'peer_review_requested',
    });
    await unit.audit({
      ...loaded.transitionActor.origin,
      eventType: 'opinion.peer_review_requested',
      patientId: loaded.row.patient_id,
      entityType: 'Case',
      entityId: caseId,
      details: { peerReviewId: created.id, reviewerUserId: input.reviewerUserId },
    });
    await notify(unit, {
      organizationId: loaded.row.organization_id,
      recipientUserIds: [input.reviewerUserId],
      kind: 'peer_review_requested',
      caseId,
      actorUserId: actor.userId,
      appUrl: services.config.http.publicUrl,
    });
    const refreshed = await loadCase(unit, context, actor, 'case.read', caseId);
    const draft = draftContentOf(refreshed.row);
    return draftViewOf(refreshed, {
      content: draft ?? {},
      version: refreshed.row.draft_version ?? 0,
      updatedAt: unit.now,
    });
  });
}

/** The reviewer approves the draft or returns it with comments (a comment is then required). */
export async function decidePeerReviewRequest(
  services: Services,
  context: RequestContext,
  caseId: string,
  input: { decision: 'approve' | 'return'; comment?: string | undefined },
): Promise<{ status: 'approved' | 'returned' }> {
  const actor = requireActor(context);
  if (input.decision === 'return' && input.comment === undefined)
    throw invalid('body.comment', 'required when returning the draft');
  return transact(services, async (unit) => {
    const loaded = await loadCase(unit, context, actor, 'case.read', caseId);
    const status = input.decision === 'approve' ? 'approved' : 'returned';
    if (loaded.row.draft_version === null) throw new AppError('not_found');
    const decided = await decidePeerReview(unit.trx, {
      caseId,
      reviewerUserId: actor.userId,
      status,
      comment: input.comment ?? null,
      draftVersion: loaded.row.draft_version,
      now: unit.now,
    });
    if (decided === undefined) throw new AppError('not_found');
    await insertTimelineEntry(unit.trx, {
      caseId,
      occurredAt: unit.now,
      actorUserId: actor.userId,
      kind: 'event',
      event: status === 'approved' ? 'peer_review_approved' : 'peer_review_returned',
    });
    await unit.audit({
      ...loaded.transitionActor.origin,
      eventType: 'opinion.peer_review_decided',
      patientId: loaded.row.patient_id,
      entityType: 'Case',
      entityId: caseId,
      details: { peerReviewId: decided.id, status, draftVersion: loaded.row.draft_version },
    });
    if (loaded.row.draft_author_user_id !== null)
      await notify(unit, {
        organizationId: loaded.row.organization_id,
        recipientUserIds: [loaded.row.draft_author_user_id],
        kind: 'peer_review_decided',
        caseId,
        data: { status },
        actorUserId: actor.userId,
        appUrl: services.config.http.publicUrl,
      });
    return { status };
  });
}
