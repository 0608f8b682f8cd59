/**
 * SQL of the `blobs` table: one row per sealed object in the blob store, with its plaintext
 * digest and size and its wrapped data key. No rules here (sealed-blobs.ts and the key rotation
 * decide what is written).
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Blobs, DB } from '../db/schema.gen.ts';

export type BlobRow = Selectable<Blobs>;

export interface NewBlobRow {
  id: string;
  organizationId: string;
  storageKey: string;
  formatVersion: number;
  sizeBytes: number;
  sha256: string;
  storedBytes: number;
  kekId: string;
  wrappedDataKey: Buffer;
  createdAt: Date;
}

export async function insertBlob(executor: Kysely<DB>, row: NewBlobRow): Promise<void> {
  await executor
    .insertInto('blobs')
    .values({
      id: row.id,
      organization_id: row.organizationId,
      storage_key: row.storageKey,
      format_version: row.formatVersion,
      size_bytes: row.sizeBytes,
      sha256: row.sha256,
      stored_bytes: row.storedBytes,
      kek_id: row.kekId,
      wrapped_data_key: row.wrappedDataKey,
      created_at: row.createdAt,
    })
    .execute();
}

/** The organization's blob `blobId` (never another organization's). */
export async function findBlob(
  executor: Kysely<DB>,
  organizationId: string,
  blobId: string,
): Promise<BlobRow | undefined> {
  return executor
    .selectFrom('blobs')
    .selectAll()
    .where('id', '=', blobId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
}

/** Which of `storageKeys` a row names. */
export async function findRecordedStorageKeys(
  executor: Kysely<DB>,
  storageKeys: string[],
): Promise<Set<string>> {
  if (storageKeys.length === 0) return new Set();
  const rows = await executor
    .selectFrom('blobs')
    .select('storage_key')
    .where('storage_key', 'in', storageKeys)
    .execute();
  return new Set(rows.map((row) => row.storage_key));
}

/** Deletes the row; returns the storage key of its object, or undefined when there was none. */
export async function deleteBlob(
  executor: Kysely<DB>,
  organizationId: string,
  blobId: string,
): Promise<string | undefined> {
  const row = await executor
    .deleteFrom('blobs')
    .where('id', '=', blobId)
    .where('organization_id', '=', organizationId)
    .returning('storage_key')
    .executeTakeFirst();
  return row?.storage_key;
}

/** Up to `limit` of the organization's blobs whose data keys `kekIds` wrap, locked for rewrapping. */
export async function lockBlobsUnderKeys(
  executor: Kysely<DB>,
  organizationId: string,
  kekIds: string[],
  limit: number,
): Promise<Array<Pick<BlobRow, 'id' | 'kek_id' | 'wrapped_data_key'>>> {
  if (kekIds.length === 0) return [];
  return executor
    .selectFrom('blobs')
    .select(['id', 'kek_id', 'wrapped_data_key'])
    .where('organization_id', '=', organizationId)
    .where('kek_id', 'in', kekIds)
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .execute();
}

/** Points the given blobs at `kekId` with their rewrapped data keys, in one statement. */
export async function rewrapBlobs(
  executor: Kysely<DB>,
  kekId: string,
  entries: Array<{ id: string; wrappedDataKey: Buffer }>,
): Promise<void> {
  if (entries.length === 0) return;
  await sql`
    UPDATE blobs AS b
       SET kek_id = ${kekId}, wrapped_data_key = v.wrapped
      FROM unnest(${entries.map((entry) => entry.id)}::uuid[],
                  ${entries.map((entry) => entry.wrappedDataKey)}::bytea[]) AS v(id, wrapped)
     WHERE b.id = v.id
  `.execute(executor);
}

/** How many blobs `kekId` still wraps. */
export async function countBlobsUnderKey(executor: Kysely<DB>, kekId: string): Promise<number> {
  const row = await executor
    .selectFrom('blobs')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('kek_id', '=', kekId)
    .executeTakeFirstOrThrow();
  return row.count;
}
