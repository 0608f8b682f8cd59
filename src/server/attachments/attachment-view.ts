/**
 * An attachment as the caller sees it, and the stage check shared by the use cases that change
 * the list. Kept apart so listing, uploading and removing judge a case the same way.
 */
import type { Actor } from '../../core/access.ts';
import { allowsAttachmentRemoval } from '../../core/attachments.ts';
import type { CaseState } from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import type { AttachmentCaseRow, AttachmentRow } from './attachment-repository.ts';
import type { AttachmentView } from './attachments.types.ts';

export function attachmentViewOf(
  actor: Actor,
  caseRow: AttachmentCaseRow,
  state: CaseState,
  row: AttachmentRow,
): AttachmentView {
  return {
    id: row.id,
    caseId: row.case_id,
    fileName: row.file_name,
    mediaType: row.media_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    description: row.description,
    uploadedAt: row.uploaded_at.toISOString(),
    uploadedBy: { userId: row.uploaded_by_user_id, name: row.uploaded_by_name },
    canDelete:
      caseRow.may_upload &&
      row.uploaded_by_user_id === actor.userId &&
      allowsAttachmentRemoval(state),
  };
}

/** 409 with the case's current state when `allowed` says the stage does not permit the change. */
export function requireAttachmentStage(
  state: CaseState,
  allowed: (state: CaseState) => boolean,
  message: string,
): void {
  if (!allowed(state))
    throw new AppError('conflict', { message, details: { currentState: state } });
}
