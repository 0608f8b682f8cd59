/**
 * Which `DocumentKind` a coded record says it is: LOINC document type codes (the `type` of a FHIR
 * DocumentReference or Composition, the `code` of a C-CDA ClinicalDocument, the `code` of a
 * DiagnosticReport) and the diagnostic service sections a DiagnosticReport is filed under. Text
 * without codes is classified by its words instead (`text-facts.ts`).
 *
 * Codes are LOINC document ontology codes (https://loinc.org/document-ontology/), the HL7 v2
 * table 0074 "diagnostic service section ID" as FHIR R4 uses it for DiagnosticReport.category, and
 * the US Core DiagnosticReport category codes. Only codes whose meaning is one of our kinds are
 * listed; summaries, transfer and operative notes stay `other`.
 */
import { codeSystemIs, fhirSystemOids, fhirSystems } from '../fhir/code-systems.ts';
import type { DocumentKind, RecordCoding } from './record-types.ts';

/** LOINC document codes and the kind each names. */
const loincDocumentKinds: Readonly<Record<string, DocumentKind>> = {
  // Pathology
  '11526-1': 'pathology_report', // Pathology study
  '11529-5': 'pathology_report', // Surgical pathology study
  '60568-3': 'pathology_report', // Pathology Synoptic report
  '22637-3': 'pathology_report', // Pathology report final diagnosis Narrative
  '33717-0': 'pathology_report', // Cytology report
  // Imaging
  '18748-4': 'imaging_report', // Diagnostic imaging study
  '18726-0': 'imaging_report', // Radiology studies (set)
  '18782-3': 'imaging_report', // Radiology Study observation (narrative)
  // Laboratory
  '11502-2': 'lab_results', // Laboratory report
  '26436-6': 'lab_results', // Laboratory studies (set)
  // Discharge
  '18842-5': 'discharge_summary', // Discharge summary
  '11490-0': 'discharge_summary', // Physician Discharge summary
  '28655-9': 'discharge_summary', // Physician attending Discharge summary
  '34105-7': 'discharge_summary', // Hospital Discharge summary
  '34745-0': 'discharge_summary', // Nurse Discharge summary
  // Letters and notes from a visit
  '11488-4': 'clinic_letter', // Consult note
  '51845-6': 'clinic_letter', // Outpatient Consult note
  '11506-3': 'clinic_letter', // Progress note
  '34117-2': 'clinic_letter', // History and physical note
  // Prescriptions
  '57833-6': 'prescription', // Prescription for medication
  '57828-6': 'prescription', // Prescription list
  // Referrals
  '57133-1': 'referral', // Referral note
};

/** HL7 v2 table 0074 (diagnostic service section) codes and US Core report categories. */
const reportCategoryKinds: Readonly<Record<string, DocumentKind>> = {
  LAB: 'lab_results',
  CH: 'lab_results',
  HM: 'lab_results',
  MB: 'lab_results',
  MCB: 'lab_results',
  SR: 'lab_results',
  IMM: 'lab_results',
  BLB: 'lab_results',
  CG: 'lab_results',
  TX: 'lab_results',
  URN: 'lab_results',
  VR: 'lab_results',
  SP: 'pathology_report',
  CP: 'pathology_report',
  PAT: 'pathology_report',
  RAD: 'imaging_report',
  RUS: 'imaging_report',
  VUS: 'imaging_report',
  OUS: 'imaging_report',
  CUS: 'imaging_report',
  NMR: 'imaging_report',
  NMS: 'imaging_report',
  CT: 'imaging_report',
  XRC: 'imaging_report',
  RX: 'imaging_report',
  'LP29684-5': 'imaging_report', // US Core: Radiology
  'LP7839-6': 'pathology_report', // US Core: Pathology
};

/** The kind a LOINC document code names, or null when it names none of ours. */
export function documentKindForLoinc(code: string): DocumentKind | null {
  return loincDocumentKinds[code.trim()] ?? null;
}

/**
 * The kind named by the first coding that names one: LOINC document codes (system given as URL or
 * OID `2.16.840.1.113883.6.1`) first, then diagnostic service sections (v2 table 0074) and US
 * Core report categories.
 */
export function documentKindForCodings(codings: readonly RecordCoding[]): DocumentKind | null {
  for (const coding of codings) {
    if (isLoinc(coding.system)) {
      const kind = documentKindForLoinc(coding.code);
      if (kind !== null) return kind;
    }
  }
  for (const coding of codings) {
    if (!isLoinc(coding.system) && !/0074$/.test(coding.system.trim())) continue;
    const kind = reportCategoryKinds[coding.code.trim()];
    if (kind !== undefined) return kind;
  }
  return null;
}

function isLoinc(system: string): boolean {
  return codeSystemIs(system, fhirSystems.loinc, fhirSystemOids.loinc);
}
