/**
 * The safety net's engine (PRODUCT.md capability 3): runs every check on one case and returns
 * its findings in one deterministic order — severity (blockers first), then rule code, then
 * fingerprint — so the same records give the same list whatever order they were uploaded in.
 * Pure: the reference data comes in as an argument (`SafetyNetReference`), loaded by the server
 * (src/server/terminology/medication-files.ts) or built by tests.
 *
 * Checks, each in its own module: the case's checklist (`checklists.ts`, chosen by the case's
 * category or one derived from its ICD-10-CM code, `case-category.ts`), history gaps
 * (`history-gap.ts`), referenced attachments (`referenced-attachments.ts`), wrong-patient
 * documents (`patient-identity.ts`), unreadable and duplicate documents
 * (`document-condition.ts`), ICD-10-CM coding (`icd-coding.ts`), and medication safety:
 * interactions, allergy conflicts, duplicate therapy and incomplete entries
 * (`drug-interactions.ts`, `allergy-conflicts.ts`, `duplicate-therapy.ts`,
 * `medication-completeness.ts`). Two checks raising one fingerprint (never expected) keep the
 * more serious finding.
 */
import { collectAllergens, checkAllergyConflicts } from './allergy-conflicts.ts';
import { deriveCaseCategory, type SectionSpecialtyMap } from './case-category.ts';
import { checkChecklist, checklistFor, type ChecklistSet } from './checklists.ts';
import { checkDocumentConditions } from './document-condition.ts';
import { checkDrugInteractions } from './drug-interactions.ts';
import { checkDuplicateTherapy } from './duplicate-therapy.ts';
import { compareFindings, compareSeverity, type Finding } from './finding.ts';
import { checkHistoryGaps } from './history-gap.ts';
import { checkIcdCoding, type Icd10CmAdditions, type Icd10CmIndex } from './icd-coding.ts';
import { dayNumber } from '../iso-dates.ts';
import { checkMedicationCompleteness } from './medication-completeness.ts';
import type { MedicationKnowledge } from './medication-knowledge.ts';
import { collectMedicationUses } from './medication-uses.ts';
import { checkPatientIdentities } from './patient-identity.ts';
import { checkReferencedAttachments } from './referenced-attachments.ts';
import type { CaseCategory, SafetyNetInput } from './safety-input.ts';

/** The reference data the checks use. */
export interface SafetyNetReference {
  /** The ICD-10-CM code set (`Icd10CmCodeSet` from src/core/terminology/icd10cm.ts). */
  icd10cm: Icd10CmIndex;
  /** First fiscal years of codes added after the base edition (`parseIcd10CmAdditions`). */
  icd10cmAdditions: Icd10CmAdditions;
  /** ICD-10-CM section → reviewing specialties (`parseSectionSpecialtyMap`). */
  sectionSpecialties: SectionSpecialtyMap;
  /** The organization's checklists (`defaultChecklistSet`, or a stored set parsed by `checklistSetSchema`). */
  checklists: ChecklistSet;
  /** Drug knowledge: the shipped starter data or a licensed database behind the same interface. */
  medications: MedicationKnowledge;
}

/** The category the case's checklist is chosen by: staff's choice, else derived, else null. */
export function caseCategoryOf(
  input: SafetyNetInput,
  reference: SafetyNetReference,
): CaseCategory | null {
  return deriveCaseCategory(
    input.case.category,
    input.case.diagnosisCode,
    reference.icd10cm,
    reference.sectionSpecialties,
    reference.checklists,
  );
}

/** Runs every check on a case; findings sorted by severity, rule and fingerprint. */
export function runSafetyNet(input: SafetyNetInput, reference: SafetyNetReference): Finding[] {
  if (dayNumber(input.today) === null) throw new RangeError(`Not a calendar date: ${input.today}`);
  const category = caseCategoryOf(input, reference);
  const checklistName = category ?? 'fallback';
  const checklist = checklistFor(reference.checklists, category);
  const uses = collectMedicationUses(input, reference.medications);
  const findings = [
    ...checkChecklist(input, checklistName, checklist),
    ...checkHistoryGaps(input, checklist.historyGapDays),
    ...checkReferencedAttachments(input),
    ...checkPatientIdentities(input),
    ...checkDocumentConditions(input),
    ...checkIcdCoding(input, reference.icd10cm, reference.icd10cmAdditions),
    ...checkDrugInteractions(uses, reference.medications),
    ...checkAllergyConflicts(
      collectAllergens(input, reference.medications),
      uses,
      reference.medications,
    ),
    ...checkDuplicateTherapy(uses, reference.medications),
    ...checkMedicationCompleteness(uses),
  ];
  const byFingerprint = new Map<string, Finding>();
  for (const finding of findings) {
    const known = byFingerprint.get(finding.fingerprint);
    if (known === undefined || compareSeverity(finding.severity, known.severity) < 0)
      byFingerprint.set(finding.fingerprint, finding);
  }
  return [...byFingerprint.values()].sort(compareFindings);
}
