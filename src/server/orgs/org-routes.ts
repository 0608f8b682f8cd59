/**
 * Organization members and invitations, as a table of routes.
 */
import { z } from 'zod';
import { proxyScopes } from '../../core/access.ts';
import { invitableRoles, roles } from '../../core/roles.ts';
import type { Services } from '../app/services.ts';
import { emailSchema, emptyBody, idParams } from '../auth/auth.types.ts';
import { passwordMaxLength } from '../../core/passwords.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import {
  acceptInvitation,
  deactivateMember,
  describeInvitation,
  inviteMember,
  listMembers,
} from './members.ts';
import { getSettings, updateSettings } from './settings.ts';
import {
  getCaseSettings,
  getConsentTexts,
  publishConsentText,
  updateCaseSettings,
} from './case-settings.ts';
import { urgencies } from '../../core/case-lifecycle.ts';
import { timedStages } from '../../core/service-levels.ts';

const tags = ['organization'];
const tokenParams = z.strictObject({ token: z.string().min(10).max(200) });
const settingsView = z
  .object({
    name: z.string(),
    slug: z.string(),
    timeZone: z.string(),
    idleTimeoutMinutes: z.number().int(),
    absoluteLifetimeMinutes: z.number().int(),
  })
  .meta({ id: 'OrganizationSettings' });

const serviceLevelRule = z.discriminatedUnion('unit', [
  z.strictObject({ unit: z.literal('hours'), amount: z.number().positive().max(2160) }),
  z.strictObject({ unit: z.literal('days'), amount: z.number().int().positive().max(90) }),
]);
const stageLevels = z.strictObject({ routine: serviceLevelRule, urgent: serviceLevelRule });
const serviceLevels = z.partialRecord(z.enum(timedStages), stageLevels);
const caseSettingsView = z
  .object({
    peerReviewRequired: z.boolean(),
    releaseByCoordinator: z.boolean(),
    followUpQuestionLimit: z.number().int(),
    followUpWindowDays: z.number().int(),
    businessDays: z.boolean(),
    holidays: z.array(z.string()),
    serviceLevels,
    defaults: z.record(z.enum(timedStages), z.record(z.enum(urgencies), serviceLevelRule)),
  })
  .meta({ id: 'CaseSettings' });
const consentView = z
  .object({
    currentVersion: z.string(),
    versions: z.array(z.object({ version: z.string(), text: z.string(), publishedAt: z.string() })),
  })
  .meta({ id: 'ConsentTexts' });

export function orgRoutes(services: Services): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/org/case-settings',
      summary: 'Peer review, follow-up allowance, business calendar and service levels',
      tags,
      access: { kind: 'member', action: 'settings.read' },
      responses: { 200: caseSettingsView },
      handler: async ({ context }) => getCaseSettings(services, context),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/org/case-settings',
      summary: 'Change how the organization runs its cases',
      tags,
      access: { kind: 'member', action: 'settings.update' },
      body: z.strictObject({
        peerReviewRequired: z.boolean().optional(),
        releaseByCoordinator: z.boolean().optional(),
        followUpQuestionLimit: z.number().int().min(0).max(20).optional(),
        followUpWindowDays: z.number().int().min(1).max(365).optional(),
        businessDays: z.boolean().optional(),
        holidays: z.array(z.iso.date()).max(400).optional(),
        serviceLevels: serviceLevels.optional(),
      }),
      responses: { 200: caseSettingsView },
      handler: async ({ body, context }) => updateCaseSettings(services, context, body),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/org/consent',
      summary: 'The consent text patients accept, with its earlier versions',
      tags,
      access: { kind: 'member', action: 'settings.read' },
      responses: { 200: consentView },
      handler: async ({ context }) => getConsentTexts(services, context),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/org/consent',
      summary: 'Publish a new version of the consent text',
      tags,
      access: { kind: 'member', action: 'settings.update' },
      body: z.strictObject({
        version: z
          .string()
          .trim()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/),
        text: z.string().trim().min(20).max(20_000),
      }),
      responses: { 200: consentView },
      handler: async ({ body, context }) => publishConsentText(services, context, body),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/org/settings',
      summary: "The organization's name, time zone and session limits",
      tags,
      access: { kind: 'member', action: 'settings.read' },
      responses: { 200: settingsView },
      handler: async ({ context }) => getSettings(services, context),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/org/settings',
      summary: "Change the organization's name, time zone or session limits",
      tags,
      access: { kind: 'member', action: 'settings.update' },
      body: z.strictObject({
        name: z.string().trim().min(1).max(200).optional(),
        timeZone: z.string().min(1).max(64).optional(),
        idleTimeoutMinutes: z.number().int().min(5).max(720).optional(),
        absoluteLifetimeMinutes: z.number().int().min(30).max(10_080).optional(),
      }),
      responses: { 200: settingsView },
      handler: async ({ body, context }) => updateSettings(services, context, body),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/org/members',
      summary: "The organization's members",
      tags,
      access: { kind: 'member', action: 'member.read' },
      responses: {
        200: z.object({
          members: z.array(
            z
              .object({
                id: z.uuid(),
                userId: z.uuid(),
                name: z.string(),
                email: z.string(),
                role: z.enum(roles),
                status: z.enum(['active', 'deactivated']),
                mfaEnrolled: z.boolean(),
                createdAt: z.string(),
              })
              .meta({ id: 'Member' }),
          ),
        }),
      },
      handler: async ({ context }) => ({ members: await listMembers(services, context) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/org/invitations',
      summary: 'Invite a staff member, proxy or referring physician by email',
      tags,
      access: { kind: 'member', action: 'member.invite' },
      body: z.strictObject({ email: emailSchema, role: z.enum(invitableRoles) }),
      responses: { 201: z.object({ id: z.uuid() }) },
      handler: async ({ body, context }) => ({ id: await inviteMember(services, context, body) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/org/members/:id/deactivate',
      summary: 'Deactivate a member; ends all their sessions',
      tags,
      access: { kind: 'member', action: 'member.deactivate' },
      params: idParams,
      body: emptyBody,
      responses: { 200: z.object({ status: z.literal('deactivated') }) },
      handler: async ({ params, context }) => {
        await deactivateMember(services, context, params.id);
        return { status: 'deactivated' as const };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/invitations/:token',
      summary: 'Describe an open invitation',
      tags,
      access: { kind: 'public' },
      params: tokenParams,
      responses: {
        200: z.object({
          organizationName: z.string(),
          role: z.string(),
          email: z.string(),
          // For a patient's or a proxy's invitation: whose request, who invited, how to accept.
          patientName: z.string().optional(),
          invitedByName: z.string().optional(),
          proxyScope: z.enum(proxyScopes).optional(),
          account: z.enum(['new', 'existing', 'unavailable']).optional(),
        }),
      },
      handler: async ({ params }) => describeInvitation(services, params.token),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/invitations/:token/accept',
      summary:
        'Accept an invitation: set name and password (a proxy who has an account confirms with its password)',
      tags,
      access: { kind: 'public' },
      params: tokenParams,
      body: z.strictObject({
        // Not needed by a referred patient (their record names them) or an existing account.
        name: z.string().trim().min(1).max(200).optional(),
        password: z
          .string()
          .min(1)
          .max(passwordMaxLength * 4),
      }),
      responses: { 200: z.object({ status: z.literal('accepted') }) },
      handler: async ({ params, body, context }) => {
        await acceptInvitation(services, context, { token: params.token, ...body });
        return { status: 'accepted' as const };
      },
    }),
  ];
}
