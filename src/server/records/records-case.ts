/**
 * The one access check of a case's records: the case if the actor may read it (everyone on the
 * case) or, for changes, add documents to it (the patient side, the coordinator); otherwise 404,
 * exactly as if it did not exist.
 */
import type { Actor } from '../../core/access.ts';
import { attachmentUploadAction } from '../../core/attachments.ts';
import { AppError } from '../../core/errors.ts';
import { findCaseForAttachments } from '../attachments/attachment-repository.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

export async function findRecordsCase(
  db: Database | DatabaseTransaction,
  actor: Actor,
  caseId: string,
  need: 'read' | 'upload' = 'read',
) {
  const found = await findCaseForAttachments(db, actor, attachmentUploadAction(actor.role), caseId);
  if (found === undefined || !(need === 'read' ? found.may_read : found.may_upload))
    throw new AppError('not_found');
  return found;
}
