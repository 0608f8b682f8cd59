/**
 * Downloading one attachment: the same readers as the list, audited per file. The file is always
 * sent as a download (`Content-Disposition: attachment`) under its stored media type with
 * `nosniff` and a sandboxing content policy, so nothing uploaded is ever rendered as part of the
 * application.
 */
import type { FastifyReply } from 'fastify';
import type { ReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { attachmentUploadAction } from '../../core/attachments.ts';
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { transact } from '../app/unit-of-work.ts';
import { caseAuditOrigin } from '../cases/case-facts.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import { findCaseAttachment, findCaseForAttachments } from './attachment-repository.ts';
import { openAttachmentFile } from './attachment-storage.ts';

export interface AttachmentDownload {
  fileName: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  content: ReadStream;
}

/**
 * Opens attachment `attachmentId` of `caseId` for the caller; 404 when the caller may not read
 * the case or the attachment is not one of its. The read is audited only once the file is open.
 */
export async function downloadAttachment(
  services: Services,
  context: RequestContext,
  caseId: string,
  attachmentId: string,
): Promise<AttachmentDownload> {
  const actor = requireActor(context);
  let opened: ReadStream | null = null;
  try {
    return await transact(services, async (unit) => {
      const found = await findCaseForAttachments(
        unit.trx,
        actor,
        attachmentUploadAction(actor.role),
        caseId,
      );
      if (found === undefined || !found.may_read) throw new AppError('not_found');
      const row = await findCaseAttachment(unit.trx, found.id, attachmentId);
      if (row === undefined) throw new AppError('not_found');
      try {
        opened = await openAttachmentFile(services.config.dataDir, row.storage_key);
      } catch (cause) {
        // The row promises a file: a missing one is damage to report, not a "not found".
        throw new AppError('internal_error', { cause });
      }
      await unit.audit({
        ...caseAuditOrigin(context, actor, found.patient_user_id),
        eventType: 'case.attachment_read',
        patientId: found.patient_id,
        entityType: 'CaseAttachment',
        entityId: row.id,
        details: { part: 'attachment_content', caseId: found.id, sha256: row.sha256 },
      });
      return {
        fileName: row.file_name,
        mediaType: row.media_type,
        sizeBytes: row.size_bytes,
        sha256: row.sha256,
        content: opened,
      };
    });
  } catch (error) {
    (opened as ReadStream | null)?.destroy();
    throw error;
  }
}

/**
 * `Content-Disposition` for a download named `fileName`: an ASCII fallback and the exact name as
 * an RFC 8187 extended value (RFC 6266 section 4.3), which every current browser prefers.
 */
export function attachmentContentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const extended = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${extended}`;
}

/**
 * Sends a stored file as a download, never rendered as part of the application: the media type
 * given, `nosniff`, a sandboxing content policy (not cached: every API answer is `no-store`), and
 * (RFC 9530) the digest of the file as sent so that a recipient can check it.
 */
export function sendFileDownload(
  reply: FastifyReply,
  file: {
    mediaType: string;
    sizeBytes: number;
    fileName: string;
    sha256: string;
    content: Readable;
  },
): FastifyReply {
  return reply
    .header('content-type', file.mediaType)
    .header('content-length', file.sizeBytes)
    .header('content-disposition', attachmentContentDisposition(file.fileName))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('repr-digest', `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`)
    .send(file.content);
}
