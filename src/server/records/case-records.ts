/**
 * Reading a case's records and correcting what was derived from them: the document list with
 * uploads and imaging studies, one document's decrypted content, the records timeline, and a
 * person's correction of a document's kind, date of service or source. Everyone who may read the
 * case may read its records (404 otherwise); every read is audited; who may correct a document is
 * who may add documents to the case (the patient side, the coordinator).
 */
import type { Readable } from 'node:stream';
import { acceptsAttachments } from '../../core/attachments.ts';
import { AppError } from '../../core/errors.ts';
import {
  documentDisplayName,
  documentKindNames,
  type DocumentKind,
} from '../../core/records/record-types.ts';
import type { Services } from '../app/services.ts';
import { auditedRead, transact } from '../app/unit-of-work.ts';
import { openBlob } from '../blobs/sealed-blobs.ts';
import { asCaseState, caseAuditOrigin } from '../cases/case-facts.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import {
  describeDocument,
  findDocument,
  listClinicalItems,
  listDocuments,
  listOpenUploads,
  type DocumentDicom,
  type DocumentRow,
} from './record-repository.ts';
import type { RecordServices } from './record-services.ts';
import { queueRecordsCheck } from './safety/check-case-records.ts';
import { findRecordsCase } from './records-case.ts';
import type { z } from 'zod';
import type {
  caseRecordsView,
  describeDocumentBody,
  documentView,
  recordsTimelineView,
  studyView,
} from './records.types.ts';

type RecordsServices = Services & { records: RecordServices };

/** The case if the caller may read it (or add documents, for `upload`), with the actor; else 404. */
async function readableCase(
  db: Services['db'],
  context: RequestContext,
  caseId: string,
  need: 'read' | 'upload' = 'read',
) {
  const actor = requireActor(context);
  return { actor, found: await findRecordsCase(db, actor, caseId, need) };
}

function documentOf(row: DocumentRow): z.infer<typeof documentView> {
  const dicom = row.dicom as unknown as DocumentDicom | null;
  return {
    id: row.id,
    displayName: row.display_name,
    kind: row.kind as DocumentKind,
    format: row.format as z.infer<typeof documentView>['format'],
    dateOfService: row.date_of_service,
    source: row.source,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    condition: row.condition as z.infer<typeof documentView>['condition'],
    fileName: row.file_name,
    relativePath: row.relative_path,
    uploadedAt: row.created_at.toISOString(),
    uploadedBy: { id: row.uploaded_by_user_id, name: row.uploaded_by_name },
    duplicateOf: row.duplicate_of_document_id,
    describedAt: row.described_at?.toISOString() ?? null,
    dicom:
      dicom === null
        ? null
        : {
            studyInstanceUid: dicom.study.studyInstanceUid,
            seriesInstanceUid: dicom.seriesInstanceUid,
            instanceNumber: dicom.instanceNumber,
            modality: dicom.study.modalities[0] ?? null,
          },
  };
}

