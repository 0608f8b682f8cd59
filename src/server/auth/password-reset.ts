/**
 * Password reset by email. The reset sets a new password and ends every session; it never signs
 * the user in, so an account with a second factor still needs it at the next sign-in: a reset
 * cannot bypass MFA.
 */
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import { passwordResetMessage, toMailLocale } from '../mail/templates.ts';
import { createToken, hashToken } from '../platform/secrets.ts';
import { auditAccountEvent } from './account-audit.ts';
import {
  clearFailures,
  consumeEmailToken,
  findUserByEmail,
  findUserById,
  insertEmailToken,
  revokeAllSessions,
} from './auth-repository.ts';
import { hashPassword } from './password-hashing.ts';
import { assertAcceptablePassword } from './sign-up.ts';

const resetLifetimeMs = 60 * 60_000;

/** Email a reset link if the account exists; answer the same either way. */
export async function requestPasswordReset(
  services: Services,
  context: RequestContext,
  emailInput: string,
) {
  const email = emailInput.trim().toLowerCase();
  const user = await findUserByEmail(services.db, email);
  if (user === undefined || user.deactivated_at !== null) return;
  await transact(services, async (unit) => {
    const token = createToken();
    await insertEmailToken(unit.trx, {
      userId: user.id,
      purpose: 'reset_password',
      tokenHash: hashToken(token),
      expiresAt: new Date(unit.now.getTime() + resetLifetimeMs),
    });
    await auditAccountEvent(unit, context, user.id, 'auth.password_reset_requested');
    await unit.email({
      to: user.email,
      ...passwordResetMessage(
        toMailLocale(user.locale),
        `${services.config.http.publicUrl}/reset-password?token=${token}`,
      ),
    });
  });
}

export async function completePasswordReset(
  services: Services,
  context: RequestContext,
  input: { token: string; password: string },
) {
  const tokenHash = hashToken(input.token);
  const candidate = await services.db
    .selectFrom('email_tokens')
    .innerJoin('users', 'users.id', 'email_tokens.user_id')
    .select(['users.email'])
    .where('email_tokens.token_hash', '=', tokenHash)
    .where('email_tokens.purpose', '=', 'reset_password')
    .where('email_tokens.used_at', 'is', null)
    .where('email_tokens.expires_at', '>', services.clock.now())
    .executeTakeFirst();
  // A dead link is reported as such before the new password is judged.
  if (candidate === undefined) throw new AppError('invalid_token');
  assertAcceptablePassword(services, input.password, candidate.email);
  const passwordHash = await hashPassword(input.password);
  await transact(services, async (unit) => {
    const consumed = await consumeEmailToken(unit.trx, 'reset_password', tokenHash, unit.now);
    if (consumed === undefined) throw new AppError('invalid_token');
    const user = await findUserById(unit.trx, consumed.user_id);
    if (user === undefined || user.deactivated_at !== null) throw new AppError('invalid_token');
    await unit.trx
      .updateTable('users')
      .set({
        password_hash: passwordHash,
        email_verified_at: user.email_verified_at ?? unit.now,
        updated_at: unit.now,
      })
      .where('id', '=', user.id)
      .execute();
    await revokeAllSessions(unit.trx, user.id, unit.now, 'password_reset');
    // The reset proves the mailbox, not the second factor: its lockout stays.
    await clearFailures(unit.trx, user.email, 'password');
    await auditAccountEvent(unit, context, user.id, 'auth.password_reset');
  });
}
