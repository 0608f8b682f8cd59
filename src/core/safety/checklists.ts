/**
 * Per-category checklists as data (PRODUCT.md capability 3: "what a case of this kind needs"):
 * the documents a reviewer needs, each with how recent it must be, and the facts the intake must
 * state. An organization admin edits the set; the server stores it as JSON validated by
 * `checklistSetSchema`; `defaultChecklistSet` is what a new organization starts with.
 *
 * Rules raised here:
 * - `missing_document`: no ready document (and no imported report or lab item) of the item's kinds
 *   and, when the item names DICOM modalities or keywords, none showing one of them. A document
 *   that is corrupt or locked does not count: nobody can read it (its own finding asks for a new
 *   copy).
 * - `stale_document`: there are such records but the newest is older than `maxAgeDays` before the
 *   day of the check; when none of them has a date, an `info` finding asks for the date.
 * - `missing_fact`: an intake fact the item requires is empty. Medications and allergies count as
 *   stated when the intake lists any (an allergy entry "none" included) or records were imported.
 *
 * The defaults are a clinically sensible starting point for second-opinion review, to be adjusted
 * by each organization's clinical lead; `docs/safety-net.md` gives the reasoning per category.
 */
import { z } from 'zod';
import {
  documentKinds,
  type ClinicalItem,
  type DocumentKind,
  type IsoDate,
  type RecordDocument,
} from '../records/record-types.ts';
import {
  findingSeverities,
  fingerprintOf,
  orderSources,
  type EvidenceSource,
  type Finding,
  type FindingSeverity,
} from './finding.ts';
import { addDays, daysBetween, plainDate } from '../iso-dates.ts';
import { clinicalItemDate, documentDate } from './record-dates.ts';
import { caseCategories, type CaseCategory, type SafetyNetInput } from './safety-input.ts';
import { phraseKey } from './text-folding.ts';

/** The intake facts a checklist may require. */
export const checklistFacts = [
  'diagnosis_code',
  'diagnosis_text',
  'diagnosis_date',
  'proposed_treatment',
  'medications',
  'allergies',
] as const;

export type ChecklistFact = (typeof checklistFacts)[number];

/** The checklist names of a set: one per case category, and the fallback for uncategorised cases. */
export const checklistNames = [...caseCategories, 'fallback'] as const;

export type ChecklistName = (typeof checklistNames)[number];

const severity = z.enum(findingSeverities);
const itemId = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _');
const label = z.string().trim().min(1).max(120);
const why = z.string().trim().min(1).max(600);

const documentItemSchema = z.strictObject({
  type: z.literal('document'),
  id: itemId,
  /** Patient words, without an article: "pathology report". */
  label,
  /** Staff words: why a reviewer needs it. */
  why,
  kinds: z.array(z.enum(documentKinds)).min(1),
  /** DICOM Modality (0008,0060) values, any of which satisfies the item (`CT`, `MR`, `ECG`). */
  modalities: z
    .array(z.string().regex(/^[A-Z0-9]{1,16}$/))
    .min(1)
    .optional(),
  /** Words or phrases, any of which in a document's text or study description satisfies it. */
  keywords: z.array(z.string().trim().min(2).max(60)).min(1).optional(),
  /** How old the newest matching record may be, in days before the day of the check; null: any age. */
  maxAgeDays: z.number().int().min(1).max(3650).nullable(),
  missingSeverity: severity,
  staleSeverity: severity,
});

const factItemSchema = z.strictObject({
  type: z.literal('fact'),
  id: itemId,
  label,
  why,
  fact: z.enum(checklistFacts),
  missingSeverity: severity,
});

const checklistItemSchema = z.discriminatedUnion('type', [documentItemSchema, factItemSchema]);

export const checklistSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(120),
    /** The longest stretch without any record between diagnosis and today (`history-gap.ts`). */
    historyGapDays: z.number().int().min(30).max(3650),
    items: z.array(checklistItemSchema).max(40),
  })
  .superRefine((checklist, context) => {
    const seen = new Set<string>();
    checklist.items.forEach((item, index) => {
      if (seen.has(item.id))
        context.addIssue({
          code: 'custom',
          path: ['items', index, 'id'],
          message: `duplicate item id ${item.id}`,
        });
      seen.add(item.id);
    });
  });

