/**
 * Managing second factors: TOTP enrolment (secret shown once, confirmed by a code), recovery
 * codes (ten single-use codes, shown once, stored as digests), and removal. Every change needs a
 * recent re-authentication and is audited.
 */
import { randomInt } from 'node:crypto';
import QRCode from 'qrcode';
import { AppError } from '../../core/errors.ts';
import { isMfaMandatory } from '../../core/roles.ts';
import type { Services } from '../app/services.ts';
import { transact, type UnitOfWork } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import { countPasskeys, findUserById } from './auth-repository.ts';
import { requireRecentReauthentication } from './reauthenticate.ts';
import { recoveryCodeDigest } from './sign-in.ts';
import { matchTotpCode, newTotpSecret, totpUri } from './totp.ts';

const recoveryCodeAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const recoveryCodeCount = 10;

function newRecoveryCode(): string {
  const characters = Array.from(
    { length: 10 },
    () => recoveryCodeAlphabet[randomInt(recoveryCodeAlphabet.length)],
  );
  return `${characters.slice(0, 4).join('')}-${characters.slice(4, 8).join('')}-${characters.slice(8).join('')}`;
}

function signedInUser(context: RequestContext) {
  if (context.user === null || context.session === null) throw new AppError('unauthenticated');
  return context.user;
}

function origin(context: RequestContext) {
  return {
    organizationId: context.actor?.organizationId ?? null,
    actorUserId: context.user?.id ?? null,
    entityType: 'User',
    entityId: context.user?.id ?? null,
    ipAddress: context.ipAddress,
    userAgent: context.userAgent,
  };
}

/** Replace the user's recovery codes by ten new ones inside `unit`; returns them in clear once. */
async function replaceRecoveryCodes(unit: UnitOfWork, userId: string): Promise<string[]> {
  await unit.trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  const codes = Array.from({ length: recoveryCodeCount }, newRecoveryCode);
  await unit.trx
    .insertInto('recovery_codes')
    .values(
      codes.map((code) => ({
        user_id: userId,
        code_hash: recoveryCodeDigest(code),
        created_at: unit.now,
      })),
    )
    .execute();
  return codes;
}

/** Begin TOTP enrolment: a new secret, pending until confirmed with a code. */
export async function startTotpEnrolment(services: Services, context: RequestContext) {
  const user = signedInUser(context);
  requireRecentReauthentication(services, context);
  const secret = newTotpSecret();
  await services.db
    .updateTable('users')
    .set({ totp_pending_secret_encrypted: services.secretBox.seal(secret) })
    .where('id', '=', user.id)
    .execute();
  const otpauthUrl = totpUri(secret, user.email);
  const svg = await QRCode.toString(otpauthUrl, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
  });
  return {
    secret,
    otpauthUrl,
    qrSvgDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
  };
}

/** Confirm TOTP enrolment with a code from the app; returns the new recovery codes. */
export async function confirmTotpEnrolment(
  services: Services,
  context: RequestContext,
  code: string,
) {
  const signedIn = signedInUser(context);
  requireRecentReauthentication(services, context);
  const user = await findUserById(services.db, signedIn.id);
  if (user?.totp_pending_secret_encrypted == null) {
    throw new AppError('conflict', { message: 'Start the authenticator set-up first.' });
  }
  const secret = services.secretBox.open(user.totp_pending_secret_encrypted);
  const step = matchTotpCode(secret, code, services.clock.now(), null);
  if (step === null) throw new AppError('invalid_mfa_code');
  return transact(services, async (unit) => {
    await unit.trx
      .updateTable('users')
      .set({
        totp_secret_encrypted: user.totp_pending_secret_encrypted,
        totp_pending_secret_encrypted: null,
        totp_enabled_at: unit.now,
        totp_last_step: step,
        updated_at: unit.now,
      })
      .where('id', '=', user.id)
      .execute();
    const recoveryCodes = await replaceRecoveryCodes(unit, user.id);
    await unit.audit({ ...origin(context), eventType: 'auth.totp_enrolled' });
    return recoveryCodes;
  });
}

/** Remove TOTP. Staff keep at least one second factor: removing the last one is refused. */
export async function removeTotp(services: Services, context: RequestContext) {
  const user = signedInUser(context);
  requireRecentReauthentication(services, context);
  if (!user.hasTotp) throw new AppError('not_found');
  const passkeys = await countPasskeys(services.db, user.id);
  if (context.actor !== null && isMfaMandatory(context.actor.role) && passkeys === 0) {
    throw new AppError('conflict', {
      message:
        'Your role requires a second factor. Register a passkey before removing the authenticator app.',
    });
  }
  await transact(services, async (unit) => {
    await unit.trx
      .updateTable('users')
      .set({
        totp_secret_encrypted: null,
        totp_enabled_at: null,
        totp_last_step: null,
        updated_at: unit.now,
      })
      .where('id', '=', user.id)
      .execute();
    await unit.trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
    await unit.audit({ ...origin(context), eventType: 'auth.totp_removed' });
  });
}

/** Issue ten new recovery codes, invalidating the old ones. */
export async function regenerateRecoveryCodes(services: Services, context: RequestContext) {
  const user = signedInUser(context);
  requireRecentReauthentication(services, context);
  if (!user.hasTotp && user.passkeyCount === 0) {
    throw new AppError('conflict', { message: 'Set up a second factor first.' });
  }
  return transact(services, async (unit) => {
    const codes = await replaceRecoveryCodes(unit, user.id);
    await unit.audit({ ...origin(context), eventType: 'auth.recovery_codes_regenerated' });
    return codes;
  });
}
