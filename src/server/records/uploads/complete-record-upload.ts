/**
 * Completing a resumable upload, when its last byte is staged: in one transaction the row becomes
 * `processing` (with `completed_at` and its size), the caller's right and the case's stage are
 * checked once more under locks (so a cancellation or a transition in between wins cleanly), and
 * the audit event and the `records.process` job asking the processing step to take it up are
 * written: the job exists exactly when the row says `processing`.
 */
import type { Actor } from '../../../core/access.ts';
import { AppError } from '../../../core/errors.ts';
import type { Services } from '../../app/services.ts';
import { transact } from '../../app/unit-of-work.ts';
import { caseAuditOrigin } from '../../cases/case-facts.ts';
import type { RequestContext } from '../../http/request-context.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import { enqueueRecordProcessing } from './record-processing-job.ts';
import { markUploadProcessing } from './record-upload-repository.ts';
import { findUploadableCase } from '../../attachments/attachment-view.ts';
import { findCallersUpload } from './upload-access.ts';

/**
 * Marks upload `uploadId` of `caseId` complete at `sizeBytes` and queues its processing; 404 when
 * it was cancelled meanwhile, 409 when the case's stage no longer takes documents. An upload
 * already complete (the last PATCH and a HEAD both found every byte staged) is left as it is:
 * whichever request came second answers as if it had completed it.
 */
export async function completeRecordUpload(
  services: Pick<Services, 'db' | 'clock' | 'mail'>,
  jobs: Pick<JobQueue, 'send'>,
  context: RequestContext,
  actor: Actor,
  input: { caseId: string; uploadId: string; sizeBytes: number },
): Promise<void> {
  await transact(services, async (unit) => {
    const target = await findUploadableCase(unit.trx, actor, input.caseId, { lock: true });
    const upload = await findCallersUpload(unit.trx, actor, target.id, input.uploadId, {
      lock: true,
    });
    if (upload.state === 'cancelled' || upload.declared_size !== input.sizeBytes)
      throw new AppError('not_found');
    if (upload.state !== 'receiving') return;
    if (!(await markUploadProcessing(unit.trx, upload.id, unit.now, input.sizeBytes)))
      throw new AppError('not_found');
    await unit.audit({
      ...caseAuditOrigin(context, actor, target.patient_user_id),
      eventType: 'record.upload_completed',
      patientId: target.patient_id,
      entityType: 'RecordUpload',
      entityId: upload.id,
      details: { change: 'upload_completed', caseId: target.id, sizeBytes: input.sizeBytes },
    });
    await enqueueRecordProcessing(jobs, upload.id, unit.trx);
  });
}
