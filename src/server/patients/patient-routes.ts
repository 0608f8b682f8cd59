/**
 * Patients, as a table of routes: demographics, patients registered by their referring
 * physician, and the patient's proxies (caregivers) and their invitations.
 */
import { z } from 'zod';
import { proxyScopes } from '../../core/access.ts';
import type { Services } from '../app/services.ts';
import { emailSchema, emptyBody, idParams } from '../auth/auth.types.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { correctPatient, getPatient, listPatients } from './patients.ts';
import {
  changeProxyScope,
  inviteProxy,
  listProxies,
  revokeProxy,
  withdrawProxyInvitation,
} from './proxy-grants.ts';
import { referPatient, resendPatientInvitation } from './referred-patients.ts';

const tags = ['patients'];
const patientView = z
  .object({
    id: z.uuid(),
    givenName: z.string(),
    familyName: z.string(),
    birthDate: z.string().nullable(),
    hasAccount: z.boolean(),
    createdAt: z.string(),
    referral: z
      .object({
        email: z.string().nullable(),
        invitation: z
          .object({
            status: z.enum(['pending', 'expired', 'accepted']),
            sentAt: z.string(),
            expiresAt: z.string(),
          })
          .nullable(),
      })
      .nullable()
      .describe('Only for the physician who referred the patient; null for everyone else'),
  })
  .meta({ id: 'Patient' });
const proxyScope = z.enum(proxyScopes);
const proxyGrantView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    email: z.string(),
    scope: proxyScope,
    grantedAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ProxyGrant' });
const proxyInvitationView = z
  .object({
    id: z.uuid(),
    email: z.string(),
    scope: proxyScope,
    sentAt: z.string(),
    expiresAt: z.string(),
    status: z.enum(['pending', 'expired']),
  })
  .meta({ id: 'ProxyInvitation' });
const grantParams = z.strictObject({ id: z.uuid(), grantId: z.uuid() });
const invitationParams = z.strictObject({ id: z.uuid(), invitationId: z.uuid() });

export function patientRoutes(services: Services): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/patients',
      summary:
        'Patients the caller may see (for a referring physician: the patients they referred)',
      tags,
      access: { kind: 'member', action: 'patient.read' },
      responses: { 200: z.object({ patients: z.array(patientView) }) },
      handler: async ({ context }) => ({ patients: await listPatients(services, context) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/patients',
      summary: 'Register a referred patient and invite them to confirm (referring physicians)',
      tags,
      access: { kind: 'member', action: 'patient.create' },
      body: z.strictObject({
        givenName: z.string().trim().min(1).max(100),
        familyName: z.string().trim().min(1).max(100),
        birthDate: z.iso.date().nullable().optional(),
        email: emailSchema,
      }),
      responses: { 201: patientView },
      handler: async ({ body, context }) => referPatient(services, context, body),
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
    defineRoute({
      method: 'POST',
      path: '/api/v1/patients/:id/invitation',
      summary: 'Send a referred patient a new invitation (the previous link stops working)',
      tags,
      access: { kind: 'member', action: 'patient.invite' },
      params: idParams,
      body: emptyBody,
      responses: { 200: patientView },
      handler: async ({ params, context }) => resendPatientInvitation(services, context, params.id),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/patients/:id/proxies',
      summary: "The patient's proxies: active, invited and ended (the patient only)",
      tags,
      access: { kind: 'member', action: 'patient.proxy.manage' },
      params: idParams,
      responses: {
        200: z.object({
          active: z.array(proxyGrantView),
          invitations: z.array(proxyInvitationView),
          revoked: z.array(proxyGrantView),
        }),
      },
      handler: async ({ params, context }) => listProxies(services, context, params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/patients/:id/proxies',
      summary: 'Invite someone by email to help as a proxy, to view or to act',
      tags,
      access: { kind: 'member', action: 'patient.proxy.manage' },
      params: idParams,
      body: z.strictObject({ email: emailSchema, scope: proxyScope }),
      responses: { 201: z.object({ id: z.uuid() }) },
      handler: async ({ params, body, context }) => inviteProxy(services, context, params.id, body),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/patients/:id/proxies/:grantId',
      summary: 'Change what a proxy may do (view or act)',
      tags,
      access: { kind: 'member', action: 'patient.proxy.manage' },
      params: grantParams,
      body: z.strictObject({ scope: proxyScope }),
      responses: { 200: proxyGrantView },
      handler: async ({ params, body, context }) =>
        changeProxyScope(services, context, params.id, params.grantId, body.scope),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/patients/:id/proxies/:grantId/revoke',
      summary: "End a proxy's access at once",
      tags,
      access: { kind: 'member', action: 'patient.proxy.manage' },
      params: grantParams,
      body: emptyBody,
      responses: { 200: proxyGrantView },
      handler: async ({ params, context }) =>
        revokeProxy(services, context, params.id, params.grantId),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/patients/:id/proxy-invitations/:invitationId/revoke',
      summary: 'Withdraw a proxy invitation nobody has answered',
      tags,
      access: { kind: 'member', action: 'patient.proxy.manage' },
      params: invitationParams,
      body: emptyBody,
      responses: { 200: z.object({ status: z.literal('revoked') }) },
      handler: async ({ params, context }) => {
        await withdrawProxyInvitation(services, context, params.id, params.invitationId);
        return { status: 'revoked' as const };
      },
    }),
  ];
}
