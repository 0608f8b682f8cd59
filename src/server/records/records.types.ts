/**
 * Request and response schemas of a case's records: documents with what was derived from them,
 * uploads that did not (yet) become documents, imaging studies, the records timeline, and the
 * safety net's findings. Dates of service are calendar dates (YYYY-MM-DD); instants are ISO 8601.
 */
import { z } from 'zod';
import {
  documentConditions,
  documentKinds,
  recordFormats,
} from '../../core/records/record-types.ts';
import { findingSeverities, patientActions } from '../../core/safety/finding.ts';
import {
  findingResponseKinds,
  findingResponseSchema,
  findingTrailActions,
  resolutionMethods,
} from '../../core/safety/resolution.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const recordParams = z.strictObject({
  id: z.uuid(),
  documentId: z.uuid(),
});

export const findingParams = z.strictObject({
  id: z.uuid(),
  findingId: z.uuid(),
});

export const documentContentQuery = z.strictObject({
  /** `view`: opened in a viewer in the browser; `download` (default): saved as a file. */
  purpose: z.enum(['view', 'download']).default('download'),
});

export const documentView = z.object({
  id: z.uuid(),
  displayName: z.string(),
  kind: z.enum(documentKinds),
  format: z.enum(recordFormats),
  dateOfService: isoDate.nullable(),
  source: z.string().nullable(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  condition: z.enum(documentConditions),
  fileName: z.string(),
  relativePath: z.string().nullable(),
  uploadedAt: z.string(),
  uploadedBy: z.object({ id: z.uuid(), name: z.string() }),
  /** The first document of the case with the same bytes, when this one is a duplicate. */
  duplicateOf: z.uuid().nullable(),
  /** Who last corrected kind, date or source, and when. */
  describedAt: z.string().nullable(),
  dicom: z
    .object({
      studyInstanceUid: z.string(),
      seriesInstanceUid: z.string().nullable(),
      instanceNumber: z.number().int().nullable(),
      modality: z.string().nullable(),
    })
    .nullable(),
});

export const uploadView = z.object({
  id: z.uuid(),
  fileName: z.string(),
  relativePath: z.string().nullable(),
  sizeBytes: z.number().int(),
  receivedBytes: z.number().int(),
  state: z.enum(['receiving', 'processing', 'refused', 'quarantined']),
  refusal: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
});

export const studyView = z.object({
  studyInstanceUid: z.string(),
  studyDate: isoDate.nullable(),
  description: z.string().nullable(),
  modalities: z.array(z.string()),
  bodyPart: z.string().nullable(),
  series: z.array(
    z.object({
      seriesInstanceUid: z.string(),
      modality: z.string().nullable(),
      description: z.string().nullable(),
      instanceCount: z.number().int(),
      /** The series' documents in instance-number order. */
      documentIds: z.array(z.uuid()),
    }),
  ),
});

export const caseRecordsView = z.object({
  documents: z.array(documentView),
  uploads: z.array(uploadView),
  studies: z.array(studyView),
  /** Whether the caller may add documents now: they may upload to the case and its stage accepts them. */
  canUpload: z.boolean(),
});

export const describeDocumentBody = z.strictObject({
  kind: z.enum(documentKinds),
  dateOfService: isoDate.nullable(),
  source: z.string().trim().min(1).max(200).nullable(),
});

export const timelineEntryView = z.object({
  id: z.string(),
  date: isoDate.nullable(),
  kind: z.enum([
    'document',
    'condition',
    'medication',
    'allergy',
    'observation',
    'procedure',
    'report',
  ]),
  documentKind: z.enum(documentKinds).nullable(),
  title: z.string(),
  detail: z.string().nullable(),
  documentId: z.uuid().nullable(),
});

export const recordsTimelineView = z.object({ entries: z.array(timelineEntryView) });

const evidenceView = z.object({
  /** What the finding points at, in words. */
  label: z.string(),
  documentId: z.uuid().nullable(),
});

const personView = z.object({ id: z.uuid(), name: z.string() });

export const findingView = z.object({
  id: z.uuid(),
  rule: z.string(),
  severity: z.enum(findingSeverities),
  state: z.enum(['open', 'resolved', 'dismissed']),
  /** Whether the latest run still raises it. */
  present: z.boolean(),
  patientText: z.string(),
  patientAction: z.enum(patientActions),
  /** Staff only (null for the patient side). */
  staffText: z.string().nullable(),
  evidence: z.array(evidenceView),
  /** The values compared (staff only). */
  values: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).nullable(),
  resolution: z
    .object({
      outcome: z.enum(['resolved', 'dismissed']),
      by: z.object({ id: z.uuid(), name: z.string() }).nullable(),
      at: z.string(),
      method: z.enum(resolutionMethods).nullable(),
      note: z.string().nullable(),
    })
    .nullable(),
  /**
   * The latest answer or explanation of the patient side (seen by everyone who sees the finding):
   * who wrote it, for whom when they acted for the patient, and when. It does not close the
   * finding; staff verify it and then resolve it (`answered`) or dismiss it.
   */
  patientResponse: z
    .object({
      kind: z.enum(findingResponseKinds),
      text: z.string(),
      by: personView,
      onBehalfOf: personView.nullable(),
      at: z.string(),
    })
    .nullable(),
  /** Every step of the finding (staff only). */
  trail: z
    .array(
      z.object({
        at: z.string(),
        action: z.enum(findingTrailActions),
        by: personView.nullable(),
        method: z.enum(resolutionMethods).nullable(),
        /** A resolution's note, a dismissal's reason, or the text of a response. */
        note: z.string().nullable(),
        severity: z.enum(findingSeverities),
        /** On `responded` steps: the kind of response and the patient it was written for. */
        response: z
          .object({ kind: z.enum(findingResponseKinds), onBehalfOf: personView.nullable() })
          .nullable(),
      }),
    )
    .nullable(),
  firstRaisedAt: z.string(),
  lastRaisedAt: z.string(),
});

export const findingListView = z.object({
  findings: z.array(findingView),
  /** When the safety net last ran over the case (null: never). */
  checkedAt: z.string().nullable(),
  counts: z.object({ blocker: z.number(), warning: z.number(), info: z.number() }),
});

/**
 * A person's decision on a finding: `resolved` with how (`method`, an optional `note`), or
 * `dismissed` with a `reason` (required). Checked as a whole against core's decision schema.
 */
export const findingDecisionBody = z.strictObject({
  outcome: z.enum(['resolved', 'dismissed']),
  method: z.enum(resolutionMethods).exclude(['no_longer_raised']).optional(),
  note: z.string().trim().min(1).max(2000).optional(),
  reason: z.string().trim().min(3).max(2000).optional(),
});

/**
 * The patient side's response to a finding: `answer` (to the question it asks) or `explanation`
 * (why it does not apply), with the text (1–2000 characters once trimmed).
 */
export const findingResponseBody = findingResponseSchema;
