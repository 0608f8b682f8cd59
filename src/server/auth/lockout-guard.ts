/**
 * Applies the lockout rule from core to the failures recorded in the database, and records new
 * failures with their audit events (in their own transaction: a refused attempt changes nothing
 * else, but it is always recorded).
 */
import { AppError } from '../../core/errors.ts';
import { defaultLockoutPolicy, evaluateLockout } from '../../core/lockout.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import { findActiveMembership, insertFailure, recentFailures } from './auth-repository.ts';

export type FailureKind = 'password' | 'second_factor';

/** Failures older than this can no longer lock: a burst locks until its last failure + lock time. */
const lookBackMs = (defaultLockoutPolicy.windowMinutes + defaultLockoutPolicy.lockMinutes) * 60_000;

async function lockoutState(services: Services, email: string, kind: FailureKind, now: Date) {
  const since = new Date(now.getTime() - lookBackMs);
  const failures = await recentFailures(services.db, email, kind, since);
  return evaluateLockout(failures, defaultLockoutPolicy, now);
}

/** Throw `account_locked` (429 with Retry-After) while the account is locked for `kind`. */
export async function assertNotLocked(
  services: Services,
  email: string,
  kind: FailureKind,
): Promise<void> {
  const now = services.clock.now();
  const state = await lockoutState(services, email, kind, now);
  if (state.locked) {
    const seconds = Math.max(1, Math.ceil((state.until.getTime() - now.getTime()) / 1000));
    throw new AppError('account_locked', {
      headers: { 'retry-after': String(seconds) },
      details: { retryAfterSeconds: seconds },
    });
  }
}

/** Record a failed attempt and its audit event; audit the lock if this failure caused one. */
export async function recordFailure(
  services: Services,
  context: RequestContext,
  failure: { email: string; kind: FailureKind; userId: string | null },
): Promise<void> {
  const membership =
    failure.userId === null ? undefined : await findActiveMembership(services.db, failure.userId);
  await transact(services, async (unit) => {
    await insertFailure(unit.trx, {
      email: failure.email,
      kind: failure.kind,
      ipAddress: context.ipAddress,
      now: unit.now,
    });
    const origin = {
      organizationId: membership?.organization_id ?? null,
      actorUserId: failure.userId,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
    };
    await unit.audit({
      ...origin,
      eventType: failure.kind === 'password' ? 'auth.sign_in_failed' : 'auth.mfa_challenge_failed',
      outcome: '4',
      entityType: 'User',
      entityId: failure.userId,
    });
    const since = new Date(unit.now.getTime() - lookBackMs);
    const failures = await recentFailures(unit.trx, failure.email, failure.kind, since);
    const state = evaluateLockout(failures, defaultLockoutPolicy, unit.now);
    if (state.locked && failures.length === defaultLockoutPolicy.maxFailures) {
      await unit.audit({
        ...origin,
        eventType: 'auth.account_locked',
        outcome: '8',
        entityType: 'User',
        entityId: failure.userId,
        details: { kind: failure.kind, until: state.until.toISOString() },
      });
    }
  });
}
