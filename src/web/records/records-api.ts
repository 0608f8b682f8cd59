/**
 * The browser's view of a case's records (issue 4): the shapes the records screens read (mirroring
 * the server's `records.types.ts`), their query keys and options, and every URL the records
 * pipeline talks to (the tus upload endpoint, the document list, a document's content, the
 * records timeline, the safety net's findings with decisions and responses, the release-of-information
 * authorization). It is the one module that knows
 * those paths, so the generated typed client can replace the hand-written fetches here without
 * touching a component. Bodies are checked for their outline before use.
 */
import { queryOptions } from '@tanstack/react-query';
import type {
  ClinicalItemType,
  DocumentCondition,
  DocumentKind,
  IsoDate,
  RecordFormat,
} from '../../core/records/record-types.ts';
import type { PatientAction } from '../../core/safety/finding.ts';
import type { FindingResponseKind, ResolutionMethod } from '../../core/safety/resolution.ts';
import { client, unwrap } from '../api/client.ts';

/** A stored document of the case, as the list and the viewers need it. */
export interface RecordDocumentSummary {
  id: string;
  /** `YYYY-MM-DD — Kind — Source` (core's `documentDisplayName`). */
  displayName: string;
  kind: DocumentKind;
  /** Recognised by content, not by the file's name. */
  format: RecordFormat;
  dateOfService: IsoDate | null;
  source: string | null;
  sizeBytes: number;
  sha256: string;
  /** Whether the content could be read: `ready`, or `corrupt` / `encrypted` (password). */
  condition: DocumentCondition;
  /** The name the file had when it was uploaded, and where it sat in a dropped folder. */
  fileName: string;
  relativePath: string | null;
  uploadedAt: string;
  uploadedBy: { id: string; name: string };
  /** The first document of the case with the same bytes, when this one is a duplicate. */
  duplicateOf: string | null;
  /** When kind, date or source were last corrected by a person. */
  describedAt: string | null;
  dicom: {
    studyInstanceUid: string;
    seriesInstanceUid: string | null;
    instanceNumber: number | null;
    modality: string | null;
  } | null;
}

/** Where an upload stands before it becomes a document (or does not). */
export type CaseUploadState = 'receiving' | 'processing' | 'refused' | 'quarantined';

/** An upload of the case that is not (yet) a document. */
export interface CaseUploadSummary {
  id: string;
  fileName: string;
  relativePath: string | null;
  sizeBytes: number;
  receivedBytes: number;
  state: CaseUploadState;
  /** Why it was refused (`code` from core's record refusals, `message` for people). */
  refusal: { code: string; message: string } | null;
  createdAt: string;
}

/** A DICOM series: its instances are documents, listed in instance-number order. */
export interface RecordSeries {
  seriesInstanceUid: string;
  modality: string | null;
  description: string | null;
  instanceCount: number;
  documentIds: string[];
}

/** A DICOM study, grouping the series that arrived for it. */
export interface RecordStudy {
  studyInstanceUid: string;
  studyDate: IsoDate | null;
  description: string | null;
  modalities: string[];
  bodyPart: string | null;
  series: RecordSeries[];
}

/** `GET /api/v1/cases/{caseId}/documents`. */
export interface CaseRecords {
  documents: RecordDocumentSummary[];
  uploads: CaseUploadSummary[];
  studies: RecordStudy[];
  /** Whether the caller may add documents now (their access to the case and its stage). */
  canUpload: boolean;
}

/** What a timeline entry is: a stored document, or a clinical item imported from one. */
export const timelineEntryKinds = [
  'document',
  'condition',
  'medication',
  'allergy',
  'observation',
  'procedure',
  'report',
] as const satisfies readonly ('document' | ClinicalItemType)[];

export type TimelineEntryKind = (typeof timelineEntryKinds)[number];

/** One point on the records timeline. */
export interface RecordsTimelineEntry {
  id: string;
  /** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; null when the record gives no date. */
  date: IsoDate | null;
  kind: TimelineEntryKind;
  /** For a document: what kind of document it is. */
  documentKind: DocumentKind | null;
  title: string;
  detail: string | null;
  /** The document to open: the document itself, or the one the item was imported from. */
  documentId: string | null;
}

/** `GET /api/v1/cases/{caseId}/records-timeline`. */
export interface RecordsTimeline {
  entries: RecordsTimelineEntry[];
}

