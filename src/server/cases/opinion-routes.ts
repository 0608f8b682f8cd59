/**
 * The opinion and what follows it, as a table of routes: the specialist's draft and its peer
 * review, the patient's answers to the specialist's questions, the signed opinion with its PDF,
 * corrections and follow-up answers as signed addenda, the referring physician's receipt, and the
 * public verification of a printed code.
 */
import { z } from 'zod';
import { opinionContentSchema } from '../../core/opinion.ts';
import { requiredOpinionSections } from '../../core/case-lifecycle.ts';
import type { Services } from '../app/services.ts';
import { idParams } from '../auth/auth.types.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { caseView } from './cases.types.ts';
import { exportCaseFhir } from './fhir-export.ts';
import {
  decidePeerReviewRequest,
  getOpinionDraft,
  requestPeerReview,
  saveDraft,
} from './opinion-draft.ts';
import {
  answerFollowUp,
  answerSpecialistQuestion,
  askFollowUp,
  confirmReceipt,
  getOpinionPdf,
  getSignedOpinion,
  signCorrection,
  verifyCode,
} from './signed-opinion.ts';

const tags = ['opinion'];

const draftView = z
  .object({
    caseId: z.uuid(),
    content: opinionContentSchema,
    version: z.number().int().nullable(),
    updatedAt: z.string().nullable(),
    sectionsPresent: z.array(z.enum(requiredOpinionSections)),
    sectionsMissing: z.array(z.enum(requiredOpinionSections)),
    readability: z
      .object({ grade: z.number(), target: z.number(), aboveTarget: z.boolean() })
      .nullable(),
    peerReview: z.enum(['not_required', 'pending', 'approved', 'returned']),
  })
  .meta({ id: 'OpinionDraft' });

const signedVersionView = z.object({
  id: z.uuid(),
  sequence: z.number().int(),
  kind: z.enum(['opinion', 'addendum']),
  content: z.unknown(),
  followUpQuestion: z.string().nullable(),
  signerName: z.string(),
  signerCredentials: z.string(),
  signedAt: z.string(),
  sealSha256: z.string(),
  verificationCode: z.string(),
  current: z.boolean(),
});

const text = (max: number) => z.string().trim().min(1).max(max);

const questionParams = z.strictObject({ id: z.uuid(), questionId: z.uuid() });
const versionParams = z.strictObject({ id: z.uuid(), versionId: z.uuid() });
const followUpParams = z.strictObject({ id: z.uuid(), followUpId: z.uuid() });
const receiptParams = z.strictObject({ id: z.uuid(), receiptId: z.uuid() });

export function opinionRoutes(services: Services): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/opinion-draft',
      summary: 'The opinion draft, what it still lacks and its reading level (author and reviewer)',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      responses: { 200: draftView },
      handler: async ({ params, context }) => getOpinionDraft(services, context, params.id),
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/v1/cases/:id/opinion-draft',
      summary: 'Save the opinion draft (every section validated; 409 when saved elsewhere)',
      tags,
      access: { kind: 'member', action: 'case.transition' },
      params: idParams,
      body: z.strictObject({
        content: opinionContentSchema,
        expectedVersion: z.number().int().positive().nullable().optional(),
      }),
      responses: { 200: draftView },
      handler: async ({ params, body, context }) => saveDraft(services, context, params.id, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/peer-review',
      summary: 'Ask another specialist to review the draft',
      tags,
      access: { kind: 'member', action: 'case.transition' },
      params: idParams,
      body: z.strictObject({ reviewerUserId: z.uuid() }),
      responses: { 200: draftView },
      handler: async ({ params, body, context }) =>
        requestPeerReview(services, context, params.id, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/peer-review/decision',
      summary: 'Approve the draft, or return it with comments (the reviewer)',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      body: z.strictObject({
        decision: z.enum(['approve', 'return']),
        comment: text(8000).optional(),
      }),
      responses: { 200: z.object({ status: z.enum(['approved', 'returned']) }) },
      handler: async ({ params, body, context }) =>
        decidePeerReviewRequest(services, context, params.id, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/patient-questions/:questionId/answer',
      summary: "Answer the specialist's question (the last answer returns the case to review)",
      tags,
      access: { kind: 'member', action: 'case.transition' },
      params: questionParams,
      body: z.strictObject({ answer: text(8000) }),
      responses: { 200: caseView },
      handler: async ({ params, body, context }) =>
        answerSpecialistQuestion(services, context, params.id, params.questionId, body),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/opinion',
      summary: 'The signed opinion and its addenda (the patient side once delivered)',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      responses: {
        200: z.object({ caseId: z.uuid(), versions: z.array(signedVersionView) }),
      },
      handler: async ({ params, context }) => getSignedOpinion(services, context, params.id),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/opinion/versions/:versionId/pdf',
      summary: 'The report as a PDF, up to and including this version',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: versionParams,
      query: z.strictObject({ lang: z.enum(['en', 'es']).optional() }),
      responses: { 200: z.string() },
      produces: 'application/pdf',
      handler: async ({ params, query, context, reply }) => {
        const language = query.lang ?? (context.user?.locale.startsWith('es') ? 'es' : 'en');
        const { pdf, fileName } = await getOpinionPdf(
          services,
          context,
          params.id,
          params.versionId,
          language,
        );
        return reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', `attachment; filename="${fileName}"`)
          .send(pdf);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/addenda',
      summary: 'Sign a correction to the signed opinion (needs recent re-authentication)',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      body: z.strictObject({ text: text(8000) }),
      responses: { 200: caseView },
      handler: async ({ params, body, context }) =>
        signCorrection(services, context, params.id, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/follow-ups',
      summary: 'Ask a follow-up question about the delivered report',
      tags,
      access: { kind: 'member', action: 'case.transition' },
      params: idParams,
      body: z.strictObject({ text: text(4000) }),
      responses: { 200: caseView },
      handler: async ({ params, body, context }) => askFollowUp(services, context, params.id, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/follow-ups/:followUpId/answer',
      summary:
        'Answer a follow-up question with a signed addendum (needs recent re-authentication)',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: followUpParams,
      body: z.strictObject({ text: text(8000) }),
      responses: { 200: caseView },
      handler: async ({ params, body, context }) =>
        answerFollowUp(services, context, params.id, params.followUpId, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/receipts/:receiptId/confirm',
      summary: 'The referring physician confirms receipt of the report',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: receiptParams,
      responses: { 200: caseView },
      handler: async ({ params, context }) =>
        confirmReceipt(services, context, params.id, params.receiptId),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/fhir',
      summary: 'The case and its opinion as a FHIR R4 Bundle',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      responses: { 200: z.looseObject({ resourceType: z.literal('Bundle') }) },
      produces: 'application/fhir+json',
      handler: async ({ params, context, reply }) =>
        reply
          .header('content-type', 'application/fhir+json; charset=utf-8')
          .send(JSON.stringify(await exportCaseFhir(services, context, params.id))),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/verify/:code',
      summary: 'Whether a printed verification code belongs to an authentic, current report',
      tags,
      access: { kind: 'public' },
      params: z.strictObject({ code: z.string().trim().min(1).max(40) }),
      responses: {
        200: z
          .object({
            authentic: z.boolean(),
            status: z.enum(['current', 'superseded']),
            organization: z.string(),
            kind: z.enum(['opinion', 'addendum']),
            sequence: z.number().int(),
            signedAt: z.string(),
            signerName: z.string(),
            sealSha256: z.string(),
            latestSequence: z.number().int(),
          })
          .meta({ id: 'Verification' }),
      },
      handler: async ({ params }) => verifyCode(services, params.code),
    }),
  ];
}
