/**
 * The second-opinion case, as a table of routes: start a draft, save the intake, read one case,
 * list cases (the patient side's own, or the coordinator's queue), and take lifecycle transitions.
 */
import type { Services } from '../app/services.ts';
import { idParams } from '../auth/auth.types.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { z } from 'zod';
import {
  caseAccessEnded,
  caseListView,
  caseView,
  createCaseBody,
  listCasesQuery,
  transitionCaseBody,
  updateCaseBody,
} from './cases.types.ts';
import { createCase } from './create-case.ts';
import { getCase } from './get-case.ts';
import { listCases } from './list-cases.ts';
import { transitionCase } from './transition-case.ts';
import { updateCaseDraft } from './update-case-draft.ts';

const tags = ['cases'];

export function caseRoutes(services: Services): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases',
      summary: 'Start a draft case for a patient (self, delegated or referred)',
      tags,
      access: { kind: 'member', action: 'case.create' },
      body: createCaseBody,
      responses: { 201: caseView },
      handler: async ({ body, context }) => createCase(services, context, body),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases',
      summary: "Cases the caller may see, by stage deadline; the coordinator's queue",
      tags,
      access: { kind: 'member', action: 'case.read' },
      query: listCasesQuery,
      responses: { 200: caseListView },
      handler: async ({ query, context }) => listCases(services, context, query),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id',
      summary: 'One case (404 when not visible to the caller)',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      responses: { 200: caseView },
      handler: async ({ params, context }) => getCase(services, context, params.id),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/cases/:id',
      summary:
        'Save intake changes to a draft case (lists are replaced whole). Once submitted and until ready for matching, only the diagnosis, proposed treatment, medications and allergies may be corrected (409 otherwise); a correction queues the records check again',
      tags,
      access: { kind: 'member', action: 'case.update' },
      params: idParams,
      body: updateCaseBody,
      responses: { 200: caseView },
      handler: async ({ params, body, context }) =>
        updateCaseDraft(services, context, params.id, body),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/transitions',
      summary: 'Take a lifecycle step (409 with the current state when not possible now)',
      tags,
      access: { kind: 'member', action: 'case.transition' },
      params: idParams,
      body: transitionCaseBody,
      responses: { 200: z.union([caseView, caseAccessEnded]) },
      handler: async ({ params, body, context }) =>
        transitionCase(services, context, params.id, body),
    }),
  ];
}
