/**
 * Signing in: password first; then, for accounts with a second factor, a TOTP code, a recovery
 * code or a passkey. The password step alone yields only a short-lived session that can do
 * nothing but finish the second step. Failures count towards a temporary lockout.
 */
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact, type UnitOfWork } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import { createToken, hashToken, sha256Hex } from '../platform/secrets.ts';
import { auditAccountEvent } from './account-audit.ts';
import {
  clearFailures,
  countPasskeys,
  countUnusedRecoveryCodes,
  findActiveMembership,
  findUserByEmail,
  findUserById,
  insertSession,
  revokeAllSessions,
  revokeSession,
} from './auth-repository.ts';
import { assertNotLocked, recordFailure } from './lockout-guard.ts';
import { decoyPasswordHash, verifyPassword } from './password-hashing.ts';
import { resendVerification } from './sign-up.ts';
import { matchTotpCode } from './totp.ts';

export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';

export type SignInResult =
  | { status: 'signed_in'; token: string }
  | { status: 'mfa_required'; token: string; methods: SecondFactorMethod[] };

/** How long the half-signed-in state between password and second factor lasts. */
export const secondFactorWindowMinutes = 10;

/** Open a session for a user inside `unit` and return its cookie token. */
export async function openSession(
  unit: UnitOfWork,
  context: RequestContext,
  user: { id: string },
  stage: 'awaiting_second_factor' | 'active',
  secondFactorAt: Date | null,
): Promise<string> {
  const membership = await findActiveMembership(unit.trx, user.id);
  if (membership === undefined) throw new AppError('account_deactivated');
  const token = createToken();
  await insertSession(unit.trx, {
    tokenHash: hashToken(token),
    userId: user.id,
    membershipId: membership.id,
    stage,
    now: unit.now,
    secondFactorAt,
    ipAddress: context.ipAddress,
    userAgent: context.userAgent,
  });
  if (stage === 'active') {
    await unit.audit({
      eventType: 'auth.sign_in',
      organizationId: membership.organization_id,
      actorUserId: user.id,
      entityType: 'User',
      entityId: user.id,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      details: { secondFactor: secondFactorAt !== null },
    });
  }
  return token;
}

/** Verify email and password; open a full session, or a second-factor session. */
export async function signIn(
  services: Services,
  context: RequestContext,
  input: { email: string; password: string },
): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  await assertNotLocked(services, email, 'password');
  const user = await findUserByEmail(services.db, email);
  const passwordOk =
    user?.password_hash != null
      ? await verifyPassword(user.password_hash, input.password)
      : (await verifyPassword(await decoyPasswordHash(), input.password), false);
  if (user === undefined || !passwordOk) {
    await recordFailure(services, context, { email, kind: 'password', userId: user?.id ?? null });
    throw new AppError('invalid_credentials');
  }
  if (user.deactivated_at !== null) throw new AppError('account_deactivated');
  if (user.email_verified_at === null) {
    await resendVerification(services, user);
    throw new AppError('email_not_verified');
  }
  // Only the password count: a correct password must not reset the second-factor lockout.
  await clearFailures(services.db, email, 'password');
  const passkeys = await countPasskeys(services.db, user.id);
  const methods: SecondFactorMethod[] = [];
  if (user.totp_enabled_at !== null) methods.push('totp');
  if (user.totp_enabled_at !== null || (await countUnusedRecoveryCodes(services.db, user.id)) > 0) {
    methods.push('recovery_code');
  }
  if (passkeys > 0) methods.push('passkey');
  return transact(services, async (unit) => {
    if (methods.length === 0) {
      return { status: 'signed_in', token: await openSession(unit, context, user, 'active', null) };
    }
    return {
      status: 'mfa_required',
      methods,
      token: await openSession(unit, context, user, 'awaiting_second_factor', null),
    };
  });
}

/**
 * Finish the second step: replace the half session by a full one (a new token, so a token seen
 * before the second factor is worthless after it).
 */
export async function promoteToFullSession(
  unit: UnitOfWork,
  context: RequestContext,
  userId: string,
  method: SecondFactorMethod,
): Promise<string> {
  if (context.session !== null)
    await revokeSession(unit.trx, context.session.id, unit.now, 'second_factor_completed');
  await auditAccountEvent(unit, context, userId, 'auth.mfa_challenge_passed', {
    details: { method },
  });
  return openSession(unit, context, { id: userId }, 'active', unit.now);
}

function pendingUserId(context: RequestContext): string {
  if (context.session?.stage !== 'awaiting_second_factor') throw new AppError('unauthenticated');
  return context.session.userId;
}

/** Second step with an authenticator-app code. */
export async function completeWithTotp(
  services: Services,
  context: RequestContext,
  code: string,
): Promise<string> {
  const user = await findUserById(services.db, pendingUserId(context));
  if (user?.totp_secret_encrypted == null) throw new AppError('invalid_mfa_code');
  await assertNotLocked(services, user.email, 'second_factor');
  const secret = services.secretBox.open(user.totp_secret_encrypted);
  const step = matchTotpCode(secret, code, services.clock.now(), user.totp_last_step);
  if (step === null) {
    await recordFailure(services, context, {
      email: user.email,
      kind: 'second_factor',
      userId: user.id,
    });
    throw new AppError('invalid_mfa_code');
  }
  await clearFailures(services.db, user.email);
  return transact(services, async (unit) => {
    await unit.trx
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', user.id)
      .execute();
    return promoteToFullSession(unit, context, user.id, 'totp');
  });
}

/** Normalised form of a recovery code as stored (digest of upper-case, no separators). */
export function recoveryCodeDigest(code: string): string {
  return sha256Hex(code.replace(/[^0-9a-z]/gi, '').toUpperCase());
}

/** Second step with a single-use recovery code. */
export async function completeWithRecoveryCode(
  services: Services,
  context: RequestContext,
  code: string,
): Promise<string> {
  const user = await findUserById(services.db, pendingUserId(context));
  if (user === undefined) throw new AppError('invalid_mfa_code');
  await assertNotLocked(services, user.email, 'second_factor');
  const token = await transact(services, async (unit) => {
    const used = await unit.trx
      .updateTable('recovery_codes')
      .set({ used_at: unit.now })
      .where('user_id', '=', user.id)
      .where('code_hash', '=', recoveryCodeDigest(code))
      .where('used_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (used === undefined) return null;
    await auditAccountEvent(unit, context, user.id, 'auth.recovery_code_used');
    return promoteToFullSession(unit, context, user.id, 'recovery_code');
  });
  if (token === null) {
    await recordFailure(services, context, {
      email: user.email,
      kind: 'second_factor',
      userId: user.id,
    });
    throw new AppError('invalid_mfa_code');
  }
  await clearFailures(services.db, user.email);
  return token;
}

/** End this session (or every session of the user) now. */
export async function signOut(
  services: Services,
  context: RequestContext,
  everywhere: boolean,
): Promise<void> {
  const session = context.session;
  if (session === null) return;
  await transact(services, async (unit) => {
    if (everywhere)
      await revokeAllSessions(unit.trx, session.userId, unit.now, 'signed_out_everywhere');
    else await revokeSession(unit.trx, session.id, unit.now, 'signed_out');
    await unit.audit({
      eventType: 'auth.sign_out',
      organizationId: context.actor?.organizationId ?? null,
      actorUserId: session.userId,
      entityType: 'User',
      entityId: session.userId,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      details: { everywhere },
    });
  });
}
