/**
 * Defect injectors of the safety-net corpus: each takes a sound case and introduces exactly one
 * kind of record error a second-opinion service meets in practice, and says which finding the
 * safety net must raise for it (rule, and a word its fingerprint must contain so that a finding
 * about something else does not count). An injector that cannot apply to a case (stale imaging
 * where the checklist asks for no imaging) returns null.
 */
import {
  checklistFor,
  clinicalItemSatisfiesItem,
  documentSatisfiesItem,
  type ChecklistDocumentItem,
} from '../checklists.ts';
import type { FindingRule } from '../finding.ts';
import { addDays } from '../../iso-dates.ts';
import { clinicalItemDate, documentDate } from '../record-dates.ts';
import { isReferencedRecordPresent, type ReferencedRecordKind } from '../referenced-attachments.ts';
import { caseCategoryOf, type SafetyNetReference } from '../run-safety-net.ts';
import type { SafetyNetInput } from '../safety-input.ts';
import { buildDocument, redateDocument } from './record-builders.ts';

export const defectKinds = [
  'missing_report',
  'stale_imaging',
  'wrong_patient_document',
  'invalid_code',
  'non_billable_code',
  'description_mismatch',
  'drug_interaction',
  'allergy_conflict',
  'duplicate_therapy',
  'duplicate_file',
  'corrupt_file',
  'encrypted_file',
  'medication_without_dose',
  'history_gap',
  'referenced_attachment_missing',
] as const;

export type DefectKind = (typeof defectKinds)[number];

export interface InjectedDefect {
  input: SafetyNetInput;
  expected: { rule: FindingRule; fingerprintContains: string };
}

export interface DefectInjector {
  kind: DefectKind;
  /** What the injector does, for the corpus table. */
  description: string;
  inject(sound: SafetyNetInput, reference: SafetyNetReference): InjectedDefect | null;
}

function copy(input: SafetyNetInput): SafetyNetInput {
  return structuredClone(input);
}

function checklistOf(input: SafetyNetInput, reference: SafetyNetReference) {
  const category = caseCategoryOf(input, reference);
  return { name: category ?? 'fallback', checklist: checklistFor(reference.checklists, category) };
}

function documentItems(
  input: SafetyNetInput,
  reference: SafetyNetReference,
): ChecklistDocumentItem[] {
  return checklistOf(input, reference).checklist.items.filter(
    (item): item is ChecklistDocumentItem => item.type === 'document',
  );
}

function letterFor(input: SafetyNetInput, id: string, text: string) {
  return buildDocument({
    id,
    kind: 'clinic_letter',
    date: addDays(input.today, -5),
    source: 'Outside clinic',
    text,
    identities: [
      {
        name: `${input.patient.givenName} ${input.patient.familyName}`,
        birthDate: input.patient.birthDate,
        foundIn: 'Letter header',
      },
    ],
  });
}

const missingReport: DefectInjector = {
  kind: 'missing_report',
  description: 'removes every record satisfying the checklist’s first blocker document',
  inject(sound, reference) {
    const item = documentItems(sound, reference).find(
      (candidate) => candidate.missingSeverity === 'blocker',
    );
    if (item === undefined) return null;
    const input = copy(sound);
    input.documents = input.documents.filter((document) => !documentSatisfiesItem(document, item));
    input.clinical = input.clinical.filter(
      (clinical) => !clinicalItemSatisfiesItem(clinical, item),
    );
    return { input, expected: { rule: 'missing_document', fingerprintContains: item.id } };
  },
};

const staleImaging: DefectInjector = {
  kind: 'stale_imaging',
  description: 'moves the imaging a recency rule covers to before the allowed window',
  inject(sound, reference) {
    const item = documentItems(sound, reference).find(
      (candidate) =>
        candidate.maxAgeDays !== null &&
        candidate.kinds.some((kind) => kind === 'imaging_report' || kind === 'imaging_study'),
    );
    if (item?.maxAgeDays == null) return null;
    const input = copy(sound);
    const outdated = (date: string | null) =>
      date === null || date >= addDays(input.today, -item.maxAgeDays!)
        ? addDays(input.today, -(item.maxAgeDays! + 45))
        : date;
    input.documents = input.documents.map((document) =>
      documentSatisfiesItem(document, item)
        ? redateDocument(document, outdated(documentDate(document)))
        : document,
    );
    input.clinical = input.clinical.map((clinical) =>
      clinicalItemSatisfiesItem(clinical, item)
        ? { ...clinical, date: outdated(clinicalItemDate(clinical)) }
        : clinical,
    );
    return { input, expected: { rule: 'stale_document', fingerprintContains: item.id } };
  },
};

