/**
 * The database subsystem: a Kysely instance over a `pg` pool, migrations, and readiness.
 *
 * The application's pool switches every connection to the `consilium_app` role, which holds no
 * UPDATE/DELETE privilege on `audit_events`: the audit trail is append-only in the database
 * itself, not only in code. Migrations run on a separate connection as the owner.
 *
 * A second, smaller pool serves audited reads (`auditedRead` in app/unit-of-work.ts): its
 * connections commit asynchronously (synchronous_commit off), so the one row a read writes, its
 * audit event, does not wait for the disk. Every change goes through the first pool and commits
 * durably.
 *
 * Both pools prepare the statements they run often (statement-cache.ts).
 */
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { migrations } from './migrations/index.ts';
import type { DB } from './schema.gen.ts';
import { prepareFrequentStatements } from './statement-cache.ts';

// int8 (bigint) columns hold audit sequence numbers and counters well inside 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// `date` columns stay ISO strings (YYYY-MM-DD): a date of birth has no time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Database = Kysely<DB>;
export type DatabaseTransaction = Transaction<DB>;

export interface DatabaseHandle {
  db: Database;
  /** For audited reads only: statements commit one by one, asynchronously. */
  readDb: Database;
  close(): Promise<void>;
}

/** Open the application's pool (as role consilium_app once migrations created it). */
export function openDatabase(
  url: string,
  options: { maxConnections?: number } = {},
): DatabaseHandle {
  const max = options.maxConnections ?? 20;
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: appPool(url, max) }) });
  const readDb = new Kysely<DB>({
    dialect: new PostgresDialect({
      pool: appPool(url, Math.max(2, Math.ceil(max / 2)), 'synchronous_commit=off'),
    }),
  });
  return {
    db,
    readDb,
    close: async () => {
      await Promise.all([db.destroy(), readDb.destroy()]);
    },
  };
}

function appPool(url: string, max: number, setting?: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 30_000,
    application_name: 'consilium',
    ...(setting === undefined ? {} : { options: `-c ${setting}` }),
  });
  pool.on('connect', (client) => {
    client.query('SET ROLE consilium_app').catch(() => undefined);
    prepareFrequentStatements(client);
  });
  pool.on('error', () => undefined);
  return pool;
}

/** Apply every pending migration as the owner. Throws with the failing migration's name. */
export async function migrateToLatest(url: string): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  try {
    const migrator = new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(migrations) },
    });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((result) => result.status === 'Error');
    if (error !== undefined) {
      throw new Error(
        `Migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
        { cause: error },
      );
    }
    return (results ?? []).map((result) => result.migrationName);
  } finally {
    await db.destroy();
  }
}

/** The names of migrations not yet applied (empty when the schema is current). */
export async function pendingMigrations(db: Database): Promise<string[]> {
  const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration`
    .execute(db)
    .then((result) => new Set(result.rows.map((row) => row.name)))
    .catch(() => new Set<string>());
  return Object.keys(migrations).filter((name) => !applied.has(name));
}
