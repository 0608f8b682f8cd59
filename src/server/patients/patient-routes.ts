/**
 * Patient demographics, as a table of routes.
 */
import { z } from 'zod';
import type { Services } from '../app/services.ts';
import { idParams } from '../auth/auth.types.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { correctPatient, getPatient, listPatients } from './patients.ts';

const tags = ['patients'];
const patientView = z.object({
  id: z.uuid(),
  givenName: z.string(),
  familyName: z.string(),
  birthDate: z.string().nullable(),
  hasAccount: z.boolean(),
  createdAt: z.string(),
});

export function patientRoutes(services: Services): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/patients',
      summary: 'Patients the caller may see',
      tags,
      access: { kind: 'member', action: 'patient.read' },
      responses: { 200: z.object({ patients: z.array(patientView) }) },
      handler: async ({ context }) => ({ patients: await listPatients(services, context) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/patients/:id',
      summary: 'One patient (404 when not visible to the caller)',
      tags,
      access: { kind: 'member', action: 'patient.read' },
      params: idParams,
      responses: { 200: patientView },
      handler: async ({ params, context }) => getPatient(services, context, params.id),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/patients/:id',
      summary: "Correct a patient's name or date of birth",
      tags,
      access: { kind: 'member', action: 'patient.update' },
      params: idParams,
      body: z.strictObject({
        givenName: z.string().trim().min(1).max(100).optional(),
        familyName: z.string().trim().max(100).optional(),
        birthDate: z.iso.date().nullable().optional(),
      }),
      responses: { 200: patientView },
      handler: async ({ params, body, context }) =>
        correctPatient(services, context, params.id, body),
    }),
  ];
}