const wrongPatientDocument: DefectInjector = {
  kind: 'wrong_patient_document',
  description: 'adds a clinic letter about another person (misfiled)',
  inject(sound) {
    const input = copy(sound);
    const other = buildDocument({
      id: 'injected-other-patient',
      kind: 'clinic_letter',
      date: addDays(input.today, -20),
      source: 'Outside clinic',
      text: 'Follow-up visit. Blood pressure 132/84. Continue current treatment.',
      identities: [
        { name: 'HOLLOWAY^PETER^JOHN', birthDate: '1949-01-07', foundIn: 'Letter header' },
      ],
    });
    input.documents.push(other);
    return { input, expected: { rule: 'wrong_patient', fingerprintContains: other.id } };
  },
};

const invalidCode: DefectInjector = {
  kind: 'invalid_code',
  description: 'replaces the diagnosis code by a leaf that does not exist under its category',
  inject(sound) {
    if (sound.case.diagnosisCode === null) return null;
    const input = copy(sound);
    input.case.diagnosisCode = `${sound.case.diagnosisCode.slice(0, 3)}.Z9`;
    return { input, expected: { rule: 'icd_unknown_code', fingerprintContains: 'case' } };
  },
};

const nonBillableCode: DefectInjector = {
  kind: 'non_billable_code',
  description: 'replaces the diagnosis code by its 3-character category (a header)',
  inject(sound) {
    if (sound.case.diagnosisCode === null || sound.case.diagnosisCode.length <= 3) return null;
    const input = copy(sound);
    input.case.diagnosisCode = sound.case.diagnosisCode.slice(0, 3);
    return { input, expected: { rule: 'icd_not_billable', fingerprintContains: 'case' } };
  },
};

const descriptionMismatch: DefectInjector = {
  kind: 'description_mismatch',
  description: 'replaces the diagnosis text by another disease',
  inject(sound) {
    if (sound.case.diagnosisCode === null) return null;
    const input = copy(sound);
    input.case.diagnosisText = sound.case.diagnosisCode.startsWith('C')
      ? 'Type 2 diabetes'
      : 'Breast cancer';
    return { input, expected: { rule: 'icd_description_mismatch', fingerprintContains: 'case' } };
  },
};

const drugInteraction: DefectInjector = {
  kind: 'drug_interaction',
  description: 'adds simvastatin and clarithromycin (ONC-HP-11) to the medication list',
  inject(sound) {
    const input = copy(sound);
    input.case.medications.push(
      { name: 'Simvastatin', dose: '40 mg', frequency: 'at night' },
      { name: 'Clarithromycin', dose: '500 mg', frequency: 'twice daily' },
    );
    return { input, expected: { rule: 'drug_interaction', fingerprintContains: 'clarithromycin' } };
  },
};

const allergyConflict: DefectInjector = {
  kind: 'allergy_conflict',
  description: 'a penicillin allergy and amoxicillin in the proposed treatment',
  inject(sound) {
    const input = copy(sound);
    if (!input.case.allergies.some((allergy) => /penicillin/i.test(allergy.substance)))
      input.case.allergies.push({
        substance: 'Penicillin',
        reaction: 'Hives',
        severity: 'moderate',
      });
    input.case.proposedTreatment =
      `${input.case.proposedTreatment ?? ''} Before that, amoxicillin 500 mg three times daily for seven days.`.trim();
    return { input, expected: { rule: 'allergy_conflict', fingerprintContains: 'amoxicillin' } };
  },
};

const duplicateTherapy: DefectInjector = {
  kind: 'duplicate_therapy',
  description: 'adds two NSAIDs (ibuprofen and diclofenac) to the medication list',
  inject(sound) {
    const input = copy(sound);
    input.case.medications.push(
      { name: 'Ibuprofen', dose: '400 mg', frequency: 'three times daily' },
      { name: 'Diclofenac', dose: '50 mg', frequency: 'twice daily' },
    );
    return { input, expected: { rule: 'duplicate_therapy', fingerprintContains: 'ibuprofen' } };
  },
};

