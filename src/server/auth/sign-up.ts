/**
 * Patient self sign-up and email verification.
 *
 * Sign-up never reveals whether an email already has an account: the answer is the same, and
 * the existing owner gets an email instead of a verification link.
 */
import { checkPassword } from '../../core/passwords.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import { existingAccountMessage, toMailLocale, verifyEmailMessage } from '../mail/templates.ts';
import { createToken, hashToken } from '../platform/secrets.ts';
import { auditAccountEvent } from './account-audit.ts';
import { consumeEmailToken, findUserByEmail, insertEmailToken } from './auth-repository.ts';
import { hashPassword } from './password-hashing.ts';

const verificationLifetimeMs = 24 * 60 * 60_000;

export interface SignUpInput {
  email: string;
  password: string;
  name: string;
  locale: string;
  organizationSlug?: string | undefined;
}

/** Refuse a password that breaks the rules in core, naming every problem. */
export function assertAcceptablePassword(
  services: Services,
  password: string,
  email: string,
): void {
  const problems = checkPassword(password, {
    email,
    isCommon: (candidate) => services.isCommonPassword(candidate),
  });
  if (problems.length > 0) {
    throw new AppError('password_rejected', {
      message: 'Choose a longer or less common password.',
      details: { problems },
    });
  }
}

function splitName(name: string): { given: string; family: string } {
  const parts = name.trim().split(/\s+/);
  if (parts.length === 1) return { given: parts[0] ?? name, family: '' };
  return { given: parts.slice(0, -1).join(' '), family: parts[parts.length - 1] ?? '' };
}

/** Create a patient account in the organization and send the verification link. */
export async function signUp(
  services: Services,
  context: RequestContext,
  input: SignUpInput,
): Promise<void> {
  const email = input.email.trim().toLowerCase();
  assertAcceptablePassword(services, input.password, email);
  const organization = await (
    input.organizationSlug === undefined
      ? services.db
          .selectFrom('organizations')
          .select(['id', 'name'])
          .orderBy('created_at', 'asc')
          .limit(1)
      : services.db
          .selectFrom('organizations')
          .select(['id', 'name'])
          .where('slug', '=', input.organizationSlug)
  ).executeTakeFirst();
  if (organization === undefined) {
    throw new AppError(input.organizationSlug === undefined ? 'service_unavailable' : 'not_found', {
      message:
        input.organizationSlug === undefined
          ? 'No organization has been set up yet.'
          : 'There is no such organization.',
    });
  }
  const passwordHash = await hashPassword(input.password);
  const locale = toMailLocale(input.locale);
  const existing = await findUserByEmail(services.db, email);
  await transact(services, async (unit) => {
    if (existing !== undefined) {
      await unit.email({
        to: email,
        ...existingAccountMessage(
          toMailLocale(existing.locale),
          `${services.config.http.publicUrl}/sign-in`,
        ),
      });
      return;
    }
    const user = await unit.trx
      .insertInto('users')
      .values({
        email,
        name: input.name.trim(),
        password_hash: passwordHash,
        locale: input.locale,
        created_at: unit.now,
        updated_at: unit.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const membership = await unit.trx
      .insertInto('memberships')
      .values({
        organization_id: organization.id,
        user_id: user.id,
        role: 'patient',
        created_at: unit.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { given, family } = splitName(input.name);
    const patient = await unit.trx
      .insertInto('patients')
      .values({
        organization_id: organization.id,
        user_id: user.id,
        given_name: given,
        family_name: family,
        created_at: unit.now,
        updated_at: unit.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const token = createToken();
    await insertEmailToken(unit.trx, {
      userId: user.id,
      purpose: 'verify_email',
      tokenHash: hashToken(token),
      expiresAt: new Date(unit.now.getTime() + verificationLifetimeMs),
    });
    await unit.audit({
      eventType: 'auth.sign_up',
      organizationId: organization.id,
      actorUserId: user.id,
      patientId: patient.id,
      entityType: 'User',
      entityId: user.id,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      details: { membershipId: membership.id, role: 'patient' },
    });
    await unit.email({
      to: email,
      organizationId: organization.id,
      ...verifyEmailMessage(
        locale,
        input.name.trim(),
        `${services.config.http.publicUrl}/verify-email?token=${token}`,
      ),
    });
  });
}

/** Mark the email verified for a valid, unused, unexpired token. */
export async function verifyEmail(
  services: Services,
  context: RequestContext,
  token: string,
): Promise<void> {
  await transact(services, async (unit) => {
    const consumed = await consumeEmailToken(unit.trx, 'verify_email', hashToken(token), unit.now);
    if (consumed === undefined) throw new AppError('invalid_token');
    await unit.trx
      .updateTable('users')
      .set({ email_verified_at: unit.now, updated_at: unit.now })
      .where('id', '=', consumed.user_id)
      .where('email_verified_at', 'is', null)
      .execute();
    await auditAccountEvent(unit, context, consumed.user_id, 'auth.email_verified');
  });
}

/** Send a fresh verification link (sign-in with an unverified email does this). */
export async function resendVerification(
  services: Services,
  user: { id: string; email: string; name: string; locale: string },
) {
  await transact(services, async (unit) => {
    const token = createToken();
    await insertEmailToken(unit.trx, {
      userId: user.id,
      purpose: 'verify_email',
      tokenHash: hashToken(token),
      expiresAt: new Date(unit.now.getTime() + verificationLifetimeMs),
    });
    await unit.email({
      to: user.email,
      ...verifyEmailMessage(
        toMailLocale(user.locale),
        user.name,
        `${services.config.http.publicUrl}/verify-email?token=${token}`,
      ),
    });
  });
}
