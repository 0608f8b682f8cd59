/**
 * Background jobs on pg-boss, in the same PostgreSQL. Work that must not be lost (email
 * delivery) is recorded in a table of its own first; a job only says "look at it now". A job
 * that follows a change may also be queued inside that change's transaction, so a rollback leaves
 * no job behind and a commit never lacks its job.
 */
import { fromKysely, PgBoss, type Db } from 'pg-boss';
import type { Logger } from 'pino';
import type { DatabaseTransaction } from '../db/database.ts';

/**
 * The role the application's connections act as (db/database.ts). A job queued inside one of
 * their transactions is inserted with its privileges.
 */
const applicationRole = 'consilium_app';

export interface SendOptions {
  /**
   * Jobs of one key sent close together run once (pg-boss debounce): the first takes the current
   * slot of `seconds`, a later one the next slot, and a send finding both taken adds nothing, since
   * the next slot's job has not started yet and will see what the sender changed.
   */
  debounce?: { key: string; seconds: number };
  /** Queue the job in this transaction: it exists only if the transaction commits. */
  transaction?: DatabaseTransaction;
}

export interface JobQueue {
  send(name: string, data: object, options?: SendOptions): Promise<void>;
  work(name: string, handler: (data: unknown) => Promise<void>): Promise<void>;
  schedule(name: string, cron: string): Promise<void>;
  close(): Promise<void>;
}

/** Start pg-boss (creating its schema on first use). */
export async function initJobQueue(url: string, logger: Logger): Promise<JobQueue> {
  const boss = new PgBoss({ connectionString: url, schema: 'pgboss', max: 4 });
  boss.on('error', (error: unknown) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  await grantJobInserts(boss.getDb());
  const queues = new Set<string>();
  const ensureQueue = async (name: string) => {
    if (queues.has(name)) return;
    await boss.createQueue(name);
    queues.add(name);
  };
  return {
    async send(name, data, options = {}) {
      await ensureQueue(name);
      await boss.send(name, data, {
        retryLimit: 5,
        retryDelay: 10,
        retryBackoff: true,
        ...(options.debounce === undefined
          ? {}
          : {
              singletonKey: options.debounce.key,
              singletonSeconds: options.debounce.seconds,
              singletonNextSlot: true,
            }),
        ...(options.transaction === undefined ? {} : { db: fromKysely(options.transaction) }),
      });
    },
    async work(name, handler) {
      await ensureQueue(name);
      await boss.work(name, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const job of jobs) await handler(job.data);
      });
    },
    async schedule(name, cron) {
      await ensureQueue(name);
      await boss.schedule(name, cron);
    },
    async close() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}

/**
 * Lets the application's role insert jobs (and read the queue settings an insert copies), so a
 * job can be queued inside its transactions. Run after every start, as pg-boss may add tables
 * when it is upgraded; serialised, since two instances granting at once would collide.
 */
async function grantJobInserts(owner: Db): Promise<void> {
  // One simple query: its statements run as one transaction, which the lock lasts for.
  await owner.executeSql(`
    SELECT pg_advisory_xact_lock(hashtextextended('consilium:job-grants', 0));
    GRANT USAGE ON SCHEMA pgboss TO ${applicationRole};
    GRANT SELECT ON pgboss.queue TO ${applicationRole};
    GRANT SELECT, INSERT ON pgboss.job, pgboss.job_common TO ${applicationRole};
  `);
}
