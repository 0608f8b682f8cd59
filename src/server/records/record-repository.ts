/**
 * SQL for a case's records: uploads as they become documents, documents and the clinical facts
 * imported from them, and the safety net's tracked findings. Access is decided before these are
 * called (the case is found through the shared patient access filter, see
 * attachments/attachment-repository.ts); no rules live here.
 */
import { sql } from 'kysely';
import type {
  ClinicalItem,
  DicomStudySummary,
  DocumentCondition,
  DocumentKind,
  RecordFormat,
  RecordPatientIdentity,
} from '../../core/records/record-types.ts';
import type { TrackedFinding } from '../../core/safety/resolution.ts';
import type { Database, DatabaseTransaction } from '../db/database.ts';

type Executor = Database | DatabaseTransaction;

/** What the processing step needs of an upload, with its case. */
export function findUploadForProcessing(db: Executor, uploadId: string, options = { lock: false }) {
  const query = db
    .selectFrom('record_uploads as u')
    .innerJoin('cases as c', 'c.id', 'u.case_id')
    .select([
      'u.id',
      'u.organization_id',
      'u.case_id',
      'u.uploaded_by_user_id',
      'u.on_behalf_of_user_id',
      'u.file_name',
      'u.relative_path',
      'u.declared_size',
      'u.state',
      'c.patient_id',
    ])
    .where('u.id', '=', uploadId);
  return (options.lock ? query.forUpdate('u') : query).executeTakeFirst();
}

export type UploadForProcessing = NonNullable<Awaited<ReturnType<typeof findUploadForProcessing>>>;

/** Uploads complete but not yet processed (or waiting in quarantine for the scanner). */
export function findPendingUploads(
  db: Executor,
  states: readonly ('processing' | 'quarantined')[],
) {
  return db
    .selectFrom('record_uploads')
    .select(['id', 'state'])
    .where('state', 'in', states)
    .orderBy('completed_at')
    .execute();
}

/** Of `ids`, the uploads that are finished with (stored, refused or cancelled), with their case. */
export function findSettledUploads(db: Executor, ids: readonly string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('record_uploads')
    .select(['id', 'case_id', 'state'])
    .where('id', 'in', ids)
    .where('state', 'in', ['stored', 'refused', 'cancelled'])
    .execute();
}

/** Ends processing: the upload was stored, refused or is held in quarantine. */
export function setUploadOutcome(
  trx: Executor,
  uploadId: string,
  outcome:
    { state: 'stored' } | { state: 'refused' | 'quarantined'; code: string; message: string },
  now: Date,
) {
  return trx
    .updateTable('record_uploads')
    .set({
      state: outcome.state,
      refusal_code: outcome.state === 'stored' ? null : outcome.code,
      refusal_message: outcome.state === 'stored' ? null : outcome.message,
      processed_at: now,
    })
    .where('id', '=', uploadId)
    .execute();
}

/** The first document of the case with this digest (the one later duplicates name). */
export function findOriginalByDigest(db: Executor, caseId: string, sha256: string) {
  return db
    .selectFrom('record_documents')
    .select(['id', 'blob_id'])
    .where('case_id', '=', caseId)
    .where('sha256', '=', sha256)
    .where('duplicate_of_document_id', 'is', null)
    .executeTakeFirst();
}

export interface NewDocumentRow {
  id: string;
  organizationId: string;
  caseId: string;
  uploadId: string;
  blobId: string;
  uploadedByUserId: string;
  fileName: string;
  relativePath: string | null;
  format: RecordFormat;
  kind: DocumentKind;
  dateOfService: string | null;
  source: string | null;
  displayName: string;
  sha256: string;
  sizeBytes: number;
  condition: DocumentCondition;
  duplicateOfDocumentId: string | null;
  patientIdentities: RecordPatientIdentity[];
  textExcerpt: string | null;
  dicom: DocumentDicom | null;
  createdAt: Date;
}

/** What a DICOM document records of its instance and study. */
export interface DocumentDicom {
  study: DicomStudySummary;
  seriesInstanceUid: string | null;
  sopInstanceUid: string | null;
  instanceNumber: number | null;
}