export const checklistSetSchema = z.strictObject({
  version: z.literal(1),
  checklists: z.strictObject({
    oncology: checklistSchema,
    cardiology: checklistSchema,
    neurology: checklistSchema,
    orthopaedics: checklistSchema,
    general_medicine: checklistSchema,
    fallback: checklistSchema,
  }),
  /** Reviewing specialty (as in the section mapping) → case category; unmapped ones are skipped. */
  specialtyCategories: z.record(z.string().regex(/^[a-z][a-z-]*$/), z.enum(caseCategories)),
  /** Categories that win whenever any specialty of the code maps to them. */
  leadingCategories: z.array(z.enum(caseCategories)),
});

export type ChecklistDocumentItem = z.infer<typeof documentItemSchema>;
export type ChecklistFactItem = z.infer<typeof factItemSchema>;
export type ChecklistItem = z.infer<typeof checklistItemSchema>;
export type Checklist = z.infer<typeof checklistSchema>;
export type ChecklistSet = z.infer<typeof checklistSetSchema>;

const letterKinds: DocumentKind[] = ['clinic_letter', 'discharge_summary', 'referral'];
const imagingKinds: DocumentKind[] = ['imaging_report', 'imaging_study'];

/** The facts every category asks for, at the given severities. */
function intakeFacts(proposedTreatment: FindingSeverity): ChecklistFactItem[] {
  return [
    {
      type: 'fact',
      id: 'diagnosis_code',
      label: 'diagnosis code',
      why: 'The ICD-10-CM code routes the case to the right specialty and is checked against the records.',
      fact: 'diagnosis_code',
      missingSeverity: 'warning',
    },
    {
      type: 'fact',
      id: 'proposed_treatment',
      label: 'proposed treatment',
      why: 'A second opinion weighs the treatment the treating team proposes against the alternatives.',
      fact: 'proposed_treatment',
      missingSeverity: proposedTreatment,
    },
    {
      type: 'fact',
      id: 'medications',
      label: 'current medications',
      why: 'Interactions, allergies and duplicate therapy can only be checked against a medication list.',
      fact: 'medications',
      missingSeverity: 'warning',
    },
    {
      type: 'fact',
      id: 'allergies',
      label: 'allergies',
      why: 'Any recommended drug must be checked against the allergy list.',
      fact: 'allergies',
      missingSeverity: 'warning',
    },
  ];
}

