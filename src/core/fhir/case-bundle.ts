/**
 * The FHIR R4 export of a second-opinion case (PRODUCT.md, "Standards to speak"): one Bundle that a
 * hospital system can import, holding who the patient is, the working diagnosis, the request for a
 * second opinion and its workflow, the intake medication and allergy lists and, once signed, the
 * opinion itself as a Composition with its addenda and its concordance outcome coded.
 *
 * Pure: the server loads the case and hands plain data in (`CaseFhirInput`); nothing here reads a
 * clock, a database or a random source, so the same case exported at the same moment yields the same
 * bytes. Resource ids are the database row ids where one row becomes one resource, and name-based
 * UUIDs derived from the row id otherwise (`name-based-uuid.ts`). `docs/fhir.md` describes the
 * mapping for readers on the receiving side.
 *
 * Bundle type `collection` rather than `document`: the export exists before an opinion is signed
 * (a document needs a Composition first, bdl-11), and it carries workflow resources (Task,
 * ServiceRequest) whose state keeps changing, which are not attested document content.
 */
import type { Medication, Allergy } from '../case-intake.ts';
import type { CaseState, Urgency } from '../case-lifecycle.ts';
import type { AddendumContent, DiagnosisOutcome, OpinionContent } from '../opinion.ts';
import type { Role } from '../roles.ts';
import { formatCode, normalizeCode } from '../terminology/icd10cm.ts';
import {
  caseStateCodeSystem,
  concordanceOutcomeCodeSystem,
  consiliumFhirBase,
  displayOf,
  fhirSystems,
  type OpinionSectionCode,
  opinionSectionCodeSystem,
} from './code-systems.ts';
import type {
  FhirAllergyIntolerance,
  FhirAnnotation,
  FhirBundle,
  FhirBundleEntry,
  FhirCodeableConcept,
  FhirCoding,
  FhirComposition,
  FhirCompositionSection,
  FhirCondition,
  FhirExtension,
  FhirIdentifier,
  FhirMedicationStatement,
  FhirNarrative,
  FhirOrganization,
  FhirPatient,
  FhirPractitioner,
  FhirReference,
  FhirRelatedPerson,
  FhirRequestStatus,
  FhirResource,
  FhirServiceRequest,
  FhirTask,
  FhirTaskStatus,
} from './fhir-types.ts';
import { nameBasedUuid } from './name-based-uuid.ts';

/** A moment as the database gives it (a Date) or as ISO 8601 text. */
export type CaseFhirInstant = Date | string;

interface CaseFhirSignedVersionBase {
  id: string;
  sequence: number;
  /** For an addendum answering a follow-up question, the question as asked. */
  followUpQuestion: string | null;
  /** The user who signed; their Practitioner is the attester. */
  signerId: string;
  signerName: string;
  signerCredentials: string;
  signedAt: CaseFhirInstant;
  /** SHA-256 (hex) over `opinionSealInput` of this version. */
  sealSha256: string;
  verificationCode: string;
}

/** A signed version of the opinion: the opinion itself (sequence 1) or a later addendum. */
export type CaseFhirSignedVersion = CaseFhirSignedVersionBase &
  ({ kind: 'opinion'; content: OpinionContent } | { kind: 'addendum'; content: AddendumContent });

/** What the export needs to know about a case; the server fills it from the database. */
export interface CaseFhirInput {
  organization: { id: string; name: string };
  patient: {
    id: string;
    givenName: string;
    familyName: string;
    /** YYYY-MM-DD */
    birthDate: string | null;
    email: string | null;
  };
  case: {
    id: string;
    state: CaseState;
    urgency: Urgency;
    submittedAt: CaseFhirInstant | null;
    createdAt: CaseFhirInstant;
    /** The condition in the patient's words. */
    conditionDescription: string | null;
    /** The working diagnosis (ICD-10-CM) as given at intake. */
    diagnosis: { code: string; text: string | null } | null;
    proposedTreatment: string | null;
    /** In the order the patient asked them. */
    questions: { id: string; text: string }[];
    medications: Medication[];
    allergies: Allergy[];
  };
  /** The specialist assigned to the case, once one accepted it. */
  specialist: { id: string; name: string; credentials: string } | null;
  /** Who made the request: the patient, a proxy, a referring physician or staff. */
  requester: { id: string; name: string; role: Role } | null;
  /** The signed opinion and its addenda (any order); empty before signing. */
  signedVersions: CaseFhirSignedVersion[];
  exportedAt: CaseFhirInstant;
}

