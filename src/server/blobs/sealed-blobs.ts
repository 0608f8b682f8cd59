/**
 * Sealing files into the blob store and opening them again: the one entry point of the records
 * pipeline to encryption at rest (docs/storage.md).
 *
 * Sealing is one streaming pass: the plaintext is counted and hashed (SHA-256) while it is
 * encrypted under a fresh data key (blob-crypto.ts) into the store. Only once the store's put is
 * durable is the `blobs` row written — in the caller's transaction when one is given — with the
 * data key wrapped by the organization's active key. Hence the crash ordering:
 *
 *   put object (durable) → insert row (commits with the caller's unit of work)
 *
 * A crash, or a rolled-back transaction, between the two leaves an encrypted object without a
 * row: unreadable without its data key, and removed by `sweepOrphanBlobs` once older than the
 * grace period. A row never names a missing or half-written object. Deleting works the other way
 * round: the row goes first (`deleteBlobRecord`, in the unit of work), the object after the commit
 * or at the next sweep.
 *
 * Opening decrypts as a stream: every segment is authenticated before it is emitted, and a full
 * read also checks the plaintext's SHA-256 and size against the row at the end, erroring the
 * stream when they disagree. A range read fetches only the header and the segments it needs.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { Kysely } from 'kysely';
import { AppError } from '../../core/errors.ts';
import type { DB } from '../db/schema.gen.ts';
import { createDataKey, unwrapDataKey, wrapDataKey } from '../keys/data-keys.ts';
import type { MasterKey } from '../keys/master-key.ts';
import { getActiveKek, loadKek } from '../keys/organization-keys.ts';
import {
  blobFormatVersion,
  blobHeaderBytes,
  BlobIntegrityError,
  createDecryptStream,
  createEncryptStream,
  createRangeDecryptStream,
  parseHeader,
  planRange,
  sealedSize,
  type ByteRange,
} from './blob-crypto.ts';
import {
  deleteBlob,
  findBlob,
  findRecordedStorageKeys,
  insertBlob,
  type BlobRow,
} from './blob-repository.ts';
import { BlobNotFoundError, BlobRangeError, type BlobStore } from './blob-store.ts';
import { MeasuringStream } from '../platform/measuring-stream.ts';

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const storageKeyPattern = new RegExp(`^(${uuid})/[0-9a-f]{2}/(${uuid})$`);

/**
 * Where blob `blobId` of an organization is stored: `<organization>/<first two hex digits of the
 * blob id>/<blob id>` — spread over 256 directories per organization on a local disk.
 */
export function blobStorageKey(organizationId: string, blobId: string): string {
  return `${organizationId}/${blobId.slice(0, 2)}/${blobId}`;
}

/** A blob as its row records it. */
export interface SealedBlob {
  blobId: string;
  organizationId: string;
  storageKey: string;
  /** Plaintext size and SHA-256 (hex). */
  sizeBytes: number;
  sha256: string;
  /** Size of the encrypted object in the store. */
  storedBytes: number;
  kekId: string;
  formatVersion: number;
  createdAt: Date;
}

/** What to seal: a file on disk, or a stream (consumed, and destroyed on failure). */
export type SealSource = { sourcePath: string } | { readable: Readable };

export type WriteSealedObjectOptions = SealSource & {
  store: BlobStore;
  organizationId: string;
  /** Refuse (413) a plaintext larger than this. */
  maxBytes?: number;
  /** Plaintext bytes per encrypted segment (default 64 KiB). */
  segmentBytes?: number;
};

/** A sealed object that is durable in the store but not yet recorded; holds its data key. */
export interface SealedObjectDraft {
  blobId: string;
  organizationId: string;
  storageKey: string;
  sizeBytes: number;
  sha256: string;
  storedBytes: number;
  dataKey: Buffer;
}

/** The 413 of a plaintext beyond `maxBytes`. */
function plaintextTooLarge(maxBytes: number): AppError {
  return new AppError('payload_too_large', {
    message: `The file is larger than ${maxBytes} bytes.`,
    details: { maxBytes },
  });
}

/**
 * Phase one of sealing, outside any transaction: encrypts the source under a fresh data key into
 * the store, measuring it on the way. The object is durable when this resolves; until a row is
 * recorded it is an orphan for the sweep.
 */