/** What a new organization starts with; documented in docs/safety-net.md. */
export const defaultChecklistSet: ChecklistSet = {
  version: 1,
  checklists: {
    oncology: {
      title: 'Cancer and other tumours',
      historyGapDays: 120,
      items: [
        {
          type: 'document',
          id: 'pathology',
          label: 'pathology report (the lab report on your biopsy or surgery tissue)',
          why: 'Tissue diagnosis, histological type, grade and receptor or marker status are the basis of any oncology opinion; slides may need a re-read.',
          kinds: ['pathology_report'],
          maxAgeDays: null,
          missingSeverity: 'blocker',
          staleSeverity: 'info',
        },
        {
          type: 'document',
          id: 'staging_imaging',
          label: 'scan report or scan images (CT, MRI, PET or X-ray)',
          why: 'Staging must rest on imaging recent enough to reflect the current extent of disease (90 days).',
          kinds: imagingKinds,
          maxAgeDays: 90,
          missingSeverity: 'blocker',
          staleSeverity: 'warning',
        },
        {
          type: 'document',
          id: 'labs',
          label: 'blood test results',
          why: 'Blood counts, kidney and liver function decide fitness for systemic therapy (60 days).',
          kinds: ['lab_results'],
          maxAgeDays: 60,
          missingSeverity: 'warning',
          staleSeverity: 'warning',
        },
        {
          type: 'document',
          id: 'treating_letter',
          label: 'letter or summary from your cancer doctor',
          why: 'The treating team’s assessment, stage and plan, and the tumour board outcome when there was one (180 days).',
          kinds: letterKinds,
          maxAgeDays: 180,
          missingSeverity: 'warning',
          staleSeverity: 'info',
        },
        ...intakeFacts('warning'),
      ],
    },
    cardiology: {
      title: 'Heart and blood vessels',
      historyGapDays: 180,
      items: [
        {
          type: 'document',
          id: 'cardiac_test',
          label: 'heart test report (ECG or heart ultrasound)',
          why: 'An ECG or echocardiogram from the last 180 days shows rhythm, conduction and ventricular function.',
          kinds: ['imaging_report', 'imaging_study', 'other'],
          modalities: ['ECG', 'HD', 'US'],
          keywords: [
            'ecg',
            'ekg',
            'electrocardiogram',
            'echocardiogram',
            'echocardiography',
            'echo',
            'holter',
          ],
          maxAgeDays: 180,
          missingSeverity: 'blocker',
          staleSeverity: 'warning',
        },
        {
          type: 'document',
          id: 'labs',
          label: 'blood test results',
          why: 'Lipids, kidney function, electrolytes and, where relevant, troponin or BNP (90 days).',
          kinds: ['lab_results'],
          maxAgeDays: 90,
          missingSeverity: 'warning',
          staleSeverity: 'warning',
        },
        {
          type: 'document',
          id: 'treating_letter',
          label: 'letter or summary from your heart doctor',
          why: 'The treating cardiologist’s assessment and the reasons for the proposed treatment (365 days).',
          kinds: letterKinds,
          maxAgeDays: 365,
          missingSeverity: 'warning',
          staleSeverity: 'info',
        },
        ...intakeFacts('warning'),
      ],
    },
    neurology: {
      title: 'Brain, spine and nerves',
      historyGapDays: 180,
      items: [
        {
          type: 'document',
          id: 'neuroimaging',
          label: 'brain or spine scan (MRI or CT)',
          why: 'MRI or CT of the brain or spine from the last year; a reviewer will often re-read the images.',
          kinds: imagingKinds,
          modalities: ['MR', 'CT', 'PT'],
          keywords: [
            'mri',
            'magnetic resonance',
            'ct',
            'computed tomography',
            'pet ct',
            'pet scan',
          ],
          maxAgeDays: 365,
          missingSeverity: 'blocker',
          staleSeverity: 'warning',
        },
        {
          type: 'document',
          id: 'treating_letter',
          label: 'letter or summary from your nerve doctor',
          why: 'The treating neurologist’s examination findings and course (180 days).',
          kinds: letterKinds,
          maxAgeDays: 180,
          missingSeverity: 'warning',
          staleSeverity: 'info',
        },
        {
          type: 'document',
          id: 'labs',
          label: 'blood test results',
          why: 'Baseline labs and drug levels when anti-seizure or immunotherapy is involved (365 days).',
          kinds: ['lab_results'],
          maxAgeDays: 365,
          missingSeverity: 'info',
          staleSeverity: 'info',
        },
        ...intakeFacts('warning'),
      ],
    },
    orthopaedics: {
      title: 'Bones, joints and muscles',
      historyGapDays: 365,
      items: [
        {
          type: 'document',
          id: 'imaging',
          label: 'X-ray, MRI or CT of the affected area',
          why: 'Imaging of the affected region from the last 180 days; surgical decisions rest on current structure.',
          kinds: imagingKinds,
          modalities: ['CR', 'DX', 'MR', 'CT'],
          keywords: [
            'x ray',
            'xray',
            'radiograph',
            'radiographs',
            'mri',
            'magnetic resonance',
            'ct',
            'computed tomography',
          ],
          maxAgeDays: 180,
          missingSeverity: 'blocker',
          staleSeverity: 'warning',
        },
        {
          type: 'document',
          id: 'treating_letter',
          label: 'letter or summary from your bone or joint doctor',
          why: 'Examination findings, treatments tried so far (physiotherapy, injections) and the surgical proposal (180 days).',
          kinds: letterKinds,
          maxAgeDays: 180,
          missingSeverity: 'warning',
          staleSeverity: 'info',
        },
        ...intakeFacts('warning'),
      ],
    },
    general_medicine: {
      title: 'General medicine',
      historyGapDays: 365,
      items: [
        {
          type: 'document',
          id: 'treating_letter',
          label: 'letter or summary from your doctor',
          why: 'The treating physician’s assessment and plan (365 days).',
          kinds: letterKinds,
          maxAgeDays: 365,
          missingSeverity: 'warning',
          staleSeverity: 'info',
        },
        {
          type: 'document',
          id: 'labs',
          label: 'blood test results',
          why: 'Most medical conditions are judged on recent laboratory values (180 days).',
          kinds: ['lab_results'],
          maxAgeDays: 180,
          missingSeverity: 'warning',
          staleSeverity: 'warning',
        },
        ...intakeFacts('info'),
      ],
    },
    fallback: {
      title: 'Not yet categorised',
      historyGapDays: 365,
      items: [
        {
          type: 'document',
          id: 'treating_letter',
          label: 'letter or summary from your doctor',
          why: 'Any opinion needs the treating physician’s account of the problem.',
          kinds: letterKinds,
          maxAgeDays: null,
          missingSeverity: 'warning',
          staleSeverity: 'info',
        },
        {
          type: 'fact',
          id: 'diagnosis_text',
          label: 'condition',
          why: 'Without a stated condition the case cannot be categorised or matched.',
          fact: 'diagnosis_text',
          missingSeverity: 'warning',
        },
        ...intakeFacts('info'),
      ],
    },
  },
  specialtyCategories: {
    oncology: 'oncology',
    'gynecologic-oncology': 'oncology',
    cardiology: 'cardiology',
    'vascular-surgery': 'cardiology',
    neurology: 'neurology',
    neurosurgery: 'neurology',
    orthopedics: 'orthopaedics',
    'trauma-surgery': 'orthopaedics',
    'internal-medicine': 'general_medicine',
    'primary-care': 'general_medicine',
    endocrinology: 'general_medicine',
    nephrology: 'general_medicine',
    gastroenterology: 'general_medicine',
    pulmonology: 'general_medicine',
    hematology: 'general_medicine',
    'infectious-disease': 'general_medicine',
  },
  leadingCategories: ['oncology'],
};