/** Consilium's extensions (complex `opinion-seal`; coded `concordance-outcome`; boolean). */
export const fhirExtensionUrls = {
  concordanceOutcome: `${consiliumFhirBase}/StructureDefinition/concordance-outcome`,
  changesProposedTreatment: `${consiliumFhirBase}/StructureDefinition/changes-proposed-treatment`,
  opinionSeal: `${consiliumFhirBase}/StructureDefinition/opinion-seal`,
} as const;

/**
 * Task.status for each case state (https://hl7.org/fhir/R4/valueset-task-status.html): the work of
 * producing the opinion. Waiting on the patient side is `on-hold`; once the opinion is signed the
 * task is complete, and follow-up answers are addenda to its output.
 */
export const taskStatusOfCaseState: Readonly<Record<CaseState, FhirTaskStatus>> = {
  draft: 'draft',
  submitted: 'requested',
  triage: 'received',
  awaiting_records: 'on-hold',
  ready_for_matching: 'received',
  offered: 'requested',
  accepted: 'accepted',
  in_review: 'in-progress',
  awaiting_patient: 'on-hold',
  opinion_signed: 'completed',
  delivered: 'completed',
  follow_up: 'completed',
  closed: 'completed',
  withdrawn: 'cancelled',
  cancelled: 'cancelled',
};

/**
 * ServiceRequest.status for each case state (https://hl7.org/fhir/R4/valueset-request-status.html):
 * the request itself, which stays `active` while the work pauses (the Task says why) and is
 * `revoked` when withdrawn by the patient side or cancelled by the organization.
 */
export const serviceRequestStatusOfCaseState: Readonly<Record<CaseState, FhirRequestStatus>> = {
  draft: 'draft',
  submitted: 'active',
  triage: 'active',
  awaiting_records: 'active',
  ready_for_matching: 'active',
  offered: 'active',
  accepted: 'active',
  in_review: 'active',
  awaiting_patient: 'active',
  opinion_signed: 'completed',
  delivered: 'completed',
  follow_up: 'completed',
  closed: 'completed',
  withdrawn: 'revoked',
  cancelled: 'revoked',
};

const taskStatusReasons: Partial<Record<CaseState, string>> = {
  awaiting_records: 'Waiting for further medical records',
  awaiting_patient: 'Waiting for the patient’s answers to the specialist’s questions',
  withdrawn: 'Withdrawn by the patient side',
  cancelled: 'Cancelled by the organization',
};

/** The namespace of the name-based UUIDs the export derives (fixed; never change it). */
const exportNamespace = '787084fb-951d-4e5c-96cd-18b65983d584';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** FHIR `urn:uuid:` form needs lower case; anything else is a caller's mistake. */
function rowUuid(id: string): string {
  const lower = id.toLowerCase();
  if (!uuidPattern.test(lower)) throw new Error(`expected a UUID row id, got ${id}`);
  return lower;
}

function derivedUuid(...parts: string[]): string {
  return nameBasedUuid(exportNamespace, parts.join('/'));
}

function reference(id: string, display?: string): FhirReference {
  const cleaned = display === undefined ? undefined : fhirString(display);
  return cleaned
    ? { reference: `urn:uuid:${id}`, display: cleaned }
    : { reference: `urn:uuid:${id}` };
}

function rowIdentifier(id: string): FhirIdentifier {
  return { system: fhirSystems.uri, value: `urn:uuid:${rowUuid(id)}` };
}

function instant(value: CaseFhirInstant): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`not a valid instant: ${String(value)}`);
  return date.toISOString();
}

