/**
 * Re-authentication before sensitive actions (changing second factors, later signing an
 * opinion): the password again, plus a TOTP code when the account has one. Opens a short window
 * (core/sessions.ts) on this session only.
 */
import { AppError } from '../../core/errors.ts';
import { isRecentlyReauthenticated } from '../../core/sessions.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import { clearFailures, findUserById } from './auth-repository.ts';
import { assertNotLocked, recordFailure } from './lockout-guard.ts';
import { verifyPassword } from './password-hashing.ts';
import { matchTotpCode } from './totp.ts';

/** Throw `reauthentication_required` unless this session re-authenticated moments ago. */
export function requireRecentReauthentication(services: Services, context: RequestContext): void {
  if (
    !isRecentlyReauthenticated(context.session?.reauthenticatedAt ?? null, services.clock.now())
  ) {
    throw new AppError('reauthentication_required');
  }
}

export async function reauthenticate(
  services: Services,
  context: RequestContext,
  input: { password: string; code?: string | undefined },
): Promise<void> {
  const session = context.session;
  if (session === null || context.user === null) throw new AppError('unauthenticated');
  const user = await findUserById(services.db, session.userId);
  if (user?.password_hash == null) throw new AppError('invalid_credentials');
  await assertNotLocked(services, user.email, 'password');
  if (!(await verifyPassword(user.password_hash, input.password))) {
    await recordFailure(services, context, {
      email: user.email,
      kind: 'password',
      userId: user.id,
    });
    throw new AppError('invalid_credentials', { message: 'The password is not correct.' });
  }
  let step: number | null = null;
  if (user.totp_secret_encrypted !== null && user.totp_enabled_at !== null) {
    await assertNotLocked(services, user.email, 'second_factor');
    step =
      input.code === undefined
        ? null
        : matchTotpCode(
            services.secretBox.open(user.totp_secret_encrypted),
            input.code,
            services.clock.now(),
            user.totp_last_step,
          );
    if (step === null) {
      await recordFailure(services, context, {
        email: user.email,
        kind: 'second_factor',
        userId: user.id,
      });
      throw new AppError('invalid_mfa_code');
    }
  }
  await clearFailures(services.db, user.email);
  await transact(services, async (unit) => {
    await unit.trx
      .updateTable('sessions')
      .set({ reauthenticated_at: unit.now })
      .where('id', '=', session.id)
      .execute();
    if (step !== null)
      await unit.trx
        .updateTable('users')
        .set({ totp_last_step: step })
        .where('id', '=', user.id)
        .execute();
    await unit.audit({
      eventType: 'auth.reauthenticated',
      organizationId: context.actor?.organizationId ?? null,
      actorUserId: user.id,
      entityType: 'Session',
      entityId: session.id,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
    });
  });
}
