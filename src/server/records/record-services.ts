/**
 * What the records pipeline needs beyond the common services: the blob store and the master key
 * (encryption at rest, docs/storage.md), the malware scanner, the job queue, and where a complete
 * upload waits in staging. Built once by the composition root (app/app.ts).
 */
import type { BlobStore } from '../blobs/blob-store.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { MasterKey } from '../keys/master-key.ts';
import type { MalwareScanner } from '../scanning/malware-scanner.ts';

export interface RecordServices {
  store: BlobStore;
  masterKey: MasterKey;
  scanner: MalwareScanner;
  jobs: Pick<JobQueue, 'send'>;
  /** The staged file of a complete upload (plaintext, deleted once its blob is durable). */
  stagedFile(uploadId: string): string;
  /** Removes an upload's staging (file and transfer state); no error when already gone. */
  removeStaged(uploadId: string): Promise<void>;
}

/** Job: run the safety net over one case (`{ caseId }`). */
export const recordCheckJob = 'records.check';
