/**
 * Logical backup and restore of a Consilium database, independent of the PostgreSQL major version
 * (the embedded server ships no pg_dump). A backup is a gzip of JSON lines: a header naming the
 * format and the applied migrations, then every row of every table in dependency order, read in
 * one repeatable-read snapshot. Restore loads into an empty database at the same schema version,
 * in one transaction, and the audit chain verifies afterwards exactly as before.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import readline from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import pg from 'pg';
import { migrations } from '../db/migrations/index.ts';

/**
 * Tables never backed up: derived from others and rebuilt by triggers as a restore inserts their
 * sources, or empty outside a transaction (the audit queue, drained into the chain at commit).
 */
export const derivedTables = ['case_state_counts', 'audit_event_queue'] as const;

/**
 * Tables whose rows name other rows of the same table: written in an order that puts the named
 * row first, so a restore's foreign keys hold row by row.
 */
const selfReferenceOrder: Partial<Record<string, string>> = {
  // A duplicate names the first document with its digest.
  record_documents: ' ORDER BY (t.duplicate_of_document_id IS NOT NULL), t.created_at, t.id',
};

/** Every other table, parents before children. A test checks this covers the whole schema. */
export const backupTables = [
  'organizations',
  'users',
  'memberships',
  'sessions',
  'email_tokens',
  'recovery_codes',
  'passkeys',
  'auth_challenges',
  'auth_failures',
  'patients',
  'invitations',
  'patient_proxies',
  'patient_referrers',
  'cases',
  'case_questions',
  'case_medications',
  'case_allergies',
  'case_devices',
  'case_timeline',
  'case_record_requests',
  'consent_texts',
  'specialist_profiles',
  'case_offers',
  'case_patient_questions',
  'case_attachments',
  'organization_keys',
  'blobs',
  'record_uploads',
  'record_documents',
  'record_clinical_items',
  'safety_findings',
  'safety_checklists',
  'opinion_drafts',
  'peer_reviews',
  'opinion_versions',
  'follow_up_questions',
  'report_receipts',
  'notifications',
  'mail_outbox',
  'audit_events',
] as const;

interface BackupHeader {
  format: 'consilium-backup';
  version: 1;
  createdAt: string;
  migrations: string[];
}

export interface BackupSummary {
  rows: Record<string, number>;
}

/** Write a backup of the database at `url` to `file`. */
export async function createBackup(url: string, file: string): Promise<BackupSummary> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const gzip = createGzip();
  const output = createWriteStream(file, { mode: 0o600 });
  gzip.pipe(output);
  const write = async (value: unknown) => {
    if (!gzip.write(`${JSON.stringify(value)}\n`)) await once(gzip, 'drain');
  };
  const rows: Record<string, number> = {};
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const applied = await client.query<{ name: string }>(
      'SELECT name FROM kysely_migration ORDER BY name',
    );
    const header: BackupHeader = {
      format: 'consilium-backup',
      version: 1,
      createdAt: new Date().toISOString(),
      migrations: applied.rows.map((row) => row.name),
    };
    await write(header);
    for (const table of backupTables) {
      rows[table] = 0;
      await client.query(
        `DECLARE backup_cursor NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS row FROM ${table} t${selfReferenceOrder[table] ?? ''}`,
      );
      for (;;) {
        const batch = await client.query<{ row: string }>('FETCH 1000 FROM backup_cursor');
        for (const row of batch.rows) {
          await write({ t: table, r: JSON.parse(row.row) as unknown });
          rows[table] += 1;
        }
        if (batch.rows.length < 1000) break;
      }
      await client.query('CLOSE backup_cursor');
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
    gzip.end();
    await once(output, 'close');
  }
  return { rows };
}

export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}

/** Load `file` into the (migrated, empty) database at `url`, all or nothing. */
export async function restoreBackup(url: string, file: string): Promise<BackupSummary> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const rows: Record<string, number> = {};
  try {
    await client.query('BEGIN');
    let header: BackupHeader | null = null;
    // Opened only now, right before iterating: readline starts reading at once, and lines (and
    // the close) emitted while we awaited the connection would be lost, leaving the loop waiting.
    const lines = readline.createInterface({
      input: createReadStream(file).pipe(createGunzip()),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const entry = JSON.parse(line) as unknown;
      if (header === null) {
        header = entry as BackupHeader;
        if (header.format !== 'consilium-backup' || header.version !== 1) {
          throw new RestoreError('This file is not a Consilium backup.');
        }
        const known = Object.keys(migrations);
        const unknown = header.migrations.filter((name) => !known.includes(name));
        if (unknown.length > 0)
          throw new RestoreError(
            `The backup comes from a newer Consilium (migrations ${unknown.join(', ')}). Upgrade first.`,
          );
        const existing = await client.query('SELECT 1 FROM organizations LIMIT 1');
        if ((existing.rowCount ?? 0) > 0) {
          throw new RestoreError(
            'The target database is not empty. Restore into a new data directory or an empty database.',
          );
        }
        continue;
      }
      const { t: table, r: row } = entry as { t: string; r: unknown };
      if (!(backupTables as readonly string[]).includes(table))
        throw new RestoreError(`Unknown table ${table} in backup.`);
      await client.query(
        `INSERT INTO ${table} SELECT * FROM json_populate_record(NULL::${table}, $1::json)`,
        [JSON.stringify(row)],
      );
      rows[table] = (rows[table] ?? 0) + 1;
    }
    if (header === null) throw new RestoreError('The backup file is empty.');
    for (const [table, column] of [
      ['auth_failures', 'id'],
      ['case_timeline', 'seq'],
    ] as const) {
      await client.query(
        `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), GREATEST(1, (SELECT COALESCE(MAX(${column}), 0) FROM ${table})))`,
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof SyntaxError) throw new RestoreError('The backup file is corrupt.');
    if ((error as NodeJS.ErrnoException).code === 'Z_DATA_ERROR')
      throw new RestoreError('The backup file is not gzip data.');
    throw error;
  } finally {
    await client.end();
  }
  return { rows };
}
