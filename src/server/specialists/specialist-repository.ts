/** SQL for specialist profiles and the specialist list of an organization. */
import { sql } from 'kysely';
import type { Database, DatabaseTransaction } from '../db/database.ts';

type Executor = Database | DatabaseTransaction;

/** Active specialists of the organization, by name, with their open workload. */
export function findSpecialists(
  db: Executor,
  organizationId: string,
  filter: { specialty?: string | undefined; language?: string | undefined },
) {
  let query = db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('specialist_profiles as sp', 'sp.membership_id', 'm.id')
    .select([
      'm.user_id',
      'u.name',
      'sp.credentials',
      'sp.specialties',
      'sp.languages',
      sql<number>`(SELECT count(*)::int FROM cases c WHERE c.assigned_specialist_user_id = m.user_id AND c.organization_id = m.organization_id AND c.state IN ('accepted','in_review','awaiting_patient','follow_up'))`.as(
        'active_cases',
      ),
    ])
    .where('m.organization_id', '=', organizationId)
    .where('m.role', '=', 'specialist')
    .where('m.status', '=', 'active')
    .where('u.deactivated_at', 'is', null);
  if (filter.specialty !== undefined)
    query = query.where(
      sql<boolean>`EXISTS (SELECT 1 FROM unnest(sp.specialties) s WHERE s ILIKE ${`%${filter.specialty.replace(/[%_\\]/g, '\\$&')}%`})`,
    );
  if (filter.language !== undefined)
    query = query.where(sql<boolean>`${filter.language.toLowerCase()} = ANY(sp.languages)`);
  return query.orderBy('u.name').orderBy('m.user_id').limit(500).execute();
}

export function upsertSpecialistProfile(
  db: Executor,
  profile: {
    membershipId: string;
    specialties: string[];
    languages: string[];
    credentials: string;
    now: Date;
  },
) {
  return db
    .insertInto('specialist_profiles')
    .values({
      membership_id: profile.membershipId,
      specialties: profile.specialties,
      languages: profile.languages,
      credentials: profile.credentials,
      updated_at: profile.now,
    })
    .onConflict((conflict) =>
      conflict.column('membership_id').doUpdateSet({
        specialties: profile.specialties,
        languages: profile.languages,
        credentials: profile.credentials,
        updated_at: profile.now,
      }),
    )
    .execute();
}
