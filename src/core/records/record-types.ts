/**
 * The shape of a case's medical records once they are understood (issue 4): each stored document
 * with what was derived from it, and the clinical facts imported from structured records (FHIR R4,
 * C-CDA). The ingestion side (src/server/records) produces these; the safety net
 * (src/core/safety) reads them; the case timeline and the viewers show them. Pure types and the
 * rules shared by all of them.
 */

/** The largest file one upload may carry: 2 GiB (imaging studies, long scanned records). */
export const recordMaxBytes = 2 * 1024 * 1024 * 1024;

/** What a document is, as a reviewer would file it. */
export const documentKinds = [
  'pathology_report',
  'imaging_report',
  'imaging_study',
  'lab_results',
  'discharge_summary',
  'clinic_letter',
  'prescription',
  'referral',
  'other',
] as const;

export type DocumentKind = (typeof documentKinds)[number];

/** The file formats accepted, each recognised by its content (magic bytes), not by its name. */
export const recordFormats = [
  'pdf',
  'jpeg',
  'png',
  'heic',
  'tiff',
  'dicom',
  'fhir_json',
  'ccda_xml',
  'text',
] as const;

export type RecordFormat = (typeof recordFormats)[number];

/**
 * Where a stored document stands. `ready`: stored, readable and understood as far as its format
 * allows. `unreadable`: the format was recognised but the content could not be read (`corrupt`)
 * or is locked (`encrypted`, e.g. a password-protected PDF).
 */
export const documentConditions = ['ready', 'corrupt', 'encrypted'] as const;

export type DocumentCondition = (typeof documentConditions)[number];

/** A calendar date, `YYYY-MM-DD`. */
export type IsoDate = string;

/** A coding as found in a record: system URI (or OID), code, and the record's own display text. */
export interface RecordCoding {
  system: string;
  code: string;
  display?: string;
}

/** A person named in a record (a document's header, a DICOM's PatientName, a FHIR Patient). */
export interface RecordPatientIdentity {
  /** The name as recorded, in whatever format (`DOE^JANE`, `Jane Doe`, `Doe, Jane`). */
  name: string | null;
  birthDate: IsoDate | null;
  /** Where in the document it was found, for the evidence of a finding (e.g. `DICOM (0010,0010)`). */
  foundIn: string;
}

/** What a DICOM document holds: one study, grouped into series. */
export interface DicomStudySummary {
  studyInstanceUid: string;
  studyDate: IsoDate | null;
  description: string | null;
  modalities: string[];
  bodyPart: string | null;
  series: {
    seriesInstanceUid: string;
    modality: string | null;
    description: string | null;
    bodyPart: string | null;
    instanceCount: number;
  }[];
  instanceCount: number;
}

/** A document of the case with what was derived from it. */
export interface RecordDocument {
  id: string;
  format: RecordFormat;
  kind: DocumentKind;
  /** The date of service: when the examination or visit took place, not when it was uploaded. */
  dateOfService: IsoDate | null;
  /** The facility or author the document comes from. */
  source: string | null;
  /** `YYYY-MM-DD — Kind — Source` (see `documentDisplayName`). */
  displayName: string;
  sha256: string;
  sizeBytes: number;
  condition: DocumentCondition;
  /** Another document of the same case with the same digest, when this one is an exact duplicate. */
  duplicateOf: string | null;
  /** The people the document names as its patient. */
  patientIdentities: RecordPatientIdentity[];
  /** Plain text extracted from it (PDF text, plain text, C-CDA narrative), when any; may be cut. */
  text: string | null;
  /** For imaging studies. */
  dicom: DicomStudySummary | null;
}

interface ClinicalItemBase {
  id: string;
  /** The document it was imported from. */
  sourceDocumentId: string;
  /** When it happened or was recorded (onset, authored, effective, performed). */
  date: IsoDate | null;
  display: string;
  codes: RecordCoding[];
}

export interface ConditionItem extends ClinicalItemBase {
  type: 'condition';
  /** FHIR clinicalStatus: active, recurrence, relapse, inactive, remission, resolved. */
  clinicalStatus: string | null;
  abatementDate: IsoDate | null;
}

export interface MedicationItem extends ClinicalItemBase {
  type: 'medication';
  /** FHIR MedicationRequest/MedicationStatement status: active, completed, stopped, … */
  status: string | null;
  /** Lower-case ingredient names when known (e.g. `amoxicillin`, `clavulanate`). */
  ingredients: string[];
  dose: string | null;
  frequency: string | null;
  /** The period it was taken or valid for, when recorded. */
  start: IsoDate | null;
  end: IsoDate | null;
}

export interface AllergyItem extends ClinicalItemBase {
  type: 'allergy';
  /** FHIR category: medication, food, environment, biologic. */
  category: string | null;
  clinicalStatus: string | null;
  criticality: string | null;
  reactions: string[];
}

export interface ObservationItem extends ClinicalItemBase {
  type: 'observation';
  /** FHIR category code: laboratory, vital-signs, … */
  category: string | null;
  value: string | null;
  unit: string | null;
}

export interface ProcedureItem extends ClinicalItemBase {
  type: 'procedure';
  status: string | null;
}

/** A report or a referenced document (FHIR DiagnosticReport, DocumentReference). */
export interface ReportItem extends ClinicalItemBase {
  type: 'report';
  /** The document kind it is, when its type says so (LOINC document codes, report categories). */
  kind: DocumentKind | null;
}

export type ClinicalItem =
  ConditionItem | MedicationItem | AllergyItem | ObservationItem | ProcedureItem | ReportItem;

export type ClinicalItemType = ClinicalItem['type'];

/** The human name of each kind, used in display names (English; the web app translates). */
export const documentKindNames: Record<DocumentKind, string> = {
  pathology_report: 'Pathology report',
  imaging_report: 'Imaging report',
  imaging_study: 'Imaging study',
  lab_results: 'Lab results',
  discharge_summary: 'Discharge summary',
  clinic_letter: 'Clinic letter',
  prescription: 'Prescription',
  referral: 'Referral',
  other: 'Other',
};

/**
 * The one rule for a document's display name: `YYYY-MM-DD — Kind — Source`, leaving out the parts
 * not known (`Undated` stands for a missing date, so names still sort and read alike).
 */
export function documentDisplayName(doc: {
  kind: DocumentKind;
  dateOfService: IsoDate | null;
  source: string | null;
}): string {
  const parts = [doc.dateOfService ?? 'Undated', documentKindNames[doc.kind]];
  const source = doc.source?.replace(/\s+/g, ' ').trim();
  if (source !== undefined && source !== '') parts.push(source);
  return parts.join(' — ');
}
