/**
 * The organization's settings an admin may change: its name, time zone and session limits
 * (idle timeout and absolute lifetime, OWASP session management). Changes are audited with the
 * old and new values.
 */
import { can } from '../../core/access.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';

export interface OrganizationSettings {
  name: string;
  slug: string;
  timeZone: string;
  idleTimeoutMinutes: number;
  absoluteLifetimeMinutes: number;
}

export type SettingsChange = Partial<Omit<OrganizationSettings, 'slug'>>;

/** Whether the runtime knows the IANA time zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

async function loadSettings(
  services: Services,
  organizationId: string,
): Promise<OrganizationSettings> {
  const row = await services.db
    .selectFrom('organizations')
    .select(['name', 'slug', 'time_zone', 'idle_timeout_minutes', 'absolute_lifetime_minutes'])
    .where('id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return {
    name: row.name,
    slug: row.slug,
    timeZone: row.time_zone,
    idleTimeoutMinutes: row.idle_timeout_minutes,
    absoluteLifetimeMinutes: row.absolute_lifetime_minutes,
  };
}

export async function getSettings(
  services: Services,
  context: RequestContext,
): Promise<OrganizationSettings> {
  const actor = requireActor(context);
  if (!can(actor, 'settings.read', { organizationId: actor.organizationId, relations: [] }))
    throw new AppError('not_found');
  return loadSettings(services, actor.organizationId);
}

export async function updateSettings(
  services: Services,
  context: RequestContext,
  change: SettingsChange,
): Promise<OrganizationSettings> {
  const actor = requireActor(context);
  if (!can(actor, 'settings.update', { organizationId: actor.organizationId, relations: [] }))
    throw new AppError('not_found');
  if (change.timeZone !== undefined && !isKnownTimeZone(change.timeZone)) {
    throw new AppError('validation_failed', {
      message: 'Unknown time zone.',
      details: { issues: [{ path: 'body.timeZone', message: 'unknown IANA time zone' }] },
    });
  }
  const before = await loadSettings(services, actor.organizationId);
  const idle = change.idleTimeoutMinutes ?? before.idleTimeoutMinutes;
  const absolute = change.absoluteLifetimeMinutes ?? before.absoluteLifetimeMinutes;
  if (idle > absolute) {
    throw new AppError('validation_failed', {
      message: 'The idle timeout cannot be longer than the session lifetime.',
      details: {
        issues: [
          { path: 'body.idleTimeoutMinutes', message: 'must not exceed absoluteLifetimeMinutes' },
        ],
      },
    });
  }
  await transact(services, async (unit) => {
    await unit.trx
      .updateTable('organizations')
      .set({
        ...(change.name === undefined ? {} : { name: change.name }),
        ...(change.timeZone === undefined ? {} : { time_zone: change.timeZone }),
        idle_timeout_minutes: idle,
        absolute_lifetime_minutes: absolute,
      })
      .where('id', '=', actor.organizationId)
      .execute();
    await unit.audit({
      eventType: 'org.settings_updated',
      organizationId: actor.organizationId,
      actorUserId: actor.userId,
      entityType: 'Organization',
      entityId: actor.organizationId,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      details: { before, change },
    });
  });
  return loadSettings(services, actor.organizationId);
}
