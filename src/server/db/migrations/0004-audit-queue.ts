/**
 * Audit events are chained when their transaction commits, not when they are written.
 *
 * Until now an audited request took the audit chain's lock, read the chain's last row and inserted
 * its own in three round trips, then held the lock until its COMMIT came back from the
 * application: every audited request in the instance queued behind the slowest of those round
 * trips. Now a request inserts its events into `audit_event_queue` without any lock, carrying the
 * canonical JSON of the event split around its sequence number. A deferred constraint trigger
 * moves each queued row into `audit_events` while the transaction commits: it takes the chain's
 * lock, reads the last row, computes the SHA-256 in the database over exactly the text the
 * application hashed before (previous hash, a newline, the canonical JSON with the sequence
 * number), inserts the chained row and deletes the queued one. The lock is held only for the
 * commit itself, inside the server. A transaction that rolls back leaves nothing in either table;
 * the queue is empty outside transactions.
 */
import { sql, type Kysely } from 'kysely';
import { auditGenesisHash } from '../../../core/audit.ts';

/** Same key as the advisory lock the application took before (audit-repository.ts). */
const auditChainLockKey = 4_242_001;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_event_queue (
      id bigserial PRIMARY KEY,
      occurred_at timestamptz NOT NULL,
      organization_id uuid,
      actor_user_id uuid,
      on_behalf_of_user_id uuid,
      patient_id uuid,
      event_type text NOT NULL,
      action text NOT NULL,
      outcome text NOT NULL,
      entity_type text,
      entity_id text,
      ip_address text,
      user_agent text,
      details jsonb NOT NULL DEFAULT '{}',
      canonical_before_seq text NOT NULL,
      canonical_after_seq text NOT NULL
    );
  `.execute(db);

  await sql
    .raw(
      `
    CREATE FUNCTION audit_chain_queued_event() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE
      last_seq bigint;
      last_hash text;
      next_seq bigint;
      next_hash text;
    BEGIN
      PERFORM pg_advisory_xact_lock(${auditChainLockKey});
      SELECT seq, hash INTO last_seq, last_hash FROM audit_events ORDER BY seq DESC LIMIT 1;
      IF NOT FOUND THEN
        last_seq := 0;
        last_hash := '${auditGenesisHash}';
      END IF;
      next_seq := last_seq + 1;
      next_hash := encode(sha256(convert_to(
        last_hash || E'\\n' || NEW.canonical_before_seq || next_seq::text || NEW.canonical_after_seq,
        'UTF8')), 'hex');
      INSERT INTO audit_events (seq, occurred_at, organization_id, actor_user_id,
        on_behalf_of_user_id, patient_id, event_type, action, outcome, entity_type, entity_id,
        ip_address, user_agent, details, previous_hash, hash)
      VALUES (next_seq, NEW.occurred_at, NEW.organization_id, NEW.actor_user_id,
        NEW.on_behalf_of_user_id, NEW.patient_id, NEW.event_type, NEW.action, NEW.outcome,
        NEW.entity_type, NEW.entity_id, NEW.ip_address, NEW.user_agent, NEW.details, last_hash,
        next_hash);
      DELETE FROM audit_event_queue WHERE id = NEW.id;
      RETURN NULL;
    END
    $fn$;
  `,
    )
    .execute(db);

  await sql`
    CREATE CONSTRAINT TRIGGER audit_event_queue_chain AFTER INSERT ON audit_event_queue
      DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION audit_chain_queued_event();
    REVOKE UPDATE, TRUNCATE ON audit_event_queue FROM consilium_app;
  `.execute(db);
}
