/**
 * SQL of the organizations' key-encryption keys (`organization_keys`). No rules here: which key
 * is used, created or retired is decided in organization-keys.ts and rotate-organization-keys.ts.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, OrganizationKeys } from '../db/schema.gen.ts';

export type OrganizationKeyRow = Selectable<OrganizationKeys>;
export type OrganizationKeyStatus = 'active' | 'retiring' | 'retired';

/**
 * The organization's active key, share-locked when `executor` is a transaction: a rotation cannot
 * demote it until that transaction ends, so a data key wrapped by it is never left behind.
 */
export async function findActiveKey(
  executor: Kysely<DB>,
  organizationId: string,
): Promise<OrganizationKeyRow | undefined> {
  let query = executor
    .selectFrom('organization_keys')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'active');
  if (executor.isTransaction) query = query.forShare();
  return query.executeTakeFirst();
}

/** Whether organization `organizationId` exists. */
export async function organizationExists(
  executor: Kysely<DB>,
  organizationId: string,
): Promise<boolean> {
  const row = await executor
    .selectFrom('organizations')
    .select('id')
    .where('id', '=', organizationId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findKeyById(
  executor: Kysely<DB>,
  kekId: string,
): Promise<OrganizationKeyRow | undefined> {
  return executor
    .selectFrom('organization_keys')
    .selectAll()
    .where('id', '=', kekId)
    .executeTakeFirst();
}

/** Every key of the organization, oldest version first. */
export async function listKeys(
  executor: Kysely<DB>,
  organizationId: string,
): Promise<OrganizationKeyRow[]> {
  return executor
    .selectFrom('organization_keys')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('version')
    .execute();
}

/** The master key fingerprints that wrapped keys in this database, with how many each. */
export async function countKeysByMasterKey(
  executor: Kysely<DB>,
): Promise<Array<{ master_key_id: string; keys: number }>> {
  return executor
    .selectFrom('organization_keys')
    .select(['master_key_id', (eb) => eb.fn.countAll<number>().as('keys')])
    .groupBy('master_key_id')
    .execute();
}

/** Organizations holding at least one key. */
export async function listOrganizationsWithKeys(executor: Kysely<DB>): Promise<string[]> {
  const rows = await executor
    .selectFrom('organization_keys')
    .select('organization_id')
    .distinct()
    .orderBy('organization_id')
    .execute();
  return rows.map((row) => row.organization_id);
}

export interface NewKeyRow {
  id: string;
  organizationId: string;
  version: number;
  masterKeyId: string;
  wrappedKey: Buffer;
  nonce: Buffer;
  tag: Buffer;
  createdAt: Date;
}

/** The version a new key of the organization takes. */
export async function nextKeyVersion(
  executor: Kysely<DB>,
  organizationId: string,
): Promise<number> {
  const row = await executor
    .selectFrom('organization_keys')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return (row?.version ?? 0) + 1;
}

/**
 * Inserts an active key, unless another transaction got there first (the one-active-key index or
 * the version collides; the insert waits for that transaction): then nothing, and `false`.
 */
export async function insertActiveKey(executor: Kysely<DB>, row: NewKeyRow): Promise<boolean> {
  const inserted = await executor
    .insertInto('organization_keys')
    .values({
      id: row.id,
      organization_id: row.organizationId,
      version: row.version,
      master_key_id: row.masterKeyId,
      wrapped_key: row.wrappedKey,
      nonce: row.nonce,
      tag: row.tag,
      status: 'active',
      created_at: row.createdAt,
    })
    .onConflict((conflict) => conflict.doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function setKeyStatus(
  executor: Kysely<DB>,
  kekId: string,
  status: OrganizationKeyStatus,
  at: Date,
): Promise<void> {
  await executor
    .updateTable('organization_keys')
    .set({ status, retired_at: status === 'retired' ? at : null })
    .where('id', '=', kekId)
    .execute();
}

/** Locks the organization's keys for a change of their statuses (one rotation step at a time). */
export async function lockOrganizationKeys(
  executor: Kysely<DB>,
  organizationId: string,
): Promise<void> {
  // A transaction-scoped advisory lock per organization: serialises rotation steps without
  // blocking the share locks that sealing takes on the active key.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`consilium.organization-keys:${organizationId}`}, 0))`.execute(
    executor,
  );
}
