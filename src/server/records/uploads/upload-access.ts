/**
 * Who may use the upload endpoint of a case, checked on every request before tus sees it:
 *
 * 1. an active member session (the same answers as the `member` gate of the route tables: 401
 *    `unauthenticated`, `session_expired` or `mfa_challenge_required`, 403
 *    `mfa_enrolment_required` for staff without their second factor);
 * 2. the case's attachment-upload rule (`attachmentUploadAction` in core, the same SQL filter as
 *    the attachment list): a case the caller may not add documents to answers 404 `not_found`,
 *    and one whose stage takes no documents 409 `conflict` with its current state;
 * 3. for an existing upload (HEAD, PATCH, DELETE): it belongs to that case and was started by the
 *    caller, else 404, exactly like an upload that does not exist.
 */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../../core/access.ts';
import { AppError } from '../../../core/errors.ts';
import type { Database, DatabaseTransaction } from '../../db/database.ts';
import { findUploadOfUploader, type RecordUploadRow } from './record-upload-repository.ts';

/** The acting member of the request, answering like the route tables' `member` gate otherwise. */
export function requireUploadingMember(request: FastifyRequest): Actor {
  const { context } = request;
  if (context.actor === null) {
    throw new AppError(
      request.sessionEnded
        ? 'session_expired'
        : context.session !== null
          ? 'mfa_challenge_required'
          : 'unauthenticated',
    );
  }
  if (context.enrolmentRequired) throw new AppError('mfa_enrolment_required');
  return context.actor;
}

/** Upload `uploadId` of case `caseId` if `actor` started it; 404 otherwise. */
export async function findCallersUpload(
  db: Database | DatabaseTransaction,
  actor: Actor,
  caseId: string,
  uploadId: string,
  options: { lock?: boolean } = {},
): Promise<RecordUploadRow> {
  const row = await findUploadOfUploader(db, { caseId, uploadId, userId: actor.userId }, options);
  if (row === undefined) throw new AppError('not_found');
  return row;
}
