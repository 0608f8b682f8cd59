/**
 * The rules of a case's attachment list (issue 3: "a place to attach documents"): which media
 * types are accepted, how large a file may be, in which stages documents may be added or taken
 * back, who may add them, and how a file name sent by a browser becomes one safe to show and to
 * offer for download. Shared by the server, which enforces them, and the web app, which checks
 * before sending. The records pipeline (resumable, encrypted, scanned uploads) replaces the
 * transport later; these rules stay the contract of what the list holds.
 */
import { canEver, type Action } from './access.ts';
import type { CaseState } from './case-lifecycle.ts';
import type { Role } from './roles.ts';

/**
 * Media types accepted, with the file-name extensions a browser that reports no type (DICOM files
 * usually) is judged by. Nothing that a browser would render as active content (HTML, SVG, XML)
 * is accepted, and every download is sent as an attachment in any case.
 */
export const attachmentMediaTypes = {
  'application/pdf': ['.pdf'],
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/png': ['.png'],
  'image/tiff': ['.tif', '.tiff'],
  'image/heic': ['.heic'],
  'application/dicom': ['.dcm', '.dicom'],
  'text/plain': ['.txt'],
} as const satisfies Record<string, readonly string[]>;

export type AttachmentMediaType = keyof typeof attachmentMediaTypes;

export const attachmentMediaTypeNames = Object.keys(attachmentMediaTypes) as AttachmentMediaType[];

/** The largest file this plain list takes: 25 MiB (large studies wait for resumable uploads). */
export const attachmentMaxBytes = 25 * 1024 * 1024;

/** The most characters of a file name kept (the database's limit too). */
export const attachmentFileNameMaxLength = 255;

/** The most characters of a description. */
export const attachmentDescriptionMaxLength = 500;

/**
 * Stages in which documents may be added: while the patient side writes the intake (draft), while
 * the coordinator triages it, and whenever records or answers are asked of the patient.
 */
export const attachmentUploadStates = [
  'draft',
  'triage',
  'awaiting_records',
  'awaiting_patient',
] as const satisfies readonly CaseState[];

/**
 * Stages in which the uploader may take a document back: only before the organization has
 * received the case. After submission a document is part of what was sent and stays.
 */
export const attachmentRemovalStates = ['draft'] as const satisfies readonly CaseState[];

/** Whether documents may be added to a case in `state`. */
export function acceptsAttachments(state: CaseState): boolean {
  return (attachmentUploadStates as readonly CaseState[]).includes(state);
}

/** Whether an uploader may take a document back from a case in `state`. */
export function allowsAttachmentRemoval(state: CaseState): boolean {
  return (attachmentRemovalStates as readonly CaseState[]).includes(state);
}

/**
 * The access action whose grant (see `access.ts`) decides whether `role` may add documents to a
 * case: the patient side adds them as part of writing the intake (`case.update`: the patient, a
 * proxy whose grant lets them act, the referring physician); the coordinator, who collects missing
 * records during triage, wherever it may read the case (its whole organization). Specialists and
 * the care team read documents but do not add them here; null means never.
 */
export function attachmentUploadAction(role: Role): Action | null {
  if (role === 'coordinator') return 'case.read';
  return canEver(role, 'case.update') ? 'case.update' : null;
}

/** The media type without parameters, lower-cased (`Application/PDF; x=y` → `application/pdf`). */
export function mediaTypeEssence(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** The accepted media type named by a Content-Type value, or null when it is not accepted. */
export function acceptedAttachmentMediaType(contentType: string): AttachmentMediaType | null {
  const essence = mediaTypeEssence(contentType);
  return attachmentMediaTypeNames.find((name) => name === essence) ?? null;
}

/**
 * The media type to send a file as: the browser's own when it is accepted, otherwise the one its
 * extension names (browsers report DICOM files with an empty type); null when neither is accepted.
 */
export function attachmentMediaTypeFor(
  fileName: string,
  browserType: string,
): AttachmentMediaType | null {
  const byType = browserType === '' ? null : acceptedAttachmentMediaType(browserType);
  if (byType !== null) return byType;
  const lower = fileName.toLowerCase();
  return (
    attachmentMediaTypeNames.find((name) =>
      (attachmentMediaTypes[name] as readonly string[]).some((extension) =>
        lower.endsWith(extension),
      ),
    ) ?? null
  );
}

/** The file name shown when nothing usable is left of the one sent. */
export const fallbackAttachmentFileName = 'attachment';

// C0 and C1 controls, DEL, and the bidirectional overrides and isolates that can make
// "invoice\u202Efdp.exe" display as "invoiceexe.pdf" (Unicode TR #36, section 2.1).
const unsafeCharacters =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Characters Windows refuses in file names; replaced so a download saves under the same name.
const reservedCharacters = /[<>:"|?*]/g;

/**
 * A file name safe to store, show and offer for download: only its last path segment (no
 * directories, no `..`), without control or bidirectional-override characters, without
 * characters Windows refuses, without leading dots or trailing dots and spaces, with runs of
 * white space collapsed, normalised to NFC, and at most 255 characters (keeping a short
 * extension). Files are stored under generated keys, so the name never reaches the file system;
 * this is about what people see and save.
 */
export function sanitizeAttachmentFileName(raw: string): string {
  const lastSegment =
    raw
      .normalize('NFC')
      .split(/[/\\]/)
      .filter((segment) => segment.trim() !== '')
      .pop() ?? '';
  const cleaned = tidyFileName(
    lastSegment.replace(/\s/g, ' ').replace(unsafeCharacters, '').replace(reservedCharacters, '_'),
  );
  const characters = Array.from(cleaned);
  if (characters.length === 0) return fallbackAttachmentFileName;
  if (characters.length <= attachmentFileNameMaxLength) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 ? Array.from(cleaned.slice(dot)) : [];
  const keep = extension.length > 0 && extension.length <= 16 ? extension : [];
  const stem = characters.slice(0, attachmentFileNameMaxLength - keep.length).join('');
  return tidyFileName(`${stem}${keep.join('')}`);
}

/** NFC, white space collapsed; no leading dots (hidden files, `..`), no trailing dots or spaces. */
function tidyFileName(value: string): string {
  return value
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+/, '')
    .replace(/[\s.]+$/, '');
}

/** A description as stored: controls removed, white space collapsed; null when nothing is left. */
export function normalizeAttachmentDescription(raw: string): string | null {
  const cleaned = raw.normalize('NFC').replace(unsafeCharacters, ' ').replace(/\s+/g, ' ').trim();
  return cleaned === '' ? null : cleaned;
}
