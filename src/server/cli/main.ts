/**
 * The `consilium` command line: start the server, run migrations, seed the demo, create an
 * administrator, verify the audit chain, back up and restore, rotate the records' encryption
 * keys. Exit codes: 0 success, 1 failure (for `audit verify`: the chain is broken), 2 bad usage
 * or configuration.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { checkPassword } from '../../core/passwords.ts';
import { startConsilium } from '../app/app.ts';
import { openDatabaseForTool } from '../app/database-runtime.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { verifyAuditChain } from '../audit/verify-audit-chain.ts';
import { hashPassword, loadCommonPasswords } from '../auth/password-hashing.ts';
import { createBackup, restoreBackup } from '../backup/backup.ts';
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { migrateToLatest, openDatabase } from '../db/database.ts';
import { seedDemoIfEmpty } from '../demo/seed-demo.ts';
import { initJobQueue } from '../jobs/job-queue.ts';
import { openRecordPipeline } from '../records/record-pipeline.ts';
import { loadMasterKey } from '../keys/master-key.ts';
import { rotateOrganizationKeys } from '../keys/rotate-organization-keys.ts';
import { provisionMember, provisionOrganization } from '../orgs/provision.ts';
import { systemClock } from '../platform/clock.ts';
import { InstanceLockedError } from '../platform/instance-lock.ts';
import { createLogger } from '../platform/logger.ts';
import { createSecretBox, loadInstanceKey } from '../platform/secrets.ts';

const usage = `Usage: consilium <command> [options]

Commands:
  start                         Start the server (migrates, seeds the demo on an empty database in development)
  migrate                       Apply pending database migrations
  seed-demo                     Create the demo organization if the database is empty
  create-admin --email E --name N [--org-name O] [--org-slug S]
                                Create an organization administrator (password from CONSILIUM_ADMIN_PASSWORD, or generated and printed)
  audit verify                  Check the audit trail's hash chain (exit 0 only when intact)
  backup <file>                 Write a backup (gzip JSON lines) of the database
  keys rotate [--organization ID] [--batch-size N]
                                Give each organization (or one) a new key-encryption key and re-wrap its records' data keys
  restore <file>                Load a backup into an empty database

Configuration comes from environment variables; see the README.`;

/** Open what a one-shot command needs: the database (migrated) and the services without HTTP. */
async function withTools<T>(
  config: Config,
  work: (tools: { url: string; services: Services }) => Promise<T>,
): Promise<T> {
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const runtime = await openDatabaseForTool(config, logger);
  try {
    await migrateToLatest(runtime.url);
    const database = openDatabase(runtime.url, { maxConnections: 4 });
    // Jobs a command queues (records to check) wait in the queue for the server to take up.
    const jobs = await initJobQueue(runtime.url, logger);
    const recordPipeline = await openRecordPipeline({ config, db: database.db }, jobs).catch(
      async (error: unknown) => {
        await jobs.close();
        await database.close();
        throw error;
      },
    );
    try {
      const services: Services = {
        config,
        db: database.db,
        readDb: database.readDb,
        clock: systemClock,
        logger,
        // One-shot commands send no email; a message would wait in the outbox for the server.
        mail: {
          enqueue: async (trx, message) =>
            (
              await trx
                .insertInto('mail_outbox')
                .values({
                  to_address: message.to,
                  subject: message.subject,
                  text_body: message.text,
                  html_body: message.html,
                })
                .returning('id')
                .executeTakeFirstOrThrow()
            ).id,
          dispatch: async () => undefined,
          close: async () => undefined,
        },
        secretBox: createSecretBox(await loadInstanceKey(config.dataDir)),
        isCommonPassword: loadCommonPasswords(),
        records: recordPipeline.records,
      };
      return await work({ url: runtime.url, services });
    } finally {
      await recordPipeline.close();
      await jobs.close();
      await database.close();
    }
  } finally {
    await runtime.close();
  }
}

