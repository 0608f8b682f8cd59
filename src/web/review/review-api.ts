/**
 * The review workspace's calls to the API: the opinion draft (read, save with the version last
 * seen), peer review (ask a colleague, decide as the colleague), the signed opinion with its
 * addenda, corrections and follow-up answers (both signed, so both need a fresh
 * re-authentication). The case itself is read and moved through the staff side's calls
 * (`queue/case-api.ts`), so a case is cached once per browser under the same key.
 */
import { formatVerificationCode, type OpinionContent } from '../../core/opinion.ts';
import { client, unwrap } from '../api/client.ts';
import type { components, paths } from '../api/schema.gen.ts';
import { casesQueryKey, type CaseView } from '../queue/case-api.ts';

export type OpinionDraft = components['schemas']['OpinionDraft'];
export type SignedOpinion =
  paths['/api/v1/cases/{id}/opinion']['get']['responses'][200]['content']['application/json'];
export type SignedVersion = SignedOpinion['versions'][number];
export type PeerReviewDecision =
  paths['/api/v1/cases/{id}/peer-review/decision']['post']['requestBody']['content']['application/json'];

/** Under the case's own key, so refreshing "cases" refreshes the draft and the report too. */
export function opinionDraftQueryKey(caseId: string) {
  return [...casesQueryKey, 'case', caseId, 'opinion-draft'] as const;
}

export function signedOpinionQueryKey(caseId: string) {
  return [...casesQueryKey, 'case', caseId, 'opinion'] as const;
}

export const specialistsQueryKey = ['specialists', 'all'] as const;

export function fetchOpinionDraft(caseId: string): Promise<OpinionDraft> {
  return unwrap(
    client.GET('/api/v1/cases/{id}/opinion-draft', { params: { path: { id: caseId } } }),
  );
}

/** Saves the whole draft; 409 when it was saved elsewhere since `expectedVersion`. */
export function saveOpinionDraft(
  caseId: string,
  content: OpinionContent,
  expectedVersion: number | null,
): Promise<OpinionDraft> {
  return unwrap(
    client.PUT('/api/v1/cases/{id}/opinion-draft', {
      params: { path: { id: caseId } },
      body: { content, expectedVersion },
    }),
  );
}

export function requestPeerReview(caseId: string, reviewerUserId: string): Promise<OpinionDraft> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/peer-review', {
      params: { path: { id: caseId } },
      body: { reviewerUserId },
    }),
  );
}

export function decidePeerReview(caseId: string, decision: PeerReviewDecision) {
  return unwrap(
    client.POST('/api/v1/cases/{id}/peer-review/decision', {
      params: { path: { id: caseId } },
      body: decision,
    }),
  );
}

export function fetchSignedOpinion(caseId: string): Promise<SignedOpinion> {
  return unwrap(client.GET('/api/v1/cases/{id}/opinion', { params: { path: { id: caseId } } }));
}

/** A correction to the signed opinion, signed as an addendum (403 until re-authenticated). */
export function signCorrection(caseId: string, text: string): Promise<CaseView> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/addenda', {
      params: { path: { id: caseId } },
      body: { text },
    }),
  );
}

/** The answer to a follow-up question, signed as an addendum (403 until re-authenticated). */
export function answerFollowUp(
  caseId: string,
  followUpId: string,
  text: string,
): Promise<CaseView> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/follow-ups/{followUpId}/answer', {
      params: { path: { id: caseId, followUpId } },
      body: { text },
    }),
  );
}

export function fetchAllSpecialists() {
  return unwrap(client.GET('/api/v1/specialists', { params: { query: {} } }));
}

/** Where the report up to and including a version downloads, in the interface language. */
export function opinionPdfPath(caseId: string, versionId: string, language: string): string {
  const path = `/api/v1/cases/${encodeURIComponent(caseId)}/opinion/versions/${encodeURIComponent(versionId)}/pdf`;
  return language === 'es' || language === 'en' ? `${path}?lang=${language}` : path;
}

/** The printed form of a verification code (groups of four), whichever form the server sent. */
export function displayVerificationCode(code: string): string {
  return code.includes('-') ? code : formatVerificationCode(code);
}
