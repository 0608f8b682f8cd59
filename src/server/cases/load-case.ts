/**
 * Loading a case for a change, inside the change's transaction: through the access filter (404
 * when not visible), with the lifecycle's view of it and of the actor. Every case use case starts
 * here so that they all judge the case the same way.
 */
import type { Action, Actor } from '../../core/access.ts';
import type { CaseActor, CaseFacts } from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import type { UnitOfWork } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import type { TransitionActor } from './apply-transition.ts';
import { caseActorOf, caseAuditOrigin, caseFactsOf } from './case-facts.ts';
import { findCaseQuestionIds, findVisibleCase, type VisibleCaseRow } from './case-repository.ts';

export interface LoadedCase {
  row: VisibleCaseRow;
  facts: CaseFacts;
  questionIds: string[];
  caseActor: CaseActor;
  transitionActor: TransitionActor;
}

export async function loadCase(
  unit: UnitOfWork,
  context: RequestContext,
  actor: Actor,
  action: Action,
  caseId: string,
): Promise<LoadedCase> {
  const row = await findVisibleCase(unit.trx, actor, action, caseId);
  if (row === undefined) throw new AppError('not_found');
  const questionIds = await findCaseQuestionIds(unit.trx, row.id);
  const caseActor = caseActorOf(actor, row);
  return {
    row,
    facts: caseFactsOf(row, unit.now, questionIds),
    questionIds,
    caseActor,
    transitionActor: {
      caseActor,
      userId: actor.userId,
      origin: caseAuditOrigin(context, actor, row.patient_user_id),
    },
  };
}

/** 409 with the current state: the step exists but not at this stage of the case. */
export function wrongStage(row: VisibleCaseRow, message: string): AppError {
  return new AppError('conflict', { message, details: { currentState: row.state } });
}
