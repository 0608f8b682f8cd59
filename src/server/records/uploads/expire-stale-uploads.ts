/**
 * The sweep of abandoned uploads: an upload still `receiving` that has had no progress for
 * `staleUploadAfterMs` (24 hours) is cancelled, audited as expired, and its staged bytes are
 * removed, so a half-sent folder does not hold disk space for ever. "Progress" is the staged
 * file's last write (stamped from the server's clock, see upload-staging.ts), or the upload's
 * creation when nothing was staged. Each upload is claimed in a transaction of its own with SKIP
 * LOCKED, so two sweeps never act twice and one failure does not stop the rest.
 */
import type { Services } from '../../app/services.ts';
import { transact } from '../../app/unit-of-work.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import {
  claimReceivingUpload,
  findReceivingUploadsCreatedBefore,
  markUploadCancelled,
} from './record-upload-repository.ts';
import { removeStagedUpload, stagedUploadState } from './upload-staging.ts';

/** How long an upload may go without progress before the sweep cancels it. */
export const staleUploadAfterMs = 24 * 60 * 60 * 1000;

export const uploadExpiryJobName = 'record-upload-expiry';

async function lastProgressAt(services: Services, uploadId: string, createdAt: Date) {
  const staged = await stagedUploadState(services.config, uploadId);
  if (staged === null || staged.lastWriteAt < createdAt) return createdAt;
  return staged.lastWriteAt;
}

/**
 * Cancels every receiving upload without progress for 24 hours as of `now` and removes its
 * staging; returns how many it cancelled.
 */
export async function expireStaleUploads(services: Services, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - staleUploadAfterMs);
  const candidates = await findReceivingUploadsCreatedBefore(services.db, cutoff);
  let expired = 0;
  for (const candidate of candidates) {
    try {
      const progressAt = await lastProgressAt(services, candidate.id, candidate.created_at);
      if (progressAt > cutoff) continue;
      const cancelled = await transact(services, async (unit) => {
        const row = await claimReceivingUpload(unit.trx, candidate.id);
        if (row === undefined || !(await markUploadCancelled(unit.trx, row.id))) return false;
        const staged = await stagedUploadState(services.config, row.id);
        await unit.audit({
          eventType: 'record.upload_expired',
          organizationId: row.organization_id,
          actorUserId: null,
          patientId: row.patient_id,
          entityType: 'RecordUpload',
          entityId: row.id,
          details: {
            change: 'upload_expired',
            caseId: row.case_id,
            declaredSize: row.declared_size,
            receivedBytes: staged?.sizeBytes ?? row.received_bytes,
            lastProgressAt: progressAt.toISOString(),
          },
        });
        return true;
      });
      if (!cancelled) continue;
      expired += 1;
      await removeStagedUpload(services.config, candidate.id);
    } catch (error) {
      services.logger.error({ err: error, uploadId: candidate.id }, 'could not expire an upload');
    }
  }
  return expired;
}

/** Runs the sweep every fifteen minutes (not in tests, which call it with their own clock). */
export async function startUploadExpirySweep(jobs: JobQueue, services: Services): Promise<void> {
  await jobs.work(uploadExpiryJobName, async () => {
    await expireStaleUploads(services, services.clock.now());
  });
  await jobs.schedule(uploadExpiryJobName, '*/15 * * * *');
}