/** The checklist a case of this category (null: uncategorised) is held to. */
export function checklistFor(set: ChecklistSet, category: CaseCategory | null): Checklist {
  return set.checklists[category ?? 'fallback'];
}

interface MatchingRecord {
  date: IsoDate | null;
  source: EvidenceSource;
}

function includesPhrase(haystackKey: string, phrase: string): boolean {
  const needle = phraseKey(phrase);
  return needle !== '' && ` ${haystackKey} `.includes(` ${needle} `);
}

function matchesHints(item: ChecklistDocumentItem, modalities: string[], texts: string[]): boolean {
  if (item.modalities === undefined && item.keywords === undefined) return true;
  if (item.modalities?.some((modality) => modalities.includes(modality)) === true) return true;
  const keys = texts.map(phraseKey);
  return (
    item.keywords?.some((keyword) => keys.some((key) => includesPhrase(key, keyword))) === true
  );
}

/** Whether a document satisfies a checklist document item (kind, then modality or keyword). */
export function documentSatisfiesItem(
  document: RecordDocument,
  item: ChecklistDocumentItem,
): boolean {
  if (document.condition !== 'ready' || !item.kinds.includes(document.kind)) return false;
  const dicom = document.dicom;
  const modalities =
    dicom === null ? [] : [...dicom.modalities, ...dicom.series.map((s) => s.modality ?? '')];
  const texts = [
    document.text ?? '',
    dicom?.description ?? '',
    ...(dicom?.series.map((series) => series.description ?? '') ?? []),
  ];
  return matchesHints(item, modalities, texts);
}

/**
 * Whether an imported item stands for such a document: a report of one of the kinds, or, for lab
 * results, a laboratory observation.
 */
export function clinicalItemSatisfiesItem(
  clinical: ClinicalItem,
  item: ChecklistDocumentItem,
): boolean {
  if (clinical.type === 'report') {
    return (
      clinical.kind !== null &&
      item.kinds.includes(clinical.kind) &&
      matchesHints(
        item,
        [],
        [clinical.display, ...clinical.codes.map((code) => code.display ?? '')],
      )
    );
  }
  return (
    clinical.type === 'observation' &&
    clinical.category === 'laboratory' &&
    item.kinds.includes('lab_results')
  );
}

