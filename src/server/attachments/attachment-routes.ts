/**
 * A case's attachment list, as a table of routes: upload a document (the raw file as the body),
 * list, download and take one back. Issue 4's records pipeline replaces the upload transport
 * (resumable, encrypted, scanned); the list and its rules stay.
 */
import { z } from 'zod';
import type { Services } from '../app/services.ts';
import { idParams } from '../auth/auth.types.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import { attachmentListView, attachmentParams, attachmentView } from './attachments.types.ts';
import { deleteAttachment } from './delete-attachment.ts';
import { downloadAttachment, sendFileDownload } from './download-attachment.ts';
import { listAttachments } from './list-attachments.ts';
import { uploadAttachment } from './upload-attachment.ts';

const tags = ['attachments'];

export function attachmentRoutes(services: Services): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/cases/:id/attachments',
      summary:
        'Attach a document: the body is the file itself, Content-Type its media type (PDF, JPEG, PNG, TIFF, HEIC, DICOM or plain text; else 415), at most 25 MiB (else 413); X-File-Name carries the name and X-Description an optional description, both percent-encoded UTF-8. 404 when the caller may not add documents to the case, 409 with the current state when the stage does not take them',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      rawBody: true,
      responses: { 201: attachmentView },
      handler: async ({ params, context, request }) =>
        uploadAttachment(services, context, params.id, {
          body: request.body,
          headers: request.headers,
        }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/attachments',
      summary: "The case's attachments, oldest first (404 when the case is not visible)",
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: idParams,
      responses: { 200: attachmentListView },
      handler: async ({ params, context }) => listAttachments(services, context, params.id),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/cases/:id/attachments/:attachmentId/content',
      summary: 'Download one attachment, always as a file (never shown inline)',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: attachmentParams,
      responses: { 200: z.string() },
      produces: 'application/octet-stream',
      handler: async ({ params, context, reply }) => {
        const download = await downloadAttachment(
          services,
          context,
          params.id,
          params.attachmentId,
        );
        return sendFileDownload(reply, download);
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/cases/:id/attachments/:attachmentId',
      summary:
        'Take back a document one uploaded, while the case is a draft (404 for anyone else, 409 after submission)',
      tags,
      access: { kind: 'member', action: 'case.read' },
      params: attachmentParams,
      responses: { 204: null },
      handler: async ({ params, context }) =>
        deleteAttachment(services, context, params.id, params.attachmentId),
    }),
  ];
}
