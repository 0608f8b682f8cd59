/**
 * The view model of the signed-opinion PDF: everything the report prints, already loaded and
 * access-checked by the use case that asks for it, so the renderer (`opinion-pdf.ts`) does no I/O
 * beyond its fonts and can be tested on a plain object.
 *
 * One report covers the opinion (sequence 1) and every addendum up to the one it is issued for, so
 * a PDF handed out after a follow-up answer still carries the original opinion it amends.
 */
import type { AddendumContent, OpinionContent } from '../../core/opinion.ts';

/** One signed version as printed: its sealed content and the signature facts beside it. */
export interface OpinionReportVersion {
  sequence: number;
  kind: 'opinion' | 'addendum';
  content: OpinionContent | AddendumContent;
  /** For an addendum answering a follow-up question, the question as asked. */
  followUpQuestion: string | null;
  signerName: string;
  signerCredentials: string;
  /** ISO 8601 instant. */
  signedAt: string;
  /** The SHA-256 seal of the version, lower-case hex. */
  sealSha256: string;
  /** The version's verification code, unformatted (12 Crockford base32 characters). */
  verificationCode: string;
}

export interface OpinionReport {
  organization: { name: string };
  patient: { name: string; birthDate: string | null };
  case: {
    id: string;
    diagnosis: { code: string | null; text: string | null };
    proposedTreatment: string | null;
    questions: { id: string; text: string }[];
    submittedAt: string | null;
  };
  /** The opinion (sequence 1) and every addendum up to the one this PDF is for, in order. */
  versions: OpinionReportVersion[];
  /** The verification code of the newest version in `versions`, printed prominently. */
  verificationCode: string;
  /** The public verification page, e.g. `https://host/verify`; the code is appended to it. */
  verifyUrl: string;
  language: 'en' | 'es';
  /** The organization's IANA time zone, in which dates are printed. */
  timeZone: string;
}