export function insertDocument(trx: Executor, row: NewDocumentRow) {
  return trx
    .insertInto('record_documents')
    .values({
      id: row.id,
      organization_id: row.organizationId,
      case_id: row.caseId,
      upload_id: row.uploadId,
      blob_id: row.blobId,
      uploaded_by_user_id: row.uploadedByUserId,
      file_name: row.fileName,
      relative_path: row.relativePath,
      format: row.format,
      kind: row.kind,
      date_of_service: row.dateOfService,
      source: row.source,
      display_name: row.displayName,
      sha256: row.sha256,
      size_bytes: row.sizeBytes,
      condition: row.condition,
      duplicate_of_document_id: row.duplicateOfDocumentId,
      patient_identities: JSON.stringify(row.patientIdentities),
      text_excerpt: row.textExcerpt,
      dicom: row.dicom === null ? null : JSON.stringify(row.dicom),
      created_at: row.createdAt,
    })
    .execute();
}

/** Stores imported clinical items (ids are derived from the document, so a retry collides). */
export async function insertClinicalItems(
  trx: Executor,
  caseId: string,
  items: readonly ClinicalItem[],
) {
  // A bundle may hold tens of thousands of items: insert in batches below the parameter limit.
  for (let start = 0; start < items.length; start += 1000) {
    const batch = items.slice(start, start + 1000);
    await trx
      .insertInto('record_clinical_items')
      .values(
        batch.map((item) => {
          const { id, sourceDocumentId, type, date, display, codes, ...data } = item;
          return {
            id,
            case_id: caseId,
            document_id: sourceDocumentId,
            type,
            occurred_on: date,
            display: display.slice(0, 2000),
            codes: JSON.stringify(codes),
            data: JSON.stringify(data),
          };
        }),
      )
      .execute();
  }
}

const documentColumns = [
  'd.id',
  'd.case_id',
  'd.blob_id',
  'd.upload_id',
  'd.uploaded_by_user_id',
  'd.file_name',
  'd.relative_path',
  'd.format',
  'd.kind',
  'd.date_of_service',
  'd.source',
  'd.display_name',
  'd.described_by_user_id',
  'd.described_at',
  'd.sha256',
  'd.size_bytes',
  'd.condition',
  'd.duplicate_of_document_id',
  'd.patient_identities',
  'd.dicom',
  'd.created_at',
] as const;

/** The documents of a case, oldest first, with who uploaded each. */
export function listDocuments(db: Executor, caseId: string) {
  return db
    .selectFrom('record_documents as d')
    .innerJoin('users as u', 'u.id', 'd.uploaded_by_user_id')
    .select([...documentColumns, 'u.name as uploaded_by_name'])
    .where('d.case_id', '=', caseId)
    .orderBy('d.created_at')
    .orderBy('d.id')
    .execute();
}

export type DocumentRow = Awaited<ReturnType<typeof listDocuments>>[number];

/** Documents with the text the safety net reads. */
export function listDocumentsForSafetyNet(db: Executor, caseId: string) {
  return db
    .selectFrom('record_documents as d')
    .select([...documentColumns, 'd.text_excerpt'])
    .where('d.case_id', '=', caseId)
    .orderBy('d.created_at')
    .orderBy('d.id')
    .execute();
}

export function findDocument(db: Executor, caseId: string, documentId: string) {
  return db
    .selectFrom('record_documents as d')
    .innerJoin('users as u', 'u.id', 'd.uploaded_by_user_id')
    .select([...documentColumns, 'd.organization_id', 'u.name as uploaded_by_name'])
    .where('d.case_id', '=', caseId)
    .where('d.id', '=', documentId)
    .executeTakeFirst();
}

/** A person's correction of a document's kind, date of service and source. */
export function describeDocument(
  trx: Executor,
  documentId: string,
  change: {
    kind: DocumentKind;
    dateOfService: string | null;
    source: string | null;
    displayName: string;
    byUserId: string;
    at: Date;
  },
) {
  return trx
    .updateTable('record_documents')
    .set({
      kind: change.kind,
      date_of_service: change.dateOfService,
      source: change.source,
      display_name: change.displayName,
      described_by_user_id: change.byUserId,
      described_at: change.at,
    })
    .where('id', '=', documentId)
    .execute();
}

