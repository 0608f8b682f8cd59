/**
 * The resumable upload endpoint of a case's records: tus 1.0.0 (core protocol plus the creation,
 * creation-with-upload and termination extensions) served by `@tus/server` over the staging
 * store, behind our own checks. Every request is first judged like any other API request (the
 * session and CSRF hooks of the HTTP edge, then `upload-access.ts`: member session, the case's
 * attachment-upload rule and stage, the caller's own upload) and only then handed to tus as a
 * web `Request`; tus's answer is relayed, and its failures become errors of the catalogue, so
 * every error leaves as `{ error: { code, message } }` through the one error handler.
 *
 * tus calls back into our use cases: creation writes the row and its audit event before the
 * staging file exists (`startRecordUpload`, the upload id is the row's UUID), the last byte
 * completes the upload (`completeRecordUpload`: row `processing`, audit, `records.process` job).
 * A failure in a callback is kept with the request and thrown as itself once tus has answered.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { ERRORS, EVENTS, MemoryLocker, Server } from '@tus/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../../../core/access.ts';
import { AppError } from '../../../core/errors.ts';
import type { Services } from '../../app/services.ts';
import type { RequestContext } from '../../http/request-context.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import { cancelRecordUpload } from './cancel-record-upload.ts';
import { completeRecordUpload } from './complete-record-upload.ts';
import { createUploadProgress } from './record-upload-progress.ts';
import type { RecordUploadRow } from './record-upload-repository.ts';
import { startRecordUpload } from './start-record-upload.ts';
import { findUploadableCase } from '../../attachments/attachment-view.ts';
import { findCallersUpload, requireUploadingMember } from './upload-access.ts';
import {
  readUploadDeclaration,
  requireTusVersion,
  stagedMetadataOf,
  tusVersion,
  type UploadDeclaration,
} from './upload-declaration.ts';
import { openStagingStore, removeStagedUpload, stagedUploadState } from './upload-staging.ts';
import { recordMaxBytes } from '../../../core/records/record-types.ts';

/** The endpoint of a case's uploads, and one upload's URL under it. */
export const recordUploadsPath = '/api/v1/cases/:caseId/uploads';
export const recordUploadPath = `${recordUploadsPath}/:uploadId`;

/** How often a PATCH in progress records how much has arrived. */
const progressIntervalMs = 5_000;

/** The media type of a PATCH body (tus 1.0.0, section "PATCH"). */
const offsetContentType = 'application/offset+octet-stream';

/** Request headers tus reads; nothing else (cookies above all) is handed to it. */
const forwardedHeaders = [
  'tus-resumable',
  'upload-length',
  'upload-metadata',
  'upload-offset',
  'upload-defer-length',
  'upload-concat',
  'content-type',
  'content-length',
] as const;

/** Response headers of tus that reach the client (no CORS headers: the app is same-origin). */
const relayedHeaders = [
  'tus-resumable',
  'tus-version',
  'tus-extension',
  'tus-max-size',
  'upload-offset',
  'upload-length',
  'upload-metadata',
  'location',
] as const;

const collectionParams = z.strictObject({ caseId: z.uuid() });
const uploadParams = z.strictObject({ caseId: z.uuid(), uploadId: z.uuid() });

/** What our checks found out about one request, for tus's callbacks to act on. */
interface CheckedCall {
  context: RequestContext;
  actor: Actor;
  caseId: string;
  uploadId: string;
  /** The creation request's declaration; null on every other request. */
  declaration: UploadDeclaration | null;
  /** The row was written (creation). */
  created: boolean;
  /** An error thrown by one of our callbacks, to answer with instead of tus's generic one. */
  failure: { error: unknown } | null;
}

export interface RecordUploadTransport {
  /** `OPTIONS`: the server's tus capabilities (version, extensions, maximum size). */
  describe: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  /** `POST`: creates an upload (optionally with its first bytes). */
  create: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  /** `HEAD`: the offset to resume from. */
  probe: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  /** `PATCH`: appends bytes at the offset. */
  append: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  /** `DELETE`: cancels an upload still receiving. */
  cancel: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  /** Waits for progress writes still running. */
  close: () => Promise<void>;
}

