/**
 * What a resumable upload declares when it is created, read from the tus 1.0 creation request
 * (tus 1.0.0, "Creation" extension): its length (`Upload-Length`, required: a deferred length is
 * not accepted, so the size limit holds before a byte arrives) and its metadata
 * (`Upload-Metadata`: comma-separated `key base64(value)` pairs). Accepted keys:
 *
 * - `filename` (required): cleaned by the attachment list's rules (`sanitizeAttachmentFileName`):
 *   last path segment only, no control or bidirectional-override characters, at most 255
 *   characters, a fallback name when nothing usable is left;
 * - `relativePath` (optional): where the file sat in a dropped folder; every segment cleaned the
 *   same way, `.`/`..`, empty segments and a leading drive letter dropped, so it is always relative
 *   and never climbs; the deepest segments kept within 1024 characters;
 * - `filetype` (optional): the browser's media type, advisory only (the processing step judges a
 *   file by its content);
 * - `batchId` (optional): a UUID grouping the files of one drop.
 *
 * Unknown keys are refused like unknown fields everywhere at the edge. Refusals map to the error
 * catalogue: 400 `validation_failed` (with `issues`), 413 `payload_too_large` for a length over the
 * limit and 400 `validation_failed` for a length of 0; both carry the record refusal code
 * (`file_too_large`, `empty_file`) in `details.refusal`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Metadata } from '@tus/server';
import { z } from 'zod';
import {
  fallbackAttachmentFileName,
  sanitizeAttachmentFileName,
} from '../../../core/attachments.ts';
import { AppError } from '../../../core/errors.ts';
import {
  recordRefusalCatalog,
  type RecordRefusalCode,
} from '../../../core/records/record-refusals.ts';
import { recordMaxBytes } from '../../../core/records/record-types.ts';

/** The most characters of a stored relative path (the column's limit too). */
export const relativePathMaxLength = 1024;

/** The tus protocol version spoken (tus 1.0.0, section "Tus-Resumable"). */
export const tusVersion = '1.0.0';

/** What a creation request declares, cleaned and ready to store. */
export interface UploadDeclaration {
  declaredSize: number;
  fileName: string;
  relativePath: string | null;
  fileType: string | null;
  batchId: string | null;
}

interface Issue {
  path: string;
  message: string;
}

function invalid(issues: Issue[], message?: string): AppError {
  return new AppError('validation_failed', {
    ...(message === undefined ? {} : { message }),
    details: { issues },
  });
}

/** The refusal of an upload by its record refusal code, as an error of the catalogue. */
export function uploadRefusal(
  refusal: Extract<RecordRefusalCode, 'file_too_large' | 'empty_file'>,
  maxBytes = recordMaxBytes,
): AppError {
  switch (refusal) {
    case 'file_too_large':
      return new AppError('payload_too_large', {
        message: `The file is larger than ${Math.floor(maxBytes / (1024 * 1024 * 1024))} GB, the most one upload may carry.`,
        details: { refusal, maxBytes },
      });
    case 'empty_file':
      return new AppError('validation_failed', {
        message: recordRefusalCatalog.empty_file,
        details: {
          refusal,
          issues: [{ path: 'headers.upload-length', message: 'the file is empty' }],
        },
      });
    default: {
      const exhaustive: never = refusal;
      throw new Error(`unknown refusal ${String(exhaustive)}`);
    }
  }
}

/** A single header value; repeated headers are refused (tus headers are single-valued). */
function singleHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value))
    throw invalid([{ path: `headers.${name}`, message: 'sent more than once' }]);
  return value;
}

/** Refuses a request that does not speak tus 1.0.0 (`Tus-Resumable`, required on all but OPTIONS). */
export function requireTusVersion(headers: IncomingHttpHeaders): void {
  const version = singleHeader(headers, 'tus-resumable');
  if (version !== tusVersion) {
    throw new AppError('validation_failed', {
      message: `Send the header Tus-Resumable: ${tusVersion}.`,
      details: { issues: [{ path: 'headers.tus-resumable', message: `must be ${tusVersion}` }] },
      headers: { 'tus-version': tusVersion },
    });
  }
}

