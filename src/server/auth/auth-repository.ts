/**
 * SQL for accounts, sessions, one-time tokens, failures and second factors. No rules here: the
 * use cases decide, this module reads and writes.
 */
import { sql, type SqlBool } from 'kysely';
import type { Database, DatabaseTransaction } from '../db/database.ts';

type Executor = Database | DatabaseTransaction;

export function findUserByEmail(db: Executor, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export function findUserById(db: Executor, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The user's active membership (oldest first) with its organization's session limits. */
export function findActiveMembership(db: Executor, userId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .select([
      'm.id',
      'm.role',
      'm.organization_id',
      'o.name as organization_name',
      'o.slug as organization_slug',
      'o.idle_timeout_minutes',
      'o.absolute_lifetime_minutes',
    ])
    .where('m.user_id', '=', userId)
    .where('m.status', '=', 'active')
    .orderBy('m.created_at', 'asc')
    .limit(1)
    .executeTakeFirst();
}

export async function countPasskeys(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.count;
}

export async function countUnusedRecoveryCodes(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return row.count;
}

export function insertSession(
  trx: DatabaseTransaction,
  session: {
    tokenHash: string;
    userId: string;
    membershipId: string | null;
    stage: 'awaiting_second_factor' | 'active';
    now: Date;
    secondFactorAt: Date | null;
    ipAddress: string;
    userAgent: string | null;
  },
) {
  return trx
    .insertInto('sessions')
    .values({
      token_hash: session.tokenHash,
      user_id: session.userId,
      membership_id: session.membershipId,
      stage: session.stage,
      created_at: session.now,
      last_seen_at: session.now,
      second_factor_at: session.secondFactorAt,
      reauthenticated_at: session.stage === 'active' ? session.now : null,
      ip_address: session.ipAddress,
      user_agent: session.userAgent,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/**
 * The sessions (with user, membership, organization limits and passkey count) of these token
 * hashes; a request's session is looked up together with those of the requests arriving with it
 * (resolve-session.ts).
 */
export function findSessionsByTokenHashes(db: Executor, tokenHashes: readonly string[]) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('memberships as m', 'm.id', 's.membership_id')
    .leftJoin('organizations as o', 'o.id', 'm.organization_id')
    .select([
      's.id',
      's.stage',
      's.user_id',
      's.membership_id',
      's.created_at',
      's.last_seen_at',
      's.reauthenticated_at',
      's.revoked_at',
      's.token_hash',
      'u.email',
      'u.name',
      'u.locale',
      'u.totp_enabled_at',
      'u.deactivated_at',
      'm.role',
      'm.status as membership_status',
      'm.organization_id',
      'o.idle_timeout_minutes',
      'o.absolute_lifetime_minutes',
      (eb) =>
        eb
          .selectFrom('passkeys as p')
          .select(eb.fn.countAll<number>().as('count'))
          .whereRef('p.user_id', '=', 's.user_id')
          .as('passkey_count'),
    ])
    .where(sql<SqlBool>`s.token_hash = ANY(${tokenHashes})`)
    .execute();
}

export function touchSession(db: Executor, sessionId: string, now: Date) {
  return db
    .updateTable('sessions')
    .set({ last_seen_at: now })
    .where('id', '=', sessionId)
    .execute();
}

export function revokeSession(db: Executor, sessionId: string, now: Date, reason: string) {
  return db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** End every open session of a user (sign-out everywhere, deactivation, password reset). */
export function revokeAllSessions(db: Executor, userId: string, now: Date, reason: string) {
  return db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

export function insertEmailToken(
  trx: DatabaseTransaction,
  token: {
    userId: string;
    purpose: 'verify_email' | 'reset_password' | 'change_email';
    tokenHash: string;
    expiresAt: Date;
    newEmail?: string;
  },
) {
  return trx
    .insertInto('email_tokens')
    .values({
      user_id: token.userId,
      purpose: token.purpose,
      token_hash: token.tokenHash,
      expires_at: token.expiresAt,
      new_email: token.newEmail ?? null,
    })
    .execute();
}

/** Mark a valid, unused token used and return it; undefined when invalid, used or expired. */
export function consumeEmailToken(
  trx: DatabaseTransaction,
  purpose: 'verify_email' | 'reset_password' | 'change_email',
  tokenHash: string,
  now: Date,
) {
  return trx
    .updateTable('email_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['id', 'user_id', 'new_email'])
    .executeTakeFirst();
}

export async function recentFailures(
  db: Executor,
  email: string,
  kind: 'password' | 'second_factor',
  since: Date,
): Promise<Date[]> {
  const rows = await db
    .selectFrom('auth_failures')
    .select('occurred_at')
    .where('email', '=', email)
    .where('kind', '=', kind)
    .where('occurred_at', '>=', since)
    .orderBy('occurred_at', 'desc')
    .limit(50)
    .execute();
  return rows.map((row) => row.occurred_at);
}

export function insertFailure(
  db: Executor,
  failure: { email: string; kind: 'password' | 'second_factor'; ipAddress: string; now: Date },
) {
  return db
    .insertInto('auth_failures')
    .values({
      email: failure.email,
      kind: failure.kind,
      ip_address: failure.ipAddress,
      occurred_at: failure.now,
    })
    .execute();
}

/** Forget the recorded failures of an account: of one kind, or of every kind when omitted. */
export function clearFailures(db: Executor, email: string, kind?: 'password' | 'second_factor') {
  let query = db.deleteFrom('auth_failures').where('email', '=', email);
  if (kind !== undefined) query = query.where('kind', '=', kind);
  return query.execute();
}
