/**
 * The FHIR R4 export of a case (src/core/fhir) checked against the base R4 definitions with a
 * validator library (tests/support/fhir-validator.ts): full and partial cases validate, broken
 * bundles do not.
 */
import { createHash } from 'node:crypto';
import type { Bundle as R4Bundle } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { collectReferences, formatFhirIssues, validateFhir } from '../support/fhir-validator.ts';
import { caseStates, type CaseState } from '../../src/core/case-lifecycle.ts';
import {
  type DiagnosisOutcome,
  diagnosisOutcomes,
  type OpinionContent,
  opinionContentSchema,
} from '../../src/core/opinion.ts';
import {
  type CaseFhirInput,
  caseFhirBundle,
  escapeXhtml,
  fhirExtensionUrls,
  serviceRequestStatusOfCaseState,
  taskStatusOfCaseState,
} from '../../src/core/fhir/case-bundle.ts';
import {
  caseStateCodeSystem,
  concordanceOutcomeCodeSystem,
  opinionSectionCodeSystem,
} from '../../src/core/fhir/code-systems.ts';
import type {
  FhirBundle,
  FhirComposition,
  FhirCondition,
  FhirResource,
  FhirServiceRequest,
  FhirTask,
} from '../../src/core/fhir/fhir-types.ts';
import { nameBasedUuid } from '../../src/core/fhir/name-based-uuid.ts';

const ids = {
  organization: '0b0f3f3e-6a51-4c43-9d7e-3c1c8f1b2a01',
  patient: '1c1f3f3e-6a51-4c43-9d7e-3c1c8f1b2a02',
  case: '2d2f3f3e-6a51-4c43-9d7e-3c1c8f1b2a03',
  specialist: '3e3f3f3e-6a51-4c43-9d7e-3c1c8f1b2a04',
  referrer: '4f4f3f3e-6a51-4c43-9d7e-3c1c8f1b2a05',
  opinion: '5a5f3f3e-6a51-4c43-9d7e-3c1c8f1b2a06',
  addendum: '6b6f3f3e-6a51-4c43-9d7e-3c1c8f1b2a07',
  question1: '7c7f3f3e-6a51-4c43-9d7e-3c1c8f1b2a08',
  question2: '8d8f3f3e-6a51-4c43-9d7e-3c1c8f1b2a09',
};

function opinionContent(outcome: DiagnosisOutcome): OpinionContent {
  return opinionContentSchema.parse({
    diagnosisAssessment: {
      outcome,
      diagnosis:
        outcome === 'confirmed'
          ? { code: 'C50.911', text: 'Malignant neoplasm of right female breast' }
          : outcome === 'refined'
            ? {
                code: 'C50.411',
                text: 'Malignant neoplasm of upper-outer quadrant of right female breast',
              }
            : { code: 'N60.11', text: 'Diffuse cystic mastopathy of right breast' },
      confidence: 'high',
      rationale: 'Core biopsy and MRI reviewed.\nHistology is consistent.',
    },
    alternativeDiagnoses: [
      {
        diagnosis: 'Fibroadenoma',
        code: 'D24.1',
        reasoning: 'Considered; imaging argues against it.',
      },
    ],
    recommendedTests: [{ test: 'Oncotype DX', reason: 'To decide on chemotherapy.' }],
    treatmentOptions: [
      {
        name: 'Lumpectomy with radiotherapy',
        expectedBenefit: 'Equivalent survival to mastectomy.',
        sideEffectsAndRisks: 'Fatigue, skin changes.',
        recoveryTime: '2–3 weeks',
        relativeCost: 'similar',
        fitWithGoals: 'Keeps the breast, as the patient wishes.',
      },
    ],
    recommendation: {
      text: 'Breast-conserving surgery followed by radiotherapy.',
      changesProposedTreatment: true,
    },
    riskOfWaiting: {
      riskOfWaiting: 'Low over 4 weeks.',
      riskOfActingNow: 'None beyond the surgery itself.',
      advisedTiming: 'Within 4 weeks',
    },
    followUpWindows: [{ what: 'Mammography', when: 'In 12 months' }],
    warningSigns: [],
    questionAnswers: [
      { questionId: ids.question1, answer: 'Yes — it is a reasonable option.' },
      { questionId: ids.question2, answer: 'About 3 weeks off work.' },
    ],
    plainLanguageSummary: 'The diagnosis is right; a smaller operation is an option.',
    references: [
      { citation: 'NCCN Guidelines: Breast Cancer, v4.2026', url: 'https://www.nccn.org/?a=1&b=2' },
      { citation: 'EBCTCG, Lancet 2011' },
    ],
  });
}

