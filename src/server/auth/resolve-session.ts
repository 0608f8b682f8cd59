/**
 * Turns the session cookie into a request context on every API request: checks the session is
 * open, its user and membership active, and that neither the idle timeout (per organization) nor
 * the absolute lifetime has passed; ends it (audited) when one has.
 */
import { isMfaMandatory, type Role } from '../../core/roles.ts';
import { evaluateSession } from '../../core/sessions.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import type { RequestContext } from '../http/request-context.ts';
import { hashToken } from '../platform/secrets.ts';
import type { Database } from '../db/database.ts';
import { createBatcher, perOwner } from '../platform/batching.ts';
import { findSessionsByTokenHashes, revokeSession, touchSession } from './auth-repository.ts';
import { secondFactorWindowMinutes } from './sign-in.ts';

type SessionRow = Awaited<ReturnType<typeof findSessionsByTokenHashes>>[number];

/**
 * Every request looks up its session; those arriving together are looked up in one statement
 * (platform/batching.ts), each still against the database as it is when its lookup runs, so a
 * session ended a moment ago is never taken for open.
 */
const lookUpSession = perOwner((db: Database) =>
  createBatcher<string, SessionRow | undefined>(
    async (tokenHashes) => {
      const rows = await findSessionsByTokenHashes(db, [...new Set(tokenHashes)]);
      const byHash = new Map(rows.map((row) => [row.token_hash, row]));
      return tokenHashes.map((hash) => byHash.get(hash));
    },
    { maxBatch: 200 },
  ),
);

/** Activity is written at most this often, to spare a write per request. */
const touchIntervalMs = 10_000;

export interface ResolvedSession {
  context: RequestContext;
  /** A cookie was presented but its session has ended: clear it and say so. */
  ended: boolean;
}

export async function resolveSession(
  services: Services,
  base: Pick<RequestContext, 'requestId' | 'ipAddress' | 'userAgent'>,
  token: string | undefined,
): Promise<ResolvedSession> {
  const anonymous: RequestContext = {
    ...base,
    session: null,
    user: null,
    actor: null,
    enrolmentRequired: false,
  };
  if (token === undefined || token === '') return { context: anonymous, ended: false };
  const row = await lookUpSession(services.db)(hashToken(token));
  if (row === undefined || row.revoked_at !== null) return { context: anonymous, ended: true };
  const now = services.clock.now();

  const end = async (reason: string, audited: boolean) => {
    await transact(services, async (unit) => {
      await revokeSession(unit.trx, row.id, unit.now, reason);
      if (audited) {
        await unit.audit({
          eventType: 'auth.session_expired',
          organizationId: row.organization_id,
          actorUserId: row.user_id,
          entityType: 'Session',
          entityId: row.id,
          ipAddress: base.ipAddress,
          userAgent: base.userAgent,
          details: { reason },
        });
      }
    });
    return { context: anonymous, ended: true };
  };

  if (row.deactivated_at !== null) return end('account_deactivated', false);
  if (row.stage === 'awaiting_second_factor') {
    if (now.getTime() - row.created_at.getTime() > secondFactorWindowMinutes * 60_000) {
      return end('second_factor_timeout', false);
    }
  } else {
    if (row.membership_status !== 'active' || row.role === null || row.organization_id === null) {
      return end('membership_inactive', false);
    }
    const state = evaluateSession(
      { createdAt: row.created_at, lastSeenAt: row.last_seen_at },
      {
        idleTimeoutMinutes: row.idle_timeout_minutes ?? 30,
        absoluteLifetimeMinutes: row.absolute_lifetime_minutes ?? 720,
      },
      now,
    );
    if (state !== 'active') return end(state, true);
    if (now.getTime() - row.last_seen_at.getTime() >= touchIntervalMs) {
      await touchSession(services.db, row.id, now);
    }
  }

  const passkeyCount = row.passkey_count ?? 0;
  const hasTotp = row.totp_enabled_at !== null;
  const role = row.role as Role | null;
  const active =
    row.stage === 'active' &&
    role !== null &&
    row.organization_id !== null &&
    row.membership_id !== null;
  return {
    ended: false,
    context: {
      ...base,
      session: {
        id: row.id,
        stage: row.stage as 'awaiting_second_factor' | 'active',
        userId: row.user_id,
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        reauthenticatedAt: row.reauthenticated_at,
      },
      user: {
        id: row.user_id,
        email: row.email,
        name: row.name,
        locale: row.locale,
        hasTotp,
        passkeyCount,
      },
      actor: active
        ? {
            userId: row.user_id,
            organizationId: row.organization_id!,
            membershipId: row.membership_id!,
            role: role,
          }
        : null,
      enrolmentRequired: active && isMfaMandatory(role) && !hasTotp && passkeyCount === 0,
    },
  };
}
