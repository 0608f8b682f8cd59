/**
 * Runs the safety net (src/core/safety) over one case: reads the intake, the patient, the
 * documents and the imported clinical items, runs every check, merges the findings into those the
 * case already tracks (keeping people's resolutions and dismissals, see core/safety/resolution.ts)
 * and stores them, in one transaction, serialised per case (`lockCaseRecords`). Each run stores
 * the digest of what it read, so a check is known to be stale once anything it reads changes.
 *
 * Runs as the job `records.check` (queued when records change, when the case is submitted and
 * when a submitted intake changes what the check reads), on demand from the triage screen, and
 * inside `mark_ready` whenever the stored check is stale.
 */
import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '../../../core/canonical-json.ts';
import type { RecordDocument } from '../../../core/records/record-types.ts';
import {
  mergeSafetyNetRun,
  openBlockers,
  type TrackedFinding,
} from '../../../core/safety/resolution.ts';
import { runSafetyNet } from '../../../core/safety/run-safety-net.ts';
import type { SafetyNetInput } from '../../../core/safety/safety-input.ts';
import type { Services } from '../../app/services.ts';
import { transact, type UnitOfWork } from '../../app/unit-of-work.ts';
import type { DatabaseTransaction } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import { loadSafetyNetReference } from '../../terminology/medication-files.ts';
import {
  clinicalItemsOf,
  findCaseForSafetyNet,
  findIntakeMedicationLists,
  findRecordsCheckedInput,
  listClinicalItems,
  listDocumentsForSafetyNet,
  listTrackedFindings,
  lockCaseRecords,
  markRecordsChecked,
  saveTrackedFindings,
  type DocumentDicom,
} from '../record-repository.ts';
import { recordCheckJob } from '../record-services.ts';
import { storedChecklists } from './organization-checklists.ts';

/**
 * Checks of one case asked for within this many seconds of each other run once (the first at
 * once, the others together in the next slot), so a folder of uploads is checked a few times,
 * not once per file.
 */
const checkDebounceSeconds = 2;

/**
 * Queues the records check of a case. Given `transaction`, the job is queued inside it: it exists
 * only if the change commits. A caller whose change alters what the check reads takes the case's
 * records lock (`lockCaseRecords`) before the change, so a debounced job already queued (which
 * takes the lock before reading) cannot read the case until the change is visible.
 */
export async function queueRecordsCheck(
  jobs: Pick<JobQueue, 'send'>,
  caseId: string,
  transaction?: DatabaseTransaction,
): Promise<void> {
  await jobs.send(
    recordCheckJob,
    { caseId },
    {
      debounce: { key: caseId, seconds: checkDebounceSeconds },
      ...(transaction === undefined ? {} : { transaction }),
    },
  );
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

/**
 * What a run reads about a case now, with the digest of it: the input and the organization's
 * checklists, canonically serialised (the shipped reference data changes only with a release,
 * and the day is part of the input). A stored digest that differs means a stale check.
 */
async function readCheckInput(trx: DatabaseTransaction, caseId: string, now: Date) {
  const loaded = await safetyNetInputOf(trx, caseId, isoDay(now));
  if (loaded === null) return null;
  const checklists = (await storedChecklists(trx, loaded.organizationId))?.checklists;
  const digest = createHash('sha256')
    .update(canonicalJson({ input: loaded.input, checklists: checklists ?? null }), 'utf8')
    .digest('hex');
  return { ...loaded, checklists, digest };
}

/** One run inside the caller's unit of work, which holds the case's records lock. */
async function runCheck(
  unit: UnitOfWork,
  caseId: string,
  read: NonNullable<Awaited<ReturnType<typeof readCheckInput>>>,
  actorUserId: string | null,
): Promise<(TrackedFinding & { id: string })[]> {
  // Resolves at once: the shipped data was loaded before the lock (`prepareRecordsCheck`).
  const reference = await loadSafetyNetReference(
    read.checklists === undefined ? {} : { checklists: read.checklists },
  );
  const findings = runSafetyNet(read.input, reference);
  const stored = await listTrackedFindings(unit.trx, caseId);
  const ids = new Map(stored.map((item) => [item.fingerprint, item.id]));
  const merged = mergeSafetyNetRun(stored, findings, unit.now.toISOString()).map((item) => ({
    ...item,
    id: ids.get(item.fingerprint) ?? randomUUID(),
  }));
  await saveTrackedFindings(unit.trx, { organizationId: read.organizationId, caseId }, merged);
  await markRecordsChecked(unit.trx, caseId, unit.now, read.digest);
  const open = merged.filter((item) => item.state === 'open');
  await unit.audit({
    eventType: 'record.checked',
    organizationId: read.organizationId,
    actorUserId,
    entityType: 'Case',
    entityId: caseId,
    details: {
      raised: findings.length,
      open: open.length,
      openBlockers: openBlockers(merged).length,
    },
  });
  return merged;
}

/**
 * Loads the shipped reference data (about 0.8 s the first time in a process), so that a run does
 * not read files while it holds a case's records lock.
 */
export async function prepareRecordsCheck(): Promise<void> {
  await loadSafetyNetReference();
}

/**
 * Runs the safety net over a case and stores the merged findings; null when the case is gone.
 * With `onlyWhenStale` (the job) nothing is done when what the check reads is unchanged since the
 * last run, and the stored findings are answered.
 */
export async function checkCaseRecords(
  services: Pick<Services, 'db' | 'clock' | 'mail'>,
  caseId: string,
  actorUserId: string | null = null,
  options: { onlyWhenStale?: boolean } = {},
): Promise<(TrackedFinding & { id: string })[] | null> {
  await prepareRecordsCheck();
  return transact(services, async (unit) => {
    await lockCaseRecords(unit.trx, caseId);
    const read = await readCheckInput(unit.trx, caseId, unit.now);
    if (read === null) return null;
    if (options.onlyWhenStale === true) {
      const checked = await findRecordsCheckedInput(unit.trx, caseId);
      if (checked === read.digest) return listTrackedFindings(unit.trx, caseId);
    }
    return runCheck(unit, caseId, read, actorUserId);
  });
}

/**
 * Brings a case's findings up to date inside the caller's unit of work, before a decision rests
 * on them (`mark_ready`): takes the case's records lock, held until the caller commits, and runs
 * the check when it never ran or anything it reads changed since. Call `prepareRecordsCheck`
 * before opening the unit of work. Answers whether the check ran.
 */
export async function refreshCaseRecordsCheck(
  unit: UnitOfWork,
  caseId: string,
  actorUserId: string,
): Promise<boolean> {
  await lockCaseRecords(unit.trx, caseId);
  const read = await readCheckInput(unit.trx, caseId, unit.now);
  if (read === null) return false;
  if ((await findRecordsCheckedInput(unit.trx, caseId)) === read.digest) return false;
  await runCheck(unit, caseId, read, actorUserId);
  return true;
}

/** The calendar day of `now` (UTC), which recency and gaps are counted to. */
function isoDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}
