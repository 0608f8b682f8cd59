/**
 * Per-organization key-encryption keys (KEKs): random 256-bit keys, stored AES-256-GCM-encrypted
 * under the master key with an AAD naming the key's id, organization and version, so a wrapped key
 * copied onto another row or organization does not open. Each organization has at most one
 * active KEK (a partial unique index); the first is created on first use.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.gen.ts';
import {
  countKeysByMasterKey,
  findActiveKey,
  findKeyById,
  insertActiveKey,
  nextKeyVersion,
  type OrganizationKeyRow,
} from './key-repository.ts';
import { MasterKeyMismatchError, type MasterKey } from './master-key.ts';

/** An unwrapped key-encryption key. Kept in memory only for the work at hand. */
export interface KeyEncryptionKey {
  readonly id: string;
  readonly organizationId: string;
  readonly version: number;
  readonly key: Buffer;
}

function kekAad(id: string, organizationId: string, version: number): Buffer {
  return Buffer.from(`consilium.kek.v1|${id}|${organizationId}|${version}`, 'utf8');
}

/** Encrypts a fresh KEK under the master key for its row. */
export function wrapKek(
  masterKey: MasterKey,
  kek: { id: string; organizationId: string; version: number; key: Buffer },
): { wrappedKey: Buffer; nonce: Buffer; tag: Buffer } {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey.key, nonce);
  cipher.setAAD(kekAad(kek.id, kek.organizationId, kek.version));
  const wrappedKey = Buffer.concat([cipher.update(kek.key), cipher.final()]);
  return { wrappedKey, nonce, tag: cipher.getAuthTag() };
}

/** Opens a KEK row with the master key; names a wrong master key instead of a bare tag failure. */
export function unwrapKek(masterKey: MasterKey, row: OrganizationKeyRow): KeyEncryptionKey {
  if (row.master_key_id !== masterKey.id)
    throw new MasterKeyMismatchError(row.master_key_id, masterKey.id);
  const decipher = createDecipheriv('aes-256-gcm', masterKey.key, row.nonce);
  decipher.setAAD(kekAad(row.id, row.organization_id, row.version));
  decipher.setAuthTag(row.tag);
  let key: Buffer;
  try {
    key = Buffer.concat([decipher.update(row.wrapped_key), decipher.final()]);
  } catch (error) {
    throw new Error(`Organization key ${row.id} failed its integrity check.`, { cause: error });
  }
  return { id: row.id, organizationId: row.organization_id, version: row.version, key };
}

/**
 * Inserts a new active KEK for the organization (the next version) unless another transaction
 * already holds one; returns whether it was inserted.
 */
export async function createActiveKek(
  executor: Kysely<DB>,
  masterKey: MasterKey,
  organizationId: string,
  now: Date,
): Promise<boolean> {
  const id = randomUUID();
  const key = randomBytes(32);
  const version = await nextKeyVersion(executor, organizationId);
  const wrapped = wrapKek(masterKey, { id, organizationId, version, key });
  key.fill(0);
  return insertActiveKey(executor, {
    id,
    organizationId,
    version,
    masterKeyId: masterKey.id,
    ...wrapped,
    createdAt: now,
  });
}

/**
 * The organization's active KEK, created on first use. Race-safe: concurrent first uses agree on
 * one key (the loser's insert yields to the partial unique index and reads the winner's). Inside
 * a transaction the key's row stays share-locked until it ends, so a rotation cannot retire it
 * while a data key wrapped by it is still being written.
 */
export async function getActiveKek(
  executor: Kysely<DB>,
  masterKey: MasterKey,
  organizationId: string,
  now: Date = new Date(),
): Promise<KeyEncryptionKey> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const row = await findActiveKey(executor, organizationId);
    if (row !== undefined) return unwrapKek(masterKey, row);
    await createActiveKek(executor, masterKey, organizationId, now);
  }
  throw new Error(`No active key could be established for organization ${organizationId}.`);
}

/** Any KEK by id (active, retiring or retired), to open the data keys it wrapped. */
export async function loadKek(
  executor: Kysely<DB>,
  masterKey: MasterKey,
  kekId: string,
): Promise<KeyEncryptionKey> {
  const row = await findKeyById(executor, kekId);
  if (row === undefined) throw new Error(`Organization key ${kekId} does not exist.`);
  return unwrapKek(masterKey, row);
}

/**
 * Refuses to run with a master key other than the one that wrapped the stored keys — to be called
 * at start-up, so a lost or mistyped master key is reported before any record is written under a
 * new, unrelated hierarchy.
 */
export async function assertMasterKeyMatches(
  executor: Kysely<DB>,
  masterKey: MasterKey,
): Promise<void> {
  const wrappers = await countKeysByMasterKey(executor);
  const other = wrappers.find((entry) => entry.master_key_id !== masterKey.id);
  if (other !== undefined) throw new MasterKeyMismatchError(other.master_key_id, masterKey.id);
}
