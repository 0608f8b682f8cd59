/**
 * Runs the safety net (src/core/safety) over one case: reads the intake, the patient, the
 * documents and the imported clinical items, runs every check, merges the findings into those the
 * case already tracks (keeping people's resolutions and dismissals, see core/safety/resolution.ts)
 * and stores them, in one transaction, serialised per case. Runs as the job `records.check`
 * whenever records change, and on demand from the triage screen.
 */
import { randomUUID } from 'node:crypto';
import type { RecordDocument } from '../../../core/records/record-types.ts';
import { checklistSetSchema, type ChecklistSet } from '../../../core/safety/checklists.ts';
import { mergeSafetyNetRun, type TrackedFinding } from '../../../core/safety/resolution.ts';
import { runSafetyNet } from '../../../core/safety/run-safety-net.ts';
import type { SafetyNetInput } from '../../../core/safety/safety-input.ts';
import type { Services } from '../../app/services.ts';
import { transact } from '../../app/unit-of-work.ts';
import type { DatabaseTransaction } from '../../db/database.ts';
import { loadSafetyNetReference } from '../../terminology/medication-files.ts';
import {
  clinicalItemsOf,
  findCaseForSafetyNet,
  findChecklists,
  findIntakeMedicationLists,
  listClinicalItems,
  listDocumentsForSafetyNet,
  listTrackedFindings,
  lockCaseRecords,
  markRecordsChecked,
  saveTrackedFindings,
  type DocumentDicom,
} from '../record-repository.ts';

/** The organization's checklists: its own when stored and still valid, else the shipped set. */
export async function checklistsOf(
  db: Services['db'] | DatabaseTransaction,
  organizationId: string,
): Promise<ChecklistSet | undefined> {
  const row = await findChecklists(db, organizationId);
  if (row === undefined) return undefined;
  const parsed = checklistSetSchema.safeParse(row.checklists);
  return parsed.success ? parsed.data : undefined;
}

/** What the engine reads about a case, from the database (inside the caller's transaction). */
export async function safetyNetInputOf(
  trx: Services['db'] | DatabaseTransaction,
  caseId: string,
  today: string,
): Promise<{ input: SafetyNetInput; organizationId: string; patientId: string } | null> {
  const row = await findCaseForSafetyNet(trx, caseId);
  if (row === undefined) return null;
  const [intake, documents, items] = await Promise.all([
    findIntakeMedicationLists(trx, caseId),
    listDocumentsForSafetyNet(trx, caseId),
    listClinicalItems(trx, caseId),
  ]);
  const recordDocuments: RecordDocument[] = documents.map((doc) => ({
    id: doc.id,
    format: doc.format as RecordDocument['format'],
    kind: doc.kind as RecordDocument['kind'],
    dateOfService: doc.date_of_service,
    source: doc.source,
    displayName: doc.display_name,
    sha256: doc.sha256,
    sizeBytes: doc.size_bytes,
    condition: doc.condition as RecordDocument['condition'],
    duplicateOf: doc.duplicate_of_document_id,
    patientIdentities: doc.patient_identities as unknown as RecordDocument['patientIdentities'],
    text: doc.text_excerpt,
    dicom: (doc.dicom as unknown as DocumentDicom | null)?.study ?? null,
  }));
  return {
    organizationId: row.organization_id,
    patientId: row.patient_id,
    input: {
      today,
      patient: {
        givenName: row.given_name,
        familyName: row.family_name,
        birthDate: row.birth_date,
      },
      case: {
        category: null,
        diagnosisCode: row.diagnosis_code,
        diagnosisText: row.diagnosis_text,
        diagnosisDate: null,
        proposedTreatment: row.proposed_treatment,
        medications: intake.medications,
        allergies: intake.allergies,
      },
      documents: recordDocuments,
      clinical: clinicalItemsOf(items),
    },
  };
}

/** Runs the safety net over a case and stores the merged findings; null when the case is gone. */
export async function checkCaseRecords(
  services: Pick<Services, 'db' | 'clock' | 'mail'>,
  caseId: string,
  actorUserId: string | null = null,
): Promise<(TrackedFinding & { id: string })[] | null> {
  return transact(services, async (unit) => {
    await lockCaseRecords(unit.trx, caseId);
    const loaded = await safetyNetInputOf(unit.trx, caseId, isoDay(unit.now));
    if (loaded === null) return null;
    const checklists = await checklistsOf(unit.trx, loaded.organizationId);
    const reference = await loadSafetyNetReference(checklists === undefined ? {} : { checklists });
    const findings = runSafetyNet(loaded.input, reference);
    const stored = await listTrackedFindings(unit.trx, caseId);
    const ids = new Map(stored.map((item) => [item.fingerprint, item.id]));
    const merged = mergeSafetyNetRun(stored, findings, unit.now.toISOString()).map((item) => ({
      ...item,
      id: ids.get(item.fingerprint) ?? randomUUID(),
    }));
    await saveTrackedFindings(unit.trx, { organizationId: loaded.organizationId, caseId }, merged);
    await markRecordsChecked(unit.trx, caseId, unit.now);
    const open = merged.filter((item) => item.state === 'open');
    await unit.audit({
      eventType: 'record.checked',
      organizationId: loaded.organizationId,
      actorUserId,
      entityType: 'Case',
      entityId: caseId,
      details: {
        raised: findings.length,
        open: open.length,
        openBlockers: open.filter((item) => item.finding.severity === 'blocker').length,
      },
    });
    return merged;
  });
}

/** The calendar day of `now` (UTC), which recency and gaps are counted to. */
function isoDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}