/**
 * Uploads of a case that did not become documents (yet): receiving, processing, refused or in
 * quarantine; `userId` limits them to one uploader's own.
 */
export function listOpenUploads(db: Executor, caseId: string, userId: string | null) {
  let query = db
    .selectFrom('record_uploads')
    .select([
      'id',
      'file_name',
      'relative_path',
      'declared_size',
      'received_bytes',
      'state',
      'refusal_code',
      'refusal_message',
      'created_at',
      'uploaded_by_user_id',
    ])
    .where('case_id', '=', caseId)
    .where('state', 'in', ['receiving', 'processing', 'refused', 'quarantined']);
  if (userId !== null) query = query.where('uploaded_by_user_id', '=', userId);
  return query.orderBy('created_at').execute();
}

export function listClinicalItems(db: Executor, caseId: string) {
  return db
    .selectFrom('record_clinical_items')
    .select(['id', 'document_id', 'type', 'occurred_on', 'display', 'codes', 'data'])
    .where('case_id', '=', caseId)
    .orderBy('occurred_on')
    .orderBy('id')
    .execute();
}

/** Rebuilds the clinical items of a case as the safety net reads them. */
export function clinicalItemsOf(
  rows: Awaited<ReturnType<typeof listClinicalItems>>,
): ClinicalItem[] {
  return rows.map(
    (row) =>
      ({
        ...(row.data as object),
        id: row.id,
        sourceDocumentId: row.document_id,
        type: row.type,
        date: row.occurred_on,
        display: row.display,
        codes: row.codes,
      }) as unknown as ClinicalItem,
  );
}

/** What the safety net needs of the case and its patient. */
export function findCaseForSafetyNet(db: Executor, caseId: string) {
  return db
    .selectFrom('cases as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .select([
      'c.id',
      'c.organization_id',
      'c.patient_id',
      'c.state',
      'c.diagnosis_code',
      'c.diagnosis_text',
      'c.proposed_treatment',
      'c.history',
      'c.submitted_at',
      'c.created_at',
      'p.given_name',
      'p.family_name',
      'p.birth_date',
      'p.user_id as patient_user_id',
    ])
    .where('c.id', '=', caseId)
    .executeTakeFirst();
}

/** The intake's medication and allergy lists, in the patient's order. */
export async function findIntakeMedicationLists(db: Executor, caseId: string) {
  const [medications, allergies] = await Promise.all([
    db
      .selectFrom('case_medications')
      .select(['name', 'dose', 'frequency'])
      .where('case_id', '=', caseId)
      .orderBy('position')
      .execute(),
    db
      .selectFrom('case_allergies')
      .select(['substance', 'reaction', 'severity'])
      .where('case_id', '=', caseId)
      .orderBy('position')
      .execute(),
  ]);
  return { medications, allergies };
}

/** The tracked findings of a case. */
export async function listTrackedFindings(
  db: Executor,
  caseId: string,
): Promise<(TrackedFinding & { id: string })[]> {
  const rows = await db
    .selectFrom('safety_findings')
    .select([
      'id',
      'fingerprint',
      'finding',
      'state',
      'present',
      'resolution',
      'trail',
      'first_raised_at',
      'last_raised_at',
    ])
    .where('case_id', '=', caseId)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    fingerprint: row.fingerprint,
    finding: row.finding as unknown as TrackedFinding['finding'],
    state: row.state as TrackedFinding['state'],
    present: row.present,
    resolution: row.resolution as unknown as TrackedFinding['resolution'],
    trail: row.trail as unknown as TrackedFinding['trail'],
    firstRaisedAt: row.first_raised_at.toISOString(),
    lastRaisedAt: row.last_raised_at.toISOString(),
  }));
}

