/**
 * One resumable upload of a record file to a case, over tus 1.0.0 (tus-js-client): creation at
 * the case's uploads endpoint, then HEAD/PATCH in 8 MiB chunks. What is owned here:
 *
 * - the CSRF double-submit header on every tus request (the same cookie and header as `client.ts`);
 * - the Upload-Metadata the server reads (`filename`, `relativePath`, `filetype`, `batchId`;
 *   tus 1.0.0 §Upload-Metadata, values base64-encoded by the client);
 * - automatic retry after a dropped connection (`retryDelays`), and waiting for the browser to be
 *   back online when it says it is offline;
 * - resuming across page reloads and server restarts: each upload URL is stored in this browser
 *   under a fingerprint that includes the case, so choosing the same file again for the same case
 *   continues where it stopped (tus 1.0.0 §Core Protocol, HEAD for the offset);
 * - turning the server's JSON error (`{ error: { code, message } }`) into an `ApiError`.
 *
 * The stored entries live under their own localStorage prefix so they can be listed per case
 * ("unfinished uploads") and cleared, e.g. at sign-out (`forgetUnfinishedUploads`).
 */
import {
  Upload,
  type DetailedError,
  type HttpRequest,
  type PreviousUpload,
  type UrlStorage,
} from 'tus-js-client';
import { ApiError, toApiError } from '../api/api-error.ts';
import { csrfCookieName, csrfHeaderName, readCookie } from '../api/client.ts';
import { caseUploadsEndpoint } from './records-api.ts';

/** Bytes per PATCH: large enough to keep overhead low, small enough to lose little on a drop. */
export const recordUploadChunkBytes = 8 * 1024 * 1024;

/** Waits before each automatic retry (ms); the count resets once a chunk gets through. */
export const recordUploadRetryDelays = [0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000, 60_000];

const storagePrefix = 'consilium.upload::';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/**
 * Upload URLs kept in localStorage: the shape tus-js-client asks for, under a prefix of our own
 * so entries can be listed per case and forgotten at sign-out.
 */
const recordUrlStorage: UrlStorage = {
  async findAllUploads() {
    return readEntries(storagePrefix);
  },
  async findUploadsByFingerprint(fingerprint) {
    return readEntries(`${storagePrefix}${fingerprint}::`);
  },
  async removeUpload(urlStorageKey) {
    storage()?.removeItem(urlStorageKey);
  },
  async addUpload(fingerprint, upload) {
    const key = `${storagePrefix}${fingerprint}::${String(Date.now())}${String(Math.random()).slice(2, 8)}`;
    try {
      storage()?.setItem(key, JSON.stringify(upload));
    } catch {
      // Storage full or refused: the upload still runs, it just cannot resume after a reload.
    }
    return key;
  },
};

function isPreviousUpload(value: unknown): value is Omit<PreviousUpload, 'urlStorageKey'> {
  return (
    typeof value === 'object' &&
    value !== null &&
    'metadata' in value &&
    'uploadUrl' in value &&
    typeof value.metadata === 'object' &&
    value.metadata !== null
  );
}

function readEntries(prefix: string): PreviousUpload[] {
  const store = storage();
  if (store === null) return [];
  const found: PreviousUpload[] = [];
  for (let index = 0; index < store.length; index += 1) {
    const key = store.key(index);
    if (key === null || !key.startsWith(prefix)) continue;
    try {
      const value: unknown = JSON.parse(store.getItem(key) ?? 'null');
      if (isPreviousUpload(value)) found.push({ ...value, urlStorageKey: key });
    } catch {
      // A damaged entry must not stop other uploads; it is simply not offered.
    }
  }
  return found;
}

async function sha256Hex(text: string): Promise<string> {
  if (typeof crypto === 'undefined' || crypto.subtle === undefined) return text;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The key under which an upload's URL is remembered: the case in clear (to list a case's
 * unfinished uploads) and a digest of where the file was in its folder, its name, size and
 * modification time (so that the same file chosen again is recognised, and nothing about it is
 * readable from the key).
 */
async function fingerprintFor(caseId: string, file: File, relativePath: string): Promise<string> {
  const digest = await sha256Hex(
    [relativePath, file.name, String(file.size), String(file.lastModified)].join('\u0000'),
  );
  return `${caseId}::${digest}`;
}

