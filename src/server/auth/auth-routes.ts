/**
 * The authentication API as a table of routes. Each entry parses, calls one use case and
 * shapes the answer; cookies are set here because they are HTTP.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { isMfaMandatory } from '../../core/roles.ts';
import type { Services } from '../app/services.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { requireActor } from '../http/request-context.ts';
import { countUnusedRecoveryCodes, findActiveMembership } from './auth-repository.ts';
import * as schema from './auth.types.ts';
import {
  authenticateWithPasskey,
  listPasskeys,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  registerPasskey,
  removePasskey,
} from './passkeys.ts';
import { confirmEmailChange, requestEmailChange } from './change-email.ts';
import { completePasswordReset, requestPasswordReset } from './password-reset.ts';
import { reauthenticate } from './reauthenticate.ts';
import {
  confirmTotpEnrolment,
  regenerateRecoveryCodes,
  removeTotp,
  startTotpEnrolment,
} from './second-factors.ts';
import {
  clearSessionCookie,
  csrfCookieName,
  setCsrfCookie,
  setSessionCookie,
} from './session-cookie.ts';
import { completeWithRecoveryCode, completeWithTotp, signIn, signOut } from './sign-in.ts';
import { signUp, verifyEmail } from './sign-up.ts';
import { createToken } from '../platform/secrets.ts';

const challengeCookie = 'consilium_webauthn';
const tags = ['auth'];

function setChallengeCookie(reply: FastifyReply, id: string) {
  reply.setCookie(challengeCookie, id, {
    path: '/api/v1/auth',
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    maxAge: 300,
  });
}

export function authRoutes(services: Services): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/auth/csrf',
      summary: 'Issue the CSRF token cookie and return its value',
      tags,
      access: { kind: 'public' },
      responses: { 200: schema.csrfResponse },
      handler: async ({ request, reply }) => {
        let token = request.cookies[csrfCookieName];
        if (token === undefined || token.length < 20) {
          token = createToken();
          setCsrfCookie(reply, token);
        }
        return { csrfToken: token };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/sign-up',
      summary: 'Create a patient account and send the verification email',
      tags,
      access: { kind: 'public' },
      body: schema.signUpBody,
      responses: { 202: schema.statusResponse('verification_sent') },
      handler: async ({ body, context }) => {
        await signUp(services, context, {
          email: body.email,
          password: body.password,
          name: body.name,
          locale: body.locale,
          organizationSlug: body.organization,
        });
        return { status: 'verification_sent' as const };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/verify-email',
      summary: 'Confirm an email address with the emailed token',
      tags,
      access: { kind: 'public' },
      body: schema.tokenBody,
      responses: { 200: schema.statusResponse('verified') },
      handler: async ({ body, context }) => {
        await verifyEmail(services, context, body.token);
        return { status: 'verified' as const };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/sign-in',
      summary: 'Sign in with email and password',
      tags,
      access: { kind: 'public' },
      body: schema.signInBody,
      responses: { 200: schema.signInResponse },
      handler: async ({ body, context, reply }) => {
        const result = await signIn(services, context, body);
        setSessionCookie(reply, result.token);
        return result.status === 'signed_in'
          ? { status: 'signed_in' as const }
          : { status: 'mfa_required' as const, methods: result.methods };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/mfa/totp',
      summary: 'Finish signing in with an authenticator-app code',
      tags,
      access: { kind: 'second_factor' },
      body: schema.codeBody,
      responses: { 200: schema.statusResponse('signed_in') },
      handler: async ({ body, context, reply }) => {
        setSessionCookie(reply, await completeWithTotp(services, context, body.code));
        return { status: 'signed_in' as const };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/mfa/recovery-code',
      summary: 'Finish signing in with a single-use recovery code',
      tags,
      access: { kind: 'second_factor' },
      body: schema.codeBody,
      responses: { 200: schema.statusResponse('signed_in') },
      handler: async ({ body, context, reply }) => {
        setSessionCookie(reply, await completeWithRecoveryCode(services, context, body.code));
        return { status: 'signed_in' as const };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/passkeys/authentication-options',
      summary: 'Start a passkey sign-in, second step or re-authentication',
      tags,
      access: { kind: 'public' },
      body: schema.emptyBody,
      responses: { 200: schema.webauthnOptionsResponse },
      handler: async ({ context, reply }) => {
        const { optionsJSON, challengeId } = await passkeyAuthenticationOptions(services, context);
        setChallengeCookie(reply, challengeId);
        return { optionsJSON: optionsJSON as unknown as Record<string, unknown> };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/passkeys/authenticate',
      summary: 'Verify a passkey assertion',
      tags,
      access: { kind: 'public' },
      body: schema.webauthnResponseBody,
      responses: { 200: z.object({ status: z.enum(['signed_in', 'reauthenticated']) }) },
      handler: async ({ body, context, request, reply }) => {
        const result = await authenticateWithPasskey(services, context, {
          challengeId: request.cookies[challengeCookie],
          response: body.response,
        });
        reply.clearCookie(challengeCookie, { path: '/api/v1/auth' });
        if (result.kind === 'signed_in') {
          setSessionCookie(reply, result.token);
          return { status: 'signed_in' as const };
        }
        return { status: 'reauthenticated' as const };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/sign-out',
      summary: 'End this session, or every session of the account',
      tags,
      access: { kind: 'public' },
      body: schema.signOutBody,
      responses: { 204: null },
      handler: async ({ body, context, reply }) => {
        await signOut(services, context, body.everywhere);
        clearSessionCookie(reply);
        return undefined;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/password-reset/request',
      summary: 'Email a password-reset link (same answer whether or not the account exists)',
      tags,
      access: { kind: 'public' },
      body: schema.emailBody,
      responses: { 202: schema.statusResponse('email_sent') },
      handler: async ({ body, context }) => {
        await requestPasswordReset(services, context, body.email);
        return { status: 'email_sent' as const };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/password-reset/complete',
      summary: 'Set a new password with the emailed token; ends every session',
      tags,
      access: { kind: 'public' },
      body: schema.resetBody,
      responses: { 200: schema.statusResponse('password_reset') },
      handler: async ({ body, context }) => {
        await completePasswordReset(services, context, body);
        return { status: 'password_reset' as const };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/auth/session',
      summary: 'The signed-in user, organization, role and second-factor state',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      responses: { 200: schema.sessionResponse },
      handler: async ({ context }) => {
        const actor = requireActor(context);
        const user = context.user!;
        const membership = await findActiveMembership(services.db, user.id);
        return {
          user: { id: user.id, email: user.email, name: user.name, locale: user.locale },
          organization: {
            id: actor.organizationId,
            name: membership?.organization_name ?? '',
            slug: membership?.organization_slug ?? '',
          },
          membership: { id: actor.membershipId, role: actor.role },
          mfa: {
            totpEnabled: user.hasTotp,
            passkeyCount: user.passkeyCount,
            recoveryCodesRemaining: await countUnusedRecoveryCodes(services.db, user.id),
            mandatory: isMfaMandatory(actor.role),
            enrolmentRequired: context.enrolmentRequired,
          },
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/reauthenticate',
      summary: 'Confirm password (and TOTP code) before a sensitive action',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      body: schema.reauthenticateBody,
      responses: { 200: schema.statusResponse('reauthenticated') },
      handler: async ({ body, context }) => {
        await reauthenticate(services, context, body);
        return { status: 'reauthenticated' as const };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/email',
      summary:
        'Change the email address: sends a confirmation link to the new one (needs recent re-authentication)',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      body: schema.emailBody,
      responses: { 202: schema.statusResponse('confirmation_sent') },
      handler: async ({ body, context }) => {
        await requestEmailChange(services, context, body.email);
        return { status: 'confirmation_sent' as const };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/email/confirm',
      summary: 'Confirm the new email address with the emailed token',
      tags,
      access: { kind: 'public' },
      body: schema.tokenBody,
      responses: { 200: schema.statusResponse('email_changed') },
      handler: async ({ body, context }) => {
        await confirmEmailChange(services, context, body.token);
        return { status: 'email_changed' as const };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/totp/enrolment',
      summary: 'Start authenticator-app enrolment (needs recent re-authentication)',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      body: schema.emptyBody,
      responses: { 200: schema.totpEnrolmentResponse },
      handler: async ({ context }) => startTotpEnrolment(services, context),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/totp/enrolment/confirm',
      summary: 'Confirm enrolment with a code; returns recovery codes once',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      body: schema.codeBody,
      responses: { 200: schema.recoveryCodesResponse },
      handler: async ({ body, context }) => ({
        recoveryCodes: await confirmTotpEnrolment(services, context, body.code),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/auth/totp',
      summary: 'Remove the authenticator app',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      responses: { 204: null },
      handler: async ({ context }) => {
        await removeTotp(services, context);
        return undefined;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/recovery-codes',
      summary: 'Replace the recovery codes',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      body: schema.emptyBody,
      responses: { 200: schema.recoveryCodesResponse },
      handler: async ({ context }) => ({
        recoveryCodes: await regenerateRecoveryCodes(services, context),
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/passkeys/registration-options',
      summary: 'Start registering a passkey',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      body: schema.emptyBody,
      responses: { 200: schema.webauthnOptionsResponse },
      handler: async ({ context, reply }) => {
        const { optionsJSON, challengeId } = await passkeyRegistrationOptions(services, context);
        setChallengeCookie(reply, challengeId);
        return { optionsJSON: optionsJSON as unknown as Record<string, unknown> };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/auth/passkeys',
      summary: 'Finish registering a passkey',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      body: schema.webauthnResponseBody,
      responses: { 201: z.object({ id: z.uuid() }) },
      handler: async ({ body, context, request, reply }) => {
        const id = await registerPasskey(services, context, {
          challengeId: request.cookies[challengeCookie],
          response: body.response,
          name: body.name,
        });
        reply.clearCookie(challengeCookie, { path: '/api/v1/auth' });
        return { id };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/auth/passkeys',
      summary: 'The passkeys of the signed-in account',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      responses: { 200: schema.passkeyListResponse },
      handler: async ({ context }) => ({
        passkeys: (await listPasskeys(services, context)).map((row) => ({
          id: row.id,
          name: row.name,
          createdAt: row.created_at.toISOString(),
          lastUsedAt: row.last_used_at?.toISOString() ?? null,
        })),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/auth/passkeys/:id',
      summary: 'Remove a passkey',
      tags,
      access: { kind: 'member', duringEnrolment: true },
      params: schema.idParams,
      responses: { 204: null },
      handler: async ({ params, context }) => {
        await removePasskey(services, context, params.id);
        return undefined;
      },
    }),
  ];
}
