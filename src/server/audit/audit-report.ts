/**
 * The organization admin's audit report: filtered, sorted, keyset-paginated pages, and the same
 * selection as CSV. Viewing and exporting the report are themselves audited.
 */
import { can } from '../../core/access.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { findAuditEvents } from './audit-repository.ts';

export interface AuditReportFilters {
  actor?: string | undefined;
  patientId?: string | undefined;
  eventType?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  sort: 'occurredAt' | '-occurredAt' | 'eventType' | '-eventType';
  cursor?: string | undefined;
  limit: number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(cursor: string | undefined) {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && Number.isInteger(parsed[1])) {
      return { value: parsed[0], seq: parsed[1] as number };
    }
  } catch {
    // fall through
  }
  throw new AppError('validation_failed', { message: 'The page cursor is not valid.' });
}

function encodeCursor(value: string, seq: number): string {
  return Buffer.from(JSON.stringify([value, seq])).toString('base64url');
}

async function runQuery(services: Services, context: RequestContext, filters: AuditReportFilters) {
  const actor = requireActor(context);
  if (!can(actor, 'audit.read', { organizationId: actor.organizationId, relations: [] }))
    throw new AppError('not_found');
  const rows = await findAuditEvents(services.db, {
    organizationId: actor.organizationId,
    actorUserId:
      filters.actor !== undefined && uuidPattern.test(filters.actor) ? filters.actor : undefined,
    actorEmail:
      filters.actor !== undefined && !uuidPattern.test(filters.actor)
        ? filters.actor.toLowerCase()
        : undefined,
    patientId: filters.patientId,
    eventType: filters.eventType,
    from: filters.from === undefined ? undefined : new Date(filters.from),
    to: filters.to === undefined ? undefined : new Date(filters.to),
    sort: filters.sort,
    after: decodeCursor(filters.cursor),
    limit: filters.limit + 1,
  });
  const page = rows.slice(0, filters.limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > filters.limit && last !== undefined
      ? encodeCursor(
          filters.sort.endsWith('eventType') ? last.event_type : last.occurred_at.toISOString(),
          last.seq,
        )
      : null;
  const events = page.map((row) => ({
    seq: row.seq,
    occurredAt: row.occurred_at.toISOString(),
    actor:
      row.actor_user_id === null
        ? null
        : { id: row.actor_user_id, name: row.actor_name ?? '', email: row.actor_email ?? '' },
    onBehalfOf:
      row.on_behalf_of_user_id === null
        ? null
        : {
            id: row.on_behalf_of_user_id,
            name: row.principal_name ?? '',
            email: row.principal_email ?? '',
          },
    patientId: row.patient_id,
    eventType: row.event_type,
    action: row.action,
    outcome: row.outcome,
    entityType: row.entity_type,
    entityId: row.entity_id,
    ipAddress: row.ip_address,
    details: row.details as Record<string, unknown>,
  }));
  return { events, nextCursor };
}

export async function viewAuditReport(
  services: Services,
  context: RequestContext,
  filters: AuditReportFilters,
) {
  const result = await runQuery(services, context, filters);
  const actor = requireActor(context);
  await transact(services, (unit) =>
    unit.audit({
      eventType: 'audit.report_viewed',
      organizationId: actor.organizationId,
      actorUserId: actor.userId,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      details: { filters: { ...filters, cursor: undefined } },
    }),
  );
  return result;
}

/** RFC 4180 field quoting; a leading =, +, - or @ is neutralised against spreadsheet injection. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvMaxRows = 100_000;

export async function exportAuditReport(
  services: Services,
  context: RequestContext,
  filters: AuditReportFilters,
): Promise<string> {
  const header = [
    'seq',
    'occurred_at',
    'actor_id',
    'actor_name',
    'actor_email',
    'on_behalf_of_id',
    'patient_id',
    'event_type',
    'action',
    'outcome',
    'entity_type',
    'entity_id',
    'ip_address',
    'details',
  ];
  const lines = [header.join(',')];
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await runQuery(services, context, { ...filters, cursor, limit: 1000 });
    for (const event of page.events) {
      lines.push(
        [
          String(event.seq),
          event.occurredAt,
          event.actor?.id ?? '',
          event.actor?.name ?? '',
          event.actor?.email ?? '',
          event.onBehalfOf?.id ?? '',
          event.patientId ?? '',
          event.eventType,
          event.action,
          event.outcome,
          event.entityType ?? '',
          event.entityId ?? '',
          event.ipAddress ?? '',
          JSON.stringify(event.details),
        ]
          .map(csvField)
          .join(','),
      );
      count += 1;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && count < csvMaxRows);
  const actor = requireActor(context);
  await transact(services, (unit) =>
    unit.audit({
      eventType: 'audit.report_exported',
      organizationId: actor.organizationId,
      actorUserId: actor.userId,
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      details: { rows: count, filters: { ...filters, cursor: undefined } },
    }),
  );
  return `${lines.join('\r\n')}\r\n`;
}
