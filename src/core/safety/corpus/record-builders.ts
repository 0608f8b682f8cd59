/**
 * Builders for the records of the safety-net corpus and tests: a document or clinical item from
 * the few fields that matter to a case, the rest filled the way ingestion fills them (display
 * name by `documentDisplayName`, a digest derived from the id so duplicates can be made on
 * purpose, `ready` condition).
 */
import { fhirSystems } from '../../fhir/code-systems.ts';
import {
  documentDisplayName,
  type AllergyItem,
  type ConditionItem,
  type DicomStudySummary,
  type DocumentKind,
  type IsoDate,
  type MedicationItem,
  type ObservationItem,
  type RecordDocument,
  type RecordFormat,
  type RecordPatientIdentity,
  type ReportItem,
} from '../../records/record-types.ts';
import type { SafetyNetInput } from '../safety-input.ts';

/** A stand-in SHA-256 (64 hex digits) derived from a seed, so equal seeds give equal digests. */
function fixtureDigest(seed: string): string {
  let hex = '';
  let state = 2166136261;
  for (let round = 0; hex.length < 64; round++) {
    for (const character of `${seed}#${round}`) {
      state ^= character.charCodeAt(0);
      state = Math.imul(state, 16777619) >>> 0;
    }
    hex += state.toString(16).padStart(8, '0');
  }
  return hex.slice(0, 64);
}

export interface DocumentSpec {
  id: string;
  kind: DocumentKind;
  date: IsoDate | null;
  source?: string | null;
  format?: RecordFormat;
  text?: string | null;
  identities?: RecordPatientIdentity[];
  dicom?: Omit<DicomStudySummary, 'studyInstanceUid' | 'studyDate' | 'instanceCount' | 'series'> & {
    seriesDescription?: string | null;
  };
  condition?: RecordDocument['condition'];
  duplicateOf?: string | null;
}

/** A stored document as ingestion would describe it. */
export function buildDocument(spec: DocumentSpec): RecordDocument {
  const source = spec.source ?? null;
  const dicom: DicomStudySummary | null =
    spec.dicom === undefined
      ? null
      : {
          studyInstanceUid: `1.2.826.0.1.3680043.10.1000.${spec.id.length}.${fixtureDigest(spec.id).slice(0, 8)}`,
          studyDate: spec.date,
          description: spec.dicom.description,
          modalities: spec.dicom.modalities,
          bodyPart: spec.dicom.bodyPart,
          series: spec.dicom.modalities.map((modality, index) => ({
            seriesInstanceUid: `1.2.826.0.1.3680043.10.1001.${index + 1}`,
            modality,
            description: spec.dicom?.seriesDescription ?? null,
            bodyPart: spec.dicom?.bodyPart ?? null,
            instanceCount: 40,
          })),
          instanceCount: 40 * spec.dicom.modalities.length,
        };
  return {
    id: spec.id,
    format: spec.format ?? (dicom === null ? 'pdf' : 'dicom'),
    kind: spec.kind,
    dateOfService: spec.date,
    source,
    displayName: documentDisplayName({ kind: spec.kind, dateOfService: spec.date, source }),
    sha256: fixtureDigest(spec.id),
    sizeBytes: 20_000 + spec.id.length * 1_000,
    condition: spec.condition ?? 'ready',
    duplicateOf: spec.duplicateOf ?? null,
    patientIdentities: spec.identities ?? [],
    text: spec.text ?? null,
    dicom,
  };
}

/** The same document with another date of service (display name and DICOM study date follow). */
export function redateDocument(document: RecordDocument, date: IsoDate | null): RecordDocument {
  return {
    ...document,
    dateOfService: date,
    displayName: documentDisplayName({
      kind: document.kind,
      dateOfService: date,
      source: document.source,
    }),
    dicom: document.dicom === null ? null : { ...document.dicom, studyDate: date },
  };
}

export const rxNormSystem = 'http://www.nlm.nih.gov/research/umls/rxnorm';

export function buildCondition(
  spec: Pick<ConditionItem, 'id' | 'sourceDocumentId' | 'date' | 'display'> &
    Partial<Pick<ConditionItem, 'clinicalStatus' | 'abatementDate'>> & {
      icd10cm?: string;
      codingDisplay?: string;
    },
): ConditionItem {
  return {
    id: spec.id,
    type: 'condition',
    sourceDocumentId: spec.sourceDocumentId,
    date: spec.date,
    display: spec.display,
    codes:
      spec.icd10cm === undefined
        ? []
        : [
            {
              system: fhirSystems.icd10Cm,
              code: spec.icd10cm,
              ...(spec.codingDisplay === undefined ? {} : { display: spec.codingDisplay }),
            },
          ],
    clinicalStatus: spec.clinicalStatus ?? 'active',
    abatementDate: spec.abatementDate ?? null,
  };
}

export function buildMedication(
  spec: Pick<MedicationItem, 'id' | 'sourceDocumentId' | 'display'> &
    Partial<Omit<MedicationItem, 'type' | 'id' | 'sourceDocumentId' | 'display'>>,
): MedicationItem {
  return {
    id: spec.id,
    type: 'medication',
    sourceDocumentId: spec.sourceDocumentId,
    date: spec.date ?? spec.start ?? null,
    display: spec.display,
    codes: spec.codes ?? [],
    status: spec.status ?? 'active',
    ingredients: spec.ingredients ?? [],
    dose: spec.dose ?? null,
    frequency: spec.frequency ?? null,
    start: spec.start ?? null,
    end: spec.end ?? null,
  };
}

export function buildAllergy(
  spec: Pick<AllergyItem, 'id' | 'sourceDocumentId' | 'display'> &
    Partial<Omit<AllergyItem, 'type' | 'id' | 'sourceDocumentId' | 'display'>>,
): AllergyItem {
  return {
    id: spec.id,
    type: 'allergy',
    sourceDocumentId: spec.sourceDocumentId,
    date: spec.date ?? null,
    display: spec.display,
    codes: spec.codes ?? [],
    category: spec.category === undefined ? 'medication' : spec.category,
    clinicalStatus: spec.clinicalStatus === undefined ? 'active' : spec.clinicalStatus,
    criticality: spec.criticality ?? null,
    reactions: spec.reactions ?? [],
  };
}

export function buildLabObservation(
  spec: Pick<ObservationItem, 'id' | 'sourceDocumentId' | 'date' | 'display' | 'value' | 'unit'>,
): ObservationItem {
  return { ...spec, type: 'observation', codes: [], category: 'laboratory' };
}

export function buildReport(
  spec: Pick<ReportItem, 'id' | 'sourceDocumentId' | 'date' | 'display' | 'kind'>,
): ReportItem {
  return { ...spec, type: 'report', codes: [] };
}

/** A case with nothing in it yet (patient Jane Doe, checked on 2026-11-16), with overrides. */
export function buildInput(
  overrides: Partial<Omit<SafetyNetInput, 'case'>> & {
    case?: Partial<SafetyNetInput['case']>;
  } = {},
): SafetyNetInput {
  return {
    today: overrides.today ?? '2026-11-16',
    patient: overrides.patient ?? { givenName: 'Jane', familyName: 'Doe', birthDate: '1970-05-04' },
    case: {
      category: null,
      diagnosisCode: null,
      diagnosisText: null,
      diagnosisDate: null,
      proposedTreatment: null,
      medications: [],
      allergies: [],
      ...overrides.case,
    },
    documents: overrides.documents ?? [],
    clinical: overrides.clinical ?? [],
  };
}
