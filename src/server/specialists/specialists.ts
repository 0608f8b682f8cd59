/**
 * The organization's specialists as the coordinator sees them when offering a case (issue 3: pick
 * from the specialist list, filterable by specialty and language), and each specialist's own
 * profile (specialties, languages, credentials as printed on the signed report). The full
 * credential- and jurisdiction-aware matching engine builds on this list later.
 */
import { can } from '../../core/access.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { auditOrigin, requireActor, type RequestContext } from '../http/request-context.ts';
import { findSpecialists, upsertSpecialistProfile } from './specialist-repository.ts';

export interface SpecialistFilter {
  specialty?: string | undefined;
  language?: string | undefined;
}

export async function listSpecialists(
  services: Services,
  context: RequestContext,
  filter: SpecialistFilter,
) {
  const actor = requireActor(context);
  if (!can(actor, 'specialist.read', { organizationId: actor.organizationId, relations: [] }))
    throw new AppError('not_found');
  const rows = await findSpecialists(services.db, actor.organizationId, filter);
  return {
    specialists: rows.map((row) => ({
      userId: row.user_id,
      name: row.name,
      credentials: row.credentials ?? '',
      specialties: row.specialties ?? [],
      languages: row.languages ?? [],
      activeCases: row.active_cases,
    })),
  };
}

const normalizeList = (values: readonly string[]) =>
  [...new Set(values.map((value) => value.trim()).filter((value) => value.length > 0))].sort();

/** A specialist states their own specialties, languages and credentials. */
export async function updateOwnProfile(
  services: Services,
  context: RequestContext,
  input: { specialties: string[]; languages: string[]; credentials: string },
) {
  const actor = requireActor(context);
  if (actor.role !== 'specialist') throw new AppError('not_found');
  return transact(services, async (unit) => {
    await upsertSpecialistProfile(unit.trx, {
      membershipId: actor.membershipId,
      specialties: normalizeList(input.specialties),
      languages: normalizeList(input.languages.map((language) => language.toLowerCase())),
      credentials: input.credentials.trim(),
      now: unit.now,
    });
    await unit.audit({
      ...auditOrigin(context),
      eventType: 'specialist.profile_updated',
      entityType: 'Membership',
      entityId: actor.membershipId,
    });
    const [own] = (await findSpecialists(unit.trx, actor.organizationId, {})).filter(
      (row) => row.user_id === actor.userId,
    );
    if (own === undefined) throw new AppError('not_found');
    return {
      userId: own.user_id,
      name: own.name,
      credentials: own.credentials ?? '',
      specialties: own.specialties ?? [],
      languages: own.languages ?? [],
      activeCases: own.active_cases,
    };
  });
}
