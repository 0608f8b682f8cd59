/**
 * Outgoing email. Messages are written to `mail_outbox` in the transaction that caused them and
 * delivered by a job over SMTP. Without SMTP in development, the outbox doubles as the
 * development mailbox (viewable at /dev/mailbox); in production, unsent mail waits for SMTP.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { JobQueue } from '../jobs/job-queue.ts';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  organizationId?: string | null;
}

export const deliverEmailJob = 'mail.deliver';
export const sweepOutboxJob = 'mail.sweep-outbox';

export interface MailService {
  /** Record a message for delivery inside the caller's transaction; returns its outbox id. */
  enqueue(trx: DatabaseTransaction, message: EmailMessage): Promise<string>;
  /** Ask for delivery now (after the transaction committed). */
  dispatch(outboxId: string): Promise<void>;
  close(): Promise<void>;
}

export function initMailService(deps: {
  config: Config;
  db: Database;
  jobs: JobQueue;
  clock: Clock;
  logger: Logger;
}): Promise<MailService> {
  const { config, db, jobs, clock, logger } = deps;
  const transporter: Transporter | null =
    config.mail.smtp === null
      ? null
      : nodemailer.createTransport({
          host: config.mail.smtp.host,
          port: config.mail.smtp.port,
          secure: config.mail.smtp.secure,
          ...(config.mail.smtp.user === undefined
            ? {}
            : { auth: { user: config.mail.smtp.user, pass: config.mail.smtp.password ?? '' } }),
          tls: { rejectUnauthorized: config.env === 'production' },
        });

  async function deliver(outboxId: string): Promise<void> {
    const message = await db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('id', '=', outboxId)
      .where('sent_at', 'is', null)
      .executeTakeFirst();
    if (message === undefined) return;
    if (transporter === null) {
      if (config.env === 'production') {
        logger.warn('SMTP is not configured: email left in the outbox');
        return;
      }
      // Development and test without SMTP: the outbox is the mailbox.
      await db
        .updateTable('mail_outbox')
        .set({ sent_at: clock.now() })
        .where('id', '=', outboxId)
        .execute();
      return;
    }
    try {
      await transporter.sendMail({
        from: config.mail.from,
        to: message.to_address,
        subject: message.subject,
        text: message.text_body,
        html: message.html_body,
      });
      await db
        .updateTable('mail_outbox')
        .set({ sent_at: clock.now(), attempts: message.attempts + 1, last_error: null })
        .where('id', '=', outboxId)
        .execute();
    } catch (error) {
      await db
        .updateTable('mail_outbox')
        .set({
          attempts: message.attempts + 1,
          last_error: error instanceof Error ? error.message : String(error),
        })
        .where('id', '=', outboxId)
        .execute();
      throw error;
    }
  }

  async function sweep(): Promise<void> {
    const stale = await db
      .selectFrom('mail_outbox')
      .select('id')
      .where('sent_at', 'is', null)
      .where('attempts', '<', 10)
      .where('created_at', '<', new Date(clock.now().getTime() - 60_000))
      .limit(500)
      .execute();
    for (const row of stale) await jobs.send(deliverEmailJob, { outboxId: row.id });
  }

  return (async () => {
    await jobs.work(deliverEmailJob, async (data) => {
      const outboxId = (data as { outboxId?: unknown }).outboxId;
      if (typeof outboxId === 'string') await deliver(outboxId);
    });
    await jobs.work(sweepOutboxJob, () => sweep());
    await jobs.schedule(sweepOutboxJob, '* * * * *');
    return {
      async enqueue(trx, message) {
        const row = await trx
          .insertInto('mail_outbox')
          .values({
            organization_id: message.organizationId ?? null,
            to_address: message.to,
            subject: message.subject,
            text_body: message.text,
            html_body: message.html,
            created_at: clock.now(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return row.id;
      },
      async dispatch(outboxId) {
        await jobs.send(deliverEmailJob, { outboxId });
      },
      async close() {
        transporter?.close();
      },
    };
  })();
}