/** Writes tracked findings (insert or replace by fingerprint). */
export async function saveTrackedFindings(
  trx: Executor,
  scope: { organizationId: string; caseId: string },
  tracked: readonly (TrackedFinding & { id: string })[],
) {
  if (tracked.length === 0) return;
  await trx
    .insertInto('safety_findings')
    .values(
      tracked.map((item) => ({
        id: item.id,
        organization_id: scope.organizationId,
        case_id: scope.caseId,
        fingerprint: item.fingerprint,
        rule: item.finding.rule,
        severity: item.finding.severity,
        finding: JSON.stringify(item.finding),
        state: item.state,
        present: item.present,
        resolution: item.resolution === null ? null : JSON.stringify(item.resolution),
        trail: JSON.stringify(item.trail),
        first_raised_at: new Date(item.firstRaisedAt),
        last_raised_at: new Date(item.lastRaisedAt),
      })),
    )
    .onConflict((conflict) =>
      conflict.columns(['case_id', 'fingerprint']).doUpdateSet({
        rule: (eb) => eb.ref('excluded.rule'),
        severity: (eb) => eb.ref('excluded.severity'),
        finding: (eb) => eb.ref('excluded.finding'),
        state: (eb) => eb.ref('excluded.state'),
        present: (eb) => eb.ref('excluded.present'),
        resolution: (eb) => eb.ref('excluded.resolution'),
        trail: (eb) => eb.ref('excluded.trail'),
        last_raised_at: (eb) => eb.ref('excluded.last_raised_at'),
      }),
    )
    .execute();
}

/** When the safety net last ran over a case (null: never). */
export async function findRecordsCheckedAt(db: Executor, caseId: string) {
  const row = await db
    .selectFrom('cases')
    .select('records_checked_at')
    .where('id', '=', caseId)
    .executeTakeFirst();
  return row?.records_checked_at ?? null;
}

/** The names of the people `ids` names (those who decided findings). */
export function findUserNames(db: Executor, ids: readonly string[]) {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return Promise.resolve([]);
  return db.selectFrom('users').select(['id', 'name']).where('id', 'in', unique).execute();
}

/** The digest of what the safety net read when it last ran over a case (null: never). */
export async function findRecordsCheckedInput(db: Executor, caseId: string) {
  const row = await db
    .selectFrom('cases')
    .select('records_checked_input')
    .where('id', '=', caseId)
    .executeTakeFirst();
  return row?.records_checked_input ?? null;
}

/** Marks when the safety net last ran over a case, and the digest of what it read. */
export function markRecordsChecked(trx: Executor, caseId: string, at: Date, inputDigest: string) {
  return trx
    .updateTable('cases')
    .set({ records_checked_at: at, records_checked_input: inputDigest })
    .where('id', '=', caseId)
    .execute();
}

/** The organization's own checklists, when it stored any. */
export function findChecklists(db: Executor, organizationId: string) {
  return db
    .selectFrom('safety_checklists')
    .select(['checklists', 'updated_at', 'updated_by_user_id'])
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
}

/** Forget the organization's own checklists: it follows the shipped defaults again. */
export async function deleteChecklists(trx: Executor, organizationId: string): Promise<boolean> {
  const deleted = await trx
    .deleteFrom('safety_checklists')
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

export function saveChecklists(
  trx: Executor,
  organizationId: string,
  checklists: unknown,
  byUserId: string,
  at: Date,
) {
  return trx
    .insertInto('safety_checklists')
    .values({
      organization_id: organizationId,
      checklists: JSON.stringify(checklists),
      updated_at: at,
      updated_by_user_id: byUserId,
    })
    .onConflict((conflict) =>
      conflict.column('organization_id').doUpdateSet({
        checklists: (eb) => eb.ref('excluded.checklists'),
        updated_at: (eb) => eb.ref('excluded.updated_at'),
        updated_by_user_id: (eb) => eb.ref('excluded.updated_by_user_id'),
      }),
    )
    .execute();
}

/** Serialises processing of one case's records (uploads of a folder finish together). */
export async function lockCaseRecords(trx: DatabaseTransaction, caseId: string) {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`records:${caseId}`}, 0))`.execute(trx);
}
