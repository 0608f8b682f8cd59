/**
 * Adding a document to a case (issue 3's plain attachment list). The caller's right and the
 * case's stage are checked before a byte is stored, so a refused caller writes nothing and learns
 * nothing about the inputs; the file is then streamed to disk (hashed, size-limited, flushed)
 * outside any transaction, and the row and its audit event are written in one transaction that
 * checks right and stage again under a share lock on the case. If that transaction fails, the
 * file is removed: no file stays without its row.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import {
  acceptedAttachmentMediaType,
  attachmentDescriptionMaxLength,
  attachmentMaxBytes,
  attachmentMediaTypeNames,
  normalizeAttachmentDescription,
  sanitizeAttachmentFileName,
  type AttachmentMediaType,
} from '../../core/attachments.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { asCaseState, caseAuditOrigin } from '../cases/case-facts.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { insertCaseAttachment } from './attachment-repository.ts';
import {
  attachmentStorageKey,
  fileTooLarge,
  receiveAttachmentFile,
  removeAttachmentFile,
} from './attachment-storage.ts';
import { attachmentViewOf, findUploadableCase } from './attachment-view.ts';
import {
  descriptionHeader,
  fileNameHeader,
  uploadHeaders,
  type AttachmentView,
} from './attachments.types.ts';

/** The upload as it arrives: the unread body and the headers that describe it. */
export interface IncomingUpload {
  body: unknown;
  headers: IncomingHttpHeaders;
}

interface UploadDescription {
  mediaType: AttachmentMediaType;
  fileName: string;
  description: string | null;
}

/** Media type (415), declared size (413), then name and description (400), from the headers. */
function describeUpload(upload: IncomingUpload): UploadDescription {
  const mediaType = acceptedAttachmentMediaType(upload.headers['content-type'] ?? '');
  if (mediaType === null || !(upload.body instanceof Readable)) {
    throw new AppError('unsupported_media_type', {
      message: 'This type of file is not accepted. Send a PDF, an image, a DICOM file or text.',
      details: { accepted: attachmentMediaTypeNames },
    });
  }
  // A declared length beyond the limit is refused before reading; the stream is counted anyway.
  const declaredLength = Number(upload.headers['content-length'] ?? 0);
  if (declaredLength > attachmentMaxBytes) {
    throw fileTooLarge(attachmentMaxBytes);
  }
  const parsed = uploadHeaders.safeParse(upload.headers);
  if (!parsed.success) {
    throw new AppError('validation_failed', {
      details: {
        issues: parsed.error.issues.map((issue) => ({
          path: `headers.${issue.path.join('.')}`,
          message: issue.message,
        })),
      },
    });
  }
  const rawDescription = parsed.data[descriptionHeader];
  const description =
    rawDescription === undefined ? null : normalizeAttachmentDescription(rawDescription);
  if (description !== null && Array.from(description).length > attachmentDescriptionMaxLength) {
    throw new AppError('validation_failed', {
      details: {
        issues: [
          {
            path: `headers.${descriptionHeader}`,
            message: `at most ${attachmentDescriptionMaxLength} characters`,
          },
        ],
      },
    });
  }
  return {
    mediaType,
    fileName: sanitizeAttachmentFileName(parsed.data[fileNameHeader]),
    description,
  };
}

/**
 * Stores the uploaded file as a new attachment of `caseId`. 404 when the caller may not add
 * documents to the case (or not see it), 409 with the current state when the stage does not take
 * documents, 415 for a type not accepted, 413 beyond 25 MiB, 400 for a missing name or an empty
 * file.
 */
export async function uploadAttachment(
  services: Services,
  context: RequestContext,
  caseId: string,
  upload: IncomingUpload,
): Promise<AttachmentView> {
  const actor = requireActor(context);
  const target = await findUploadableCase(services.db, actor, caseId);
  const described = describeUpload(upload);
  const id = randomUUID();
  const storageKey = attachmentStorageKey(target.organization_id, target.id, id);
  const { dataDir } = services.config;
  const stored = await receiveAttachmentFile(
    dataDir,
    storageKey,
    upload.body as Readable,
    attachmentMaxBytes,
  );
  try {
    if (stored.sizeBytes === 0) {
      throw new AppError('validation_failed', {
        message: 'The file is empty.',
        details: { issues: [{ path: 'body', message: 'the file is empty' }] },
      });
    }
    return await transact(services, async (unit) => {
      const locked = await findUploadableCase(unit.trx, actor, caseId, { lock: true });
      const row = await insertCaseAttachment(unit.trx, {
        id,
        caseId: locked.id,
        fileName: described.fileName,
        mediaType: described.mediaType,
        sizeBytes: stored.sizeBytes,
        sha256: stored.sha256,
        storageKey,
        description: described.description,
        uploadedByUserId: actor.userId,
        uploadedAt: unit.now,
      });
      await unit.audit({
        ...caseAuditOrigin(context, actor, locked.patient_user_id),
        eventType: 'case.attachment_added',
        patientId: locked.patient_id,
        entityType: 'CaseAttachment',
        entityId: id,
        details: {
          change: 'attachment_added',
          caseId: locked.id,
          mediaType: described.mediaType,
          sizeBytes: stored.sizeBytes,
          sha256: stored.sha256,
        },
      });
      return attachmentViewOf(actor, locked, asCaseState(locked.state), row);
    });
  } catch (error) {
    await removeStoredFile(services, storageKey, error);
    throw error;
  }
}

/** Removes a file whose row was not written; a failure to remove is logged, never hidden. */
async function removeStoredFile(
  services: Services,
  storageKey: string,
  cause: unknown,
): Promise<void> {
  try {
    await removeAttachmentFile(services.config.dataDir, storageKey);
  } catch (error) {
    services.logger.error(
      { err: error, cause, storageKey },
      'could not remove the file of a failed attachment upload',
    );
  }
}
