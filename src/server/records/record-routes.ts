/**
 * A case's records, as a table of routes: the documents (with unfinished uploads and imaging
 * studies), one document's content, correcting a document's description, the records timeline,
 * the safety net's findings with staff's decisions and the patient side's responses on them, the
 * authorization a patient signs to release outside records (release-of-information/), and an
 * organization's checklists. The upload transport itself (tus) is in uploads/.
 */
import { z } from 'zod';
import { checklistSetSchema } from '../../core/safety/checklists.ts';
import type { Services } from '../app/services.ts';
import { sendFileDownload } from '../attachments/download-attachment.ts';
import { idParams } from '../auth/auth.types.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import {
  correctDocumentDescription,
  listCaseRecords,
  openDocumentContent,
  readRecordsTimeline,
} from './case-records.ts';
import type { RecordServices } from './record-services.ts';
import { generateReleaseAuthorization } from './release-of-information/generate-release-authorization.ts';
import { releaseAuthorizationBody } from './release-of-information/release-of-information.types.ts';
import {
  caseRecordsView,
  describeDocumentBody,
  documentContentQuery,
  documentView,
  findingDecisionBody,
  findingListView,
  findingParams,
  findingResponseBody,
  findingView,
  recordParams,
  recordsTimelineView,
} from './records.types.ts';
import {
  decideCaseFinding,
  listCaseFindings,
  respondToCaseFinding,
  runCaseChecks,
} from './safety/case-findings.ts';
import {
  readOrganizationChecklists,
  replaceOrganizationChecklists,
  resetOrganizationChecklists,
} from './safety/organization-checklists.ts';

const tags = ['records'];

const checklistsView = z.object({
  checklists: checklistSetSchema,
  /** Whether these are the organization's own (else the shipped defaults). */
  custom: z.boolean(),
  updatedAt: z.string().nullable(),
});

export function recordRoutes(services: Services & { records: RecordServices }): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/documents',
      summary:
        "The case's documents (what each is, its date of service and source, derived from its content), the caller's uploads still being received or processed, refused or held in quarantine (a coordinator sees everyone's), and the imaging studies grouped into series. 404 when the case is not visible",
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      responses: { 200: caseRecordsView },
      handler: async ({ params, context }) => listCaseRecords(services, context, params.id),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/documents/:documentId/content',
      summary:
        'One document, decrypted as it is sent (each part authenticated, the SHA-256 checked at the end), always as a download and never rendered inline; `purpose=view` records the read as viewed in the browser',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: recordParams,
      query: documentContentQuery,
      responses: { 200: z.string() },
      produces: 'application/octet-stream',
      handler: async ({ params, query, context, reply }) => {
        const opened = await openDocumentContent(
          services,
          context,
          params.id,
          params.documentId,
          query.purpose,
        );
        return sendFileDownload(reply, { ...opened, mediaType: 'application/octet-stream' });
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/cases/:id/documents/:documentId',
      summary:
        "Correct a document's kind, date of service and source (its display name follows: `YYYY-MM-DD — Kind — Source`); audited with the values before and after; the records check runs again. For those who may add documents to the case (404 otherwise)",
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: recordParams,
      body: describeDocumentBody,
      responses: { 200: documentView },
      handler: async ({ params, body, context }) =>
        correctDocumentDescription(services, context, params.id, params.documentId, body),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/records-timeline',
      summary:
        'Every document and every clinical event imported from structured records (conditions, medications, allergies, results, procedures, reports) on one chronological line; undated ones last',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      responses: { 200: recordsTimelineView },
      handler: async ({ params, context }) => readRecordsTimeline(services, context, params.id),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/findings',
      summary:
        "The records check's findings: for the patient side the open ones in plain words with what to do; for staff all of them with the technical explanation, the values compared and the resolution trail",
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      responses: { 200: findingListView },
      handler: async ({ params, context }) => listCaseFindings(services, context, params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/findings/check',
      summary:
        'Run the records check now (coordinator); answers the findings after the run. It also runs by itself whenever the records change',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      responses: { 200: findingListView },
      handler: async ({ params, context }) => runCaseChecks(services, context, params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/findings/:findingId/decision',
      summary:
        'Resolve a finding (saying how) or dismiss it (with a reason), as the coordinator; appended to its trail and audited. 409 when it is no longer open',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: findingParams,
      body: findingDecisionBody,
      responses: { 200: findingView },
      handler: async ({ params, body, context }) =>
        decideCaseFinding(services, context, params.id, params.findingId, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/findings/:findingId/response',
      summary:
        'The patient side answers the question an open finding asks (`answer`) or explains why it does not apply (`explanation`), in 1–2000 characters; appended to its trail with who wrote it (and for whom, when a proxy or the referring physician acts for the patient), audited without the text, and the coordinators are notified. The finding stays open until staff verify it and resolve it (`answered`) or dismiss it. For those who may add documents to the case for the patient (404 otherwise, and for a finding the patient side is not shown); 409 `finding_not_open` when it was resolved or dismissed',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: findingParams,
      body: findingResponseBody,
      responses: { 200: findingView },
      handler: async ({ params, body, context }) =>
        respondToCaseFinding(services, context, params.id, params.findingId, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/release-of-information',
      summary:
        'The authorization the patient signs so the organization can ask another facility for their records (the facility, the records wanted, the dates of service, the purpose), as a PDF to download; audited. For those who may add documents to the case (404 otherwise); 400 when the range is reversed or ends in the future',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      body: releaseAuthorizationBody,
      responses: { 200: z.string() },
      produces: 'application/pdf',
      handler: async ({ params, body, context, reply }) => {
        const { pdf, fileName } = await generateReleaseAuthorization(
          services,
          context,
          params.id,
          body,
        );
        return reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', `attachment; filename="${fileName}"`)
          .header('cache-control', 'private, no-store')
          .send(pdf);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/org/checklists',
      summary:
        "The organization's completeness checklists per case category (the shipped defaults until it stores its own)",
      tags,
      access: { kind: 'member', action: 'settings.read' },
      responses: { 200: checklistsView },
      handler: ({ context }) => readOrganizationChecklists(services, context),
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/v1/org/checklists',
      summary:
        "Replace the organization's checklists (validated as a whole; audited). Open cases are checked against them at their next run",
      tags,
      access: { kind: 'member', action: 'settings.update' },
      body: checklistSetSchema,
      responses: { 200: checklistsView },
      handler: ({ body, context }) => replaceOrganizationChecklists(services, context, body),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/org/checklists',
      summary:
        "Forget the organization's own checklists: it follows the shipped defaults again, including when a later release changes them (audited when there was a set to forget). Answers the defaults",
      tags,
      access: { kind: 'member', action: 'settings.update' },
      responses: { 200: checklistsView },
      handler: ({ context }) => resetOrganizationChecklists(services, context),
    }),
  ];
}
