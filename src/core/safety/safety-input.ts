/**
 * What the safety net reads about one case: the intake as the patient side wrote it
 * (`case-intake.ts`), the patient it is about, the stored documents with what was derived from
 * them and the clinical items imported from structured records (`records/record-types.ts`), and
 * the day the check runs. The server assembles it; every rule is a pure function of it and of
 * the reference data (`run-safety-net.ts`).
 */
import type { ClinicalItem, IsoDate, RecordDocument } from '../records/record-types.ts';

/**
 * The kinds of case a checklist is written for. A case's category is set by staff or derived
 * from its ICD-10-CM code (`case-category.ts`); a case with neither uses the fallback checklist.
 */
export const caseCategories = [
  'oncology',
  'cardiology',
  'neurology',
  'orthopaedics',
  'general_medicine',
] as const;

export type CaseCategory = (typeof caseCategories)[number];

/** A medication as listed in the intake (the patient's current medications). */
export interface IntakeMedication {
  name: string;
  dose?: string | null;
  frequency?: string | null;
}

/** An allergy as listed in the intake. */
export interface IntakeAllergy {
  substance: string;
  reaction?: string | null;
  severity?: string | null;
}

export interface SafetyNetInput {
  /** The day of the check: recency and gaps are counted to it. */
  today: IsoDate;
  /** The case's patient as registered (the identity every document should name). */
  patient: { givenName: string; familyName: string; birthDate: IsoDate | null };
  case: {
    /** Set by staff; null means "derive it from the diagnosis code". */
    category: CaseCategory | null;
    /** ICD-10-CM, in any common spelling (`E11.9`, `e119`). */
    diagnosisCode: string | null;
    diagnosisText: string | null;
    diagnosisDate: IsoDate | null;
    proposedTreatment: string | null;
    /** What the patient takes now. */
    medications: IntakeMedication[];
    allergies: IntakeAllergy[];
  };
  documents: RecordDocument[];
  clinical: ClinicalItem[];
}
