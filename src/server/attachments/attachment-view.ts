/**
 * An attachment as the caller sees it, and the checks shared by the use cases that change the
 * list and by record uploads: the case a caller may add documents to now, and the stage check.
 * Kept apart so listing, uploading and removing judge a case the same way.
 */
import type { Actor } from '../../core/access.ts';
import {
  acceptsAttachments,
  allowsAttachmentRemoval,
  attachmentUploadAction,
} from '../../core/attachments.ts';
import type { CaseState } from '../../core/case-lifecycle.ts';
import { AppError } from '../../core/errors.ts';
import { asCaseState } from '../cases/case-facts.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';
import {
  findCaseForAttachments,
  type AttachmentCaseRow,
  type AttachmentRow,
} from './attachment-repository.ts';
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

/**
 * Case `caseId` if `actor` may add documents to it now: 404 when not (or not visible), 409 with
 * the current state when its stage takes none. `lock` holds a share lock on the case until the
 * transaction ends, so a transition cannot change the stage under the change being written.
 */
export async function findUploadableCase(
  db: Database | DatabaseTransaction,
  actor: Actor,
  caseId: string,
  options: { lock?: boolean } = {},
): Promise<AttachmentCaseRow> {
  const row = await findCaseForAttachments(
    db,
    actor,
    attachmentUploadAction(actor.role),
    caseId,
    options,
  );
  if (row === undefined || !row.may_upload) throw new AppError('not_found');
  requireAttachmentStage(
    asCaseState(row.state),
    acceptsAttachments,
    'Documents cannot be added to the case at this stage.',
  );
  return row;
}