function matchingRecords(input: SafetyNetInput, item: ChecklistDocumentItem): MatchingRecord[] {
  const records: MatchingRecord[] = [];
  for (const document of input.documents) {
    if (!documentSatisfiesItem(document, item)) continue;
    records.push({
      date: documentDate(document),
      source: { type: 'document', documentId: document.id, displayName: document.displayName },
    });
  }
  for (const clinical of input.clinical) {
    if (!clinicalItemSatisfiesItem(clinical, item)) continue;
    records.push({
      date: clinicalItemDate(clinical),
      source: {
        type: 'clinical_item',
        itemId: clinical.id,
        sourceDocumentId: clinical.sourceDocumentId,
        display: clinical.display,
      },
    });
  }
  return records;
}

function sourceId(source: EvidenceSource): string {
  switch (source.type) {
    case 'document':
      return source.documentId;
    case 'clinical_item':
      return source.itemId;
    case 'intake':
      return source.field;
    case 'checklist':
      return source.itemId;
  }
}

/** The newest dated record; ties broken by id so the choice does not depend on input order. */
function newestOf(records: MatchingRecord[]): MatchingRecord | undefined {
  let newest: MatchingRecord | undefined;
  for (const record of records) {
    if (record.date === null) continue;
    if (
      newest === undefined ||
      record.date > newest.date! ||
      (record.date === newest.date && sourceId(record.source) < sourceId(newest.source))
    )
      newest = record;
  }
  return newest;
}

function checkDocumentItem(
  input: SafetyNetInput,
  checklistName: ChecklistName,
  item: ChecklistDocumentItem,
): Finding | null {
  const checklistSource: EvidenceSource = {
    type: 'checklist',
    checklist: checklistName,
    itemId: item.id,
  };
  const records = matchingRecords(input, item);
  const kinds = item.kinds.join(', ');
  if (records.length === 0) {
    return {
      rule: 'missing_document',
      severity: item.missingSeverity,
      fingerprint: fingerprintOf('missing_document', [checklistName, item.id]),
      patientAction: 'upload',
      patientMessage: `We need your ${item.label} for this review. Please upload a copy. If you do not have it, tell us and we will ask your doctor.`,
      staffMessage: `Checklist "${checklistName}" item "${item.id}" has no matching record (kinds: ${kinds}${item.modalities === undefined ? '' : `; modalities: ${item.modalities.join(', ')}`}). ${item.why}`,
      evidence: {
        sources: [checklistSource],
        values: { kinds, maxAgeDays: item.maxAgeDays },
      },
    };
  }
  if (item.maxAgeDays === null) return null;
  const newest = newestOf(records);
  const cutoff = addDays(input.today, -item.maxAgeDays);
  if (newest === undefined) {
    return {
      rule: 'stale_document',
      severity: 'info',
      fingerprint: fingerprintOf('stale_document', [checklistName, item.id]),
      patientAction: 'answer',
      patientMessage: `We could not find a date on your ${item.label}. If you know when it was done, please tell us.`,
      staffMessage: `Checklist "${checklistName}" item "${item.id}" requires a record from the last ${item.maxAgeDays} days (on or after ${cutoff}); the matching records are undated.`,
      evidence: {
        sources: orderSources([checklistSource, ...records.map((record) => record.source)]),
        values: { maxAgeDays: item.maxAgeDays, newestDate: null, cutoffDate: cutoff },
      },
    };
  }
  const age = daysBetween(newest.date, input.today)!;
  if (age <= item.maxAgeDays) return null;
  return {
    rule: 'stale_document',
    severity: item.staleSeverity,
    fingerprint: fingerprintOf('stale_document', [checklistName, item.id]),
    patientAction: 'upload',
    patientMessage: `We need your ${item.label} from the last ${item.maxAgeDays} days. The newest one we have is from ${plainDate(newest.date!)}. Please upload a newer one if you have it.`,
    staffMessage: `Checklist "${checklistName}" item "${item.id}": newest matching record dated ${newest.date!} is ${age} days old; the limit is ${item.maxAgeDays} days (on or after ${cutoff}).`,
    evidence: {
      sources: orderSources([checklistSource, newest.source]),
      values: {
        maxAgeDays: item.maxAgeDays,
        newestDate: newest.date,
        ageDays: age,
        cutoffDate: cutoff,
      },
    },
  };
}

