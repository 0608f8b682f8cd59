/**
 * The composition root: builds every subsystem in order (config → database → migrations →
 * keys → jobs → mail → HTTP), and closes them in reverse. Tests and the CLI start Consilium
 * through here, so what runs in tests is what runs in production.
 */
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Config } from '../config/config.ts';
import {
  migrateToLatest,
  openDatabase,
  pendingMigrations,
  type DatabaseHandle,
} from '../db/database.ts';
import { attachmentRoutes } from '../attachments/attachment-routes.ts';
import { openRecordPipeline, startRecordWorkers } from '../records/record-pipeline.ts';
import { recordRoutes } from '../records/record-routes.ts';
import { authRoutes } from '../auth/auth-routes.ts';
import { auditRoutes } from '../audit/audit-routes.ts';
import { caseRoutes } from '../cases/case-routes.ts';
import { startCaseSweep } from '../cases/case-sweeps.ts';
import { opinionRoutes } from '../cases/opinion-routes.ts';
import { loadCommonPasswords } from '../auth/password-hashing.ts';
import { seedDemoIfEmpty } from '../demo/seed-demo.ts';
import { registerDevMailbox, registerTestClock } from '../dev/dev-routes.ts';
import { createHttpServer } from '../http/http-server.ts';
import type { RouteDefinition } from '../http/route.ts';
import { initJobQueue, type JobQueue } from '../jobs/job-queue.ts';
import { initMailService, type MailService } from '../mail/mail-service.ts';
import { startDeadlineSweep } from '../notifications/deadline-sweep.ts';
import { notificationRoutes } from '../notifications/notifications-routes.ts';
import { orgRoutes } from '../orgs/org-routes.ts';
import { patientRoutes } from '../patients/patient-routes.ts';
import { ControllableClock, systemClock, type Clock } from '../platform/clock.ts';
import { createLogger } from '../platform/logger.ts';
import { createSecretBox, loadInstanceKey } from '../platform/secrets.ts';
import { startUploadExpirySweep } from '../records/uploads/expire-stale-uploads.ts';
import { registerRecordUploadRoutes } from '../records/uploads/record-upload-routes.ts';
import { createRecordUploadTransport } from '../records/uploads/upload-transport.ts';
import { specialistRoutes } from '../specialists/specialist-routes.ts';
import { terminologyRoutes } from '../terminology/terminology-routes.ts';
import { startDatabaseRuntime, type DatabaseRuntime } from './database-runtime.ts';
import type { Services } from './services.ts';

/** Every route table of the API. The authorization tests iterate this same list. */
export function allRoutes(services: Services): RouteDefinition[] {
  return [
    ...authRoutes(services),
    ...orgRoutes(services),
    ...patientRoutes(services),
    ...caseRoutes(services),
    ...opinionRoutes(services),
    ...specialistRoutes(services),
    ...attachmentRoutes(services),
    ...recordRoutes(services),
    ...auditRoutes(services),
    ...notificationRoutes(services),
    ...terminologyRoutes(),
  ];
}

export interface StartOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
  /** Listen on the configured port (default) or leave the server unbound (tests use inject). */
  listen?: boolean;
  /** Directory of the built web app; defaults to dist/web. */
  webRoot?: string;
  /** Print the demo logins when the demo is seeded. */
  onDemoSeeded?: (lines: string[]) => void;
}

export interface Consilium {
  services: Services;
  http: FastifyInstance;
  databaseUrl: string;
  /** The address the server listens on, when it listens. */
  address: string | null;
  close(): Promise<void>;
}

/** Built web app, beside the repository root. */
export const webRoot = path.resolve(import.meta.dirname, '../../../dist/web');

export async function startConsilium(options: StartOptions): Promise<Consilium> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? (config.testClock ? new ControllableClock() : systemClock);
  const closers: Array<{ name: string; close: () => Promise<void> }> = [];
  const close = async () => {
    for (const closer of closers.reverse()) {
      try {
        await closer.close();
      } catch (error) {
        logger.error({ err: error }, `closing ${closer.name} failed`);
      }
    }
    closers.length = 0;
  };

  try {
    const runtime: DatabaseRuntime = await startDatabaseRuntime(config, logger);
    closers.push({ name: 'database server', close: () => runtime.close() });
    const applied = await migrateToLatest(runtime.url);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');

    const database: DatabaseHandle = openDatabase(runtime.url);
    closers.push({ name: 'database pool', close: () => database.close() });
    const secretBox = createSecretBox(await loadInstanceKey(config.dataDir));
    const jobs: JobQueue = await initJobQueue(runtime.url, logger);
    closers.push({ name: 'jobs', close: () => jobs.close() });
    const mail: MailService = await initMailService({
      config,
      db: database.db,
      jobs,
      clock,
      logger,
    });
    closers.push({ name: 'mail', close: () => mail.close() });
    const recordPipeline = await openRecordPipeline({ config, db: database.db }, jobs);
    closers.push({ name: 'records', close: () => recordPipeline.close() });

    const services: Services = {
      config,
      db: database.db,
      readDb: database.readDb,
      clock,
      logger,
      mail,
      secretBox,
      isCommonPassword: loadCommonPasswords(),
      records: recordPipeline.records,
    };
    await startRecordWorkers(services, jobs);

    // Integration tests move a controllable clock and run the sweep themselves, so a background
    // run cannot race their assertions; everywhere else it runs every minute.
    if (config.env !== 'test') {
      await startDeadlineSweep(jobs, services);
      await startCaseSweep(jobs, services);
      await startUploadExpirySweep(jobs, services);
    }

    if (config.seedDemo === 'always') {
      const lines = await seedDemoIfEmpty(services);
      if (lines !== null) options.onDemoSeeded?.(lines);
    }

    // Resumable record uploads (tus): beside the route tables, see records/uploads/.
    const recordUploads = await createRecordUploadTransport(services, jobs);
    closers.push({ name: 'record uploads', close: () => recordUploads.close() });
    const http = await createHttpServer(services, {
      routes: allRoutes(services),
      webRoot: options.webRoot ?? webRoot,
      readiness: async () => {
        try {
          await sql`SELECT 1`.execute(database.db);
          const pending = await pendingMigrations(database.db);
          return {
            ready: pending.length === 0,
            checks: {
              database: 'ok',
              migrations: pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`,
            },
          };
        } catch {
          return { ready: false, checks: { database: 'unreachable', migrations: 'unknown' } };
        }
      },
      registerExtra: (app) => {
        if (config.env === 'development') registerDevMailbox(app, services);
        if (config.testClock) registerTestClock(app, services);
      },
    });
    registerRecordUploadRoutes(http, recordUploads);
    closers.push({ name: 'http', close: () => http.close() });
    let address: string | null = null;
    if (options.listen !== false) {
      await http.listen({ host: config.http.host, port: config.http.port });
      address = `http://${config.http.host}:${config.http.port}`;
    } else {
      await http.ready();
    }
    return { services, http, databaseUrl: runtime.url, address, close };
  } catch (error) {
    await close();
    throw error;
  }
}