export type FindingSeverity = 'blocker' | 'warning' | 'info';
export type FindingState = 'open' | 'resolved' | 'dismissed';
/** How a person resolved a finding (the system's own `no_longer_raised` is not chosen by people). */
export type FindingResolutionMethod = Exclude<ResolutionMethod, 'no_longer_raised'>;

/** A safety-net finding (PRODUCT.md capability 3): what is missing or looks wrong, and why. */
export interface SafetyFinding {
  id: string;
  /** The rule that raised it, e.g. `checklist_missing_record`. */
  rule: string;
  severity: FindingSeverity;
  state: FindingState;
  /** Whether the latest run still raises it. */
  present: boolean;
  /** Plain words for the patient side: what is missing and what to do. */
  patientText: string;
  /** The one thing the patient side is asked to do. */
  patientAction: PatientAction;
  /** Technical words for staff (null on the patient side). */
  staffText: string | null;
  evidence: { label: string; documentId: string | null }[];
  /** The values compared (staff only). */
  values: Record<string, string | number | null> | null;
  resolution: {
    outcome: 'resolved' | 'dismissed';
    /** Null when the system resolved it (the run no longer raises it). */
    by: { id: string; name: string } | null;
    at: string;
    method: string | null;
    note: string | null;
  } | null;
  /**
   * The latest answer or explanation of the patient side: who wrote it, and for whom when they
   * acted for the patient. The finding stays open until staff verify it.
   */
  patientResponse: {
    kind: FindingResponseKind;
    text: string;
    by: { id: string; name: string };
    onBehalfOf: { id: string; name: string } | null;
    at: string;
  } | null;
  /** Every step of the finding (staff only). */
  trail:
    | {
        at: string;
        action: string;
        by: { id: string; name: string } | null;
        method: string | null;
        /** A resolution's note, a dismissal's reason, or the text of a response. */
        note: string | null;
        severity: FindingSeverity;
        /** On `responded` steps: the kind of response and who it was written for. */
        response: {
          kind: FindingResponseKind;
          onBehalfOf: { id: string; name: string } | null;
        } | null;
      }[]
    | null;
  firstRaisedAt: string;
  lastRaisedAt: string;
}

/** `GET /api/v1/cases/{caseId}/findings`. */
export interface CaseFindings {
  findings: SafetyFinding[];
  /** When the safety net last ran over the case (null: never). */
  checkedAt: string | null;
  counts: Record<FindingSeverity, number>;
}

/** A person's decision on a finding (`POST …/findings/{findingId}/decision`). */
export type FindingDecision =
  | { outcome: 'resolved'; method: FindingResolutionMethod; note?: string }
  | { outcome: 'dismissed'; reason: string };

/** The patient side's answer or explanation on a finding (`POST …/findings/{findingId}/response`). */
export interface FindingResponseRequest {
  kind: FindingResponseKind;
  /** 1 to `findingResponseMaxLength` characters once trimmed. */
  text: string;
}

const base = (caseId: string) => `/api/v1/cases/${encodeURIComponent(caseId)}`;

/** The tus creation endpoint of a case (tus 1.0.0 §Creation). */
export function caseUploadsEndpoint(caseId: string): string {
  return `${base(caseId)}/uploads`;
}

/**
 * The decrypted bytes of a document, always sent as an attachment. `purpose: 'view'` asks the
 * server to audit the read as a view in the browser rather than a download.
 */
export function documentContentPath(caseId: string, documentId: string, purpose?: 'view'): string {
  const path = `${base(caseId)}/documents/${encodeURIComponent(documentId)}/content`;
  return purpose === undefined ? path : `${path}?purpose=${purpose}`;
}

export const caseRecordsQueryKey = (caseId: string) => ['records', caseId, 'documents'] as const;
export const recordsTimelineQueryKey = (caseId: string) => ['records', caseId, 'timeline'] as const;
export const caseFindingsQueryKey = (caseId: string) => ['records', caseId, 'findings'] as const;
export const documentContentQueryKey = (caseId: string, documentId: string) =>
  ['records', caseId, 'content', documentId] as const;

/**
 * The case's documents, the uploads not (yet) documents, the DICOM studies, and whether the caller
 * may add documents now.
 */
export async function fetchCaseRecords(caseId: string, signal?: AbortSignal): Promise<CaseRecords> {
  return unwrap(
    client.GET('/api/v1/cases/{id}/documents', { params: { path: { id: caseId } }, signal }),
  );
}