function baseInput(state: CaseState = 'in_review'): CaseFhirInput {
  return {
    organization: { id: ids.organization, name: 'Consilium Demo Clinic' },
    patient: {
      id: ids.patient,
      givenName: 'Maria',
      familyName: 'Lopez',
      birthDate: '1971-04-12',
      email: 'maria@example.org',
    },
    case: {
      id: ids.case,
      state,
      urgency: 'urgent',
      submittedAt: new Date('2026-03-02T09:00:00Z'),
      createdAt: new Date('2026-03-01T18:30:00Z'),
      conditionDescription: 'A lump in my right breast, found in January.',
      diagnosis: { code: 'c50911', text: 'Breast cancer, right' },
      proposedTreatment: 'Mastectomy',
      questions: [
        { id: ids.question1, text: 'Is breast-conserving surgery an option?' },
        { id: ids.question2, text: 'How long will I be off work?' },
      ],
      medications: [
        { name: 'Letrozole', dose: '2.5 mg', frequency: 'once daily' },
        { name: 'Ibuprofen', dose: null, frequency: null },
      ],
      allergies: [
        { substance: 'Penicillin', reaction: 'Hives', severity: 'moderate' },
        { substance: 'Latex', reaction: null, severity: 'severe' },
        { substance: 'Shellfish', reaction: null, severity: 'unknown' },
      ],
    },
    specialist: {
      id: ids.specialist,
      name: 'Dr. Ana Ruiz',
      credentials: 'MD, FACS — Breast surgery',
    },
    requester: { id: ids.referrer, name: 'Dr. John Okafor', role: 'referring_physician' },
    signedVersions: [],
    exportedAt: '2026-03-20T12:00:00.000Z',
  };
}

function signedInput(outcome: DiagnosisOutcome = 'refined', withAddendum = true): CaseFhirInput {
  const input = baseInput(withAddendum ? 'follow_up' : 'delivered');
  input.signedVersions = [
    {
      id: ids.opinion,
      sequence: 1,
      kind: 'opinion',
      content: opinionContent(outcome),
      followUpQuestion: null,
      signerId: ids.specialist,
      signerName: 'Dr. Ana Ruiz',
      signerCredentials: 'MD, FACS — Breast surgery',
      signedAt: new Date('2026-03-10T15:00:00Z'),
      sealSha256: 'a'.repeat(64),
      verificationCode: 'ABCD1234EFGH',
    },
  ];
  if (withAddendum)
    input.signedVersions.push({
      id: ids.addendum,
      sequence: 2,
      kind: 'addendum',
      content: { reason: 'follow_up_answer', text: 'Radiotherapy takes 3 weeks, 5 days a week.' },
      followUpQuestion: 'How long is radiotherapy?',
      signerId: ids.specialist,
      signerName: 'Dr. Ana Ruiz',
      signerCredentials: 'MD, FACS — Breast surgery',
      signedAt: new Date('2026-03-15T08:00:00Z'),
      sealSha256: 'b'.repeat(64),
      verificationCode: 'JKMN5678PQRS',
    });
  return input;
}

