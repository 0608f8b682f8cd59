/**
 * Organization members and invitations, as a table of routes.
 */
import { z } from 'zod';
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

export function orgRoutes(services: Services): RouteDefinition[] {
  return [
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
        200: z.object({ organizationName: z.string(), role: z.string(), email: z.string() }),
      },
      handler: async ({ params }) => describeInvitation(services, params.token),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/invitations/:token/accept',
      summary: 'Accept an invitation: set name and password',
      tags,
      access: { kind: 'public' },
      params: tokenParams,
      body: z.strictObject({
        name: z.string().trim().min(1).max(200),
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
