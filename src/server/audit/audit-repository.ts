/**
 * SQL for the audit trail. Appends are serialised by a transaction-scoped advisory lock so that
 * every row's `previous_hash` is the hash of the row before it; rows are never updated or deleted
 * (the database refuses it, see migration 0001).
 */
import { sql } from 'kysely';
import {
  auditEventTypes,
  auditGenesisHash,
  auditHashInput,
  type AuditEventType,
  type AuditOutcome,
  type AuditRowContent,
} from '../../core/audit.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';
import { sha256Hex } from '../platform/secrets.ts';

/** Arbitrary constant naming the audit-chain advisory lock. */
const auditChainLockKey = 4_242_001;

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

/** Append one event to the chain, inside the caller's transaction. Returns its sequence number. */
export async function appendAuditEvent(
  trx: DatabaseTransaction,
  occurredAt: Date,
  event: AuditEventInput,
): Promise<number> {
  await sql`SELECT pg_advisory_xact_lock(${auditChainLockKey})`.execute(trx);
  const last = await trx
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const content: AuditRowContent = {
    seq: (last?.seq ?? 0) + 1,
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
  };
  const previousHash = last?.hash ?? auditGenesisHash;
  const hash = sha256Hex(auditHashInput(previousHash, content));
  await trx
    .insertInto('audit_events')
    .values({
      seq: content.seq,
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
      previous_hash: previousHash,
      hash,
    })
    .execute();
  return content.seq;
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
