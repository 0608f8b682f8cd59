/**
 * Wrong-patient documents (PRODUCT.md capability 3, "name/DOB mismatch"): a document whose header,
 * DICOM PatientName/PatientBirthDate or FHIR Patient names someone other than the case's patient.
 * Mixing in another person's record is among the most dangerous record errors, so a mismatch is a
 * `blocker` — except a name that differs while the birth date agrees (a married name, a typo),
 * which is a `warning`.
 *
 * Names are compared after tolerating how records write them:
 * - formats: DICOM Person Name `FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX` (PS3.5 §6.2, first component
 *   group only), `Family, Given Middle`, `Given Middle Family`, any letter case; the order of the
 *   parts is not trusted (records swap them), so a name is a set of words;
 * - diacritics, hyphens, apostrophes and spacing do not count (`José` = `Jose`,
 *   `Smith-Jones` = `Smith Jones`, `O'Brien` = `OBRIEN`);
 * - titles and suffixes (`Dr`, `Mrs`, `Jr`, `III`) are ignored; middle names and initials may be
 *   present or not; the given name may be an initial (`J DOE`);
 * - the family name agrees when one of its words (not a particle such as `van` or `de`) is in the
 *   recorded name, so one of two surnames is enough (`María López García` = `Maria Lopez`).
 * A recorded name of one word, or a placeholder (`ANONYMOUS`, `UNKNOWN`), says too little to
 * disagree. Birth dates must be equal when both are known.
 */
import type { RecordDocument, RecordPatientIdentity } from '../records/record-types.ts';
import { fingerprintOf, type Finding, type FindingSeverity } from './finding.ts';
import { dayNumber } from '../iso-dates.ts';
import type { SafetyNetInput } from './safety-input.ts';
import { foldedWords } from './text-folding.ts';

const honorifics = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'dr',
  'prof',
  'sir',
  'dame',
  'jr',
  'sr',
  'ii',
  'iii',
  'iv',
  'md',
  'phd',
  'sra',
  'srta',
]);
const familyParticles = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'del',
  'della',
  'di',
  'da',
  'la',
  'le',
  'du',
  'dos',
  'das',
  'bin',
  'binti',
  'al',
  'el',
  'ter',
  'ten',
  'y',
]);
const placeholders = new Set([
  'anonymous',
  'anon',
  'anonymized',
  'anonymised',
  'unknown',
  'removed',
  'deidentified',
  'redacted',
  'patient',
  'test',
  'na',
  'none',
]);

/**
 * The words of a recorded name, folded, without titles: a DICOM name keeps only its first
 * component group (before `=`); an empty list when the name says nothing (placeholder or blank).
 */
export function nameWords(name: string): string[] {
  const firstGroup = name.split('=')[0] ?? '';
  const words = foldedWords(firstGroup).filter((word) => !honorifics.has(word));
  if (words.length === 0 || words.every((word) => placeholders.has(word))) return [];
  return words;
}

/** Whether `part` (the case's words) appears in `recorded` as one word or as adjacent words run together. */
function appearsIn(part: string[], recorded: string[]): boolean {
  const compact = part.join('');
  if (compact === '') return false;
  for (let start = 0; start < recorded.length; start++) {
    let joined = '';
    for (let end = start; end < Math.min(recorded.length, start + 4); end++) {
      joined += recorded[end]!;
      if (joined === compact) return true;
      if (joined.length >= compact.length) break;
    }
  }
  return false;
}

function familyAgrees(family: string[], recorded: string[]): boolean {
  if (appearsIn(family, recorded)) return true;
  const significant = family.filter((word) => !familyParticles.has(word) && word.length > 1);
  return significant.some((word) => recorded.includes(word) || appearsIn([word], recorded));
}

function givenAgrees(given: string[], recorded: string[]): boolean {
  const first = given[0];
  if (first === undefined) return true;
  if (appearsIn(given, recorded) || recorded.includes(first)) return true;
  // An initial in the record stands for the first given name.
  return recorded.some((word) => word.length === 1 && word === first[0]);
}

/**
 * Whether a recorded name can be the patient's. Tolerates format, order, diacritics, hyphens,
 * titles, middle names and initials (see the module comment); a name that says too little agrees.
 */
export function nameMatchesPatient(
  recordedName: string,
  patient: { givenName: string; familyName: string },
): boolean {
  const recorded = nameWords(recordedName);
  if (recorded.length < 2) return true;
  const family = foldedWords(patient.familyName);
  const given = foldedWords(patient.givenName).filter((word) => !honorifics.has(word));
  if (family.length === 0) return true;
  return familyAgrees(family, recorded) && givenAgrees(given, recorded);
}

interface IdentityComparison {
  nameDiffers: boolean;
  birthDateDiffers: boolean;
  birthDateAgrees: boolean;
}

function compareIdentity(
  identity: RecordPatientIdentity,
  patient: SafetyNetInput['patient'],
): IdentityComparison {
  const nameDiffers = identity.name !== null && !nameMatchesPatient(identity.name, patient);
  const recorded = dayNumber(identity.birthDate);
  const expected = dayNumber(patient.birthDate);
  const comparable = recorded !== null && expected !== null;
  return {
    nameDiffers,
    birthDateDiffers: comparable && recorded !== expected,
    birthDateAgrees: comparable && recorded === expected,
  };
}

function identityFinding(
  document: RecordDocument,
  identity: RecordPatientIdentity,
  patient: SafetyNetInput['patient'],
  comparison: IdentityComparison,
): Finding {
  const severity: FindingSeverity =
    comparison.birthDateDiffers || !comparison.birthDateAgrees ? 'blocker' : 'warning';
  const what =
    comparison.nameDiffers && comparison.birthDateDiffers
      ? 'the name and birth date'
      : comparison.nameDiffers
        ? 'the name'
        : 'the birth date';
  const patientName = `${patient.givenName} ${patient.familyName}`;
  return {
    rule: 'wrong_patient',
    severity,
    fingerprint: fingerprintOf('wrong_patient', [document.id, identity.foundIn]),
    patientAction: 'check',
    patientMessage: `One of your records, "${document.displayName}", may be about someone else: ${what} on it ${comparison.nameDiffers && comparison.birthDateDiffers ? 'do' : 'does'} not match yours. Please check it. If it is not yours, remove it. If it is yours, tell us why the details differ.`,
    staffMessage: `Document ${document.displayName}, ${identity.foundIn}: recorded name ${JSON.stringify(identity.name)}, birth date ${identity.birthDate ?? 'not recorded'}; case patient ${JSON.stringify(patientName)}, born ${patient.birthDate ?? 'unknown'}. Differs: ${what.replace('the ', '')}.${severity === 'warning' ? ' The birth date agrees, so a name change or spelling error is likely.' : ''}`,
    evidence: {
      sources: [
        {
          type: 'document',
          documentId: document.id,
          displayName: document.displayName,
          foundIn: identity.foundIn,
        },
      ],
      values: {
        recordedName: identity.name,
        recordedBirthDate: identity.birthDate,
        patientName,
        patientBirthDate: patient.birthDate,
      },
    },
  };
}

/** Every document identity that disagrees with the case's patient, one finding each. */
export function checkPatientIdentities(input: SafetyNetInput): Finding[] {
  const findings: Finding[] = [];
  for (const document of input.documents) {
    for (const identity of document.patientIdentities) {
      const comparison = compareIdentity(identity, input.patient);
      if (comparison.nameDiffers || comparison.birthDateDiffers)
        findings.push(identityFinding(document, identity, input.patient, comparison));
    }
  }
  return findings;
}
