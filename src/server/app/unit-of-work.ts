/**
 * One transaction per multi-step change, with the audit event and the outgoing email written in
 * that same transaction. Email is dispatched only after the commit succeeds.
 *
 * A read of patient data changes nothing but the audit trail, so it needs no transaction of its
 * own: `auditedRead` runs its queries on the read pool and writes the audit event last, as one
 * statement that commits asynchronously (the read pool's connections have synchronous_commit
 * off). Nothing is returned unless that event was written. Reads that end together write their
 * events together: while one insert runs, the events of the reads finishing meanwhile gather and
 * go in the next one (platform/batching.ts), so under load one statement records many reads. A
 * crash of the machine may lose the read events of its last fraction of a second; the chain
 * stays intact, because events are chained by the database as they commit (migration 0004).
 */
import type { Database, DatabaseTransaction } from '../db/database.ts';
import {
  appendAuditEvent,
  appendAuditEvents,
  type AuditEventInput,
} from '../audit/audit-repository.ts';
import { createBatcher, perOwner } from '../platform/batching.ts';
import type { EmailMessage } from '../mail/mail-service.ts';
import type { Services } from './services.ts';

export interface UnitOfWork {
  trx: DatabaseTransaction;
  /** The time of this change, from the injected clock. */
  now: Date;
  audit(event: AuditEventInput): Promise<void>;
  email(message: EmailMessage): Promise<void>;
}

/** Run `work` in one transaction; roll everything back if it throws. */
export async function transact<T>(
  services: Pick<Services, 'db' | 'clock' | 'mail'>,
  work: (unit: UnitOfWork) => Promise<T>,
): Promise<T> {
  const outbox: string[] = [];
  const result = await services.db.transaction().execute(async (trx) => {
    const now = services.clock.now();
    return work({
      trx,
      now,
      audit: (event) => appendAuditEvent(trx, now, event),
      email: async (message) => {
        outbox.push(await services.mail.enqueue(trx, message));
      },
    });
  });
  for (const id of outbox) await services.mail.dispatch(id);
  return result;
}

export interface ReadUnit {
  /** The read pool: each statement commits alone. Never change anything through it. */
  db: Database;
  /** The time of this read, from the injected clock. */
  now: Date;
  /** Record the read; call it once what is read is known, before returning it. */
  audit(event: AuditEventInput): Promise<void>;
}

/** One writer per read pool, batching the events of reads that end together. */
const readAuditWriter = perOwner((readDb: Database) =>
  createBatcher<{ occurredAt: Date; event: AuditEventInput }, true>(
    async (events) => {
      await appendAuditEvents(readDb, events);
      return events.map(() => true);
    },
    { maxBatch: 100 },
  ),
);

/** Run an audited read of patient data; its result is returned only once the read is audited. */
export async function auditedRead<T>(
  services: Pick<Services, 'readDb' | 'clock'>,
  work: (unit: ReadUnit) => Promise<T>,
): Promise<T> {
  const now = services.clock.now();
  let audited = false;
  const result = await work({
    db: services.readDb,
    now,
    audit: async (event) => {
      await readAuditWriter(services.readDb)({ occurredAt: now, event });
      audited = true;
    },
  });
  if (!audited) throw new Error('an audited read returned without writing its audit event');
  return result;
}