function resourcesOf<T extends FhirResource['resourceType']>(
  bundle: FhirBundle,
  type: T,
): Extract<FhirResource, { resourceType: T }>[] {
  return bundle.entry
    .map((entry) => entry.resource)
    .filter(
      (resource): resource is Extract<FhirResource, { resourceType: T }> =>
        resource.resourceType === type,
    );
}

function only<T extends FhirResource['resourceType']>(bundle: FhirBundle, type: T) {
  const found = resourcesOf(bundle, type);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function expectValid(resource: unknown) {
  const result = validateFhir(resource);
  expect(result.errors, formatFhirIssues(result.errors)).toEqual([]);
  return result;
}

/** The text content of a narrative div, as an XML parser reads it back. */
function textOf(div: string): string {
  let text = '';
  const parser = new SaxesParser({ xmlns: true });
  parser.on('text', (chunk) => (text += chunk));
  parser.write(div).close();
  return text;
}

describe('caseFhirBundle validated against the base FHIR R4 definitions', () => {
  it('a case with a signed opinion and an addendum validates with no errors', () => {
    const bundle = caseFhirBundle(signedInput('refined'));
    const result = expectValid(bundle);
    // The required bindings the export touches are checked against their R4 value sets.
    expect(result.checkedValueSets).toEqual(
      expect.arrayContaining([
        'http://hl7.org/fhir/ValueSet/task-status',
        'http://hl7.org/fhir/ValueSet/task-intent',
        'http://hl7.org/fhir/ValueSet/request-status',
        'http://hl7.org/fhir/ValueSet/request-intent',
        'http://hl7.org/fhir/ValueSet/request-priority',
        'http://hl7.org/fhir/ValueSet/composition-status',
        'http://hl7.org/fhir/ValueSet/composition-attestation-mode',
        'http://hl7.org/fhir/ValueSet/condition-clinical',
        'http://hl7.org/fhir/ValueSet/condition-ver-status',
        'http://hl7.org/fhir/ValueSet/allergyintolerance-clinical',
        'http://hl7.org/fhir/ValueSet/allergyintolerance-verification',
        'http://hl7.org/fhir/ValueSet/medication-statement-status',
        'http://hl7.org/fhir/ValueSet/narrative-status',
        'http://hl7.org/fhir/ValueSet/bundle-type',
        'http://terminology.hl7.org/ValueSet/v3-ConfidentialityClassification',
      ]),
    );
    expect(result.uncheckedValueSets).toEqual([]);

    const types = bundle.entry.map((entry) => entry.resource.resourceType);
    expect(types[0]).toBe('Composition');
    expect(types).toEqual(
      expect.arrayContaining([
        'Patient',
        'Organization',
        'Practitioner',
        'Condition',
        'ServiceRequest',
        'Task',
        'MedicationStatement',
        'AllergyIntolerance',
      ]),
    );
  });

  it('a case without an opinion validates and holds Patient, Condition, ServiceRequest and Task', () => {
    const bundle = caseFhirBundle(baseInput('in_review'));
    expectValid(bundle);
    const types = bundle.entry.map((entry) => entry.resource.resourceType);
    expect(types).not.toContain('Composition');
    expect(only(bundle, 'Condition').verificationStatus.coding?.[0]?.code).toBe('provisional');
    expect(only(bundle, 'ServiceRequest').status).toBe('active');
    expect(only(bundle, 'Task').output).toBeUndefined();
  });

  it('a bare draft (no diagnosis, no lists, no people) still validates', () => {
    const input = baseInput('draft');
    input.case = {
      ...input.case,
      submittedAt: null,
      conditionDescription: null,
      diagnosis: null,
      proposedTreatment: null,
      questions: [],
      medications: [],
      allergies: [],
    };
    input.specialist = null;
    input.requester = null;
    input.patient = { ...input.patient, birthDate: null, email: null };
    const bundle = caseFhirBundle(input);
    expectValid(bundle);
    expect(resourcesOf(bundle, 'Condition')).toEqual([]);
    expect(only(bundle, 'ServiceRequest').status).toBe('draft');
    expect(only(bundle, 'Task').status).toBe('draft');
  });

  it('every case state exports a valid bundle with the mapped Task and ServiceRequest status', () => {
    for (const state of caseStates) {
      const signed = ['opinion_signed', 'delivered', 'follow_up', 'closed'].includes(state);
      const input = signed
        ? { ...signedInput('confirmed', false), case: { ...baseInput(state).case } }
        : baseInput(state);
      const bundle = caseFhirBundle(input);
      expectValid(bundle);
      const task: FhirTask = only(bundle, 'Task');
      const request: FhirServiceRequest = only(bundle, 'ServiceRequest');
      expect(task.status).toBe(taskStatusOfCaseState[state]);
      expect(request.status).toBe(serviceRequestStatusOfCaseState[state]);
      expect(task.businessStatus?.coding?.[0]).toMatchObject({
        system: caseStateCodeSystem.url,
        code: state,
      });
    }
  });

  it('the mapping follows the case lifecycle', () => {
    expect(taskStatusOfCaseState).toMatchObject({
      draft: 'draft',
      submitted: 'requested',
      triage: 'received',
      awaiting_records: 'on-hold',
      offered: 'requested',
      accepted: 'accepted',
      in_review: 'in-progress',
      awaiting_patient: 'on-hold',
      opinion_signed: 'completed',
      closed: 'completed',
      withdrawn: 'cancelled',
      cancelled: 'cancelled',
    });
    expect(serviceRequestStatusOfCaseState).toMatchObject({
      draft: 'draft',
      awaiting_records: 'active',
      delivered: 'completed',
      withdrawn: 'revoked',
    });
  });

  it('requesters of every role become a resource the request may point at', () => {
    for (const role of ['patient', 'proxy', 'referring_physician', 'coordinator'] as const) {
      const input = baseInput('submitted');
      input.requester = { id: ids.referrer, name: 'Someone Asking', role };
      const bundle = caseFhirBundle(input);
      expectValid(bundle);
      const requester = only(bundle, 'ServiceRequest').requester!.reference;
      const target = bundle.entry.find((entry) => entry.fullUrl === requester)!.resource;
      expect(target.resourceType).toBe(
        role === 'patient' ? 'Patient' : role === 'proxy' ? 'RelatedPerson' : 'Practitioner',
      );
    }
  });

  it('the code systems Consilium defines are valid CodeSystem resources', () => {
    for (const system of [
      concordanceOutcomeCodeSystem,
      opinionSectionCodeSystem,
      caseStateCodeSystem,
    ])
      expectValid(system);
  });
});

describe('any text people type', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      '<script>alert(1)</script>',
      'A &nbsp; B',
      ']]>',
      `"'`,
      '\u0000\uD800',
      ' \n\t ',
    ),
  );

  it('yields a bundle that validates with no errors', () => {
    fc.assert(
      fc.property(
        fc.record({
          names: fc.tuple(text, text, text, text, text),
          description: text,
          diagnosisText: text,
          question: text,
          medication: fc.tuple(text, text),
          allergy: fc.tuple(text, text),
          summary: text,
          rationale: text,
          addendum: fc.tuple(text, text),
        }),
        (typed) => {
          const input = signedInput('changed', true);
          const [given, family, organization, specialist, credentials] = typed.names;
          input.patient = { ...input.patient, givenName: given, familyName: family };
          input.organization.name = organization;
          input.specialist = { id: ids.specialist, name: specialist, credentials };
          input.case.conditionDescription = typed.description;
          input.case.diagnosis = { code: 'C50.911', text: typed.diagnosisText };
          input.case.questions[0]!.text = typed.question;
          input.case.medications = [
            { name: typed.medication[0], dose: typed.medication[1], frequency: null },
          ];
          input.case.allergies = [
            { substance: typed.allergy[0], reaction: typed.allergy[1], severity: 'mild' },
          ];
          const [opinion, addendum] = input.signedVersions;
          if (opinion?.kind !== 'opinion' || addendum?.kind !== 'addendum')
            throw new Error('fixture');
          opinion.content = {
            ...opinion.content,
            plainLanguageSummary: typed.summary,
            diagnosisAssessment: {
              ...opinion.content.diagnosisAssessment!,
              rationale: typed.rationale,
            },
          };
          addendum.followUpQuestion = typed.addendum[0];
          addendum.content = { reason: 'follow_up_answer', text: typed.addendum[1] };
          const result = validateFhir(caseFhirBundle(input));
          expect(result.errors, formatFhirIssues(result.errors)).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the validator bites', () => {
  const valid = () => structuredClone(caseFhirBundle(signedInput('refined'))) as any;
  const entryIndex = (bundle: any, type: string) =>
    bundle.entry.findIndex((entry: any) => entry.resource.resourceType === type);

  function expectError(bundle: unknown, check: string, pathPart: string) {
    const { errors } = validateFhir(bundle);
    expect(
      errors.some((issue) => issue.check === check && issue.path.includes(pathPart)),
      `expected a ${check} error at ${pathPart}, got:\n${formatFhirIssues(errors)}`,
    ).toBe(true);
  }

  it('refuses a Task without status', () => {
    const bundle = valid();
    const index = entryIndex(bundle, 'Task');
    delete bundle.entry[index].resource.status;
    expectError(bundle, 'structure', `entry[${index}].resource.status`);
  });

  it('refuses a Composition without title', () => {
    const bundle = valid();
    delete bundle.entry[0].resource.title;
    expectError(bundle, 'structure', 'entry[0].resource.title');
  });

  it('refuses a status outside its required value set', () => {
    const bundle = valid();
    const index = entryIndex(bundle, 'Task');
    bundle.entry[index].resource.status = 'finished';
    expectError(bundle, 'binding', `entry[${index}].resource.status`);
    const condition = valid();
    const conditionIndex = entryIndex(condition, 'Condition');
    condition.entry[conditionIndex].resource.verificationStatus.coding[0].code = 'probable';
    expectError(condition, 'binding', `entry[${conditionIndex}].resource.verificationStatus`);
  });

  it('refuses an unknown element and a wrongly typed value', () => {
    const bundle = valid();
    const index = entryIndex(bundle, 'Patient');
    bundle.entry[index].resource.nickname = 'Mary';
    bundle.entry[index].resource.birthDate = '12/04/1971';
    expectError(bundle, 'structure', `entry[${index}].resource.nickname`);
    expectError(bundle, 'structure', `entry[${index}].resource.birthDate`);
  });

  it('refuses a broken invariant (duplicate fullUrl, bdl-7; empty section, cmp-1)', () => {
    const bundle = valid();
    bundle.entry[2].fullUrl = bundle.entry[1].fullUrl;
    const { errors } = validateFhir(bundle);
    expect(
      errors.some((issue) => issue.check === 'invariant' && issue.message.includes('bdl-7')),
    ).toBe(true);
    const empty = valid();
    empty.entry[0].resource.section[0] = { title: 'Nothing' };
    const { errors: sectionErrors } = validateFhir(empty);
    expect(sectionErrors.some((issue) => issue.message.includes('cmp-1'))).toBe(true);
  });

  it('refuses a dangling reference and a reference to a type the element does not allow', () => {
    const dangling = valid();
    const index = entryIndex(dangling, 'Task');
    dangling.entry[index].resource.focus.reference =
      'urn:uuid:00000000-0000-4000-8000-000000000000';
    expectError(dangling, 'reference', `entry[${index}].resource.focus`);
    const wrongType = valid();
    const conditionUrl = wrongType.entry[entryIndex(wrongType, 'Condition')].fullUrl;
    wrongType.entry[index].resource.owner.reference = conditionUrl;
    expectError(wrongType, 'reference', `entry[${index}].resource.owner`);
  });

  it('refuses unsafe or malformed narrative XHTML', () => {
    const cases = [
      '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script>x</div>',
      '<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">x</p></div>',
      '<div xmlns="http://www.w3.org/1999/xhtml"><p>unclosed</div>',
      '<div xmlns="http://www.w3.org/1999/xhtml">A &nbsp; B</div>',
      '<div>no namespace</div>',
      '<div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:alert(1)">x</a></div>',
      '<div xmlns="http://www.w3.org/1999/xhtml">   </div>',
    ];
    for (const div of cases) {
      const bundle = valid();
      bundle.entry[0].resource.section[0].text.div = div;
      expectError(bundle, 'xhtml', 'entry[0].resource.section[0].text.div');
    }
  });
});

describe('the opinion Composition', () => {
  it('carries the concordance outcome coded with the Consilium code system', () => {
    for (const outcome of diagnosisOutcomes) {
      const bundle = caseFhirBundle(signedInput(outcome, false));
      expectValid(bundle);
      const composition: FhirComposition = only(bundle, 'Composition');
      const extension = composition.extension?.find(
        (candidate) => candidate.url === fhirExtensionUrls.concordanceOutcome,
      );
      expect(extension?.valueCodeableConcept?.coding).toEqual([
        {
          system: 'https://consilium.health/fhir/CodeSystem/concordance-outcome',
          code: outcome,
          display: concordanceOutcomeCodeSystem.concept.find((concept) => concept.code === outcome)!
            .display,
        },
      ]);
      expect(
        composition.extension?.find(
          (candidate) => candidate.url === fhirExtensionUrls.changesProposedTreatment,
        )?.valueBoolean,
      ).toBe(true);
    }
  });

  it('codes the working and resulting diagnoses by outcome', () => {
    const statuses = (outcome: DiagnosisOutcome) =>
      resourcesOf(caseFhirBundle(signedInput(outcome, false)), 'Condition').map(
        (condition: FhirCondition) => ({
          code: condition.code?.coding?.[0]?.code,
          system: condition.code?.coding?.[0]?.system,
          verification: condition.verificationStatus.coding?.[0]?.code,
          clinical: condition.clinicalStatus?.coding?.[0]?.code,
        }),
      );
    const icd = 'http://hl7.org/fhir/sid/icd-10-cm';
    // Confirmed: one Condition, now confirmed (the intake's "c50911" is written as C50.911).
    expect(statuses('confirmed')).toEqual([
      { code: 'C50.911', system: icd, verification: 'confirmed', clinical: 'active' },
    ]);
    expect(statuses('refined')).toEqual([
      { code: 'C50.911', system: icd, verification: 'provisional', clinical: 'active' },
      { code: 'C50.411', system: icd, verification: 'confirmed', clinical: 'active' },
    ]);
    // A refuted diagnosis is ruled out: it has no clinical status.
    expect(statuses('changed')).toEqual([
      { code: 'C50.911', system: icd, verification: 'refuted', clinical: undefined },
      { code: 'N60.11', system: icd, verification: 'confirmed', clinical: 'active' },
    ]);
  });

  it('is final when signed, amended with addenda, attested and sealed per version', () => {
    const final = only(caseFhirBundle(signedInput('refined', false)), 'Composition');
    expect(final.status).toBe('final');
    const bundle = caseFhirBundle(signedInput('refined', true));
    const amended = only(bundle, 'Composition');
    const practitioner = resourcesOf(bundle, 'Practitioner').find(
      (candidate) => candidate.id === ids.specialist,
    )!;
    expect(amended.status).toBe('amended');
    expect(amended.type.coding?.[0]).toEqual({
      system: 'http://loinc.org',
      code: '11488-4',
      display: 'Consult note',
    });
    expect(amended.date).toBe('2026-03-15T08:00:00.000Z');
    expect(amended.identifier).toEqual({
      system: 'urn:ietf:rfc:3986',
      value: `urn:uuid:${ids.opinion}`,
    });
    expect(amended.attester).toEqual([
      {
        mode: 'legal',
        time: '2026-03-10T15:00:00.000Z',
        party: expect.objectContaining({ reference: `urn:uuid:${practitioner.id}` }),
      },
      {
        mode: 'legal',
        time: '2026-03-15T08:00:00.000Z',
        party: expect.objectContaining({ reference: `urn:uuid:${practitioner.id}` }),
      },
    ]);
    expect(practitioner.qualification).toEqual([{ code: { text: 'MD, FACS — Breast surgery' } }]);
    const seal = amended.extension?.find(
      (candidate) => candidate.url === fhirExtensionUrls.opinionSeal,
    );
    expect(seal?.extension).toEqual([
      { url: 'sequence', valuePositiveInt: 1 },
      { url: 'sha256', valueString: 'a'.repeat(64) },
      { url: 'verificationCode', valueString: 'ABCD1234EFGH' },
      { url: 'signedAt', valueDateTime: '2026-03-10T15:00:00.000Z' },
    ]);
    const addendum = amended.section?.at(-1);
    expect(addendum?.title).toBe('Addendum 1: Answer to a follow-up question');
    expect(addendum?.extension?.[0]?.extension?.[1]).toEqual({
      url: 'sha256',
      valueString: 'b'.repeat(64),
    });
    expect(textOf(addendum!.text!.div)).toContain('How long is radiotherapy?');
  });

  it('has a coded, narrated section for every opinion section and each question with its answer', () => {
    const composition = only(caseFhirBundle(signedInput('refined', false)), 'Composition');
    const codes = composition.section!.map(
      (section) =>
        section.code?.coding?.find((coding) => coding.system === opinionSectionCodeSystem.url)
          ?.code,
    );
    expect(codes).toEqual([
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
    ]);
    for (const section of composition.section!)
      expect(section.text?.div).toMatch(/^<div xmlns="http:\/\/www\.w3\.org\/1999\/xhtml">/);
    const answers = composition.section!.find((section) => section.title.startsWith('Answers'))!;
    expect(answers.section?.map((sub) => textOf(sub.text!.div))).toEqual([
      'Question: Is breast-conserving surgery an option?Answer: Yes — it is a reasonable option.',
      'Question: How long will I be off work?Answer: About 3 weeks off work.',
    ]);
    expect(textOf(composition.section![7]!.text!.div)).toBe('None considered.');
  });

  it('escapes text so that markup typed by people stays text', () => {
    const hostile = `<script>alert("x")</script> & 'quotes' <b>bold</b>`;
    const input = signedInput('refined', false);
    const opinion = input.signedVersions[0]!;
    if (opinion.kind !== 'opinion') throw new Error('fixture');
    opinion.content = { ...opinion.content, plainLanguageSummary: hostile };
    input.case.questions[0]!.text = hostile;
    input.patient.familyName = "O'Brien <Admin>";
    const bundle = caseFhirBundle(input);
    expectValid(bundle);
    const composition = only(bundle, 'Composition');
    const summary = composition.section!.find((section) => section.title.startsWith('Summary'))!;
    expect(summary.text!.div).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;',
    );
    expect(summary.text!.div).not.toContain('<script');
    expect(textOf(summary.text!.div)).toBe(hostile);
    expect(JSON.stringify(composition)).not.toContain('<script');
    expect(escapeXhtml('a\u0000b\u001Fc')).toBe('a\uFFFDb\uFFFDc');
  });
});

describe('bundle structure', () => {
  it('every reference resolves to an entry and every fullUrl is the urn:uuid of its resource id', () => {
    for (const input of [signedInput('changed', true), baseInput('submitted')]) {
      const bundle = caseFhirBundle(input);
      const fullUrls = new Set(bundle.entry.map((entry) => entry.fullUrl));
      expect(fullUrls.size).toBe(bundle.entry.length);
      for (const entry of bundle.entry) expect(entry.fullUrl).toBe(`urn:uuid:${entry.resource.id}`);
      const references = collectReferences(bundle, 'Bundle');
      expect(references.length).toBeGreaterThan(10);
      for (const { path, reference } of references)
        expect(fullUrls.has(reference), `${path} → ${reference}`).toBe(true);
    }
  });

  it('links the request, its task, the diagnosis and the opinion', () => {
    const bundle = caseFhirBundle(signedInput('refined', false));
    const request = only(bundle, 'ServiceRequest');
    const task = only(bundle, 'Task');
    const composition = only(bundle, 'Composition');
    const working = resourcesOf(bundle, 'Condition')[0]!;
    expect(task.basedOn?.[0]?.reference).toBe(`urn:uuid:${request.id}`);
    expect(task.focus?.reference).toBe(`urn:uuid:${request.id}`);
    expect(task.owner?.reference).toBe(`urn:uuid:${ids.specialist}`);
    expect(task.output?.[0]?.valueReference.reference).toBe(`urn:uuid:${composition.id}`);
    expect(request.reasonReference?.[0]?.reference).toBe(`urn:uuid:${working.id}`);
    expect(request.priority).toBe('urgent');
    expect(request.code?.coding?.[0]).toEqual({
      system: 'http://snomed.info/sct',
      code: '103696004',
      display: 'Patient referral to specialist',
    });
    expect(request.note?.map((note) => note.text)).toEqual([
      'Question 1: Is breast-conserving surgery an option?',
      'Question 2: How long will I be off work?',
      'Proposed treatment: Mastectomy',
    ]);
    expect(request.supportingInfo).toHaveLength(5);
  });

  it('is reproducible: the same input gives the same bundle, whatever the input shape of times', () => {
    const a = caseFhirBundle(signedInput('refined'));
    const input = signedInput('refined');
    input.case.createdAt = '2026-03-01T18:30:00Z';
    expect(caseFhirBundle(input)).toEqual(a);
    expect(a.identifier.value).toBe(`urn:uuid:${a.id}`);
    expect(a.timestamp).toBe('2026-03-20T12:00:00.000Z');
  });

  it('is assignable to a complete R4 model', () => {
    const bundle: R4Bundle = caseFhirBundle(signedInput('refined'));
    expect(bundle.resourceType).toBe('Bundle');
  });

  it('refuses an addendum without its opinion and ids that are not UUIDs', () => {
    const input = signedInput('refined', true);
    input.signedVersions = input.signedVersions.filter((version) => version.kind === 'addendum');
    expect(() => caseFhirBundle(input)).toThrow(/addendum/);
    expect(() =>
      caseFhirBundle({ ...baseInput(), case: { ...baseInput().case, id: '42' } }),
    ).toThrow(/UUID/);
  });
});

describe('nameBasedUuid (RFC 9562 version 5)', () => {
  it('matches the RFC example', () => {
    // RFC 9562, appendix A.4: the DNS namespace and "www.example.com".
    expect(nameBasedUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('agrees with a SHA-1 from node:crypto for any name', () => {
    const namespace = '787084fb-951d-4e5c-96cd-18b65983d584';
    const reference = (name: string) => {
      const bytes = createHash('sha1')
        .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
        .update(name, 'utf8')
        .digest()
        .subarray(0, 16);
      bytes[6] = (bytes[6]! & 0x0f) | 0x50;
      bytes[8] = (bytes[8]! & 0x3f) | 0x80;
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (name) => {
        expect(nameBasedUuid(namespace, name)).toBe(reference(name));
      }),
    );
  });
});
