/**
 * The patient side's view of the case API: query keys and options for one case, the caller's own
 * cases, the patients they may start a case for, the signed report, and the calls that change a
 * case (its records are records/records-api.ts's). Calls go through the typed client; a changed
 * case is written back into the cache so every screen shows the version the server last answered.
 */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { CaseDraftChange } from '../../core/case-intake.ts';
import { isApiError, type ApiError } from '../api/api-error.ts';
import { client, unwrap } from '../api/client.ts';
import type { components, paths } from '../api/schema.gen.ts';

export type CaseView = components['schemas']['Case'];
/** What a transition answers when it ended the caller's own access to the case. */
export type CaseAccessEnded = components['schemas']['CaseAccessEnded'];
export type CaseSummary =
  paths['/api/v1/cases']['get']['responses'][200]['content']['application/json']['cases'][number];
export type CaseTransitionRequest =
  paths['/api/v1/cases/{id}/transitions']['post']['requestBody']['content']['application/json'];
export type CaseAttachment = components['schemas']['CaseAttachment'];
export type SignedOpinion =
  paths['/api/v1/cases/{id}/opinion']['get']['responses'][200]['content']['application/json'];
export type PatientTransition = Extract<
  CaseTransitionRequest['transition'],
  'submit' | 'withdraw' | 'records_provided'
>;

/** The same keys as the staff screens use for a case, so a case is cached once per browser. */
export const myCasesQueryKey = ['cases', 'mine'] as const;
export const caseQueryKey = (caseId: string) => ['cases', 'case', caseId] as const;

export function caseQueryOptions(caseId: string) {
  return queryOptions({
    queryKey: caseQueryKey(caseId),
    queryFn: () => unwrap(client.GET('/api/v1/cases/{id}', { params: { path: { id: caseId } } })),
  });
}

/** The caller's own cases (a patient's, a proxy's patients', a referrer's patients'). */
export function myCasesQueryOptions() {
  return queryOptions({
    queryKey: myCasesQueryKey,
    queryFn: () => unwrap(client.GET('/api/v1/cases', { params: { query: { limit: 100 } } })),
  });
}

/** The signed report and its addenda (the patient side may read it once it is delivered). */
export function signedOpinionQueryOptions(caseId: string) {
  return queryOptions({
    queryKey: ['cases', 'case', caseId, 'opinion'] as const,
    queryFn: () =>
      unwrap(client.GET('/api/v1/cases/{id}/opinion', { params: { path: { id: caseId } } })),
  });
}

/** The patients the caller may start a case for: their own record, or those they act for. */
export function patientsQueryOptions() {
  return queryOptions({
    queryKey: ['patients'] as const,
    queryFn: () => unwrap(client.GET('/api/v1/patients')),
    staleTime: 5 * 60_000,
  });
}

/** Keeps the cache in step with the case the server answered; lists refresh on next view. */
export async function rememberCase(queryClient: QueryClient, view: CaseView): Promise<void> {
  queryClient.setQueryData(caseQueryKey(view.id), view);
  await queryClient.invalidateQueries({ queryKey: myCasesQueryKey });
}

/**
 * Keeps the cache in step after a transition: the case as answered, or, when the step ended the
 * caller's access to it, the case forgotten. Returns the case, or null when it is no longer visible.
 */
export async function rememberTransition(
  queryClient: QueryClient,
  result: CaseView | CaseAccessEnded,
): Promise<CaseView | null> {
  if ('accessEnded' in result) {
    queryClient.removeQueries({ queryKey: caseQueryKey(result.id) });
    await queryClient.invalidateQueries({ queryKey: myCasesQueryKey });
    return null;
  }
  await rememberCase(queryClient, result);
  return result;
}

export function createCase(patientId: string): Promise<CaseView> {
  return unwrap(client.POST('/api/v1/cases', { body: { patientId } }));
}

/** Saves part of the intake; 409 when `expectedVersion` is no longer the stored one. */
export function saveDraft(
  caseId: string,
  change: CaseDraftChange,
  expectedVersion: number,
): Promise<CaseView> {
  return unwrap(
    client.PATCH('/api/v1/cases/{id}', {
      params: { path: { id: caseId } },
      body: { ...change, expectedVersion },
    }),
  );
}

export function takeTransition(
  caseId: string,
  transition: PatientTransition,
  expectedVersion: number,
  note?: string,
): Promise<CaseView | CaseAccessEnded> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/transitions', {
      params: { path: { id: caseId } },
      body: { transition, expectedVersion, ...(note === undefined ? {} : { note }) },
    }),
  );
}

/** Answers a question the specialist asked; the last answer returns the case to review. */
export function answerPatientQuestion(
  caseId: string,
  questionId: string,
  answer: string,
): Promise<CaseView> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/patient-questions/{questionId}/answer', {
      params: { path: { id: caseId, questionId } },
      body: { answer },
    }),
  );
}

/** Asks a follow-up question about the delivered report (within the organization's allowance). */
export function askFollowUp(caseId: string, text: string): Promise<CaseView> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/follow-ups', {
      params: { path: { id: caseId } },
      body: { text },
    }),
  );
}

/** Confirms that the report reached its recipient (issue 3: delivery with confirmed receipt). */
export function confirmReceipt(caseId: string, receiptId: string): Promise<CaseView> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/receipts/{receiptId}/confirm', {
      params: { path: { id: caseId, receiptId } },
    }),
  );
}

/** Where a signed version of the report downloads as a PDF, in the reader's language if offered. */
export function opinionPdfPath(caseId: string, versionId: string, language: string): string {
  const path = `/api/v1/cases/${encodeURIComponent(caseId)}/opinion/versions/${encodeURIComponent(versionId)}/pdf`;
  return language === 'es' || language === 'en' ? `${path}?lang=${language}` : path;
}

/** A 409: someone (or another tab) changed the case first, or its stage moved on. */
export function isConflict(error: unknown): error is ApiError {
  return isApiError(error) && error.status === 409;
}
