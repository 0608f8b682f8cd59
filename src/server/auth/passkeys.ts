/**
 * Passkeys (WebAuthn Level 3): registration on a signed-in account, and authentication as the
 * second step after a password, as a passwordless sign-in (user verification required), or as
 * re-authentication of a signed-in session. Challenges are single-use and expire in 5 minutes.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AppError } from '../../core/errors.ts';
import { isMfaMandatory } from '../../core/roles.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import { countPasskeys, findActiveMembership, findUserById } from './auth-repository.ts';
import { assertNotLocked } from './lockout-guard.ts';
import { requireRecentReauthentication } from './reauthenticate.ts';
import { openSession, promoteToFullSession } from './sign-in.ts';

const challengeLifetimeMs = 5 * 60_000;

function relyingParty(services: Services) {
  const url = new URL(services.config.http.publicUrl);
  return { rpID: url.hostname, origin: url.origin, rpName: 'Consilium' };
}

async function storeChallenge(
  services: Services,
  purpose: 'passkey_registration' | 'passkey_authentication',
  challenge: string,
  userId: string | null,
): Promise<string> {
  const now = services.clock.now();
  const row = await services.db
    .insertInto('auth_challenges')
    .values({
      purpose,
      challenge,
      user_id: userId,
      expires_at: new Date(now.getTime() + challengeLifetimeMs),
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Take (delete) a stored challenge; undefined when unknown or expired. */
async function takeChallenge(services: Services, id: string | undefined, purpose: string) {
  if (id === undefined || !/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const row = await services.db
    .deleteFrom('auth_challenges')
    .where('id', '=', id)
    .where('purpose', '=', purpose)
    .where('expires_at', '>', services.clock.now())
    .returning(['challenge', 'user_id'])
    .executeTakeFirst();
  return row;
}

export async function passkeyRegistrationOptions(services: Services, context: RequestContext) {
  const user = context.user;
  if (user === null) throw new AppError('unauthenticated');
  requireRecentReauthentication(services, context);
  const existing = await services.db
    .selectFrom('passkeys')
    .select(['credential_id', 'transports'])
    .where('user_id', '=', user.id)
    .execute();
  const { rpID, rpName } = relyingParty(services);
  const optionsJSON = await generateRegistrationOptions({
    rpName,
    rpID,
    userName: user.email,
    userDisplayName: user.name,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((row) => ({
      id: row.credential_id,
      transports: row.transports,
    })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  const challengeId = await storeChallenge(
    services,
    'passkey_registration',
    optionsJSON.challenge,
    user.id,
  );
  return { optionsJSON, challengeId };
}

export async function registerPasskey(
  services: Services,
  context: RequestContext,
  input: { challengeId: string | undefined; response: unknown; name?: string | undefined },
) {
  const user = context.user;
  if (user === null) throw new AppError('unauthenticated');
  requireRecentReauthentication(services, context);
  const challenge = await takeChallenge(services, input.challengeId, 'passkey_registration');
  if (challenge === undefined || challenge.user_id !== user.id)
    throw new AppError('invalid_token', { message: 'The passkey request expired. Try again.' });
  const { rpID, origin } = relyingParty(services);
  const verification = await verifyRegistrationResponse({
    response: input.response as RegistrationResponseJSON,
    expectedChallenge: challenge.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification: false,
  }).catch((error: unknown) => {
    throw new AppError('validation_failed', {
      message: 'The passkey could not be verified.',
      cause: error,
    });
  });
  if (!verification.verified)
    throw new AppError('validation_failed', { message: 'The passkey could not be verified.' });
  const info = verification.registrationInfo;
  return transact(services, async (unit) => {
    const row = await unit.trx
      .insertInto('passkeys')
      .values({
        user_id: user.id,
        credential_id: info.credential.id,
        public_key: Buffer.from(info.credential.publicKey),
        counter: info.credential.counter,
        transports: info.credential.transports ?? [],
        device_type: info.credentialDeviceType,
        backed_up: info.credentialBackedUp,
        name: input.name?.trim() || 'Passkey',
        created_at: unit.now,
      })
      .onConflict((conflict) => conflict.column('credential_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row === undefined)
      throw new AppError('already_exists', { message: 'This passkey is already registered.' });
    await unit.audit({
      eventType: 'auth.passkey_registered',
      organizationId: context.actor?.organizationId ?? null,
      actorUserId: user.id,
      entityType: 'Passkey',
      entityId: row.id,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
    });
    return row.id;
  });
}

export async function listPasskeys(services: Services, context: RequestContext) {
  const user = context.user;
  if (user === null) throw new AppError('unauthenticated');
  return services.db
    .selectFrom('passkeys')
    .select(['id', 'name', 'created_at', 'last_used_at'])
    .where('user_id', '=', user.id)
    .orderBy('created_at', 'asc')
    .execute();
}

export async function removePasskey(
  services: Services,
  context: RequestContext,
  passkeyId: string,
) {
  const user = context.user;
  if (user === null) throw new AppError('unauthenticated');
  requireRecentReauthentication(services, context);
  const count = await countPasskeys(services.db, user.id);
  if (context.actor !== null && isMfaMandatory(context.actor.role) && !user.hasTotp && count <= 1) {
    throw new AppError('conflict', {
      message: 'Your role requires a second factor. Set up another before removing this one.',
    });
  }
  await transact(services, async (unit) => {
    const removed = await unit.trx
      .deleteFrom('passkeys')
      .where('id', '=', passkeyId)
      .where('user_id', '=', user.id)
      .returning('id')
      .executeTakeFirst();
    if (removed === undefined) throw new AppError('not_found');
    await unit.audit({
      eventType: 'auth.passkey_removed',
      organizationId: context.actor?.organizationId ?? null,
      actorUserId: user.id,
      entityType: 'Passkey',
      entityId: passkeyId,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
    });
  });
}

export async function passkeyAuthenticationOptions(services: Services, context: RequestContext) {
  const { rpID } = relyingParty(services);
  const userId = context.session?.userId ?? null;
  const allow =
    userId === null
      ? undefined
      : await services.db
          .selectFrom('passkeys')
          .select(['credential_id', 'transports'])
          .where('user_id', '=', userId)
          .execute();
  const optionsJSON = await generateAuthenticationOptions({
    rpID,
    // Passwordless sign-in and re-authentication need user verification (PIN or biometrics):
    // the passkey then stands for two factors. As a second step after a password, presence suffices.
    userVerification:
      context.session?.stage === 'awaiting_second_factor' ? 'preferred' : 'required',
    ...(allow === undefined
      ? {}
      : {
          allowCredentials: allow.map((row) => ({
            id: row.credential_id,
            transports: row.transports,
          })),
        }),
  });
  const challengeId = await storeChallenge(
    services,
    'passkey_authentication',
    optionsJSON.challenge,
    userId,
  );
  return { optionsJSON, challengeId };
}

export type PasskeyAuthenticationResult =
  { kind: 'signed_in'; token: string } | { kind: 'reauthenticated' };

/** Verify an assertion and act on it according to the session the request carries. */
export async function authenticateWithPasskey(
  services: Services,
  context: RequestContext,
  input: { challengeId: string | undefined; response: unknown },
): Promise<PasskeyAuthenticationResult> {
  const challenge = await takeChallenge(services, input.challengeId, 'passkey_authentication');
  if (challenge === undefined)
    throw new AppError('invalid_token', { message: 'The passkey request expired. Try again.' });
  const response = input.response as AuthenticationResponseJSON;
  const credentialId = typeof response?.id === 'string' ? response.id : '';
  const passkey = await services.db
    .selectFrom('passkeys')
    .selectAll()
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  const sessionUserId = context.session?.userId ?? null;
  if (passkey === undefined || (sessionUserId !== null && passkey.user_id !== sessionUserId)) {
    throw new AppError('invalid_credentials', {
      message: 'This passkey is not registered for this account.',
    });
  }
  const user = await findUserById(services.db, passkey.user_id);
  if (user === undefined || user.deactivated_at !== null) throw new AppError('invalid_credentials');
  await assertNotLocked(services, user.email, 'second_factor');
  const { rpID, origin } = relyingParty(services);
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential: {
      id: passkey.credential_id,
      publicKey: new Uint8Array(passkey.public_key),
      counter: passkey.counter,
      transports: passkey.transports,
    },
    requireUserVerification: context.session?.stage !== 'awaiting_second_factor',
  }).catch((error: unknown) => {
    throw new AppError('invalid_credentials', {
      message: 'The passkey could not be verified.',
      cause: error,
    });
  });
  if (!verification.verified)
    throw new AppError('invalid_credentials', { message: 'The passkey could not be verified.' });
  if (user.email_verified_at === null) throw new AppError('email_not_verified');

  return transact(services, async (unit): Promise<PasskeyAuthenticationResult> => {
    await unit.trx
      .updateTable('passkeys')
      .set({ counter: verification.authenticationInfo.newCounter, last_used_at: unit.now })
      .where('id', '=', passkey.id)
      .execute();
    const session = context.session;
    if (session?.stage === 'active') {
      await unit.trx
        .updateTable('sessions')
        .set({ reauthenticated_at: unit.now })
        .where('id', '=', session.id)
        .execute();
      const membership = await findActiveMembership(unit.trx, user.id);
      await unit.audit({
        eventType: 'auth.reauthenticated',
        organizationId: membership?.organization_id ?? null,
        actorUserId: user.id,
        entityType: 'Session',
        entityId: session.id,
        ipAddress: context.ipAddress,
        userAgent: context.userAgent,
        details: { method: 'passkey' },
      });
      return { kind: 'reauthenticated' };
    }
    if (session?.stage === 'awaiting_second_factor') {
      return {
        kind: 'signed_in',
        token: await promoteToFullSession(unit, context, user.id, 'passkey'),
      };
    }
    return { kind: 'signed_in', token: await openSession(unit, context, user, 'active', unit.now) };
  });
}
