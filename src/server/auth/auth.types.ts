/**
 * Request and response schemas of the authentication API (zod; also the OpenAPI source).
 */
import { z } from 'zod';
import { passwordMaxLength } from '../../core/passwords.ts';
import { roles } from '../../core/roles.ts';

export const emailSchema = z.email().max(254);
const passwordInput = z
  .string()
  .min(1)
  .max(passwordMaxLength * 4);
const codeInput = z.string().trim().min(1).max(32);

export const signUpBody = z.strictObject({
  email: emailSchema,
  password: passwordInput,
  name: z.string().trim().min(1).max(200),
  locale: z.string().max(10).default('en'),
  acceptTerms: z.literal(true),
  organization: z.string().max(63).optional(),
});

export const tokenBody = z.strictObject({ token: z.string().min(10).max(200) });
export const signInBody = z.strictObject({ email: emailSchema, password: passwordInput });
export const codeBody = z.strictObject({ code: codeInput });
export const emailBody = z.strictObject({ email: emailSchema });
export const resetBody = z.strictObject({
  token: z.string().min(10).max(200),
  password: passwordInput,
});
export const reauthenticateBody = z.strictObject({
  password: passwordInput,
  code: codeInput.optional(),
});
export const signOutBody = z
  .strictObject({ everywhere: z.boolean().default(false) })
  .default({ everywhere: false });
export const emptyBody = z.strictObject({}).default({});
export const webauthnResponseBody = z.strictObject({
  response: z.record(z.string(), z.unknown()),
  name: z.string().trim().max(100).optional(),
});

export const statusResponse = <T extends string>(status: T) =>
  z.object({ status: z.literal(status) });

export const signInResponse = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed_in') }),
  z.object({
    status: z.literal('mfa_required'),
    methods: z.array(z.enum(['totp', 'recovery_code', 'passkey'])),
  }),
]);

export const sessionResponse = z
  .object({
    user: z.object({ id: z.uuid(), email: z.string(), name: z.string(), locale: z.string() }),
    organization: z.object({ id: z.uuid(), name: z.string(), slug: z.string() }),
    membership: z.object({ id: z.uuid(), role: z.enum(roles) }),
    mfa: z.object({
      totpEnabled: z.boolean(),
      passkeyCount: z.number().int(),
      recoveryCodesRemaining: z.number().int(),
      mandatory: z.boolean(),
      enrolmentRequired: z.boolean(),
    }),
  })
  .meta({ id: 'Session' });

export const csrfResponse = z.object({ csrfToken: z.string() });
export const totpEnrolmentResponse = z.object({
  secret: z.string(),
  otpauthUrl: z.string(),
  qrSvgDataUrl: z.string(),
});
export const recoveryCodesResponse = z.object({ recoveryCodes: z.array(z.string()) });
export const webauthnOptionsResponse = z.object({ optionsJSON: z.record(z.string(), z.unknown()) });
export const passkeyListResponse = z.object({
  passkeys: z.array(
    z
      .object({
        id: z.uuid(),
        name: z.string(),
        createdAt: z.string(),
        lastUsedAt: z.string().nullable(),
      })
      .meta({ id: 'Passkey' }),
  ),
});
export const idParams = z.strictObject({ id: z.uuid() });
