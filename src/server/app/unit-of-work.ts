/**
 * One transaction per multi-step change, with the audit event and the outgoing email written in
 * that same transaction. Email is dispatched only after the commit succeeds.
 */
import { sql } from 'kysely';
import type { DatabaseTransaction } from '../db/database.ts';
import { appendAuditEvent, type AuditEventInput } from '../audit/audit-repository.ts';
import type { EmailMessage } from '../mail/mail-service.ts';
import type { Services } from './services.ts';

export interface UnitOfWork {
  trx: DatabaseTransaction;
  /** The time of this change, from the injected clock. */
  now: Date;
  audit(event: AuditEventInput): Promise<number>;
  email(message: EmailMessage): Promise<void>;
}

export interface TransactOptions {
  /**
   * `read`: the transaction changes nothing but its audit event of a read. It commits without
   * waiting for the WAL flush (synchronous_commit off), so audited reads are not serialised on the
   * disk behind the audit chain's lock. A crash of the machine may lose the read events of its
   * last fraction of a second; the chain stays intact. Changes always commit durably.
   */
  kind?: 'change' | 'read';
}

/** Run `work` in one transaction; roll everything back if it throws. */
export async function transact<T>(
  services: Pick<Services, 'db' | 'clock' | 'mail'>,
  work: (unit: UnitOfWork) => Promise<T>,
  options: TransactOptions = {},
): Promise<T> {
  const outbox: string[] = [];
  const result = await services.db.transaction().execute(async (trx) => {
    if (options.kind === 'read') await sql`SET LOCAL synchronous_commit TO OFF`.execute(trx);
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