export async function writeSealedObject(
  options: WriteSealedObjectOptions,
): Promise<SealedObjectDraft> {
  const blobId = randomUUID();
  const storageKey = blobStorageKey(options.organizationId, blobId);
  const dataKey = createDataKey();
  const source =
    'sourcePath' in options ? fs.createReadStream(options.sourcePath) : options.readable;
  const meter = new MeasuringStream(options.maxBytes ?? Number.MAX_SAFE_INTEGER, plaintextTooLarge);
  const encrypt = createEncryptStream({
    dataKey,
    blobId,
    ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
  });
  // Errors anywhere (source, size limit, encryption) destroy the whole chain, so the store's put
  // sees its input fail and leaves nothing under the key.
  const sealed = pipeline(source, meter, encrypt, () => undefined);
  try {
    const { bytes } = await options.store.put(storageKey, sealed);
    return {
      blobId,
      organizationId: options.organizationId,
      storageKey,
      sizeBytes: meter.sizeBytes,
      sha256: meter.hash.digest('hex'),
      storedBytes: bytes,
      dataKey,
    };
  } catch (error) {
    dataKey.fill(0);
    // The chain's own error (a source failure, the size limit) says more than the store's.
    throw (sealed.errored ?? meter.errored ?? error) as Error;
  }
}

/**
 * Phase two: records a sealed object — its data key wrapped by the organization's active key
 * (created on first use) — in `executor`'s transaction, or in a transaction of its own when given
 * the database. The active key stays share-locked until that transaction ends, so a concurrent
 * rotation re-wraps this row too.
 */
export async function recordSealedBlob(
  executor: Kysely<DB>,
  masterKey: MasterKey,
  draft: SealedObjectDraft,
  now: Date = new Date(),
): Promise<SealedBlob> {
  const write = async (trx: Kysely<DB>): Promise<SealedBlob> => {
    const kek = await getActiveKek(trx, masterKey, draft.organizationId, now);
    await insertBlob(trx, {
      id: draft.blobId,
      organizationId: draft.organizationId,
      storageKey: draft.storageKey,
      formatVersion: blobFormatVersion,
      sizeBytes: draft.sizeBytes,
      sha256: draft.sha256,
      storedBytes: draft.storedBytes,
      kekId: kek.id,
      wrappedDataKey: wrapDataKey(kek, draft.blobId, draft.dataKey),
      createdAt: now,
    });
    return {
      blobId: draft.blobId,
      organizationId: draft.organizationId,
      storageKey: draft.storageKey,
      sizeBytes: draft.sizeBytes,
      sha256: draft.sha256,
      storedBytes: draft.storedBytes,
      kekId: kek.id,
      formatVersion: blobFormatVersion,
      createdAt: now,
    };
  };
  return executor.isTransaction ? write(executor) : executor.transaction().execute(write);
}

export type SealFileOptions = WriteSealedObjectOptions & {
  /** The database, or the caller's transaction (the row then commits with its unit of work). */
  db: Kysely<DB>;
  masterKey: MasterKey;
  now?: Date;
};

/**
 * Seals a file into the store and records it: one streaming pass (SHA-256, size, encryption),
 * then the row. See the module comment for what a crash in between leaves.
 */
export async function sealFile(options: SealFileOptions): Promise<SealedBlob> {
  const draft = await writeSealedObject(options);
  try {
    return await recordSealedBlob(options.db, options.masterKey, draft, options.now);
  } finally {
    draft.dataKey.fill(0);
  }
}

/** A blob's recorded facts (no key material). */
export function describeBlob(row: BlobRow): SealedBlob {
  return {
    blobId: row.id,
    organizationId: row.organization_id,
    storageKey: row.storage_key,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    storedBytes: row.stored_bytes,
    kekId: row.kek_id,
    formatVersion: row.format_version,
    createdAt: new Date(row.created_at),
  };
}

/** The organization's blob, or null. */
export async function getBlob(
  executor: Kysely<DB>,
  organizationId: string,
  blobId: string,
): Promise<SealedBlob | null> {
  const row = await findBlob(executor, organizationId, blobId);
  return row === undefined ? null : describeBlob(row);
}

export interface OpenBlobOptions {
  db: Kysely<DB>;
  store: BlobStore;
  masterKey: MasterKey;
  organizationId: string;
  blobId: string;
  /** An inclusive plaintext range; unset: the whole blob. */
  range?: ByteRange;
}

/** Fails the stream at its end unless the plaintext has the recorded digest and size. */
function createDigestCheck(expected: { sha256: string; sizeBytes: number }): Transform {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const digest = hash.digest('hex');
      if (digest !== expected.sha256 || sizeBytes !== expected.sizeBytes) {
        callback(
          new BlobIntegrityError(
            'The decrypted blob does not match its recorded SHA-256 digest and size.',
          ),
        );
        return;
      }
      callback();
    },
  });
}

