/**
 * Keeping `record_uploads.received_bytes` current without a write per chunk of the network: tus
 * reports progress during a PATCH at most every few seconds (`POST_RECEIVE`), and after each
 * request the staged file's size is recorded exactly. The writes of one upload are chained, so a
 * late progress report never lands after the exact figure. Failures are logged: the count is for
 * people watching an upload, the staged file (which HEAD reports) is the truth.
 */
import type { Services } from '../../app/services.ts';
import { setReceivedBytes } from './record-upload-repository.ts';
import { stagedUploadState } from './upload-staging.ts';

export interface UploadProgress {
  /** During a request: at least `bytes` have arrived. */
  noteReceived(uploadId: string, bytes: number): void;
  /** After a request: records the staged file's size. */
  settle(uploadId: string): Promise<void>;
  /** Waits for the writes still running (at shutdown). */
  close(): Promise<void>;
}

export function createUploadProgress(services: Pick<Services, 'db' | 'config' | 'logger'>) {
  const pending = new Map<string, Promise<void>>();

  const chain = (uploadId: string, write: () => Promise<void>): Promise<void> => {
    const next = (pending.get(uploadId) ?? Promise.resolve())
      .then(write)
      .catch((error: unknown) => {
        services.logger.warn({ err: error, uploadId }, 'could not record upload progress');
      });
    pending.set(uploadId, next);
    void next.finally(() => {
      if (pending.get(uploadId) === next) pending.delete(uploadId);
    });
    return next;
  };

  const progress: UploadProgress = {
    noteReceived(uploadId, bytes) {
      void chain(uploadId, () => setReceivedBytes(services.db, uploadId, bytes, 'at_least'));
    },
    settle(uploadId) {
      return chain(uploadId, async () => {
        const staged = await stagedUploadState(services.config, uploadId);
        if (staged !== null)
          await setReceivedBytes(services.db, uploadId, staged.sizeBytes, 'exact');
      });
    },
    async close() {
      await Promise.all(pending.values());
    },
  };
  return progress;
}