/** The safety net's findings (the server shapes them for the caller's side). */
export async function fetchCaseFindings(
  caseId: string,
  signal?: AbortSignal,
): Promise<CaseFindings> {
  return unwrap(
    client.GET('/api/v1/cases/{id}/findings', { params: { path: { id: caseId } }, signal }),
  );
}

/** Records a person's decision on a finding; answers the finding as it now stands. */
export async function decideFinding(
  caseId: string,
  findingId: string,
  decision: FindingDecision,
): Promise<SafetyFinding> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/findings/{findingId}/decision', {
      params: { path: { id: caseId, findingId } },
      body: decision,
    }),
  );
}

/**
 * Sends the patient side's answer or explanation on an open finding; answers the finding as the
 * caller now sees it (still open, with the response).
 */
export async function respondToFinding(
  caseId: string,
  findingId: string,
  response: FindingResponseRequest,
): Promise<SafetyFinding> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/findings/{findingId}/response', {
      params: { path: { id: caseId, findingId } },
      body: response,
    }),
  );
}

/** Every document and imported clinical event of the case, for the timeline. */
export async function fetchRecordsTimeline(
  caseId: string,
  signal?: AbortSignal,
): Promise<RecordsTimeline> {
  return unwrap(
    client.GET('/api/v1/cases/{id}/records-timeline', { params: { path: { id: caseId } }, signal }),
  );
}

/** A document's bytes for a viewer (audited as a view). */
export async function fetchDocumentContent(
  caseId: string,
  documentId: string,
  signal?: AbortSignal,
): Promise<ArrayBuffer> {
  return unwrap(
    client.GET('/api/v1/cases/{id}/documents/{documentId}/content', {
      params: { path: { id: caseId, documentId }, query: { purpose: 'view' } },
      parseAs: 'arrayBuffer',
      signal,
    }),
  );
}

/** What the patient asks another facility for (`POST …/release-of-information`). */
export interface ReleaseAuthorizationRequest {
  facility: { name: string; address?: string; phone?: string; fax?: string };
  /** 1 to 10 kinds of record, e.g. "Pathology reports". */
  recordsWanted: string[];
  /** First and last dates of service (YYYY-MM-DD), not after today. */
  from: IsoDate;
  to: IsoDate;
  purpose?: string;
}

/** The most kinds of record one authorization lists (the server's limit). */
export const releaseRecordsWantedMax = 10;

/** The authorization the patient signs, as a PDF to save. */
export async function generateReleaseAuthorization(
  caseId: string,
  request: ReleaseAuthorizationRequest,
): Promise<Blob> {
  return unwrap(
    client.POST('/api/v1/cases/{id}/release-of-information', {
      params: { path: { id: caseId } },
      body: request,
      parseAs: 'blob',
    }),
  );
}

/** How often the list is asked again while a document is still being processed. */
const processingPollMs = 5_000;

/** The document list; polls while an upload is still being processed. */
export function caseRecordsQueryOptions(caseId: string) {
  return queryOptions({
    queryKey: caseRecordsQueryKey(caseId),
    queryFn: ({ signal }) => fetchCaseRecords(caseId, signal),
    refetchInterval: (query) =>
      query.state.data?.uploads.some((upload) => upload.state === 'processing') === true
        ? processingPollMs
        : false,
  });
}

export function caseFindingsQueryOptions(caseId: string) {
  return queryOptions({
    queryKey: caseFindingsQueryKey(caseId),
    queryFn: ({ signal }) => fetchCaseFindings(caseId, signal),
  });
}

export function recordsTimelineQueryOptions(caseId: string) {
  return queryOptions({
    queryKey: recordsTimelineQueryKey(caseId),
    queryFn: ({ signal }) => fetchRecordsTimeline(caseId, signal),
  });
}

/** The series a DICOM document belongs to, when the list knows it. */
export function seriesOfDocument(
  records: CaseRecords,
  document: RecordDocumentSummary,
): { study: RecordStudy; series: RecordSeries } | null {
  const dicom = document.dicom;
  if (dicom === null || dicom.seriesInstanceUid === null) return null;
  for (const study of records.studies) {
    if (study.studyInstanceUid !== dicom.studyInstanceUid) continue;
    for (const series of study.series) {
      if (series.seriesInstanceUid === dicom.seriesInstanceUid) return { study, series };
    }
  }
  return null;
}
