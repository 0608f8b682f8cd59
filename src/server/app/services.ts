/**
 * The services a use case may depend on, built once by the composition root (app/app.ts) and
 * handed to route tables. Use cases never build their own.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import type { MailService } from '../mail/mail-service.ts';
import type { Clock } from '../platform/clock.ts';
import type { SecretBox } from '../platform/secrets.ts';
import type { RecordServices } from '../records/record-services.ts';

export interface Services {
  config: Config;
  db: Database;
  /** The pool of audited reads (see `auditedRead`); never for changes. */
  readDb: Database;
  clock: Clock;
  logger: Logger;
  mail: MailService;
  secretBox: SecretBox;
  isCommonPassword(candidate: string): boolean;
  /** The records pipeline: blob store, master key, malware scanner, job queue, staging. */
  records: RecordServices;
}
