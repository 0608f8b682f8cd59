/**
 * What happens to an upload once all its bytes have arrived (job `records.process`):
 *
 * 1. Its type is decided by its content (first and last bytes); anything not an accepted medical
 *    format, or carrying active content or a second format, is refused.
 * 2. One streaming pass over the staged file feeds both the malware scanner (clamd, when
 *    configured) and the sealing of the blob: SHA-256 and size while encrypting under a fresh data
 *    key into the blob store. An infected file is refused; a scanner that is configured but does
 *    not answer keeps the file in quarantine (it is retried, never released unscanned). In both
 *    cases the encrypted object just written is deleted.
 * 3. The file is understood (src/server/records/ingest): kind, date of service, source, patients
 *    named, text, DICOM study, clinical items of FHIR and C-CDA records. A file that claims a
 *    format it does not hold (a DICOM that does not parse, JSON that is not FHIR) is refused.
 * 4. In one transaction: the blob's row (unless the case already holds the same bytes: then the
 *    new document names the first one and shares its blob, and the new object is deleted), the
 *    document, its clinical items, the upload's outcome and the audit event.
 * 5. Only then is the plaintext staging deleted, and the safety net asked to run over the case.
 *
 * Every step is safe to repeat: a crash at any point leaves the upload `processing` with its
 * staging in place (or already `stored`, when only the clean-up was missed), the job is retried or
 * re-queued at start-up (`resumePendingUploads`), and the row lock on the upload lets one run
 * record it. An encrypted object written by a run that did not commit has no row and is removed
 * by the blob sweep.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import type { RecordRefusal } from '../../../core/records/record-refusals.ts';
import type { Services } from '../../app/services.ts';
import { transact } from '../../app/unit-of-work.ts';
import {
  recordSealedBlob,
  writeSealedObject,
  type SealedObjectDraft,
} from '../../blobs/sealed-blobs.ts';
import { scanDisposition, type ScanResult } from '../../scanning/malware-scanner.ts';
import { inspectRecordFile, sniffRecordFile, type InspectedRecord } from '../ingest/ingest-file.ts';
import {
  findOriginalByDigest,
  findSettledUploads,
  findPendingUploads,
  findUploadForProcessing,
  insertClinicalItems,
  insertDocument,
  lockCaseRecords,
  setUploadOutcome,
  type UploadForProcessing,
} from '../record-repository.ts';
import type { RecordServices } from '../record-services.ts';
import { queueRecordsCheck } from '../safety/check-case-records.ts';
import { enqueueRecordProcessing } from '../uploads/record-processing-job.ts';
import { listStagedUploadIds } from '../uploads/upload-staging.ts';
import { recordMaxBytes } from '../../../core/records/record-types.ts';

/** How much extracted text a document keeps for the safety net and search. */
const textExcerptCharacters = 200_000;

type Outcome =
  | { state: 'stored'; documentId: string; duplicateOf: string | null }
  | { state: 'refused' | 'quarantined'; code: string; message: string };

export type ProcessServices = Pick<Services, 'db' | 'clock' | 'mail' | 'logger' | 'config'> & {
  records: RecordServices;
};

/** Processes one complete upload; returns what became of it (null: nothing to do). */
export async function processRecordUpload(
  services: ProcessServices,
  uploadId: string,
): Promise<Outcome | null> {
  const upload = await findUploadForProcessing(services.db, uploadId);
  if (upload === undefined) return null;
  const { records } = services;
  if (upload.state !== 'processing' && upload.state !== 'quarantined') {
    // Stored, refused or cancelled already: only a missed clean-up may be left.
    if (upload.state !== 'receiving') await records.removeStaged(uploadId);
    return null;
  }
  const stagedPath = records.stagedFile(uploadId);
  if (!fs.existsSync(stagedPath)) {
    return finish(services, upload, null, {
      state: 'refused',
      code: 'upload_incomplete',
      message: 'The file did not arrive completely. Send it again.',
    });
  }

  const sniffed = await sniffRecordFile(stagedPath);
  if (!sniffed.ok) return finish(services, upload, null, refusal(sniffed));

  const { scan, draft } = await scanAndSeal(records, upload.organization_id, stagedPath);
  const disposition = scanDisposition(scan);
  if (disposition !== 'release') {
    await discard(records, draft);
    return finish(
      services,
      upload,
      null,
      disposition === 'block'
        ? {
            state: 'refused',
            code: 'malware_detected',
            message: `The file was refused: the malware scanner found ${scan.status === 'infected' ? scan.signature : 'a threat'} in it.`,
          }
        : {
            state: 'quarantined',
            code: 'scan_pending',
            message:
              'The file is held until the malware scanner can check it; it will be processed then.',
          },
    );
  }

  const documentId = randomUUID();
  let inspected: InspectedRecord;
  try {
    const result = await inspectRecordFile(stagedPath, { documentId });
    if (!result.ok) {
      await discard(records, draft);
      return await finish(services, upload, null, refusal(result));
    }
    inspected = result;
  } catch (error) {
    await discard(records, draft);
    throw error;
  }
  return finish(services, upload, { draft, inspected, documentId }, null);
}

