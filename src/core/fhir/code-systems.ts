/**
 * Consilium's own FHIR code systems, for the concepts no standard terminology names: how a second
 * opinion stands towards the working diagnosis (its concordance outcome), the sections of the
 * opinion, and the case's workflow state. Each is a complete CodeSystem resource, so the
 * definitions can be published and handed to a receiver alongside an export; the case export takes
 * its system URLs and displays from here, so the two cannot disagree.
 *
 * No standard code exists for a second opinion's concordance: SNOMED CT and LOINC code the consult
 * and its report, not whether it agreed. The three outcomes are those of the field's studies
 * (Van Such et al., J Eval Clin Pract 2017: confirmed, refined, distinctly changed) and of
 * `diagnosisOutcomes` in `opinion.ts`.
 */
import { type CaseState, caseStates } from '../case-lifecycle.ts';
import { type DiagnosisOutcome, diagnosisOutcomes } from '../opinion.ts';

/** Canonical URL base of Consilium's conformance resources (code systems, extensions). */
export const consiliumFhirBase = 'https://consilium.health/fhir';

export interface FhirCodeSystemConcept {
  code: string;
  display: string;
  definition: string;
}

/** A FHIR R4 CodeSystem (https://hl7.org/fhir/R4/codesystem.html), complete content. */
export interface FhirCodeSystem {
  resourceType: 'CodeSystem';
  id: string;
  url: string;
  version: string;
  name: string;
  title: string;
  status: 'draft' | 'active' | 'retired' | 'unknown';
  experimental: boolean;
  publisher: string;
  description: string;
  caseSensitive: boolean;
  content: 'not-present' | 'example' | 'fragment' | 'complete' | 'supplement';
  count: number;
  concept: FhirCodeSystemConcept[];
}

/** FHIR system URIs of the standard terminologies Consilium reads and exports. */
export const fhirSystems = {
  /** https://terminology.hl7.org/CodeSystem-icd10CM.html — codes with their dot (E11.9). */
  icd10Cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  snomedCt: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  taskCode: 'http://hl7.org/fhir/CodeSystem/task-code',
  /** RFC 3986 URIs as identifiers: `urn:uuid:` of the database row. */
  uri: 'urn:ietf:rfc:3986',
} as const;

/** HL7 OIDs of the terminologies records name by OID (C-CDA, v2) instead of by FHIR URI. */
export const fhirSystemOids = {
  icd10Cm: '2.16.840.1.113883.6.90',
  loinc: '2.16.840.1.113883.6.1',
} as const;

/**
 * Whether a coding's `system` names the code system with FHIR URI `uri` and HL7 OID `oid`: the URI
 * (a trailing `/` ignored), the OID, or the OID as `urn:oid:`; trimmed and compared lower-cased.
 */
export function codeSystemIs(system: string, uri: string, oid: string): boolean {
  const normalised = system.trim().toLowerCase().replace(/\/$/, '');
  return normalised === uri || normalised === oid || normalised === `urn:oid:${oid}`;
}

function codeSystem(
  id: string,
  name: string,
  title: string,
  description: string,
  concept: FhirCodeSystemConcept[],
): FhirCodeSystem {
  return {
    resourceType: 'CodeSystem',
    id,
    url: `${consiliumFhirBase}/CodeSystem/${id}`,
    version: '1.0.0',
    name,
    title,
    status: 'active',
    experimental: false,
    publisher: 'Consilium',
    description,
    caseSensitive: true,
    content: 'complete',
    count: concept.length,
    concept,
  };
}

const concordanceConcepts: Readonly<Record<DiagnosisOutcome, Omit<FhirCodeSystemConcept, 'code'>>> =
  {
    confirmed: {
      display: 'Diagnosis confirmed',
      definition: 'The second opinion agrees with the working diagnosis as it was given.',
    },
    refined: {
      display: 'Diagnosis refined',
      definition:
        'The working diagnosis stands in substance but is made more precise: a more specific code, site, stage, type or cause.',
    },
    changed: {
      display: 'Diagnosis changed',
      definition:
        'The second opinion reaches a diagnosis distinctly different from the working one.',
    },
  };

/** How the working diagnosis stands after the second opinion (the opinion's concordance outcome). */
export const concordanceOutcomeCodeSystem = codeSystem(
  'concordance-outcome',
  'ConsiliumConcordanceOutcome',
  'Second-opinion concordance outcome',
  'How the working diagnosis of a second-opinion case stands after the specialist’s review.',
  diagnosisOutcomes.map((code) => ({ code, ...concordanceConcepts[code] })),
);

