/**
 * Request and response schemas of the attachment routes. The upload's body is the file itself;
 * what describes it travels in headers (`Content-Type`, `X-File-Name`, `X-Description`), read by
 * `uploadHeaders`.
 */
import { z } from 'zod';
import { attachmentMediaTypeNames } from '../../core/attachments.ts';

export const attachmentParams = z.strictObject({ id: z.uuid(), attachmentId: z.uuid() });

/** Header names of an upload; values are percent-encoded UTF-8 (RFC 3986), as `encodeURIComponent` gives. */
export const fileNameHeader = 'x-file-name';
export const descriptionHeader = 'x-description';

const headerValue = z
  .string()
  .max(4096)
  .transform((value, context) => {
    try {
      return decodeHeaderValue(value);
    } catch {
      context.addIssue({ code: 'custom', message: 'not valid percent-encoded UTF-8' });
      return z.NEVER;
    }
  });

/**
 * The describing headers of an upload. The name may come percent-encoded or as an RFC 8187
 * extended value (`UTF-8''Informe%20de%20patolog%C3%ADa.pdf`).
 */
export const uploadHeaders = z.object({
  [fileNameHeader]: headerValue.pipe(z.string().min(1, 'the file name is missing')),
  [descriptionHeader]: headerValue.optional(),
});

/** A percent-encoded (or RFC 8187 `UTF-8''…`) header value as text; throws on a bad escape. */
function decodeHeaderValue(value: string): string {
  const extended = /^utf-8''(.*)$/i.exec(value);
  return decodeURIComponent(extended === null ? value : (extended[1] ?? ''));
}

export const attachmentView = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    fileName: z.string(),
    mediaType: z.string(),
    sizeBytes: z.number().int(),
    sha256: z.string(),
    description: z.string().nullable(),
    uploadedAt: z.string(),
    uploadedBy: z.object({ userId: z.uuid(), name: z.string() }),
    /** The caller uploaded it and may still take it back (only from a draft). */
    canDelete: z.boolean(),
  })
  .meta({ id: 'CaseAttachment' });

export type AttachmentView = z.infer<typeof attachmentView>;

export const attachmentListView = z.object({
  attachments: z.array(attachmentView),
  /** Whether the caller may add documents to the case now. */
  canUpload: z.boolean(),
  /** What an upload may be: the accepted media types and the size limit in bytes. */
  limits: z.object({
    mediaTypes: z.array(z.enum(attachmentMediaTypeNames)),
    maxBytes: z.number().int(),
  }),
});

export type AttachmentListView = z.infer<typeof attachmentListView>;