function refusal(result: RecordRefusal): Outcome {
  return { state: 'refused', code: result.code, message: result.message };
}

/**
 * The single pass: the staged file is read once and fed both to the scanner (when one is
 * configured) and to the sealing of the blob.
 */
async function scanAndSeal(
  records: RecordServices,
  organizationId: string,
  stagedPath: string,
): Promise<{ scan: ScanResult; draft: SealedObjectDraft }> {
  const source = fs.createReadStream(stagedPath, { highWaterMark: 1024 * 1024 });
  const toSeal = new PassThrough({ highWaterMark: 1024 * 1024 });
  source.pipe(toSeal);
  source.on('error', (error) => toSeal.destroy(error));
  let scanning: Promise<ScanResult>;
  if (records.scanner.configured) {
    const toScan = new PassThrough({ highWaterMark: 1024 * 1024 });
    source.pipe(toScan);
    source.on('error', (error) => toScan.destroy(error));
    // A scanner that stops reading early (a verdict before the end) must not stall the seal.
    toScan.on('close', () => source.unpipe(toScan));
    scanning = records.scanner.scan(toScan);
  } else {
    scanning = Promise.resolve({ status: 'not_configured' });
  }
  const [scan, sealed] = await Promise.allSettled([
    scanning,
    writeSealedObject({
      readable: toSeal,
      store: records.store,
      organizationId,
      maxBytes: recordMaxBytes,
    }),
  ]);
  if (sealed.status === 'rejected') throw sealed.reason;
  if (scan.status === 'rejected') {
    await discard(records, sealed.value);
    throw scan.reason;
  }
  return { scan: scan.value, draft: sealed.value };
}

/** Drops an encrypted object that will not be recorded (and forgets its data key). */
async function discard(records: RecordServices, draft: SealedObjectDraft): Promise<void> {
  draft.dataKey.fill(0);
  await records.store.delete(draft.storageKey);
}

