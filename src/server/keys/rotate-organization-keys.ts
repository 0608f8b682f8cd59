/**
 * Key rotation (`consilium keys rotate`): gives an organization a new key-encryption key and
 * re-wraps every data key of its blobs under it. Blobs themselves are never rewritten — only the
 * 60-byte wrapped data keys in their rows change — so a rotation of any size is quick, and the
 * stored objects, their digests and backups of the store stay as they were.
 *
 * Steps, each its own transaction under a per-organization advisory lock:
 *   1. the active key becomes `retiring` and a new version becomes `active` (new blobs use it);
 *   2. batches of blobs under retiring keys are locked, their data keys unwrapped and wrapped
 *      under the active key, and updated in one statement;
 *   3. when no blob is left under them, retiring keys become `retired`.
 * Every state in between is readable: a blob's row always names the key that wraps its data key.
 * An interrupted rotation leaves keys `retiring`; running it again resumes (no further version)
 * and completes it. Sealing holds a share lock on the active key until its transaction commits,
 * so step 1 waits for in-flight seals and their rows are re-wrapped in step 2.
 */
import type { Kysely } from 'kysely';
import { countBlobsUnderKey, lockBlobsUnderKeys, rewrapBlobs } from '../blobs/blob-repository.ts';
import type { DB } from '../db/schema.gen.ts';
import { unwrapDataKey, wrapDataKey } from './data-keys.ts';
import {
  listKeys,
  listOrganizationsWithKeys,
  lockOrganizationKeys,
  organizationExists,
  setKeyStatus,
  type OrganizationKeyRow,
} from './key-repository.ts';
import type { MasterKey } from './master-key.ts';
import { createActiveKek, unwrapKek, type KeyEncryptionKey } from './organization-keys.ts';

export interface RotationProgress {
  organizationId: string;
  /** Data keys re-wrapped so far in this run. */
  rewrapped: number;
}

export interface RotationReport {
  organizationId: string;
  activeKekId: string;
  activeVersion: number;
  /** True when this run completed an earlier, interrupted rotation instead of starting one. */
  resumed: boolean;
  rewrapped: number;
  retiredVersions: number[];
}

export interface RotateOptions {
  /** The database (not a transaction: each step commits on its own). */
  db: Kysely<DB>;
  masterKey: MasterKey;
  /** Only this organization; unset: every organization that has keys. */
  organizationId?: string;
  /** Data keys re-wrapped per transaction (default 500). */
  batchSize?: number;
  now?: () => Date;
  /** Called after each committed batch (progress output; a throw stops the rotation there). */
  onBatch?: (progress: RotationProgress) => void | Promise<void>;
}

export class UnknownOrganizationError extends Error {
  constructor(organizationId: string) {
    super(`There is no organization ${organizationId}.`);
    this.name = 'UnknownOrganizationError';
  }
}

/** Rotates the key of one organization, or of every organization that has keys. */
export async function rotateOrganizationKeys(options: RotateOptions): Promise<RotationReport[]> {
  const organizationIds =
    options.organizationId === undefined
      ? await listOrganizationsWithKeys(options.db)
      : [options.organizationId];
  const reports: RotationReport[] = [];
  for (const organizationId of organizationIds)
    reports.push(await rotateOrganization(options, organizationId));
  return reports;
}

async function rotateOrganization(
  options: RotateOptions,
  organizationId: string,
): Promise<RotationReport> {
  const { db, masterKey } = options;
  const now = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? 500;

  const resumed = await db.transaction().execute(async (trx) => {
    if (!(await organizationExists(trx, organizationId)))
      throw new UnknownOrganizationError(organizationId);
    await lockOrganizationKeys(trx, organizationId);
    const keys = await listKeys(trx, organizationId);
    const active = keys.find((key) => key.status === 'active');
    if (active !== undefined && keys.some((key) => key.status === 'retiring')) return true;
    if (active !== undefined) await setKeyStatus(trx, active.id, 'retiring', now());
    // Without the lock's protection against a first use creating the first key at this very
    // moment: then that key is the active one and this insert yields to it.
    await createActiveKek(trx, masterKey, organizationId, now());
    return false;
  });

  let rewrapped = 0;
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      await lockOrganizationKeys(trx, organizationId);
      const keys = await listKeys(trx, organizationId);
      const active = keys.find((key) => key.status === 'active');
      if (active === undefined)
        throw new Error(`Organization ${organizationId} has no active key to rotate to.`);
      const retiring = keys.filter((key) => key.status === 'retiring');
      const rows = await lockBlobsUnderKeys(
        trx,
        organizationId,
        retiring.map((key) => key.id),
        batchSize,
      );
      if (rows.length === 0) {
        const retired: number[] = [];
        for (const key of retiring) {
          if ((await countBlobsUnderKey(trx, key.id)) > 0) continue;
          await setKeyStatus(trx, key.id, 'retired', now());
          retired.push(key.version);
        }
        return { count: 0, active, retired };
      }
      const target = unwrapKek(masterKey, active);
      const sources = new Map<string, KeyEncryptionKey>();
      const sourceFor = (row: OrganizationKeyRow) => {
        let kek = sources.get(row.id);
        if (kek === undefined) {
          kek = unwrapKek(masterKey, row);
          sources.set(row.id, kek);
        }
        return kek;
      };
      const byId = new Map(retiring.map((key) => [key.id, key]));
      const entries = rows.map((row) => {
        const source = byId.get(row.kek_id);
        if (source === undefined) throw new Error(`Blob ${row.id} names an unexpected key.`);
        const dataKey = unwrapDataKey(sourceFor(source), row.id, row.wrapped_data_key);
        const wrappedDataKey = wrapDataKey(target, row.id, dataKey);
        dataKey.fill(0);
        return { id: row.id, wrappedDataKey };
      });
      await rewrapBlobs(trx, active.id, entries);
      return { count: rows.length, active, retired: [] };
    });
    if (batch.count === 0) {
      return {
        organizationId,
        activeKekId: batch.active.id,
        activeVersion: batch.active.version,
        resumed,
        rewrapped,
        retiredVersions: batch.retired,
      };
    }
    rewrapped += batch.count;
    await options.onBatch?.({ organizationId, rewrapped });
  }
}