/** Groups a case's DICOM documents into studies and series, instances in number order. */
export function studiesOf(rows: readonly DocumentRow[]): z.infer<typeof studyView>[] {
  interface SeriesRows {
    rows: { id: string; number: number | null }[];
    info: DocumentDicom;
  }
  const studies = new Map<
    string,
    { study: DocumentDicom['study']; series: Map<string, SeriesRows> }
  >();
  for (const row of rows) {
    const dicom = row.dicom as unknown as DocumentDicom | null;
    if (dicom === null || row.duplicate_of_document_id !== null) continue;
    const uid = dicom.study.studyInstanceUid;
    const study = studies.get(uid) ?? { study: dicom.study, series: new Map<string, SeriesRows>() };
    studies.set(uid, study);
    const seriesUid = dicom.seriesInstanceUid ?? dicom.study.series[0]?.seriesInstanceUid ?? uid;
    const series: SeriesRows = study.series.get(seriesUid) ?? { rows: [], info: dicom };
    study.series.set(seriesUid, series);
    series.rows.push({ id: row.id, number: dicom.instanceNumber });
  }
  return [...studies.values()]
    .map(({ study, series }) => {
      const seriesViews = [...series.entries()].map(
        ([seriesInstanceUid, { rows: items, info }]) => {
          const described = info.study.series.find(
            (entry) => entry.seriesInstanceUid === seriesInstanceUid,
          );
          const ordered = items
            .slice()
            .sort(
              (a, b) => (a.number ?? Infinity) - (b.number ?? Infinity) || (a.id < b.id ? -1 : 1),
            );
          return {
            seriesInstanceUid,
            modality: described?.modality ?? info.study.modalities[0] ?? null,
            description: described?.description ?? null,
            instanceCount: ordered.length,
            documentIds: ordered.map((item) => item.id),
          };
        },
      );
      const modalities = [
        ...new Set(seriesViews.flatMap((s) => (s.modality === null ? [] : [s.modality]))),
      ];
      return {
        studyInstanceUid: study.studyInstanceUid,
        studyDate: study.studyDate,
        description: study.description,
        modalities,
        bodyPart: study.bodyPart,
        series: seriesViews,
      };
    })
    .sort((a, b) => (a.studyDate ?? '').localeCompare(b.studyDate ?? ''));
}

/**
 * The case's documents, the caller's unfinished uploads (all of them for staff), studies, and
 * whether the caller may add documents to the case now.
 */
export async function listCaseRecords(
  services: Services,
  context: RequestContext,
  caseId: string,
): Promise<z.infer<typeof caseRecordsView>> {
  return auditedRead(services, async (unit) => {
    const { actor, found } = await readableCase(unit.db, context, caseId);
    const staff = actor.role === 'coordinator';
    const [rows, uploads] = await Promise.all([
      listDocuments(unit.db, found.id),
      listOpenUploads(unit.db, found.id, staff ? null : actor.userId),
    ]);
    await unit.audit({
      ...caseAuditOrigin(context, actor, found.patient_user_id),
      eventType: 'record.listed',
      patientId: found.patient_id,
      entityType: 'Case',
      entityId: found.id,
      details: { documents: rows.length },
    });
    return {
      documents: rows.map(documentOf),
      uploads: uploads.map((upload) => ({
        id: upload.id,
        fileName: upload.file_name,
        relativePath: upload.relative_path,
        sizeBytes: upload.declared_size,
        receivedBytes: upload.received_bytes,
        state: upload.state as 'receiving' | 'processing' | 'refused' | 'quarantined',
        refusal:
          upload.refusal_code === null
            ? null
            : { code: upload.refusal_code, message: upload.refusal_message ?? '' },
        createdAt: upload.created_at.toISOString(),
      })),
      studies: studiesOf(rows),
      canUpload: found.may_upload && acceptsAttachments(asCaseState(found.state)),
    };
  });
}

export interface DocumentContent {
  fileName: string;
  sizeBytes: number;
  sha256: string;
  content: Readable;
}

/**
 * One document's plaintext, decrypted as it streams (every segment authenticated, the digest
 * checked at the end), audited as a view or a download before a byte is sent.
 */
export async function openDocumentContent(
  services: RecordsServices,
  context: RequestContext,
  caseId: string,
  documentId: string,
  purpose: 'view' | 'download',
): Promise<DocumentContent> {
  return auditedRead(services, async (unit) => {
    const { actor, found } = await readableCase(unit.db, context, caseId);
    const row = await findDocument(unit.db, found.id, documentId);
    if (row === undefined) throw new AppError('not_found');
    const content = await openBlob({
      db: unit.db,
      store: services.records.store,
      masterKey: services.records.masterKey,
      organizationId: row.organization_id,
      blobId: row.blob_id,
    });
    try {
      await unit.audit({
        ...caseAuditOrigin(context, actor, found.patient_user_id),
        eventType: purpose === 'view' ? 'record.viewed' : 'record.downloaded',
        patientId: found.patient_id,
        entityType: 'RecordDocument',
        entityId: row.id,
        details: { caseId: found.id, sha256: row.sha256 },
      });
    } catch (error) {
      content.destroy();
      throw error;
    }
    return { fileName: row.file_name, sizeBytes: row.size_bytes, sha256: row.sha256, content };
  });
}

