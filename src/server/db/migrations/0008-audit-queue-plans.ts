/**
 * The audit chain's trigger (migration 0004) keeps its speed as the tables grow.
 *
 * PL/pgSQL plans the statements of a function once per connection and keeps the plan until the
 * tables' statistics change. Planned on a young database, where the audit trail fits in a page,
 * "the chain's last row" became a scan of the whole trail and a sort, and stayed so on every
 * long-lived connection until autovacuum next analysed the table: the queue benchmark showed the
 * database's work per audited request tripling within a minute, all of it in that scan. Both
 * lookups of the function (the last row of the chain, the queued row to delete) go by primary
 * key, and a sequential scan is never the right plan for them, so the function now plans without
 * one. The queue, always empty between transactions, is also vacuumed after a fixed number of
 * rows rather than a share of its (zero) size, so its dead rows stay few.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER FUNCTION audit_chain_queued_event() SET enable_seqscan = off;
    ALTER TABLE audit_event_queue SET (
      autovacuum_vacuum_scale_factor = 0,
      autovacuum_vacuum_threshold = 5000,
      autovacuum_vacuum_insert_scale_factor = 0,
      autovacuum_vacuum_insert_threshold = 5000
    );
  `.execute(db);
}