function parseParams<T>(schema: z.ZodType<T>, params: unknown): T {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  throw new AppError('validation_failed', {
    details: {
      issues: parsed.error.issues.map((issue) => ({
        path: ['params', ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    },
  });
}

function uploadUrl(caseId: string, uploadId: string): string {
  return `/api/v1/cases/${caseId}/uploads/${uploadId}`;
}

/** The request as tus reads it: the tus headers and, for writes, the unread body as a stream. */
function toWebRequest(request: FastifyRequest, withBody: boolean): Request {
  const headers = new Headers();
  for (const name of forwardedHeaders) {
    const value = request.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers };
  if (withBody) {
    // Node's web stream and the DOM's describe the same object; the cast bridges the two typings.
    init.body = Readable.toWeb(request.raw) as unknown as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  return new Request(new URL(request.url, 'http://consilium.invalid'), init);
}

/** tus's refusal as an error of the catalogue (its protocol texts are safe to pass on). */
async function tusFailure(response: Response): Promise<AppError> {
  const text = (await response.text()).trim();
  switch (response.status) {
    case 404:
    case 410:
      return new AppError('not_found');
    case 409:
      return new AppError('conflict', {
        message: 'The upload is at another offset: ask for it (HEAD) and continue from there.',
        details: { reason: 'offset_mismatch' },
      });
    case 413:
      return beyondDeclaredLength();
    case 400:
      // Another request to the same upload (a HEAD from a resuming client) took its lock over.
      if (text === ERRORS.ABORTED.body.trim())
        return new AppError('conflict', {
          message: 'Another request took this upload over: ask for the offset (HEAD) and continue.',
          details: { reason: 'taken_over' },
        });
      return protocolViolation(text);
    default:
      if (response.status >= 500)
        return new AppError('internal_error', {
          cause: new Error(`tus ${response.status}: ${text}`),
        });
      return protocolViolation(text);
  }
}

function protocolViolation(text: string): AppError {
  return new AppError('validation_failed', {
    message: 'The upload request does not follow the tus protocol.',
    details: { issues: [{ path: 'headers', message: text }] },
  });
}

/** 413 for bytes past the length the upload declared (tus 1.0.0, section "Upload-Length"). */
function beyondDeclaredLength(): AppError {
  return new AppError('payload_too_large', {
    message: 'More bytes were sent than the upload declared.',
    details: { refusal: 'file_too_large' },
  });
}

/** Answers with tus's successful response: its status and tus headers, no body. */
async function relay(reply: FastifyReply, response: Response): Promise<FastifyReply> {
  if (response.status >= 400) throw await tusFailure(response);
  await response.body?.cancel();
  void reply.code(response.status);
  for (const name of relayedHeaders) {
    const value = response.headers.get(name);
    if (value !== null) void reply.header(name, value);
  }
  return reply.send();
}

function hasOffsetBody(headers: IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() === offsetContentType;
}

function requireOffsetBody(headers: IncomingHttpHeaders): void {
  if (!hasOffsetBody(headers)) {
    throw new AppError('unsupported_media_type', {
      message: `Send the bytes of an upload as ${offsetContentType}.`,
    });
  }
}

/** 404 for a cancelled upload, 409 with its state for one already complete. */
function requireReceiving(upload: RecordUploadRow): void {
  if (upload.state === 'receiving') return;
  if (upload.state === 'cancelled') throw new AppError('not_found');
  throw new AppError('conflict', {
    message: 'The upload is complete: nothing more can be sent to it.',
    details: { uploadState: upload.state },
  });
}

/** A request that passed our checks, for tus's callbacks. */
function checkedCall(
  request: FastifyRequest,
  actor: Actor,
  where: { caseId: string; uploadId: string },
  declaration: UploadDeclaration | null = null,
): CheckedCall {
  return { context: request.context, actor, ...where, declaration, created: false, failure: null };
}

/**
 * Builds the tus server over the staging store of `services.config.dataDir`, bound to our use
 * cases; `jobs` receives the `records.process` jobs of complete uploads.
 */
export async function createRecordUploadTransport(
  services: Services,
  jobs: Pick<JobQueue, 'send'>,
): Promise<RecordUploadTransport> {
  const store = await openStagingStore(services.config.dataDir, services.clock);
  const progress = createUploadProgress(services);
  const calls = new WeakMap<Request, CheckedCall>();

  const callOf = (request: Request): CheckedCall => {
    const call = calls.get(request);
    if (call === undefined) throw new Error('a tus request that was not checked first');
    return call;
  };

  /** Runs one of our callbacks, keeping its error to answer with. */
  const guarded = async <T>(request: Request, work: (call: CheckedCall) => Promise<T>) => {
    const call = callOf(request);
    try {
      return await work(call);
    } catch (error) {
      call.failure = { error };
      throw error;
    }
  };

  const tus = new Server({
    // Unused: upload URLs are built and upload ids read by the functions below.
    path: '/api/v1/cases',
    datastore: store,
    locker: new MemoryLocker(),
    maxSize: recordMaxBytes,
    allowedOrigins: [],
    postReceiveInterval: progressIntervalMs,
    namingFunction: (request) => callOf(request).uploadId,
    getFileIdFromRequest: (request) => calls.get(request)?.uploadId,
    generateUrl: (request, { id }) => uploadUrl(callOf(request).caseId, id),
    onUploadCreate: (request) =>
      guarded(request, async (call) => {
        if (call.declaration === null) throw new Error('a creation without its declaration');
        await startRecordUpload(services, call.context, call.actor, {
          caseId: call.caseId,
          uploadId: call.uploadId,
          declaration: call.declaration,
        });
        call.created = true;
        return { metadata: stagedMetadataOf(call.declaration) };
      }),
    onUploadFinish: (request, upload) =>
      guarded(request, async (call) => {
        await completeRecordUpload(services, jobs, call.context, call.actor, {
          caseId: call.caseId,
          uploadId: upload.id,
          sizeBytes: upload.offset,
        });
        return {};
      }),
  });
  tus.on(EVENTS.POST_RECEIVE, (_request, upload) => {
    progress.noteReceived(upload.id, upload.offset);
  });

  /** Hands a checked request to tus; throws our callback's error if one failed. */
  const runTus = async (request: FastifyRequest, call: CheckedCall, withBody: boolean) => {
    const webRequest = toWebRequest(request, withBody);
    calls.set(webRequest, call);
    const response = await tus.handleWeb(webRequest);
    if (call.failure !== null) {
      await response.body?.cancel();
      throw call.failure.error;
    }
    return response;
  };

  /** The checks shared by HEAD, PATCH and DELETE: member, case, the caller's own upload. */
  const checkUploadRequest = async (request: FastifyRequest) => {
    const actor = requireUploadingMember(request);
    const params = parseParams(uploadParams, request.params);
    const target = await findUploadableCase(services.db, actor, params.caseId);
    const upload = await findCallersUpload(services.db, actor, target.id, params.uploadId);
    requireTusVersion(request.headers);
    const call = checkedCall(request, actor, { caseId: target.id, uploadId: upload.id });
    return { actor, upload, call };
  };

  return {
    async describe(request, reply) {
      const actor = requireUploadingMember(request);
      const { caseId } = parseParams(collectionParams, request.params);
      const target = await findUploadableCase(services.db, actor, caseId);
      const call = checkedCall(request, actor, { caseId: target.id, uploadId: randomUUID() });
      return relay(reply, await runTus(request, call, false));
    },

    async create(request, reply) {
      const actor = requireUploadingMember(request);
      const { caseId } = parseParams(collectionParams, request.params);
      const target = await findUploadableCase(services.db, actor, caseId);
      requireTusVersion(request.headers);
      const declaration = readUploadDeclaration(request.headers);
      const call = checkedCall(
        request,
        actor,
        { caseId: target.id, uploadId: randomUUID() },
        declaration,
      );
      // creation-with-upload: a body typed as upload bytes is the first part of the file.
      const withBody = hasOffsetBody(request.headers);
      if (withBody && Number(request.headers['content-length'] ?? 0) > declaration.declaredSize)
        throw beyondDeclaredLength();
      let response: Response;
      try {
        response = await runTus(request, call, withBody);
      } finally {
        if (call.created) await progress.settle(call.uploadId);
      }
      return relay(reply, response);
    },

    async probe(request, reply) {
      const { actor, upload, call } = await checkUploadRequest(request);
      if (upload.state === 'receiving') {
        const response = await runTus(request, call, false);
        if (response.ok && response.headers.get('upload-offset') === String(upload.declared_size)) {
          // Every byte is staged but the completion was never recorded (the request that
          // brought the last byte failed after writing it, or the server stopped in between):
          // the client is told the upload is complete, so it is completed now.
          await completeRecordUpload(services, jobs, request.context, actor, {
            caseId: call.caseId,
            uploadId: upload.id,
            sizeBytes: upload.declared_size,
          });
        }
        return relay(reply, response);
      }
      if (upload.state === 'cancelled') throw new AppError('not_found');
      // Complete (and perhaps already processed, its staging gone): all of it was received.
      return reply
        .code(200)
        .headers({
          'tus-resumable': tusVersion,
          'upload-offset': String(upload.declared_size),
          'upload-length': String(upload.declared_size),
          'cache-control': 'no-store',
        })
        .send();
    },

    async append(request, reply) {
      const { upload, call } = await checkUploadRequest(request);
      requireReceiving(upload);
      requireOffsetBody(request.headers);
      const declaredLength = Number(request.headers['content-length'] ?? 0);
      const offset = Number(request.headers['upload-offset'] ?? 0);
      if (offset + declaredLength > upload.declared_size) throw beyondDeclaredLength();
      // The count is settled before the answer, so a client's next look at the row sees it.
      let response: Response;
      try {
        response = await runTus(request, call, true);
      } finally {
        await progress.settle(upload.id);
      }
      return relay(reply, response);
    },

    async cancel(request, reply) {
      const { actor, upload, call } = await checkUploadRequest(request);
      const staged = await stagedUploadState(services.config, upload.id);
      await cancelRecordUpload(services, request.context, actor, {
        caseId: call.caseId,
        uploadId: upload.id,
        receivedBytes: staged?.sizeBytes ?? null,
      });
      // Through tus, so a PATCH still writing is stopped (its lock) before the bytes go.
      const response = await runTus(request, call, false);
      await response.body?.cancel();
      if (response.status >= 500) {
        services.logger.warn(
          { uploadId: upload.id, status: response.status },
          'tus could not remove a cancelled upload; removing its staging directly',
        );
      }
      await removeStagedUpload(services.config, upload.id);
      return reply.code(204).header('tus-resumable', tusVersion).send();
    },

    close: () => progress.close(),
  };
}