/** The declared length: digits only, more than 0 (else `empty_file`), at most `maxBytes`. */
function declaredLength(headers: IncomingHttpHeaders, maxBytes: number): number {
  if (singleHeader(headers, 'upload-defer-length') !== undefined) {
    throw invalid(
      [{ path: 'headers.upload-defer-length', message: 'a deferred length is not accepted' }],
      'Declare the size of the file (Upload-Length) when the upload is created.',
    );
  }
  if (singleHeader(headers, 'upload-concat') !== undefined) {
    throw invalid([{ path: 'headers.upload-concat', message: 'concatenation is not supported' }]);
  }
  const raw = singleHeader(headers, 'upload-length');
  if (raw === undefined) {
    throw invalid(
      [{ path: 'headers.upload-length', message: 'required' }],
      'Declare the size of the file (Upload-Length) when the upload is created.',
    );
  }
  if (!/^\d{1,16}$/.test(raw)) {
    throw invalid([{ path: 'headers.upload-length', message: 'must be a whole number of bytes' }]);
  }
  const length = Number(raw);
  if (length === 0) throw uploadRefusal('empty_file');
  if (length > maxBytes) throw uploadRefusal('file_too_large', maxBytes);
  return length;
}

const metadataValue = z.string().max(4096);

const metadataSchema = z.strictObject({
  filename: metadataValue.min(1, 'the file name is missing'),
  relativePath: metadataValue.optional(),
  filetype: z.string().max(255).optional(),
  batchId: z.uuid().optional(),
});

/** The metadata pairs, decoded; a key sent without a value counts as absent. */
function decodedMetadata(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: Record<string, string | null>;
  try {
    parsed = Metadata.parse(raw);
  } catch {
    throw invalid([
      {
        path: 'headers.upload-metadata',
        message: 'must be comma-separated pairs of a unique key and a base64 value',
      },
    ]);
  }
  return Object.fromEntries(
    Object.entries(parsed).filter((entry): entry is [string, string] => entry[1] !== null),
  );
}

// C0 and C1 controls, DEL, bidirectional overrides and isolates (Unicode TR #36, section 2.1).
const unsafeCharacters =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A folder path as stored: relative, never climbing, each segment cleaned like a file name;
 * null when nothing usable is left. Only the deepest segments are kept when the whole would be
 * longer than `relativePathMaxLength`.
 */
export function sanitizeRelativePath(raw: string): string | null {
  const segments = raw.normalize('NFC').split(/[/\\]/);
  const kept: string[] = [];
  segments.forEach((segment, index) => {
    // `C:` of a Windows path: the path is made relative to what follows.
    if (index === 0 && /^[a-z]:$/i.test(segment.trim())) return;
    const visible = segment.replace(unsafeCharacters, '').trim();
    if (visible === '' || /^\.+$/.test(visible)) return;
    const cleaned = sanitizeAttachmentFileName(segment);
    // The sanitiser names what it could not keep `attachment`; such a segment is dropped.
    if (cleaned === fallbackAttachmentFileName && !visible.includes(fallbackAttachmentFileName))
      return;
    kept.push(cleaned);
  });
  while (kept.length > 0 && Array.from(kept.join('/')).length > relativePathMaxLength) kept.shift();
  return kept.length === 0 ? null : kept.join('/');
}

/**
 * The declaration of a creation request (`POST`), cleaned; throws the 400/413 described in the
 * module comment. `maxBytes` is the size limit (default 2 GiB).
 */
export function readUploadDeclaration(
  headers: IncomingHttpHeaders,
  maxBytes = recordMaxBytes,
): UploadDeclaration {
  const declaredSize = declaredLength(headers, maxBytes);
  const parsed = metadataSchema.safeParse(
    decodedMetadata(singleHeader(headers, 'upload-metadata')),
  );
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => ({
        path: ['headers.upload-metadata', ...issue.path.map(String)].join('.'),
        message:
          issue.code === 'invalid_type' && issue.path[0] === 'filename'
            ? 'the file name is missing'
            : issue.message,
      })),
    );
  }
  const { filename, relativePath, filetype, batchId } = parsed.data;
  const fileType = filetype?.replace(unsafeCharacters, '').trim() ?? '';
  return {
    declaredSize,
    fileName: sanitizeAttachmentFileName(filename),
    relativePath: relativePath === undefined ? null : sanitizeRelativePath(relativePath),
    fileType: fileType === '' ? null : fileType,
    batchId: batchId ?? null,
  };
}

/** The metadata kept beside the staged file (and echoed on HEAD): the cleaned values only. */
export function stagedMetadataOf(declaration: UploadDeclaration): Record<string, string> {
  return {
    filename: declaration.fileName,
    ...(declaration.relativePath === null ? {} : { relativePath: declaration.relativePath }),
    ...(declaration.fileType === null ? {} : { filetype: declaration.fileType }),
    ...(declaration.batchId === null ? {} : { batchId: declaration.batchId }),
  };
}
