/**
 * Background jobs on pg-boss, in the same PostgreSQL. Work that must not be lost (email
 * delivery) is recorded in a table of its own first; a job only says "look at it now".
 */
import { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';

export interface JobQueue {
  send(name: string, data: object): Promise<void>;
  work(name: string, handler: (data: unknown) => Promise<void>): Promise<void>;
  schedule(name: string, cron: string): Promise<void>;
  close(): Promise<void>;
}

/** Start pg-boss (creating its schema on first use). */
export async function initJobQueue(url: string, logger: Logger): Promise<JobQueue> {
  const boss = new PgBoss({ connectionString: url, schema: 'pgboss', max: 4 });
  boss.on('error', (error: unknown) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  const queues = new Set<string>();
  const ensureQueue = async (name: string) => {
    if (queues.has(name)) return;
    await boss.createQueue(name);
    queues.add(name);
  };
  return {
    async send(name, data) {
      await ensureQueue(name);
      await boss.send(name, data, { retryLimit: 5, retryDelay: 10, retryBackoff: true });
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