/** A file chosen for upload, with its path inside a dropped folder ('' for a loose file). */
export interface RecordUploadSource {
  file: File;
  relativePath: string;
}

export interface RecordUploadCallbacks {
  /** Bytes the server has confirmed or that are in flight, out of the file's size. */
  onProgress: (bytesSent: number, bytesTotal: number) => void;
  /** Bytes the server has confirmed storing (its Upload-Offset after a PATCH). */
  onAccepted: (bytesAccepted: number) => void;
  onSuccess: () => void;
  /** A final failure (retries used up, or an answer that retrying cannot change). */
  onError: (error: ApiError) => void;
  /** The browser went offline: the upload waits and continues by itself once it is back. */
  onWaitingForNetwork: () => void;
  /** The upload continues one begun earlier (this visit or a previous one) for the same file. */
  onResumed: () => void;
}

export interface RecordUploadOptions extends RecordUploadSource {
  caseId: string;
  /** One UUID per drop, so the server can tell the files of one folder apart from others. */
  batchId: string;
  callbacks: RecordUploadCallbacks;
}

/** What the queue can do with a running upload. */
export interface RecordUploadHandle {
  /** Starts, resuming a previous upload of the same file for the same case when one is stored. */
  start: () => Promise<void>;
  /** Stops sending; the server keeps what it has and `resume` continues from there. */
  pause: () => Promise<void>;
  resume: () => void;
  /** Stops and asks the server to discard what it received (tus Termination extension). */
  cancel: () => Promise<void>;
}

function addCsrfHeader(request: HttpRequest): void {
  const token = readCookie(csrfCookieName);
  if (token !== undefined) request.setHeader(csrfHeaderName, token);
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isDetailedError(error: unknown): error is DetailedError {
  return error instanceof Error && 'originalRequest' in error;
}

function detailsOf(error: ApiError): Record<string, unknown> {
  return typeof error.details === 'object' && error.details !== null
    ? (error.details as Record<string, unknown>)
    : {};
}

/**
 * Gives the uploader's own codes to the server's refusals that carry their reason in `details`
 * (docs/records-uploads.md, Errors): `refusal: empty_file | file_too_large`, and a 409 naming the
 * case's `currentState` (the stage takes no documents).
 */
function withUploadCode(error: ApiError): ApiError {
  const details = detailsOf(error);
  const refusal = details.refusal;
  const code =
    refusal === 'empty_file' || refusal === 'file_too_large'
      ? refusal
      : error.status === 409 && 'currentState' in details
        ? 'case_not_accepting_documents'
        : null;
  if (code === null) return error;
  return new ApiError({
    status: error.status,
    code,
    message: error.message,
    details: error.details,
  });
}

/** The server's answer inside a tus-js-client error, as the app's one error type. */
export function toUploadError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isDetailedError(error)) {
    const response = error.originalResponse;
    if (response !== null && response.getStatus() > 0) {
      return withUploadCode(toApiError(response.getStatus(), parseBody(response.getBody())));
    }
  }
  return new ApiError({ status: 0, code: 'network_error', message: 'Network error', cause: error });
}

function isOffline(): boolean {
  return typeof navigator !== 'undefined' && !navigator.onLine;
}

/**
 * Retry when retrying can help: no answer at all, a server error, a lock (423), or a 409 about
 * the offset or the upload's lock (`details.reason` `offset_mismatch` or `taken_over`: a HEAD then
 * tells where to continue). Not a 409 about the case's stage or a complete upload.
 */
function shouldRetry(error: DetailedError): boolean {
  if (isOffline()) return false;
  const status = error.originalResponse?.getStatus() ?? 0;
  if (status === 0 || status >= 500 || status === 423) return true;
  if (status === 409) {
    const details = detailsOf(toUploadError(error));
    return !('currentState' in details) && !('uploadState' in details);
  }
  return false;
}

/** A 409 saying the upload is already complete (`details.uploadState`): the file arrived. */
function isAlreadyComplete(error: ApiError): boolean {
  return error.status === 409 && 'uploadState' in detailsOf(error);
}

