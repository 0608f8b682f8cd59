/**
 * Sends one document to a case's attachment list. The body is the file itself and what describes
 * it travels in headers (Content-Type; X-File-Name and X-Description percent-encoded, RFC 3986),
 * which the generated client cannot express, and the person should see progress, which fetch
 * cannot report; so this one call uses XMLHttpRequest, with the same CSRF header and the same
 * error type as every other call (`client.ts`, `api-error.ts`).
 */
import type { AttachmentMediaType } from '../../core/attachments.ts';
import { ApiError, toApiError } from '../api/api-error.ts';
import { csrfCookieName, csrfHeaderName, readCookie } from '../api/client.ts';
import type { CaseAttachment } from './case-api.ts';

export interface AttachmentUpload {
  caseId: string;
  file: File;
  mediaType: AttachmentMediaType;
  description: string | null;
  /** Called with the share of the file sent so far, 0 to 1. */
  onProgress: (fraction: number) => void;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isAttachment(value: unknown): value is CaseAttachment {
  return typeof value === 'object' && value !== null && 'id' in value && 'fileName' in value;
}

/** Uploads the file; resolves with the stored attachment or rejects with an `ApiError`. */
export function uploadAttachment(upload: AttachmentUpload): Promise<CaseAttachment> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/api/v1/cases/${encodeURIComponent(upload.caseId)}/attachments`);
    request.setRequestHeader('Content-Type', upload.mediaType);
    request.setRequestHeader('X-File-Name', encodeURIComponent(upload.file.name));
    if (upload.description !== null)
      request.setRequestHeader('X-Description', encodeURIComponent(upload.description));
    const token = readCookie(csrfCookieName);
    if (token !== undefined) request.setRequestHeader(csrfHeaderName, token);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) upload.onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      const body = parseBody(request.responseText);
      if (request.status >= 200 && request.status < 300 && isAttachment(body)) {
        upload.onProgress(1);
        resolve(body);
      } else reject(toApiError(request.status, body));
    };
    request.onerror = () =>
      reject(new ApiError({ status: 0, code: 'network_error', message: 'Network error' }));
    request.send(upload.file);
  });
}