// Characters XML 1.0 forbids (section 2.2) and FHIR strings exclude: C0 controls other than tab,
// line feed and carriage return, unpaired surrogates, and the non-characters U+FFFE and U+FFFF.
const forbiddenCharacters =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as a FHIR `string`/`markdown` value (https://hl7.org/fhir/R4/datatypes.html#primitive):
 * without forbidden characters and surrounding white space; undefined when nothing is left, since
 * FHIR has no empty strings.
 */
function fhirString(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const cleaned = value.replace(forbiddenCharacters, '\uFFFD').trim();
  return cleaned === '' ? undefined : cleaned;
}

/**
 * Text made safe for XHTML content or a quoted attribute: the five XML special characters become
 * entity references and characters XML cannot carry are replaced, so patient- or specialist-written
 * text (`<script>`, `&`, quotes) is always shown as text and never parsed as markup.
 */
export function escapeXhtml(text: string): string {
  return text
    .replace(forbiddenCharacters, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Escaped text with its line breaks kept as `<br/>`; blank text reads "Not given." */
function lines(text: string): string {
  // Narrative must have some content (invariant txt-2); the schemas refuse blank text anyway.
  const cleaned = fhirString(text) ?? 'Not given.';
  return cleaned
    .split(/\r\n|\r|\n/)
    .map(escapeXhtml)
    .join('<br/>');
}

const p = (text: string) => `<p>${lines(text)}</p>`;
const labelled = (label: string, text: string) =>
  `<p><b>${escapeXhtml(label)}:</b> ${lines(text)}</p>`;
const list = (items: string[]) => `<ul>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`;

/** Narrative (https://hl7.org/fhir/R4/narrative.html): one `div` in the XHTML namespace. */
function narrative(innerXhtml: string): FhirNarrative {
  return {
    status: 'generated',
    div: `<div xmlns="http://www.w3.org/1999/xhtml">${innerXhtml}</div>`,
  };
}

function icd10CmConcept(code: string, text: string | null | undefined): FhirCodeableConcept {
  const concept: FhirCodeableConcept = {
    // The system's codes carry the dot after the third character (C50.911), whatever was typed.
    coding: [{ system: fhirSystems.icd10Cm, code: formatCode(normalizeCode(code)) }],
  };
  const cleaned = fhirString(text);
  if (cleaned) concept.text = cleaned;
  return concept;
}

const sameIcd10CmCode = (a: string, b: string) => normalizeCode(a) === normalizeCode(b);

function conditionVerification(code: 'provisional' | 'confirmed' | 'refuted'): FhirCodeableConcept {
  const display = { provisional: 'Provisional', confirmed: 'Confirmed', refuted: 'Refuted' }[code];
  return { coding: [{ system: fhirSystems.conditionVerification, code, display }] };
}

const activeCondition: FhirCodeableConcept = {
  coding: [{ system: fhirSystems.conditionClinical, code: 'active', display: 'Active' }],
};

function concordanceConcept(outcome: DiagnosisOutcome): FhirCodeableConcept {
  const display = displayOf(concordanceOutcomeCodeSystem, outcome);
  return {
    coding: [{ system: concordanceOutcomeCodeSystem.url, code: outcome, display }],
    text: display,
  };
}

/** The seal of one signed version, as a complex extension (sequence, SHA-256, code, time). */
function sealExtension(version: CaseFhirSignedVersion): FhirExtension {
  return {
    url: fhirExtensionUrls.opinionSeal,
    extension: [
      { url: 'sequence', valuePositiveInt: version.sequence },
      { url: 'sha256', valueString: version.sealSha256 },
      { url: 'verificationCode', valueString: version.verificationCode },
      { url: 'signedAt', valueDateTime: instant(version.signedAt) },
    ],
  };
}

function sectionCode(
  code: OpinionSectionCode,
  loinc?: { code: string; display: string },
): FhirCodeableConcept {
  const coding: FhirCoding[] = [
    {
      system: opinionSectionCodeSystem.url,
      code,
      display: displayOf(opinionSectionCodeSystem, code),
    },
  ];
  if (loinc) coding.push({ system: fhirSystems.loinc, ...loinc });
  return { coding };
}

function section(
  code: OpinionSectionCode,
  innerXhtml: string,
  extra: Partial<FhirCompositionSection> = {},
  loinc?: { code: string; display: string },
): FhirCompositionSection {
  return {
    title: displayOf(opinionSectionCodeSystem, code),
    code: sectionCode(code, loinc),
    text: narrative(innerXhtml),
    ...extra,
  };
}

const none = '<p>None considered.</p>';

const relativeCostLabels = {
  lower: 'lower',
  similar: 'similar',
  higher: 'higher',
  unknown: 'not known',
} as const;

interface DiagnosisEntries {
  working: FhirReference | null;
  resulting: FhirReference | null;
}

/** The opinion's sections, in the order the report shows them. */
function opinionSections(
  content: OpinionContent,
  questions: CaseFhirInput['case']['questions'],
  diagnoses: DiagnosisEntries,
): FhirCompositionSection[] {
  const sections: FhirCompositionSection[] = [];
  const assessment = content.diagnosisAssessment;
  if (assessment) {
    const entry = [diagnoses.resulting, diagnoses.working].filter(
      (ref): ref is FhirReference => ref !== null,
    );
    sections.push(
      section(
        'diagnosis_assessment',
        [
          labelled('Outcome', displayOf(concordanceOutcomeCodeSystem, assessment.outcome)),
          labelled(
            'Diagnosis',
            `${formatCode(normalizeCode(assessment.diagnosis.code))} ${assessment.diagnosis.text}`,
          ),
          labelled('Confidence', assessment.confidence),
          labelled('Rationale', assessment.rationale),
        ].join(''),
        entry.length > 0 ? { entry } : {},
        // LOINC 51848-0 "Evaluation note", the code of the C-CDA Assessment section.
        { code: '51848-0', display: 'Evaluation note' },
      ),
    );
  }
  if (content.alternativeDiagnoses)
    sections.push(
      section(
        'alternative_diagnoses',
        content.alternativeDiagnoses.length === 0
          ? none
          : list(
              content.alternativeDiagnoses.map(
                (alternative) =>
                  `<b>${escapeXhtml(
                    alternative.code
                      ? `${formatCode(normalizeCode(alternative.code))} ${alternative.diagnosis}`
                      : alternative.diagnosis,
                  )}</b><br/>${lines(alternative.reasoning)}`,
              ),
            ),
      ),
    );
  if (content.recommendedTests)
    sections.push(
      section(
        'recommended_tests',
        content.recommendedTests.length === 0
          ? none
          : list(
              content.recommendedTests.map(
                (test) => `<b>${escapeXhtml(test.test)}</b><br/>${lines(test.reason)}`,
              ),
            ),
      ),
    );
  if (content.treatmentOptions)
    sections.push(
      section(
        'treatment_options',
        content.treatmentOptions
          .map(
            (option) =>
              `<h3>${escapeXhtml(option.name)}</h3>` +
              list([
                `<b>Expected benefit:</b> ${lines(option.expectedBenefit)}`,
                `<b>Side effects and risks:</b> ${lines(option.sideEffectsAndRisks)}`,
                `<b>Recovery time:</b> ${lines(option.recoveryTime)}`,
                `<b>Relative cost:</b> ${relativeCostLabels[option.relativeCost]}`,
                `<b>Fit with the patient’s goals:</b> ${lines(option.fitWithGoals)}`,
              ]),
          )
          .join(''),
      ),
    );
  if (content.recommendation)
    sections.push(
      section(
        'recommendation',
        p(content.recommendation.text) +
          labelled(
            'Changes the proposed treatment',
            content.recommendation.changesProposedTreatment ? 'yes' : 'no',
          ),
        {},
        // LOINC "Plan of care note", the code of the C-CDA Plan of Treatment section.
        { code: '18776-5', display: 'Plan of care note' },
      ),
    );
  if (content.riskOfWaiting)
    sections.push(
      section(
        'risk_of_waiting',
        labelled('Risk of waiting', content.riskOfWaiting.riskOfWaiting) +
          labelled('Risk of acting now', content.riskOfWaiting.riskOfActingNow) +
          labelled('Advised timing', content.riskOfWaiting.advisedTiming),
      ),
    );
  if (content.followUpWindows)
    sections.push(
      section(
        'follow_up_windows',
        content.followUpWindows.length === 0
          ? none
          : list(
              content.followUpWindows.map(
                (window) => `<b>${escapeXhtml(window.when)}:</b> ${lines(window.what)}`,
              ),
            ),
      ),
    );
  if (content.warningSigns)
    sections.push(
      section(
        'warning_signs',
        content.warningSigns.length === 0
          ? none
          : list(
              content.warningSigns.map(
                (warning) => `<b>${escapeXhtml(warning.sign)}:</b> ${lines(warning.action)}`,
              ),
            ),
      ),
    );
  if (content.questionAnswers) {
    const answers = content.questionAnswers;
    const asked = new Set(questions.map((question) => question.id));
    const qa = questions.map((question, index) => {
      const answer = answers.find((candidate) => candidate.questionId === question.id);
      return {
        title: `Question ${index + 1}`,
        text:
          labelled('Question', question.text) +
          labelled('Answer', answer ? answer.answer : 'Not answered.'),
      };
    });
    // An answer whose question is no longer on the case is still part of what was signed.
    for (const answer of answers.filter((candidate) => !asked.has(candidate.questionId)))
      qa.push({ title: 'Further answer', text: p(answer.answer) });
    sections.push(
      section(
        'question_answers',
        qa.length === 0 ? '<p>No questions were asked.</p>' : list(qa.map((item) => item.title)),
        qa.length === 0
          ? {}
          : { section: qa.map((item) => ({ title: item.title, text: narrative(item.text) })) },
      ),
    );
  }
  if (content.plainLanguageSummary)
    sections.push(section('plain_language_summary', p(content.plainLanguageSummary)));
  if (content.references && content.references.length > 0)
    sections.push(
      section(
        'references',
        list(
          content.references.map((item) =>
            item.url
              ? `${lines(item.citation)} <a href="${escapeXhtml(item.url)}">${escapeXhtml(item.url)}</a>`
              : lines(item.citation),
          ),
        ),
      ),
    );
  return sections;
}

function addendumSection(
  version: CaseFhirSignedVersion & { kind: 'addendum' },
  signer: FhirReference,
): FhirCompositionSection {
  const reason =
    version.content.reason === 'correction' ? 'Correction' : 'Answer to a follow-up question';
  const parts = [
    version.followUpQuestion ? labelled('Question', version.followUpQuestion) : '',
    p(version.content.text),
    labelled('Signed', `${version.signerName}, ${version.signerCredentials}`),
    labelled('Signed at', instant(version.signedAt)),
    labelled('Verification code', version.verificationCode),
  ];
  return {
    extension: [sealExtension(version)],
    title: `Addendum ${version.sequence - 1}: ${reason}`,
    code: sectionCode('addendum'),
    author: [signer],
    text: narrative(parts.join('')),
  };
}

/**
 * The Bundle (type `collection`) exporting `input`: Patient, Organization, Practitioners, working
 * and (when the opinion refines or changes it) resulting Condition, ServiceRequest and Task, the
 * intake MedicationStatements and AllergyIntolerances and, once signed, the opinion Composition
 * (first). Every reference is the `urn:uuid:` full URL of an entry of the same Bundle.
 */
export function caseFhirBundle(input: CaseFhirInput): FhirBundle {
  const caseId = rowUuid(input.case.id);
  const patientId = rowUuid(input.patient.id);
  const organizationId = rowUuid(input.organization.id);
  const patientName =
    fhirString(`${input.patient.givenName} ${input.patient.familyName}`) ?? 'the patient';
  const patientRef = reference(patientId, patientName);
  const organizationRef = reference(organizationId, input.organization.name);
  const intakeAt = instant(input.case.submittedAt ?? input.case.createdAt);

  const opinion = input.signedVersions.find(
    (version): version is CaseFhirSignedVersion & { kind: 'opinion' } => version.kind === 'opinion',
  );
  const addenda = input.signedVersions
    .filter(
      (version): version is CaseFhirSignedVersion & { kind: 'addendum' } =>
        version.kind === 'addendum',
    )
    .sort((a, b) => a.sequence - b.sequence);
  if (!opinion && addenda.length > 0) throw new Error('an addendum without the signed opinion');

  // Practitioners by user id: the assigned specialist, the signers, a physician or staff requester.
  const practitioners = new Map<string, FhirPractitioner>();
  const practitionerRef = (userId: string, name: string, credentials: string | null) => {
    const id = rowUuid(userId);
    if (!practitioners.has(id)) {
      const practitioner: FhirPractitioner = {
        resourceType: 'Practitioner',
        id,
        identifier: [rowIdentifier(id)],
        name: [{ text: fhirString(name) ?? 'Unnamed' }],
      };
      const qualification = fhirString(credentials);
      if (qualification) practitioner.qualification = [{ code: { text: qualification } }];
      practitioners.set(id, practitioner);
    }
    return reference(id, practitioners.get(id)!.name[0]!.text);
  };
  const specialistRef = input.specialist
    ? practitionerRef(input.specialist.id, input.specialist.name, input.specialist.credentials)
    : null;
  const signerRef = (version: CaseFhirSignedVersion) =>
    practitionerRef(version.signerId, version.signerName, version.signerCredentials);
  // Signers before the requester, so a signer's Practitioner carries the signed credentials.
  if (opinion) [opinion, ...addenda].forEach(signerRef);

  let relatedPerson: FhirRelatedPerson | null = null;
  let requesterRef: FhirReference | undefined;
  if (input.requester) {
    const requester = input.requester;
    switch (requester.role) {
      case 'patient':
        requesterRef = patientRef;
        break;
      case 'proxy': {
        const id = derivedUuid('RelatedPerson', rowUuid(requester.id), patientId);
        relatedPerson = {
          resourceType: 'RelatedPerson',
          id,
          identifier: [rowIdentifier(requester.id)],
          patient: patientRef,
          name: [{ text: fhirString(requester.name) ?? 'Unnamed' }],
        };
        requesterRef = reference(id, requester.name);
        break;
      }
      case 'referring_physician':
      case 'coordinator':
      case 'specialist':
      case 'care_team':
      case 'org_admin':
        requesterRef = practitionerRef(requester.id, requester.name, null);
        break;
    }
  }

  // The working diagnosis, and the resulting one when the opinion does not simply confirm it.
  const assessment = opinion?.content.diagnosisAssessment;
  const conditions: FhirCondition[] = [];
  let workingRef: FhirReference | null = null;
  let resultingRef: FhirReference | null = null;
  const diagnosis = input.case.diagnosis;
  const description = fhirString(input.case.conditionDescription);
  const resultingDiffers =
    assessment !== undefined &&
    (assessment.outcome !== 'confirmed' ||
      !diagnosis ||
      !sameIcd10CmCode(diagnosis.code, assessment.diagnosis.code));
  // A low-confidence assessment is not enough evidence to call a diagnosis confirmed.
  const assessedStatus = assessment?.confidence === 'low' ? 'provisional' : 'confirmed';
  const resultingText = assessment
    ? fhirString(
        `${formatCode(normalizeCode(assessment.diagnosis.code))} ${assessment.diagnosis.text}`,
      )!
    : '';
  if (diagnosis || description) {
    const id = derivedUuid('Condition', caseId, 'working');
    const outcome = assessment?.outcome;
    const verification =
      outcome === 'changed'
        ? 'refuted'
        : outcome === 'confirmed' && !resultingDiffers
          ? assessedStatus
          : 'provisional';
    const notes: FhirAnnotation[] = [];
    if (description) notes.push({ text: `In the patient’s words: ${description}` });
    if (outcome === 'refined')
      notes.push({ text: `Refined by the second opinion to ${resultingText}.` });
    if (outcome === 'changed')
      notes.push({ text: `Changed by the second opinion to ${resultingText}.` });
    const working: FhirCondition = {
      resourceType: 'Condition',
      id,
      // A refuted diagnosis has no clinical status: the condition is ruled out.
      ...(verification === 'refuted' ? {} : { clinicalStatus: activeCondition }),
      verificationStatus: conditionVerification(verification),
      ...(diagnosis ? { code: icd10CmConcept(diagnosis.code, diagnosis.text) } : {}),
      subject: patientRef,
      recordedDate: intakeAt,
      ...(notes.length > 0 ? { note: notes } : {}),
    };
    conditions.push(working);
    workingRef = reference(id, working.code?.text ?? 'Working diagnosis');
  }
  if (opinion && assessment && resultingDiffers) {
    const id = derivedUuid('Condition', caseId, 'resulting');
    const note =
      diagnosis && assessment.outcome !== 'confirmed'
        ? `${assessment.outcome === 'refined' ? 'Refines' : 'Replaces'} the working diagnosis ${formatCode(normalizeCode(diagnosis.code))}.`
        : null;
    conditions.push({
      resourceType: 'Condition',
      id,
      clinicalStatus: activeCondition,
      verificationStatus: conditionVerification(assessedStatus),
      code: icd10CmConcept(assessment.diagnosis.code, assessment.diagnosis.text),
      subject: patientRef,
      recordedDate: instant(opinion.signedAt),
      asserter: signerRef(opinion),
      ...(note ? { note: [{ text: note }] } : {}),
    });
    resultingRef = reference(id, assessment.diagnosis.text);
  }

  const medications: FhirMedicationStatement[] = input.case.medications.flatMap(
    (medication, index) => {
      const name = fhirString(medication.name);
      if (!name) return [];
      const dosage = [fhirString(medication.dose), fhirString(medication.frequency)]
        .filter((part): part is string => part !== undefined)
        .join(', ');
      return [
        {
          resourceType: 'MedicationStatement',
          id: derivedUuid('MedicationStatement', caseId, String(index)),
          // What the patient reported taking at intake.
          status: 'active',
          medicationCodeableConcept: { text: name },
          subject: patientRef,
          dateAsserted: intakeAt,
          informationSource: patientRef,
          ...(dosage ? { dosage: [{ text: dosage }] } : {}),
        },
      ];
    },
  );

  const allergies: FhirAllergyIntolerance[] = input.case.allergies.flatMap((allergy, index) => {
    const substance = fhirString(allergy.substance);
    if (!substance) return [];
    const reaction = fhirString(allergy.reaction);
    const severity =
      allergy.severity && allergy.severity !== 'unknown' ? allergy.severity : undefined;
    const resource: FhirAllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      id: derivedUuid('AllergyIntolerance', caseId, String(index)),
      clinicalStatus: {
        coding: [{ system: fhirSystems.allergyClinical, code: 'active', display: 'Active' }],
      },
      // Reported by the patient, not yet verified by a clinician.
      verificationStatus: {
        coding: [
          { system: fhirSystems.allergyVerification, code: 'unconfirmed', display: 'Unconfirmed' },
        ],
      },
      code: { text: substance },
      patient: patientRef,
      recordedDate: intakeAt,
      asserter: patientRef,
    };
    // A reaction needs its manifestation (1..*); a severity without one goes into a note.
    if (reaction)
      resource.reaction = [
        { manifestation: [{ text: reaction }], ...(severity ? { severity } : {}) },
      ];
    else if (severity) resource.note = [{ text: `Reported severity of reactions: ${severity}.` }];
    return [resource];
  });

  const state = input.case.state;
  const serviceRequestId = caseId;
  const serviceRequestRef = reference(serviceRequestId, 'Second opinion request');
  const notes: FhirAnnotation[] = input.case.questions.flatMap((question, index) => {
    const text = fhirString(question.text);
    return text ? [{ text: `Question ${index + 1}: ${text}` }] : [];
  });
  const proposedTreatment = fhirString(input.case.proposedTreatment);
  if (proposedTreatment) notes.push({ text: `Proposed treatment: ${proposedTreatment}` });
  const supportingInfo = [...medications, ...allergies].map((resource) => reference(resource.id));
  const serviceRequest: FhirServiceRequest = {
    resourceType: 'ServiceRequest',
    id: serviceRequestId,
    identifier: [rowIdentifier(caseId)],
    status: serviceRequestStatusOfCaseState[state],
    // A request for action; its life is in `status` (a change of intent would be a new request).
    intent: 'order',
    priority: input.case.urgency,
    code: {
      coding: [
        {
          system: fhirSystems.snomedCt,
          code: '103696004',
          display: 'Patient referral to specialist',
        },
      ],
      text: 'Second medical opinion',
    },
    subject: patientRef,
    ...(input.case.submittedAt ? { authoredOn: instant(input.case.submittedAt) } : {}),
    ...(requesterRef ? { requester: requesterRef } : {}),
    ...(specialistRef ? { performer: [specialistRef] } : {}),
    ...(workingRef ? { reasonReference: [workingRef] } : {}),
    ...(supportingInfo.length > 0 ? { supportingInfo } : {}),
    ...(notes.length > 0 ? { note: notes } : {}),
  };

  const compositionId = opinion ? rowUuid(opinion.id) : null;
  const statusReason = taskStatusReasons[state];
  const taskId = derivedUuid('Task', caseId);
  const task: FhirTask = {
    resourceType: 'Task',
    id: taskId,
    basedOn: [serviceRequestRef],
    status: taskStatusOfCaseState[state],
    ...(statusReason ? { statusReason: { text: statusReason } } : {}),
    // The exact case state, which Task.status alone cannot tell apart.
    businessStatus: {
      coding: [
        {
          system: caseStateCodeSystem.url,
          code: state,
          display: displayOf(caseStateCodeSystem, state),
        },
      ],
    },
    intent: 'order',
    priority: input.case.urgency,
    code: {
      coding: [
        {
          system: fhirSystems.taskCode,
          code: 'fulfill',
          display: 'Fulfill the focal request',
        },
      ],
    },
    focus: serviceRequestRef,
    for: patientRef,
    authoredOn: instant(input.case.createdAt),
    ...(requesterRef ? { requester: requesterRef } : {}),
    // The assigned specialist; before that the organization, whose coordinators hold the case.
    owner: specialistRef ?? organizationRef,
    ...(workingRef ? { reasonReference: workingRef } : {}),
    ...(compositionId
      ? {
          output: [
            {
              type: { text: 'Signed second opinion' },
              valueReference: reference(compositionId, 'Second opinion'),
            },
          ],
        }
      : {}),
  };

  let composition: FhirComposition | null = null;
  if (opinion) {
    const signers = [opinion, ...addenda].map(signerRef);
    const authors = signers.filter(
      (ref, index) => signers.findIndex((other) => other.reference === ref.reference) === index,
    );
    const extension: FhirExtension[] = [];
    if (assessment)
      extension.push({
        url: fhirExtensionUrls.concordanceOutcome,
        valueCodeableConcept: concordanceConcept(assessment.outcome),
      });
    if (opinion.content.recommendation)
      extension.push({
        url: fhirExtensionUrls.changesProposedTreatment,
        valueBoolean: opinion.content.recommendation.changesProposedTreatment,
      });
    extension.push(sealExtension(opinion));
    const sections = [
      ...opinionSections(opinion.content, input.case.questions, {
        working: workingRef,
        resulting: resultingRef,
      }),
      ...addenda.map((addendum) => addendumSection(addendum, signerRef(addendum))),
    ];
    const lastSigned = [opinion, ...addenda]
      .map((version) => instant(version.signedAt))
      .sort()
      .at(-1)!;
    composition = {
      resourceType: 'Composition',
      id: rowUuid(opinion.id),
      extension,
      identifier: rowIdentifier(opinion.id),
      // Addenda amend the signed opinion without changing it (https://hl7.org/fhir/R4/valueset-composition-status.html).
      status: addenda.length > 0 ? 'amended' : 'final',
      type: {
        coding: [{ system: fhirSystems.loinc, code: '11488-4', display: 'Consult note' }],
        text: 'Second opinion',
      },
      subject: patientRef,
      date: lastSigned,
      author: authors,
      title: `Second opinion for ${patientName}`,
      confidentiality: 'N',
      attester: [opinion, ...addenda].map((version) => ({
        mode: 'legal' as const,
        time: instant(version.signedAt),
        party: signerRef(version),
      })),
      custodian: organizationRef,
      ...(sections.length > 0 ? { section: sections } : {}),
    };
  }

  const family = fhirString(input.patient.familyName);
  const given = fhirString(input.patient.givenName);
  const email = fhirString(input.patient.email);
  const patient: FhirPatient = {
    resourceType: 'Patient',
    id: patientId,
    identifier: [rowIdentifier(patientId)],
    name: [
      { use: 'official', ...(family ? { family } : {}), ...(given ? { given: [given] } : {}) },
    ],
    ...(email ? { telecom: [{ system: 'email' as const, value: email }] } : {}),
    ...(input.patient.birthDate && /^\d{4}-\d{2}-\d{2}$/.test(input.patient.birthDate)
      ? { birthDate: input.patient.birthDate }
      : {}),
    managingOrganization: organizationRef,
  };
  const organization: FhirOrganization = {
    resourceType: 'Organization',
    id: organizationId,
    identifier: [rowIdentifier(organizationId)],
    active: true,
    name: fhirString(input.organization.name) ?? 'Unnamed organization',
  };

  const resources: FhirResource[] = [
    ...(composition ? [composition] : []),
    patient,
    organization,
    ...practitioners.values(),
    ...(relatedPerson ? [relatedPerson] : []),
    ...conditions,
    serviceRequest,
    task,
    ...medications,
    ...allergies,
  ];
  const exportedAt = instant(input.exportedAt);
  const bundleId = derivedUuid('Bundle', caseId, exportedAt);
  return {
    resourceType: 'Bundle',
    id: bundleId,
    identifier: { system: fhirSystems.uri, value: `urn:uuid:${bundleId}` },
    type: 'collection',
    timestamp: exportedAt,
    entry: resources.map((resource): FhirBundleEntry => ({
      fullUrl: `urn:uuid:${resource.id}`,
      resource,
    })),
  };
}
