/**
 * Terminology look-ups, as a table of routes. The code sets are public reference data, not
 * patient data: any signed-in member may search them, and nothing is audited.
 */
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { loadIcd10CmCodeSet } from './icd10cm-files.ts';

const tags = ['terminology'];

const searchQuery = z.strictObject({
  q: z.string().trim().min(1).max(100),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const codeParams = z.strictObject({
  code: z
    .string()
    .trim()
    .min(1)
    .max(10)
    .regex(/^[A-Za-z0-9.]+$/),
});

const retiredView = z
  .object({
    code: z.string(),
    display: z.string(),
    status: z.enum(['deleted', 'became_header', 'deleted_header']),
    lastValidFiscalYear: z.number().int().nullable(),
    invalidFromFiscalYear: z.number().int(),
    title: z.string(),
  })
  .meta({ id: 'Icd10CmRetiredCode' });

const entryView = z
  .object({
    code: z.string(),
    display: z.string(),
    billable: z.boolean(),
    title: z.string(),
    category: z.object({ code: z.string(), title: z.string() }),
    block: z.object({ range: z.string(), title: z.string() }).nullable(),
    chapter: z
      .object({ number: z.number().int(), range: z.string(), title: z.string() })
      .nullable(),
    retired: retiredView.optional(),
  })
  .meta({ id: 'Icd10CmEntry' });

export function terminologyRoutes(): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/terminology/icd10cm',
      summary: 'Search ICD-10-CM codes by code prefix or by words of the title',
      tags,
      access: { kind: 'member' },
      query: searchQuery,
      responses: {
        200: z.object({
          results: z.array(
            z.object({
              code: z.string(),
              display: z.string(),
              title: z.string(),
              billable: z.boolean(),
            }),
          ),
        }),
      },
      handler: async ({ query }) => ({
        results: (await loadIcd10CmCodeSet()).search(query.q, query.limit),
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/terminology/icd10cm/:code',
      summary: 'One ICD-10-CM code (E11.9, e119 or E119); 404 with the retirement when retired',
      tags,
      access: { kind: 'member' },
      params: codeParams,
      responses: { 200: entryView },
      handler: async ({ params }) => {
        const codeSet = await loadIcd10CmCodeSet();
        const entry = codeSet.lookup(params.code);
        if (entry !== undefined) return entry;
        const retired = codeSet.retired(params.code);
        throw new AppError('not_found', retired === undefined ? {} : { details: { retired } });
      },
    }),
  ];
}