/**
 * The plaintext of the organization's blob as a stream (BlobNotFoundError when the organization
 * has no such blob; BlobRangeError for a range outside it). The stream errors with
 * BlobIntegrityError on any tampering; a consumer must treat an errored stream as a failed read
 * and discard what it received.
 */
export async function openBlob(options: OpenBlobOptions): Promise<Readable> {
  const row = await findBlob(options.db, options.organizationId, options.blobId);
  if (row === undefined) throw new BlobNotFoundError(options.blobId);
  if (row.format_version !== blobFormatVersion)
    throw new BlobIntegrityError(`Unsupported blob format version ${row.format_version}.`);
  if (options.range !== undefined) {
    const { start, end } = options.range;
    if (
      !Number.isSafeInteger(start) ||
      !Number.isSafeInteger(end) ||
      start < 0 ||
      end < start ||
      end >= row.size_bytes
    )
      throw new BlobRangeError(
        `The range ${start}-${end} is not within the blob's ${row.size_bytes} bytes.`,
      );
  }
  const kek = await loadKek(options.db, options.masterKey, row.kek_id);
  const dataKey = unwrapDataKey(kek, row.id, row.wrapped_data_key);
  if (options.range === undefined) {
    const sealed = await options.store.get(row.storage_key);
    return pipeline(
      sealed,
      createDecryptStream({ dataKey, blobId: row.id }),
      createDigestCheck({ sha256: row.sha256, sizeBytes: row.size_bytes }),
      () => undefined,
    );
  }
  const header = parseHeader(
    await buffer(await options.store.get(row.storage_key, { start: 0, end: blobHeaderBytes - 1 })),
  );
  if (sealedSize(row.size_bytes, header.segmentBytes) !== row.stored_bytes)
    throw new BlobIntegrityError('The blob header disagrees with the recorded sizes.');
  const plan = planRange(row.size_bytes, header.segmentBytes, options.range);
  const sealed = await options.store.get(row.storage_key, {
    start: plan.sealedStart,
    end: plan.sealedEnd,
  });
  return pipeline(
    sealed,
    createRangeDecryptStream({ dataKey, blobId: row.id, header, plan }),
    () => undefined,
  );
}

/**
 * Deletes the organization's blob row in `executor` (the caller's unit of work); returns the
 * storage key of its object, which the caller may delete from the store once the transaction
 * has committed — or leave to `sweepOrphanBlobs`. Null when there was no such blob.
 */
export async function deleteBlobRecord(
  executor: Kysely<DB>,
  organizationId: string,
  blobId: string,
): Promise<string | null> {
  return (await deleteBlob(executor, organizationId, blobId)) ?? null;
}

export interface SweepOptions {
  db: Kysely<DB>;
  store: BlobStore;
  /**
   * Objects and staging files last modified before this instant may go. The grace period must
   * exceed the longest time between a seal's put and its transaction's commit: a younger object
   * without a row may be a seal still in progress.
   */
  olderThan: Date;
}

export interface SweepReport {
  /** Objects looked at. */
  examined: number;
  /** Orphans (objects without a row) removed. */
  removed: number;
  /** Orphans too young to remove yet. */
  young: number;
  /** Objects whose keys are not blob keys (left alone). */
  foreign: number;
  /** Leftovers of interrupted puts removed. */
  incompleteUploads: number;
}

/** Removes encrypted objects that no row names (left by crashes, rollbacks and deletions). */
export async function sweepOrphanBlobs(options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = {
    examined: 0,
    removed: 0,
    young: 0,
    foreign: 0,
    incompleteUploads: 0,
  };
  let batch: Array<{ key: string; modifiedAt: Date }> = [];
  const settle = async () => {
    const recorded = await findRecordedStorageKeys(
      options.db,
      batch.map((object) => object.key),
    );
    for (const object of batch) {
      if (recorded.has(object.key)) continue;
      if (object.modifiedAt < options.olderThan) {
        await options.store.delete(object.key);
        report.removed += 1;
      } else {
        report.young += 1;
      }
    }
    batch = [];
  };
  for await (const object of options.store.list()) {
    report.examined += 1;
    if (!storageKeyPattern.test(object.key)) {
      report.foreign += 1;
      continue;
    }
    batch.push(object);
    if (batch.length >= 500) await settle();
  }
  await settle();
  report.incompleteUploads = await options.store.removeIncompleteUploads(options.olderThan);
  return report;
}