/** The sections of a written second opinion, plus its addenda. */
export const opinionSectionCodes = [
  'diagnosis_assessment',
  'alternative_diagnoses',
  'recommended_tests',
  'treatment_options',
  'recommendation',
  'risk_of_waiting',
  'follow_up_windows',
  'warning_signs',
  'question_answers',
  'plain_language_summary',
  'references',
  'addendum',
] as const;

export type OpinionSectionCode = (typeof opinionSectionCodes)[number];

const opinionSectionConcepts: Readonly<
  Record<OpinionSectionCode, Omit<FhirCodeSystemConcept, 'code'>>
> = {
  diagnosis_assessment: {
    display: 'Diagnosis assessment',
    definition: 'Whether the working diagnosis is confirmed, refined or changed, and why.',
  },
  alternative_diagnoses: {
    display: 'Alternative diagnoses',
    definition: 'Other diagnoses the specialist considered, with the reasoning.',
  },
  recommended_tests: {
    display: 'Recommended tests',
    definition: 'Further tests the specialist recommends, each with its reason.',
  },
  treatment_options: {
    display: 'Treatment options',
    definition:
      'The treatment options compared: benefit, side effects and risks, recovery, relative cost and fit with the patient’s goals.',
  },
  recommendation: {
    display: 'Recommendation',
    definition:
      'What the specialist recommends, and whether it differs from the proposed treatment.',
  },
  risk_of_waiting: {
    display: 'Risk of waiting',
    definition: 'The risk of waiting against the risk of acting now, and the advised timing.',
  },
  follow_up_windows: {
    display: 'Follow-up',
    definition: 'What should be followed up, and when.',
  },
  warning_signs: {
    display: 'Warning signs',
    definition: 'Signs that need action, and what to do.',
  },
  question_answers: {
    display: 'Answers to the patient’s questions',
    definition: 'Each question the patient asked with the specialist’s answer.',
  },
  plain_language_summary: {
    display: 'Summary in plain language',
    definition: 'The opinion summarised for the patient in plain language.',
  },
  references: {
    display: 'References',
    definition: 'Literature and guidelines the opinion relies on.',
  },
  addendum: {
    display: 'Addendum',
    definition:
      'A signed addition to the opinion: a correction, or the answer to a follow-up question.',
  },
};

/** The sections of a written second opinion (codes of `Composition.section.code`). */
export const opinionSectionCodeSystem = codeSystem(
  'opinion-section',
  'ConsiliumOpinionSection',
  'Second-opinion report section',
  'The sections of a written second opinion and its addenda.',
  opinionSectionCodes.map((code) => ({ code, ...opinionSectionConcepts[code] })),
);

const caseStateConcepts: Readonly<Record<CaseState, Omit<FhirCodeSystemConcept, 'code'>>> = {
  draft: { display: 'Draft', definition: 'The patient side is writing the request.' },
  submitted: { display: 'Submitted', definition: 'The request is waiting for triage.' },
  triage: { display: 'In triage', definition: 'A coordinator is checking the request.' },
  awaiting_records: {
    display: 'Awaiting records',
    definition: 'Triage asked the patient side for further records.',
  },
  ready_for_matching: {
    display: 'Ready for matching',
    definition: 'Triage is complete; a specialist is to be chosen.',
  },
  offered: { display: 'Offered', definition: 'The case is offered to a specialist.' },
  accepted: { display: 'Accepted', definition: 'A specialist accepted the case.' },
  in_review: { display: 'In review', definition: 'The specialist is reviewing the case.' },
  awaiting_patient: {
    display: 'Awaiting the patient',
    definition: 'The specialist asked the patient questions that are still open.',
  },
  opinion_signed: { display: 'Opinion signed', definition: 'The written opinion is signed.' },
  delivered: { display: 'Delivered', definition: 'The signed opinion is released to the patient.' },
  follow_up: {
    display: 'Follow-up',
    definition: 'The patient side asked follow-up questions about the delivered opinion.',
  },
  closed: { display: 'Closed', definition: 'The case is complete.' },
  withdrawn: { display: 'Withdrawn', definition: 'The patient side withdrew the request.' },
  cancelled: { display: 'Cancelled', definition: 'The organization cancelled the request.' },
};

/** The workflow states of a second-opinion case (codes of `Task.businessStatus`). */
export const caseStateCodeSystem = codeSystem(
  'case-state',
  'ConsiliumCaseState',
  'Second-opinion case state',
  'The workflow states of a second-opinion case, in the order of the usual path.',
  caseStates.map((code) => ({ code, ...caseStateConcepts[code] })),
);

/** The display of `code` in `system` (the code systems above are complete, so it always exists). */
export function displayOf(system: FhirCodeSystem, code: string): string {
  const concept = system.concept.find((candidate) => candidate.code === code);
  if (!concept) throw new Error(`${code} is not a code of ${system.url}`);
  return concept.display;
}