/** Intake entries that say "no allergies" rather than name one. */
const noneStatements = new Set([
  'none',
  'nil',
  'no',
  'nka',
  'nkda',
  'nkma',
  'no allergies',
  'no known allergies',
  'no known allergy',
  'no known drug allergies',
  'no known drug allergy',
  'no known medication allergies',
  'nil known',
]);

/** Whether an intake allergy entry states that there are none (`NKDA`, `No known allergies`). */
export function statesNoAllergies(substance: string): boolean {
  return noneStatements.has(phraseKey(substance));
}

function factStated(input: SafetyNetInput, fact: ChecklistFact): boolean {
  const filled = (value: string | null) => value !== null && value.trim() !== '';
  switch (fact) {
    case 'diagnosis_code':
      return filled(input.case.diagnosisCode);
    case 'diagnosis_text':
      return filled(input.case.diagnosisText) || filled(input.case.diagnosisCode);
    case 'diagnosis_date':
      return filled(input.case.diagnosisDate);
    case 'proposed_treatment':
      return filled(input.case.proposedTreatment);
    case 'medications':
      return (
        input.case.medications.length > 0 ||
        input.clinical.some((item) => item.type === 'medication')
      );
    case 'allergies':
      return (
        input.case.allergies.length > 0 || input.clinical.some((item) => item.type === 'allergy')
      );
  }
}

const factQuestions: Record<ChecklistFact, { field: string; ask: string }> = {
  diagnosis_code: {
    field: 'diagnosisCode',
    ask: 'We do not have a diagnosis code for your case yet. If your doctor gave you one, please add it. If not, our team will find it in your records.',
  },
  diagnosis_text: {
    field: 'diagnosisText',
    ask: 'Please tell us, in your own words, which health problem you want a second opinion on.',
  },
  diagnosis_date: {
    field: 'diagnosisDate',
    ask: 'Please tell us when you were told about this health problem. A rough date is fine.',
  },
  proposed_treatment: {
    field: 'proposedTreatment',
    ask: 'Please tell us which treatment your doctors have offered. If none was offered yet, say so.',
  },
  medications: {
    field: 'medications',
    ask: 'Please list the medicines you take now, with the dose and how often you take them. If you take none, tell us.',
  },
  allergies: {
    field: 'allergies',
    ask: 'Please tell us about any allergies you have, to medicines or anything else. If you have none, write "none".',
  },
};

function checkFactItem(
  input: SafetyNetInput,
  checklistName: ChecklistName,
  item: ChecklistFactItem,
): Finding | null {
  if (factStated(input, item.fact)) return null;
  const question = factQuestions[item.fact];
  return {
    rule: 'missing_fact',
    severity: item.missingSeverity,
    fingerprint: fingerprintOf('missing_fact', [checklistName, item.id]),
    patientAction: 'answer',
    patientMessage: question.ask,
    staffMessage: `Checklist "${checklistName}" item "${item.id}": the intake does not state the ${item.label}. ${item.why}`,
    evidence: {
      sources: [
        { type: 'intake', field: question.field },
        { type: 'checklist', checklist: checklistName, itemId: item.id },
      ],
      values: { fact: item.fact },
    },
  };
}

/** Every finding of one checklist for a case, in item order. */
export function checkChecklist(
  input: SafetyNetInput,
  checklistName: ChecklistName,
  checklist: Checklist,
): Finding[] {
  const findings: Finding[] = [];
  for (const item of checklist.items) {
    const finding =
      item.type === 'document'
        ? checkDocumentItem(input, checklistName, item)
        : checkFactItem(input, checklistName, item);
    if (finding !== null) findings.push(finding);
  }
  return findings;
}
