/**
 * Taking a lifecycle step from a case page. Each request carries the version the person saw, so a
 * step decided on a stale screen is refused (409) instead of applied to a case that moved on; the
 * page then reloads the case and says where it now stands, and the person decides again.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { caseFindingsQueryKey } from '../records/records-api.ts';
import {
  caseConflictOf,
  caseQueryKey,
  isAccessEnded,
  isOpenBlockers,
  refreshCases,
  takeTransition,
  type CaseConflict,
  type CaseView,
  type TransitionBody,
  type TransitionResult,
} from './case-api.ts';

export type TransitionRequest = Omit<TransitionBody, 'expectedVersion'>;

/**
 * `onDone` runs after a step succeeded and before the lists reload, e.g. to leave a page whose case
 * the person may no longer see.
 */
export function useCaseTransition(
  caseView: CaseView,
  onDone?: (result: TransitionResult) => void | Promise<void>,
) {
  const queryClient = useQueryClient();
  const [conflict, setConflict] = useState<CaseConflict | null>(null);
  // Marking ready runs the records check first when the case changed since it last ran, and an
  // override resolves the blockers: either way the findings shown are stale.
  const refreshFindings = () =>
    queryClient.invalidateQueries({ queryKey: caseFindingsQueryKey(caseView.id) });
  const mutation = useMutation({
    mutationFn: (request: TransitionRequest) =>
      takeTransition(caseView.id, { ...request, expectedVersion: caseView.version }),
    onMutate: () => setConflict(null),
    onSuccess: async (result, request) => {
      if (!isAccessEnded(result)) queryClient.setQueryData(caseQueryKey(caseView.id), result);
      if (request.transition === 'mark_ready') await refreshFindings();
      await onDone?.(result);
      // A case the person may no longer see is forgotten rather than reloaded into a 404.
      if (isAccessEnded(result)) queryClient.removeQueries({ queryKey: caseQueryKey(caseView.id) });
      await refreshCases(queryClient);
    },
    onError: async (error) => {
      if (isOpenBlockers(error)) await refreshFindings();
      const found = caseConflictOf(error);
      if (found === null) return;
      setConflict(found);
      await refreshCases(queryClient);
    },
  });
  const error = mutation.error !== null && conflict === null ? mutation.error : null;
  return {
    /** Resolves with the updated case, or rejects (the error is also kept in `error`/`conflict`). */
    take: mutation.mutateAsync,
    pending: mutation.isPending,
    /** The transition being taken right now, to show a spinner on the right button. */
    pendingTransition: mutation.isPending ? mutation.variables.transition : null,
    conflict,
    error,
    clear: () => {
      setConflict(null);
      mutation.reset();
    },
  };
}

export type CaseTransitionControl = ReturnType<typeof useCaseTransition>;
