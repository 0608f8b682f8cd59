/**
 * Cancelling a resumable upload (the tus termination request) while it is still receiving: the
 * row becomes `cancelled` with its audit event in one transaction; the staged bytes are removed
 * after the commit (by the transport, which first waits for any request still writing to them).
 * An upload already complete cannot be cancelled here (409): it belongs to the processing step.
 */
import type { Actor } from '../../../core/access.ts';
import { AppError } from '../../../core/errors.ts';
import type { Services } from '../../app/services.ts';
import { transact } from '../../app/unit-of-work.ts';
import { caseAuditOrigin } from '../../cases/case-facts.ts';
import type { RequestContext } from '../../http/request-context.ts';
import { markUploadCancelled } from './record-upload-repository.ts';
import { findUploadableCase } from '../../attachments/attachment-view.ts';
import { findCallersUpload } from './upload-access.ts';

/** Cancels the caller's upload `uploadId` of `caseId`; 404 when not theirs or already cancelled. */
export async function cancelRecordUpload(
  services: Pick<Services, 'db' | 'clock' | 'mail'>,
  context: RequestContext,
  actor: Actor,
  input: { caseId: string; uploadId: string; receivedBytes: number | null },
): Promise<void> {
  await transact(services, async (unit) => {
    const target = await findUploadableCase(unit.trx, actor, input.caseId, { lock: true });
    const upload = await findCallersUpload(unit.trx, actor, target.id, input.uploadId, {
      lock: true,
    });
    if (upload.state === 'cancelled') throw new AppError('not_found');
    if (upload.state !== 'receiving' || !(await markUploadCancelled(unit.trx, upload.id))) {
      throw new AppError('conflict', {
        message: 'The upload is complete and can no longer be cancelled.',
        details: { uploadState: upload.state },
      });
    }
    await unit.audit({
      ...caseAuditOrigin(context, actor, target.patient_user_id),
      eventType: 'record.upload_cancelled',
      patientId: target.patient_id,
      entityType: 'RecordUpload',
      entityId: upload.id,
      details: {
        change: 'upload_cancelled',
        caseId: target.id,
        declaredSize: upload.declared_size,
        receivedBytes: input.receivedBytes ?? upload.received_bytes,
      },
    });
  });
}
