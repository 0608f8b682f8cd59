/**
 * Taking a document back: only its uploader, only while the case is a draft (before the
 * organization received it), and only while the uploader may still add documents to the case.
 *
 * The row is deleted rather than marked removed: a draft's documents have not been sent to
 * anyone, so nothing in the case's record refers to them, and the audit event keeps what the
 * medicolegal record needs (who removed which file, its digest, size and type). Once submitted, a
 * document cannot be removed here at all. The file is deleted after the commit, so a rolled-back
 * deletion never loses it.
 */
import { allowsAttachmentRemoval, attachmentUploadAction } from '../../core/attachments.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { asCaseState, caseAuditOrigin } from '../cases/case-facts.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import {
  deleteCaseAttachment,
  findCaseAttachment,
  findCaseForAttachments,
} from './attachment-repository.ts';
import { removeAttachmentFile } from './attachment-storage.ts';
import { requireAttachmentStage } from './attachment-view.ts';

/** Removes attachment `attachmentId` of `caseId`; 404 unless the caller uploaded it, 409 after the draft. */
export async function deleteAttachment(
  services: Services,
  context: RequestContext,
  caseId: string,
  attachmentId: string,
): Promise<void> {
  const actor = requireActor(context);
  const storageKey = await transact(services, async (unit) => {
    const found = await findCaseForAttachments(
      unit.trx,
      actor,
      attachmentUploadAction(actor.role),
      caseId,
      { lock: true },
    );
    if (found === undefined || !found.may_upload) throw new AppError('not_found');
    const row = await findCaseAttachment(unit.trx, found.id, attachmentId);
    if (row === undefined || row.uploaded_by_user_id !== actor.userId)
      throw new AppError('not_found');
    requireAttachmentStage(
      asCaseState(found.state),
      allowsAttachmentRemoval,
      'Documents can only be removed while the case is a draft.',
    );
    await deleteCaseAttachment(unit.trx, row.id);
    await unit.audit({
      ...caseAuditOrigin(context, actor, found.patient_user_id),
      eventType: 'case.attachment_removed',
      patientId: found.patient_id,
      entityType: 'CaseAttachment',
      entityId: row.id,
      details: {
        change: 'attachment_removed',
        caseId: found.id,
        mediaType: row.media_type,
        sizeBytes: row.size_bytes,
        sha256: row.sha256,
      },
    });
    return row.storage_key;
  });
  try {
    await removeAttachmentFile(services.config.dataDir, storageKey);
  } catch (error) {
    // The row is gone; a file left behind is an orphan to clean up, not a failed deletion.
    services.logger.error({ err: error, storageKey }, 'could not remove a deleted attachment file');
  }
}
