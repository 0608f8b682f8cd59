/**
 * The routes of the resumable upload endpoint, as a table: tus 1.0.0 on
 * `/api/v1/cases/:caseId/uploads` (OPTIONS, POST) and `…/uploads/:uploadId` (HEAD, PATCH,
 * DELETE). They sit beside the route tables of `allRoutes()` rather than in them: tus is a
 * protocol of headers and raw bodies (HEAD and OPTIONS included), not JSON in and out, so the
 * OpenAPI document does not describe it; docs/records-uploads.md does. The session and CSRF
 * hooks of the HTTP edge apply to them as to every `/api/` request, and the transport runs the
 * member gate and the access checks itself.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  recordUploadPath,
  recordUploadsPath,
  type RecordUploadTransport,
} from './upload-transport.ts';

interface UploadRoute {
  method: 'OPTIONS' | 'POST' | 'HEAD' | 'PATCH' | 'DELETE';
  url: string;
  handle: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
}

export function recordUploadRoutes(transport: RecordUploadTransport): UploadRoute[] {
  return [
    { method: 'OPTIONS', url: recordUploadsPath, handle: transport.describe },
    { method: 'POST', url: recordUploadsPath, handle: transport.create },
    { method: 'HEAD', url: recordUploadPath, handle: transport.probe },
    { method: 'PATCH', url: recordUploadPath, handle: transport.append },
    { method: 'DELETE', url: recordUploadPath, handle: transport.cancel },
  ];
}

/** Registers the upload routes on the HTTP server (before it starts listening). */
export function registerRecordUploadRoutes(
  http: FastifyInstance,
  transport: RecordUploadTransport,
): void {
  for (const route of recordUploadRoutes(transport)) {
    http.route({
      method: route.method,
      url: route.url,
      schema: { hide: true },
      // The body of a PATCH (and of a creation with upload) is the file: it reaches tus unread.
      config: { rawBody: true },
      handler: (request, reply) => route.handle(request, reply),
    });
  }
}
