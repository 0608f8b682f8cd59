/**
 * SQL for the audit trail. An event is queued in the caller's transaction and chained as that
 * transaction commits (migration 0004): a deferred trigger, serialised by an advisory lock, gives
 * it the next sequence number and hashes it onto the row before, so every row's `previous_hash`
 * is the hash of the row before it. Rows are never updated or deleted (the database refuses it,
 * see migration 0001).
 */
import { sql } from 'kysely';
import {
  auditEventTypes,
  type AuditEventType,
  type AuditOutcome,
  type AuditRowContent,
} from '../../core/audit.ts';
import { canonicalJson } from '../../core/canonical-json.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

/**
 * Stands for the sequence number in the canonical JSON the database completes: an integer no
 * chain reaches, and the only member named `seq`, so it occurs exactly once.
 */
const seqPlaceholder = -9_007_199_254_740_991;
const seqPlaceholderMember = `"seq":${seqPlaceholder}`;

export interface AuditEventInput {
  eventType: AuditEventType;
  outcome?: AuditOutcome;
  organizationId: string | null;
  actorUserId: string | null;
  onBehalfOfUserId?: string | null;
  patientId?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

/** The queued row of one event: its columns and its canonical JSON split around the sequence. */
function queuedAuditRow(occurredAt: Date, event: AuditEventInput) {
  const content = {
    seq: seqPlaceholder,
    occurredAt: occurredAt.toISOString(),
    organizationId: event.organizationId,
    actorUserId: event.actorUserId,
    onBehalfOfUserId: event.onBehalfOfUserId ?? null,
    patientId: event.patientId ?? null,
    eventType: event.eventType,
    action: auditEventTypes[event.eventType],
    outcome: event.outcome ?? '0',
    entityType: event.entityType ?? null,
    entityId: event.entityId ?? null,
    ipAddress: event.ipAddress ?? null,
    userAgent: event.userAgent ?? null,
    details: event.details ?? {},
  } satisfies AuditRowContent;
  const canonical = canonicalJson(content);
  const at = canonical.indexOf(seqPlaceholderMember);
  return {
    occurred_at: occurredAt,
    organization_id: content.organizationId,
    actor_user_id: content.actorUserId,
    on_behalf_of_user_id: content.onBehalfOfUserId,
    patient_id: content.patientId,
    event_type: content.eventType,
    action: content.action,
    outcome: content.outcome,
    entity_type: content.entityType,
    entity_id: content.entityId,
    ip_address: content.ipAddress,
    user_agent: content.userAgent,
    details: JSON.stringify(content.details),
    canonical_before_seq: canonical.slice(0, at + '"seq":'.length),
    canonical_after_seq: canonical.slice(at + seqPlaceholderMember.length),
  };
}

/**
 * Queue one event, inside the caller's transaction (or as a statement of its own); it joins the
 * chain when that transaction commits and vanishes if it rolls back. The hash input is the same as
 * `auditHashInput` in core (previous hash, newline, canonical JSON of the row content); the
 * database fills in the sequence number and the previous hash.
 */
export async function appendAuditEvent(
  trx: Database | DatabaseTransaction,
  occurredAt: Date,
  event: AuditEventInput,
): Promise<void> {
  await appendAuditEvents(trx, [{ occurredAt, event }]);
}

/**
 * Queue several events in one statement; they are chained in this order when it commits (the
 * chaining trigger runs row by row, in insertion order).
 */
export async function appendAuditEvents(
  trx: Database | DatabaseTransaction,
  events: readonly { occurredAt: Date; event: AuditEventInput }[],
): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('audit_event_queue')
    .values(events.map(({ occurredAt, event }) => queuedAuditRow(occurredAt, event)))
    .execute();
}

export interface AuditQuery {
  organizationId: string;
  actorUserId?: string | undefined;
  actorEmail?: string | undefined;
  patientId?: string | undefined;
  eventType?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  sort: 'occurredAt' | '-occurredAt' | 'eventType' | '-eventType';
  /** Keyset cursor: the sort value and seq of the last row of the previous page. */
  after?: { value: string; seq: number } | undefined;
  limit: number;
}

/** One page of an organization's audit events with the actors' names, in the requested order. */
export async function findAuditEvents(db: Database, query: AuditQuery) {
  const descending = query.sort.startsWith('-');
  const byType = query.sort.endsWith('eventType');
  const direction = descending ? 'desc' : 'asc';
  let statement = db
    .selectFrom('audit_events as e')
    .leftJoin('users as actor', 'actor.id', 'e.actor_user_id')
    .leftJoin('users as principal', 'principal.id', 'e.on_behalf_of_user_id')
    .select([
      'e.seq',
      'e.occurred_at',
      'e.actor_user_id',
      'actor.name as actor_name',
      'actor.email as actor_email',
      'e.on_behalf_of_user_id',
      'principal.name as principal_name',
      'principal.email as principal_email',
      'e.patient_id',
      'e.event_type',
      'e.action',
      'e.outcome',
      'e.entity_type',
      'e.entity_id',
      'e.ip_address',
      'e.details',
    ])
    .where('e.organization_id', '=', query.organizationId);
  if (query.actorUserId !== undefined)
    statement = statement.where('e.actor_user_id', '=', query.actorUserId);
  if (query.actorEmail !== undefined)
    statement = statement.where('actor.email', '=', query.actorEmail);
  if (query.patientId !== undefined)
    statement = statement.where('e.patient_id', '=', query.patientId);
  if (query.eventType !== undefined)
    statement = statement.where('e.event_type', '=', query.eventType);
  if (query.from !== undefined) statement = statement.where('e.occurred_at', '>=', query.from);
  if (query.to !== undefined) statement = statement.where('e.occurred_at', '<', query.to);
  if (query.after !== undefined) {
    const { value, seq } = query.after;
    const comparison = descending ? '<' : '>';
    statement = byType
      ? statement.where(
          sql<boolean>`(e.event_type, e.seq) ${sql.raw(comparison)} (${value}, ${seq})`,
        )
      : statement.where(
          sql<boolean>`(e.occurred_at, e.seq) ${sql.raw(comparison)} (${new Date(value)}::timestamptz, ${seq})`,
        );
  }
  return statement
    .orderBy(byType ? 'e.event_type' : 'e.occurred_at', direction)
    .orderBy('e.seq', direction)
    .limit(query.limit)
    .execute();
}

export interface StoredAuditRow {
  seq: number;
  occurred_at: Date;
  organization_id: string | null;
  actor_user_id: string | null;
  on_behalf_of_user_id: string | null;
  patient_id: string | null;
  event_type: string;
  action: string;
  outcome: string;
  entity_type: string | null;
  entity_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  details: unknown;
  previous_hash: string;
  hash: string;
}

/** Read the whole chain in sequence order, a batch at a time. */
export async function* readAuditChain(
  db: Database,
  batchSize = 5000,
): AsyncGenerator<StoredAuditRow> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq', 'asc')
      .limit(batchSize)
      .execute();
    for (const row of rows) yield row;
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < batchSize) return;
    after = last.seq;
  }
}
