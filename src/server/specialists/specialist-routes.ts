/** The specialist list (for offers and peer review) and a specialist's own profile. */
import { z } from 'zod';
import type { Services } from '../app/services.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { listSpecialists, updateOwnProfile } from './specialists.ts';

const tags = ['specialists'];

const specialistView = z
  .object({
    userId: z.uuid(),
    name: z.string(),
    credentials: z.string(),
    specialties: z.array(z.string()),
    languages: z.array(z.string()),
    activeCases: z.number().int(),
  })
  .meta({ id: 'Specialist' });

export function specialistRoutes(services: Services): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/specialists',
      summary: 'Active specialists of the organization, filterable by specialty and language',
      tags,
      access: { kind: 'member', action: 'specialist.read' },
      query: z.strictObject({
        specialty: z.string().trim().min(1).max(100).optional(),
        language: z
          .string()
          .trim()
          .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
          .optional(),
      }),
      responses: { 200: z.object({ specialists: z.array(specialistView) }) },
      handler: async ({ query, context }) => listSpecialists(services, context, query),
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/v1/specialists/me',
      summary: "The calling specialist's specialties, languages and credentials",
      tags,
      access: { kind: 'member' },
      body: z.strictObject({
        specialties: z.array(z.string().trim().min(1).max(100)).max(20),
        languages: z
          .array(
            z
              .string()
              .trim()
              .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/),
          )
          .max(20),
        credentials: z.string().trim().max(300),
      }),
      responses: { 200: specialistView },
      handler: async ({ body, context }) => updateOwnProfile(services, context, body),
    }),
  ];
}