async function start(config: Config): Promise<void> {
  const app = await startConsilium({
    config,
    onDemoSeeded: (lines) => console.log(`\n${lines.join('\n')}\n`),
  });
  console.log(
    `Consilium is running at ${config.http.publicUrl} (listening on ${app.address ?? ''})`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received: shutting down`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function createAdmin(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      'org-name': { type: 'string' },
      'org-slug': { type: 'string' },
    },
  });
  if (values.email === undefined || values.name === undefined)
    throw new UsageError('create-admin needs --email and --name');
  const generated = process.env.CONSILIUM_ADMIN_PASSWORD === undefined;
  const password = process.env.CONSILIUM_ADMIN_PASSWORD ?? randomBytes(15).toString('base64url');
  const problems = checkPassword(password, {
    email: values.email,
    isCommon: loadCommonPasswords(),
  });
  if (problems.length > 0)
    throw new UsageError(`CONSILIUM_ADMIN_PASSWORD is not acceptable: ${problems.join(', ')}`);
  await withTools(config, async ({ services }) => {
    const passwordHash = await hashPassword(password);
    await transact(services, async (unit) => {
      const slug = values['org-slug'];
      let organization = await (
        slug === undefined
          ? unit.trx
              .selectFrom('organizations')
              .select(['id', 'name'])
              .orderBy('created_at')
              .limit(1)
          : unit.trx.selectFrom('organizations').select(['id', 'name']).where('slug', '=', slug)
      ).executeTakeFirst();
      organization ??= await provisionOrganization(unit, {
        slug: slug ?? 'main',
        name: values['org-name'] ?? 'Consilium',
      });
      await provisionMember(unit, {
        organizationId: organization.id,
        email: values.email!,
        name: values.name!,
        passwordHash,
        role: 'org_admin',
      });
      console.log(`Administrator ${values.email} created in ${organization.name}.`);
    });
  });
  if (generated)
    console.log(
      `Temporary password: ${password}\nSign in and set up two-step verification; change the password from the sign-in page's reset link.`,
    );
}

async function rotateKeys(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { organization: { type: 'string' }, 'batch-size': { type: 'string' } },
  });
  if (positionals[0] !== 'rotate' || positionals.length > 1)
    throw new UsageError('Did you mean: consilium keys rotate [--organization ID]');
  const organizationId = values.organization;
  if (
    organizationId !== undefined &&
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(organizationId)
  )
    throw new UsageError('--organization takes an organization id (a UUID)');
  const batchSize = values['batch-size'] === undefined ? 500 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new UsageError('--batch-size takes a whole number from 1 to 10000');
  const masterKey = await loadMasterKey(config);
  return withTools(config, async ({ services }) => {
    const reports = await rotateOrganizationKeys({
      db: services.db,
      masterKey,
      batchSize,
      ...(organizationId === undefined ? {} : { organizationId }),
      onBatch: ({ organizationId: id, rewrapped }) =>
        console.log(`  ${id}: ${rewrapped} data keys re-wrapped`),
    });
    for (const report of reports) {
      const retired =
        report.retiredVersions.length === 0
          ? 'no version retired'
          : `retired version ${report.retiredVersions.join(', ')}`;
      console.log(
        `Organization ${report.organizationId}: key version ${report.activeVersion} active${report.resumed ? ' (interrupted rotation completed)' : ''}; ${report.rewrapped} data keys re-wrapped; ${retired}.`,
      );
    }
    if (reports.length === 0)
      console.log('No organization has encryption keys yet; nothing to rotate.');
    return 0;
  });
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage);
    return command === undefined ? 2 : 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'start':
      await start(config);
      return -1;
    case 'migrate':
      await withTools(config, async () => console.log('Migrations are up to date.'));
      return 0;
    case 'seed-demo':
      await withTools(config, async ({ services }) => {
        const lines = await seedDemoIfEmpty(services);
        console.log(
          lines === null
            ? 'The database already has an organization; nothing seeded.'
            : lines.join('\n'),
        );
      });
      return 0;
    case 'create-admin':
      await createAdmin(config, rest);
      return 0;
    case 'audit': {
      if (rest[0] !== 'verify') throw new UsageError('Did you mean: consilium audit verify');
      return withTools(config, async ({ services }) => {
        const result = await verifyAuditChain(services.db);
        if (result.ok) {
          console.log(`Audit chain intact: ${result.checked} events verified.`);
          return 0;
        }
        console.error(`Audit chain BROKEN (${result.checked} events read):`);
        for (const problem of result.problems)
          console.error(`  row ${problem.seq}: ${problem.kind} — ${problem.message}`);
        return 1;
      });
    }
    case 'backup': {
      const file = rest[0];
      if (file === undefined) throw new UsageError('backup needs a file name');
      return withTools(config, async ({ url }) => {
        const summary = await createBackup(url, file);
        const total = Object.values(summary.rows).reduce((sum, count) => sum + count, 0);
        console.log(`Backup written to ${file}: ${total} rows.`);
        return 0;
      });
    }
    case 'restore': {
      const file = rest[0];
      if (file === undefined) throw new UsageError('restore needs a file name');
      return withTools(config, async ({ url, services }) => {
        const summary = await restoreBackup(url, file);
        const total = Object.values(summary.rows).reduce((sum, count) => sum + count, 0);
        await transact(services, (unit) =>
          unit.audit({
            eventType: 'system.restored',
            organizationId: null,
            actorUserId: null,
            details: { file, rows: total },
          }),
        );
        console.log(`Restored ${total} rows from ${file}.`);
        return 0;
      });
    }
    case 'keys':
      return rotateKeys(config, rest);
    default:
      throw new UsageError(`Unknown command "${command}".\n\n${usage}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    if (error instanceof InstanceLockedError) {
      console.error(error.message);
      process.exit(1);
    }
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