/** A person corrects a document's kind, date of service or source (audited with before/after). */
export async function correctDocumentDescription(
  services: RecordsServices,
  context: RequestContext,
  caseId: string,
  documentId: string,
  change: z.infer<typeof describeDocumentBody>,
): Promise<z.infer<typeof documentView>> {
  const result = await transact(services, async (unit) => {
    const { actor, found } = await readableCase(unit.trx, context, caseId, 'upload');
    const row = await findDocument(unit.trx, found.id, documentId);
    if (row === undefined) throw new AppError('not_found');
    const displayName = documentDisplayName(change);
    await describeDocument(unit.trx, row.id, {
      ...change,
      displayName,
      byUserId: actor.userId,
      at: unit.now,
    });
    await unit.audit({
      ...caseAuditOrigin(context, actor, found.patient_user_id),
      eventType: 'record.described',
      patientId: found.patient_id,
      entityType: 'RecordDocument',
      entityId: row.id,
      details: {
        before: { kind: row.kind, dateOfService: row.date_of_service, source: row.source },
        after: change,
      },
    });
    const updated = await findDocument(unit.trx, found.id, row.id);
    return { view: documentOf(updated!), caseId: found.id };
  });
  await queueRecordsCheck(services.records.jobs, result.caseId);
  return result.view;
}

/** Every document and imported clinical event of the case on one line, oldest first. */
export async function readRecordsTimeline(
  services: Services,
  context: RequestContext,
  caseId: string,
): Promise<z.infer<typeof recordsTimelineView>> {
  return auditedRead(services, async (unit) => {
    const { actor, found } = await readableCase(unit.db, context, caseId);
    const [documents, items] = await Promise.all([
      listDocuments(unit.db, found.id),
      listClinicalItems(unit.db, found.id),
    ]);
    await unit.audit({
      ...caseAuditOrigin(context, actor, found.patient_user_id),
      eventType: 'record.listed',
      patientId: found.patient_id,
      entityType: 'Case',
      entityId: found.id,
      details: { part: 'timeline', documents: documents.length, items: items.length },
    });
    const entries: z.infer<typeof recordsTimelineView>['entries'] = [
      ...documents
        .filter((doc) => doc.duplicate_of_document_id === null)
        .map((doc) => ({
          id: doc.id,
          date: doc.date_of_service,
          kind: 'document' as const,
          documentKind: doc.kind as DocumentKind,
          title: doc.display_name,
          detail: `${documentKindNames[doc.kind as DocumentKind]} · ${doc.file_name}`,
          documentId: doc.id,
        })),
      ...items.map((item) => ({
        id: item.id,
        date: item.occurred_on,
        kind: item.type as 'condition',
        documentKind: null,
        title: item.display,
        detail: timelineDetail(item.type, item.data),
        documentId: item.document_id,
      })),
    ];
    entries.sort(
      (a, b) =>
        (a.date === null ? 1 : 0) - (b.date === null ? 1 : 0) ||
        (a.date ?? '').localeCompare(b.date ?? '') ||
        a.kind.localeCompare(b.kind) ||
        a.id.localeCompare(b.id),
    );
    return { entries };
  });
}

/** A short line of what matters about an imported item (dose, value, status). */
function timelineDetail(type: string, data: unknown): string | null {
  const fields = (data ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  const parts: (string | null)[] =
    type === 'medication'
      ? [text(fields.dose), text(fields.frequency), text(fields.status)]
      : type === 'observation'
        ? [[text(fields.value), text(fields.unit)].filter(Boolean).join(' ') || null]
        : type === 'allergy'
          ? [text(fields.criticality), ...((fields.reactions as string[] | undefined) ?? [])]
          : [text(fields.clinicalStatus) ?? text(fields.status)];
  const line = parts.filter((part): part is string => part !== null).join(' · ');
  return line === '' ? null : line;
}