/** Records the outcome in one transaction, then cleans up and asks for a safety-net run. */
async function finish(
  services: ProcessServices,
  upload: UploadForProcessing,
  stored: { draft: SealedObjectDraft; inspected: InspectedRecord; documentId: string } | null,
  failure: Outcome | null,
): Promise<Outcome | null> {
  const { records } = services;
  let discardDraft = false;
  const outcome = await transact(services, async (unit) => {
    await lockCaseRecords(unit.trx, upload.case_id);
    const current = await findUploadForProcessing(unit.trx, upload.id, { lock: true });
    if (
      current === undefined ||
      (current.state !== 'processing' && current.state !== 'quarantined')
    ) {
      // Another run recorded it first.
      discardDraft = true;
      return null;
    }
    const audit = {
      organizationId: upload.organization_id,
      actorUserId: null,
      onBehalfOfUserId: null,
      patientId: upload.patient_id,
      entityType: 'RecordUpload',
      entityId: upload.id,
    };
    if (stored === null) {
      const result = failure!;
      if (result.state === 'stored') throw new Error('a stored outcome needs its document');
      await setUploadOutcome(unit.trx, upload.id, result, unit.now);
      await unit.audit({
        ...audit,
        eventType: result.state === 'refused' ? 'record.refused' : 'record.quarantined',
        outcome: '4',
        details: { code: result.code },
      });
      return result;
    }
    const { draft, inspected, documentId } = stored;
    const original = await findOriginalByDigest(unit.trx, upload.case_id, draft.sha256);
    let blobId: string;
    if (original === undefined) {
      blobId = (await recordSealedBlob(unit.trx, records.masterKey, draft, unit.now)).blobId;
    } else {
      // Same bytes already in the case: link to them instead of storing them twice.
      blobId = original.blob_id;
      discardDraft = true;
    }
    await insertDocument(unit.trx, {
      id: documentId,
      organizationId: upload.organization_id,
      caseId: upload.case_id,
      uploadId: upload.id,
      blobId,
      uploadedByUserId: upload.uploaded_by_user_id,
      fileName: upload.file_name,
      relativePath: upload.relative_path,
      format: inspected.format,
      kind: inspected.kind,
      dateOfService: inspected.dateOfService,
      source: inspected.source,
      displayName: inspected.displayName,
      sha256: draft.sha256,
      sizeBytes: draft.sizeBytes,
      condition: inspected.condition,
      duplicateOfDocumentId: original?.id ?? null,
      patientIdentities: inspected.patientIdentities,
      textExcerpt: inspected.text?.slice(0, textExcerptCharacters) ?? null,
      dicom:
        inspected.dicom === null
          ? null
          : {
              study: inspected.dicom,
              seriesInstanceUid: inspected.dicomInstance?.seriesInstanceUid ?? null,
              sopInstanceUid: inspected.dicomInstance?.sopInstanceUid ?? null,
              instanceNumber: inspected.dicomInstance?.instanceNumber ?? null,
            },
      createdAt: unit.now,
    });
    if (original === undefined)
      await insertClinicalItems(unit.trx, upload.case_id, inspected.clinical);
    await setUploadOutcome(unit.trx, upload.id, { state: 'stored' }, unit.now);
    await unit.audit({
      ...audit,
      eventType: 'record.stored',
      entityType: 'RecordDocument',
      entityId: documentId,
      details: {
        uploadId: upload.id,
        format: inspected.format,
        kind: inspected.kind,
        sha256: draft.sha256,
        sizeBytes: draft.sizeBytes,
        duplicateOf: original?.id ?? null,
        clinicalItems: original === undefined ? inspected.clinical.length : 0,
      },
    });
    return { state: 'stored' as const, documentId, duplicateOf: original?.id ?? null };
  });
  if (stored !== null) {
    if (discardDraft) await discard(records, stored.draft);
    else stored.draft.dataKey.fill(0);
  }
  if (outcome === null) return null;
  // The encrypted blob is durable and recorded (or the file refused): the plaintext goes.
  if (outcome.state !== 'quarantined') await records.removeStaged(upload.id);
  if (outcome.state === 'stored') await queueRecordsCheck(records.jobs, upload.case_id);
  return outcome;
}

/**
 * Queues every upload waiting to be processed: at start-up (a job lost in a crash) and, for those
 * in quarantine, whenever the scanner may be back.
 */
export async function resumePendingUploads(
  services: ProcessServices,
  states: readonly ('processing' | 'quarantined')[] = ['processing', 'quarantined'],
): Promise<number> {
  const pending = await findPendingUploads(services.db, states);
  for (const upload of pending) await enqueueRecordProcessing(services.records.jobs, upload.id);
  return pending.length;
}

/**
 * At start-up: removes the staging of uploads already finished with. A crash between the commit
 * that stored (or refused, or cancelled) an upload and the deletion of its plaintext leaves the
 * file behind; the run that stored it also asked for the records check, which may be lost with
 * it, so the check is asked for again.
 */
export async function removeSettledStaging(services: ProcessServices): Promise<number> {
  const staged = await listStagedUploadIds(services.config);
  const settled = await findSettledUploads(services.db, staged);
  for (const upload of settled) await services.records.removeStaged(upload.id);
  const cases = new Set(settled.filter((u) => u.state === 'stored').map((u) => u.case_id));
  for (const caseId of cases) await queueRecordsCheck(services.records.jobs, caseId);
  return settled.length;
}