/** Creates a resumable upload; nothing is sent until `start`. */
export function createRecordUpload(options: RecordUploadOptions): RecordUploadHandle {
  const { caseId, file, relativePath, batchId, callbacks } = options;
  let stopped = false;
  let onlineListener: (() => void) | null = null;

  const forgetStored = async () => {
    const fingerprint = await fingerprintFor(caseId, file, relativePath);
    const entries = await recordUrlStorage.findUploadsByFingerprint(fingerprint);
    await Promise.all(entries.map((entry) => recordUrlStorage.removeUpload(entry.urlStorageKey)));
  };

  const stopWaitingForNetwork = () => {
    if (onlineListener !== null) window.removeEventListener('online', onlineListener);
    onlineListener = null;
  };

  const upload = new Upload(file, {
    endpoint: caseUploadsEndpoint(caseId),
    chunkSize: recordUploadChunkBytes,
    retryDelays: recordUploadRetryDelays,
    metadata: {
      filename: file.name,
      relativePath,
      filetype: file.type,
      batchId,
    },
    fingerprint: () => fingerprintFor(caseId, file, relativePath),
    urlStorage: recordUrlStorage,
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    onBeforeRequest: addCsrfHeader,
    onShouldRetry: shouldRetry,
    onProgress: (sent, total) => callbacks.onProgress(sent, total),
    onChunkComplete: (_chunk, accepted) => callbacks.onAccepted(accepted),
    onSuccess: () => callbacks.onSuccess(),
    onError: (error) => {
      if (stopped) return;
      const apiError = toUploadError(error);
      if (apiError.code === 'network_error' && isOffline()) {
        callbacks.onWaitingForNetwork();
        stopWaitingForNetwork();
        onlineListener = () => {
          stopWaitingForNetwork();
          if (!stopped) upload.start();
        };
        window.addEventListener('online', onlineListener);
        return;
      }
      // A refused file must not look "already complete" when chosen again: forget its URL.
      if (apiError.status >= 400 && apiError.status < 500) void forgetStored();
      if (isAlreadyComplete(apiError)) callbacks.onSuccess();
      else callbacks.onError(apiError);
    },
  });

  return {
    start: async () => {
      stopped = false;
      let previous: PreviousUpload[];
      try {
        previous = await upload.findPreviousUploads();
      } catch {
        previous = [];
      }
      const newest = previous
        .filter((entry) => entry.uploadUrl !== null)
        .sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0];
      if (stopped) return;
      if (newest !== undefined) {
        upload.resumeFromPreviousUpload(newest);
        callbacks.onResumed();
      }
      upload.start();
    },
    pause: async () => {
      stopped = true;
      stopWaitingForNetwork();
      await upload.abort(false);
    },
    resume: () => {
      stopped = false;
      upload.start();
    },
    cancel: async () => {
      stopped = true;
      stopWaitingForNetwork();
      try {
        await upload.abort(true);
      } catch {
        // The server may already have dropped it, or not offer termination: forget it here.
        await upload.abort(false);
      }
      await forgetStored();
    },
  };
}

/** An upload of this case that began in an earlier visit and did not finish. */
export interface UnfinishedUpload {
  key: string;
  fileName: string;
  relativePath: string;
  sizeBytes: number | null;
  startedAt: string;
}

/** The case's unfinished uploads remembered in this browser, newest first. */
export function listUnfinishedUploads(caseId: string): UnfinishedUpload[] {
  return readEntries(`${storagePrefix}${caseId}::`)
    .map((entry) => ({
      key: entry.urlStorageKey,
      fileName: entry.metadata.filename ?? '',
      relativePath: entry.metadata.relativePath ?? '',
      sizeBytes: entry.size,
      startedAt: entry.creationTime,
    }))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/**
 * Forgets unfinished uploads kept in this browser: of one case, or all of them (at sign-out, so
 * the next person on this computer is not offered them). The server discards its partial files
 * on its own schedule.
 */
export function forgetUnfinishedUploads(caseId?: string): void {
  const store = storage();
  if (store === null) return;
  const prefix = caseId === undefined ? storagePrefix : `${storagePrefix}${caseId}::`;
  const keys: string[] = [];
  for (let index = 0; index < store.length; index += 1) {
    const key = store.key(index);
    if (key?.startsWith(prefix) === true) keys.push(key);
  }
  for (const key of keys) store.removeItem(key);
}

/** A new batch id: one UUID per drop or pick. */
export function newBatchId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // Outside a secure context randomUUID is missing; build a version-4 UUID (RFC 9562 §5.4).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
