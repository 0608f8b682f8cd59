/**
 * Starts the records pipeline for the composition root: the master key (checked against the keys
 * already in the database), the blob store, the malware scanner, and the workers of the two jobs
 * (`records.process`: an upload is complete; `records.check`: what a case's records check reads
 * changed). At start every upload still waiting is queued again, so one interrupted by a crash or
 * restart is taken up.
 * Outside tests, a sweep re-queues uploads held in quarantine once the scanner answers again and
 * removes encrypted objects that no row names (a seal whose transaction never committed).
 */
import { z } from 'zod';
import type { Services } from '../app/services.ts';
import { createBlobStore } from '../blobs/create-blob-store.ts';
import { sweepOrphanBlobs } from '../blobs/sealed-blobs.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { loadMasterKey } from '../keys/master-key.ts';
import { assertMasterKeyMatches } from '../keys/organization-keys.ts';
import { createClamdScanner } from '../scanning/clamd.ts';
import {
  processRecordUpload,
  removeSettledStaging,
  resumePendingUploads,
} from './processing/process-upload.ts';
import { recordCheckJob, type RecordServices } from './record-services.ts';
import { checkCaseRecords } from './safety/check-case-records.ts';
import { registerRecordProcessing } from './uploads/record-processing-job.ts';
import { removeStagedUpload, stagingFilePath } from './uploads/upload-staging.ts';

const checkJobSchema = z.strictObject({ caseId: z.uuid() });

/** How old an object without a row must be before the sweep removes it. */
const orphanGraceMs = 24 * 60 * 60 * 1000;

const recordSweepJob = 'records.sweep';

export interface RecordPipeline {
  records: RecordServices;
  close(): Promise<void>;
}

/** Builds the pipeline's services (no workers yet). */
export async function openRecordPipeline(
  services: Pick<Services, 'config' | 'db'>,
  jobs: JobQueue,
): Promise<RecordPipeline> {
  const { config } = services;
  const masterKey = await loadMasterKey(config);
  await assertMasterKeyMatches(services.db, masterKey);
  const store = createBlobStore(config.blobStore);
  const scanner = createClamdScanner({
    address: config.scanner.clamd,
    timeoutMs: config.scanner.timeoutMs,
  });
  return {
    records: {
      store,
      masterKey,
      scanner,
      jobs,
      stagedFile: (uploadId) => stagingFilePath(config, uploadId),
      removeStaged: (uploadId) => removeStagedUpload(config, uploadId),
    },
    close: async () => {
      await store.close();
    },
  };
}

/** Registers the workers and queues what was waiting. */
export async function startRecordWorkers(
  services: Services & { records: RecordServices },
  jobs: JobQueue,
): Promise<void> {
  await registerRecordProcessing(jobs, async ({ uploadId }) => {
    await processRecordUpload(services, uploadId);
  });
  await jobs.work(recordCheckJob, async (data) => {
    // Several jobs may ask for the same change; only a stale check runs again.
    await checkCaseRecords(services, checkJobSchema.parse(data).caseId, null, {
      onlyWhenStale: true,
    });
  });
  await resumePendingUploads(services, ['processing']);
  await removeSettledStaging(services);
  if (services.config.env === 'test') return;
  await jobs.work(recordSweepJob, async () => {
    const health = await services.records.scanner.health();
    if (health.status === 'ok') await resumePendingUploads(services, ['quarantined']);
    await sweepOrphanBlobs({
      db: services.db,
      store: services.records.store,
      olderThan: new Date(services.clock.now().getTime() - orphanGraceMs),
    });
  });
  await jobs.schedule(recordSweepJob, '*/10 * * * *');
}