const duplicateFile: DefectInjector = {
  kind: 'duplicate_file',
  description: 'uploads one of the documents a second time',
  inject(sound) {
    const original = sound.documents[0];
    if (original === undefined) return null;
    const input = copy(sound);
    input.documents.push({
      ...structuredClone(original),
      id: 'injected-duplicate',
      duplicateOf: original.id,
    });
    return {
      input,
      expected: { rule: 'duplicate_document', fingerprintContains: 'injected-duplicate' },
    };
  },
};

const corruptFile: DefectInjector = {
  kind: 'corrupt_file',
  description: 'adds a PDF that could not be read',
  inject(sound) {
    const input = copy(sound);
    input.documents.push(
      buildDocument({
        id: 'injected-corrupt',
        kind: 'other',
        date: null,
        condition: 'corrupt',
      }),
    );
    return {
      input,
      expected: { rule: 'unreadable_document', fingerprintContains: 'injected-corrupt' },
    };
  },
};

const encryptedFile: DefectInjector = {
  kind: 'encrypted_file',
  description: 'adds a password-protected PDF',
  inject(sound) {
    const input = copy(sound);
    input.documents.push(
      buildDocument({
        id: 'injected-encrypted',
        kind: 'discharge_summary',
        date: null,
        condition: 'encrypted',
      }),
    );
    return {
      input,
      expected: { rule: 'unreadable_document', fingerprintContains: 'injected-encrypted' },
    };
  },
};

const medicationWithoutDose: DefectInjector = {
  kind: 'medication_without_dose',
  description: 'adds a medication with a frequency but no dose',
  inject(sound) {
    const input = copy(sound);
    input.case.medications.push({ name: 'Levothyroxine', dose: null, frequency: 'once daily' });
    return {
      input,
      expected: { rule: 'medication_incomplete', fingerprintContains: 'levothyroxine' },
    };
  },
};

const historyGap: DefectInjector = {
  kind: 'history_gap',
  description: 'moves the diagnosis date well before the first record',
  inject(sound, reference) {
    const dates = [
      ...sound.documents.map(documentDate),
      ...sound.clinical.map(clinicalItemDate),
    ].filter((date): date is string => date !== null && date >= (sound.case.diagnosisDate ?? ''));
    const first = dates.sort()[0];
    if (first === undefined) return null;
    const input = copy(sound);
    const threshold = checklistOf(sound, reference).checklist.historyGapDays;
    input.case.diagnosisDate = addDays(first, -(threshold + 60));
    return {
      input,
      expected: { rule: 'history_gap', fingerprintContains: input.case.diagnosisDate },
    };
  },
};

const referenceTexts: Record<ReferencedRecordKind, string> = {
  imaging_images: 'Please see the attached CT images on the enclosed disc.',
  imaging_report: 'The MRI report will follow.',
  pathology_report: 'A biopsy of the lesion showed granulomatous inflammation.',
  lab_results: 'Lab results attached.',
};

const referencedAttachmentMissing: DefectInjector = {
  kind: 'referenced_attachment_missing',
  description: 'adds a letter referring to a record of a kind the case does not hold',
  inject(sound) {
    const absent = (Object.keys(referenceTexts) as ReferencedRecordKind[]).find(
      (kind) => !isReferencedRecordPresent(sound, kind),
    );
    if (absent === undefined) return null;
    const input = copy(sound);
    const letter = letterFor(
      input,
      'injected-referring-letter',
      `Thank you for seeing this patient. ${referenceTexts[absent]} Kind regards.`,
    );
    input.documents.push(letter);
    return {
      input,
      expected: { rule: 'referenced_attachment_missing', fingerprintContains: absent },
    };
  },
};

/** One injector per defect kind, in the order of `defectKinds`. */
export const defectInjectors: readonly DefectInjector[] = [
  missingReport,
  staleImaging,
  wrongPatientDocument,
  invalidCode,
  nonBillableCode,
  descriptionMismatch,
  drugInteraction,
  allergyConflict,
  duplicateTherapy,
  duplicateFile,
  corruptFile,
  encryptedFile,
  medicationWithoutDose,
  historyGap,
  referencedAttachmentMissing,
];
