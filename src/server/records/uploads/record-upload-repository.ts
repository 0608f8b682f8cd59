/**
 * SQL of `record_uploads` as the transport uses it: one row per resumable upload, from creation
 * (`receiving`) to complete (`processing`) or cancelled. What happens after `processing` belongs
 * to the processing step. No rules live here: the use cases decide.
 */
import { sql } from 'kysely';
import type { Database, DatabaseTransaction } from '../../db/database.ts';

type Executor = Database | DatabaseTransaction;

export type RecordUploadState =
  'receiving' | 'processing' | 'stored' | 'refused' | 'quarantined' | 'cancelled';

const uploadColumns = [
  'u.id',
  'u.organization_id',
  'u.case_id',
  'u.uploaded_by_user_id',
  'u.declared_size',
  'u.received_bytes',
  'u.state',
  'u.created_at',
] as const;

export async function insertRecordUpload(
  db: Executor,
  values: {
    id: string;
    organizationId: string;
    caseId: string;
    uploadedByUserId: string;
    onBehalfOfUserId: string | null;
    batchId: string | null;
    fileName: string;
    relativePath: string | null;
    declaredSize: number;
    createdAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('record_uploads')
    .values({
      id: values.id,
      organization_id: values.organizationId,
      case_id: values.caseId,
      uploaded_by_user_id: values.uploadedByUserId,
      on_behalf_of_user_id: values.onBehalfOfUserId,
      batch_id: values.batchId,
      file_name: values.fileName,
      relative_path: values.relativePath,
      declared_size: values.declaredSize,
      state: 'receiving',
      created_at: values.createdAt,
    })
    .execute();
}

/**
 * Upload `uploadId` of case `caseId` if `userId` started it; undefined otherwise. `lock` takes a
 * row lock until the transaction ends, so completion and cancellation cannot both win.
 */
export function findUploadOfUploader(
  db: Executor,
  where: { caseId: string; uploadId: string; userId: string },
  options: { lock?: boolean } = {},
) {
  const query = db
    .selectFrom('record_uploads as u')
    .select(uploadColumns)
    .where('u.id', '=', where.uploadId)
    .where('u.case_id', '=', where.caseId)
    .where('u.uploaded_by_user_id', '=', where.userId);
  return (options.lock === true ? query.forUpdate() : query).executeTakeFirst();
}

export type RecordUploadRow = NonNullable<Awaited<ReturnType<typeof findUploadOfUploader>>>;

/** Marks a receiving upload complete; false when it was no longer receiving. */
export async function markUploadProcessing(
  db: Executor,
  uploadId: string,
  completedAt: Date,
  sizeBytes: number,
): Promise<boolean> {
  const updated = await db
    .updateTable('record_uploads')
    .set({ state: 'processing', completed_at: completedAt, received_bytes: sizeBytes })
    .where('id', '=', uploadId)
    .where('state', '=', 'receiving')
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

/** Marks a receiving upload cancelled; false when it was no longer receiving. */
export async function markUploadCancelled(db: Executor, uploadId: string): Promise<boolean> {
  const updated = await db
    .updateTable('record_uploads')
    .set({ state: 'cancelled' })
    .where('id', '=', uploadId)
    .where('state', '=', 'receiving')
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

/**
 * Records how much of a receiving upload has arrived: `exact` (the staged file's size, after a
 * request) or `at_least` (a progress report during one, never lowering what is stored).
 */
export async function setReceivedBytes(
  db: Executor,
  uploadId: string,
  bytes: number,
  mode: 'exact' | 'at_least',
): Promise<void> {
  await db
    .updateTable('record_uploads')
    .set({
      received_bytes:
        mode === 'exact' ? bytes : sql<number>`GREATEST(received_bytes, ${bytes}::bigint)`,
    })
    .where('id', '=', uploadId)
    .where('state', '=', 'receiving')
    .execute();
}

/** Receiving uploads created at or before `createdBefore`: the candidates of the expiry sweep. */
export function findReceivingUploadsCreatedBefore(db: Executor, createdBefore: Date) {
  return db
    .selectFrom('record_uploads as u')
    .select(['u.id', 'u.created_at'])
    .where('u.state', '=', 'receiving')
    .where('u.created_at', '<=', createdBefore)
    .orderBy('u.created_at', 'asc')
    .execute();
}

/**
 * Claims a receiving upload for the sweep with its case's patient: the row is locked, and a
 * concurrent sweep skips it (SKIP LOCKED) instead of waiting to repeat the work.
 */
export function claimReceivingUpload(trx: DatabaseTransaction, uploadId: string) {
  return trx
    .selectFrom('record_uploads as u')
    .innerJoin('cases as c', 'c.id', 'u.case_id')
    .select([...uploadColumns, 'c.patient_id'])
    .where('u.id', '=', uploadId)
    .where('u.state', '=', 'receiving')
    .forUpdate('u')
    .skipLocked()
    .executeTakeFirst();
}
