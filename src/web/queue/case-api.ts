/**
 * The staff side's calls to the case API (the coordinator's queue and case page, the specialist's
 * offers), in one place so every screen shares the query keys, and a stale-version conflict (409)
 * is told apart from other failures the same way everywhere.
 */
import type { QueryClient } from '@tanstack/react-query';
import { caseStates } from '../../core/case-lifecycle.ts';
import { isApiError } from '../api/api-error.ts';
import { client, unwrap } from '../api/client.ts';
import type { components, paths } from '../api/schema.gen.ts';

export type CaseView = components['schemas']['Case'];
export type CaseState = CaseView['state'];
export type Urgency = CaseView['urgency'];
export type CaseList =
  paths['/api/v1/cases']['get']['responses'][200]['content']['application/json'];
export type CaseListItem = CaseList['cases'][number];
export type CaseListQuery = NonNullable<paths['/api/v1/cases']['get']['parameters']['query']>;
export type TransitionBody =
  paths['/api/v1/cases/{id}/transitions']['post']['requestBody']['content']['application/json'];
export type TransitionName = TransitionBody['transition'];
/** What a step answers: the case as the caller now sees it, or that the caller's access ended. */
export type TransitionResult =
  paths['/api/v1/cases/{id}/transitions']['post']['responses'][200]['content']['application/json'];
export type CaseAccessEnded = components['schemas']['CaseAccessEnded'];
export type CaseOffer = NonNullable<CaseView['offer']>;
export type OfferHistoryEntry = CaseView['offers'][number];
export type Specialist =
  paths['/api/v1/specialists']['get']['responses'][200]['content']['application/json']['specialists'][number];
export type SpecialistFilter = NonNullable<
  paths['/api/v1/specialists']['get']['parameters']['query']
>;

/** Every query about cases starts with this key, so one invalidation refreshes them all. */
export const casesQueryKey = ['cases'] as const;

export function caseQueryKey(caseId: string) {
  return [...casesQueryKey, 'case', caseId] as const;
}

export function caseListQueryKey(query: Omit<CaseListQuery, 'cursor'>) {
  return [...casesQueryKey, 'list', query] as const;
}

export function fetchCase(caseId: string): Promise<CaseView> {
  return unwrap(client.GET('/api/v1/cases/{id}', { params: { path: { id: caseId } } }));
}

export function fetchCasePage(query: CaseListQuery): Promise<CaseList> {
  return unwrap(client.GET('/api/v1/cases', { params: { query } }));
}

export function takeTransition(caseId: string, body: TransitionBody): Promise<TransitionResult> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/transitions', { params: { path: { id: caseId } }, body }),
  );
}

export function fetchSpecialists(filter: SpecialistFilter) {
  return unwrap(client.GET('/api/v1/specialists', { params: { query: filter } }));
}

/** Whether the step took the case out of the caller's hands (a declined offer). */
export function isAccessEnded(result: TransitionResult): result is CaseAccessEnded {
  return 'accessEnded' in result;
}

/** After a change, the case and every list that may show it are stale. */
export async function refreshCases(queryClient: QueryClient): Promise<void> {
  await queryClient.invalidateQueries({ queryKey: casesQueryKey });
}

/** What a 409 says about the case as it now stands (the server's `details.currentState`). */
export interface CaseConflict {
  currentState: CaseState | null;
}

function isCaseState(value: unknown): value is CaseState {
  return caseStates.some((state) => state === value);
}

/** Whether `mark_ready` was refused because the records check holds open blockers. */
export function isOpenBlockers(error: unknown): boolean {
  if (!isApiError(error) || error.status !== 409) return false;
  const details = error.details;
  return (
    typeof details === 'object' &&
    details !== null &&
    'reason' in details &&
    details.reason === 'open_blockers'
  );
}

/** The conflict in `error`, when it is the server's "someone changed this case" answer. */
export function caseConflictOf(error: unknown): CaseConflict | null {
  if (!isApiError(error) || error.status !== 409 || isOpenBlockers(error)) return null;
  const details = error.details;
  const currentState =
    typeof details === 'object' && details !== null && 'currentState' in details
      ? details.currentState
      : undefined;
  return { currentState: isCaseState(currentState) ? currentState : null };
}
