/**
 * Changing the account's email address: requires a recent re-authentication, proves the new
 * address with an emailed link (24 h), tells the old address, and ends the other sessions.
 */
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import { emailChangedMessage, confirmEmailChangeMessage, toMailLocale } from '../mail/templates.ts';
import { createToken, hashToken } from '../platform/secrets.ts';
import { consumeEmailToken, findUserByEmail, insertEmailToken } from './auth-repository.ts';
import { auditAccountEvent } from './account-audit.ts';
import { requireRecentReauthentication } from './reauthenticate.ts';

const changeLifetimeMs = 24 * 60 * 60_000;

export async function requestEmailChange(
  services: Services,
  context: RequestContext,
  newEmailInput: string,
) {
  const user = context.user;
  if (user === null || context.session === null) throw new AppError('unauthenticated');
  requireRecentReauthentication(services, context);
  const newEmail = newEmailInput.trim().toLowerCase();
  if (newEmail === user.email)
    throw new AppError('conflict', { message: 'This is already your email address.' });
  const taken = await findUserByEmail(services.db, newEmail);
  await transact(services, async (unit) => {
    await unit.audit({
      eventType: 'auth.email_change_requested',
      organizationId: context.actor?.organizationId ?? null,
      actorUserId: user.id,
      entityType: 'User',
      entityId: user.id,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
    });
    // An address that already has an account gets no link; the answer stays the same.
    if (taken !== undefined) return;
    const token = createToken();
    await insertEmailToken(unit.trx, {
      userId: user.id,
      purpose: 'change_email',
      tokenHash: hashToken(token),
      expiresAt: new Date(unit.now.getTime() + changeLifetimeMs),
      newEmail,
    });
    await unit.email({
      to: newEmail,
      ...confirmEmailChangeMessage(
        toMailLocale(user.locale),
        `${services.config.http.publicUrl}/confirm-email?token=${token}`,
      ),
    });
  });
}

export async function confirmEmailChange(
  services: Services,
  context: RequestContext,
  token: string,
) {
  await transact(services, async (unit) => {
    const consumed = await consumeEmailToken(unit.trx, 'change_email', hashToken(token), unit.now);
    if (consumed?.new_email == null) throw new AppError('invalid_token');
    const user = await unit.trx
      .selectFrom('users')
      .select(['email', 'locale'])
      .where('id', '=', consumed.user_id)
      .executeTakeFirst();
    if (user === undefined) throw new AppError('invalid_token');
    const updated = await unit.trx
      .updateTable('users')
      .set({ email: consumed.new_email, email_verified_at: unit.now, updated_at: unit.now })
      .where('id', '=', consumed.user_id)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('users as other')
              .select('other.id')
              .where('other.email', '=', consumed.new_email),
          ),
        ),
      )
      .returning('id')
      .executeTakeFirst();
    if (updated === undefined)
      throw new AppError('already_exists', {
        message: 'This address is already used by another account.',
      });
    await unit.trx
      .updateTable('sessions')
      .set({ revoked_at: unit.now, revoked_reason: 'email_changed' })
      .where('user_id', '=', consumed.user_id)
      .where('revoked_at', 'is', null)
      .$if(context.session !== null, (query) => query.where('id', '!=', context.session!.id))
      .execute();
    await auditAccountEvent(unit, context, consumed.user_id, 'auth.email_changed');
    await unit.email({ to: user.email, ...emailChangedMessage(toMailLocale(user.locale)) });
  });
}
