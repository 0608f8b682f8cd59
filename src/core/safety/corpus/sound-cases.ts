/**
 * Sound cases of the safety-net corpus: one complete, consistent case per checklist category,
 * with the records a careful patient and referring team would send (letters, reports, imaging,
 * labs, an imported FHIR summary) and the intake that goes with them. Every one must pass the
 * safety net without a blocker; `defect-injectors.ts` then breaks them one defect at a time.
 *
 * The clinical facts are modelled on common second-opinion requests and on the drugs and
 * conditions of public synthetic records (Synthea); names, dates and texts are invented. All
 * dates are relative to `corpusToday`.
 */
import type { RecordPatientIdentity } from '../../records/record-types.ts';
import type { CaseCategory, SafetyNetInput } from '../safety-input.ts';
import {
  buildAllergy,
  buildCondition,
  buildDocument,
  buildLabObservation,
  buildMedication,
  buildReport,
  rxNormSystem,
} from './record-builders.ts';

/** The day the corpus is checked on. */
export const corpusToday = '2026-11-16';

export interface SoundCase {
  name: string;
  /** The category the case's diagnosis code should lead to. */
  expectedCategory: CaseCategory;
  input: SafetyNetInput;
}

const identity = (
  name: string,
  birthDate: string | null,
  foundIn: string,
): RecordPatientIdentity => ({ name, birthDate, foundIn });

function oncologyCase(): SoundCase {
  const born = '1968-04-12';
  const documents = [
    buildDocument({
      id: 'onc-mammo',
      kind: 'imaging_report',
      date: '2026-08-05',
      source: 'Hospital Universitario La Paz',
      text: 'Bilateral diagnostic mammogram and ultrasound. Irregular 2.1 cm mass in the upper outer quadrant of the right breast, BI-RADS 5. Ultrasound-guided core biopsy recommended.',
      identities: [identity('LOPEZ GARCIA, MARIA ELENA', born, 'PDF header')],
    }),
    buildDocument({
      id: 'onc-path',
      kind: 'pathology_report',
      date: '2026-08-20',
      source: 'Hospital Universitario La Paz',
      text: 'Core needle biopsy, right breast 10 o clock: invasive ductal carcinoma, Nottingham grade 2. ER positive (90%), PR positive (60%), HER2 negative (IHC 1+). Ki-67 15%.',
      identities: [identity('María López', born, 'PDF header')],
    }),
    buildDocument({
      id: 'onc-ct',
      kind: 'imaging_report',
      date: '2026-09-10',
      source: 'Hospital Universitario La Paz',
      text: 'CT chest, abdomen and pelvis with contrast for staging. No pulmonary nodules. No hepatic lesions. No lytic or sclerotic bone lesions. Impression: no evidence of distant metastatic disease.',
      identities: [identity('Maria E. Lopez-Garcia', born, 'PDF header')],
    }),
    buildDocument({
      id: 'onc-labs',
      kind: 'lab_results',
      date: '2026-10-28',
      source: 'Laboratorio Central',
      text: 'Complete blood count and comprehensive metabolic panel. Hemoglobin 13.1 g/dL, WBC 6.2, platelets 241. Creatinine 0.8 mg/dL. ALT 22, AST 19.',
      identities: [identity('LOPEZ GARCIA MARIA ELENA', born, 'PDF header')],
    }),
    buildDocument({
      id: 'onc-letter',
      kind: 'clinic_letter',
      date: '2026-10-30',
      source: 'Dr. Ana Ruiz, Medical Oncology',
      text: 'Dear colleague, Ms López García has a clinical stage IIA (cT2 N0 M0) hormone receptor positive, HER2 negative carcinoma of the right breast. The pathology report is attached. The tumour board recommended breast-conserving surgery with sentinel node biopsy, then whole-breast radiotherapy and endocrine therapy. She asks for a second opinion before surgery.',
      identities: [identity('Mrs María Elena López García', born, 'Letter header')],
    }),
    buildDocument({
      id: 'onc-fhir',
      kind: 'other',
      format: 'fhir_json',
      date: '2026-11-01',
      source: 'Hospital Universitario La Paz',
      identities: [identity('Maria Elena Lopez Garcia', born, 'FHIR Patient')],
    }),
  ];
  return {
    name: 'oncology: early breast cancer before surgery',
    expectedCategory: 'oncology',
    input: {
      today: corpusToday,
      patient: { givenName: 'María Elena', familyName: 'López García', birthDate: born },
      case: {
        category: null,
        diagnosisCode: 'C50.411',
        diagnosisText: 'Right breast cancer (invasive ductal carcinoma)',
        diagnosisDate: '2026-08-20',
        proposedTreatment:
          'Lumpectomy with sentinel node biopsy, then radiotherapy to the right breast and letrozole for five years.',
        medications: [
          { name: 'Lisinopril', dose: '10 mg', frequency: 'once daily' },
          { name: 'Metformin', dose: '500 mg', frequency: 'twice daily' },
        ],
        allergies: [{ substance: 'Penicillin', reaction: 'Rash', severity: 'moderate' }],
      },
      documents,
      clinical: [
        buildCondition({
          id: 'onc-c1',
          sourceDocumentId: 'onc-fhir',
          date: '2026-08-20',
          display: 'Malignant neoplasm of upper-outer quadrant of right female breast',
          icd10cm: 'C50.411',
          codingDisplay: 'Malignant neoplasm of upper-outer quadrant of right female breast',
        }),
        buildCondition({
          id: 'onc-c2',
          sourceDocumentId: 'onc-fhir',
          date: '2019-03-02',
          display: 'Essential hypertension',
          icd10cm: 'I10',
        }),
        buildMedication({
          id: 'onc-m1',
          sourceDocumentId: 'onc-fhir',
          display: 'lisinopril 10 MG Oral Tablet',
          ingredients: ['lisinopril'],
          codes: [
            { system: rxNormSystem, code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
          ],
          dose: '10 mg',
          frequency: 'once daily',
          start: '2019-03-02',
        }),
        buildMedication({
          id: 'onc-m2',
          sourceDocumentId: 'onc-fhir',
          display: '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet',
          ingredients: ['metformin'],
          dose: '500 mg',
          frequency: 'twice daily',
          start: '2021-06-14',
        }),
        buildAllergy({
          id: 'onc-a1',
          sourceDocumentId: 'onc-fhir',
          display: 'Penicillin G',
          codes: [{ system: rxNormSystem, code: '7980', display: 'penicillin G' }],
          reactions: ['Rash'],
        }),
        buildLabObservation({
          id: 'onc-o1',
          sourceDocumentId: 'onc-fhir',
          date: '2026-10-28',
          display: 'Hemoglobin [Mass/volume] in Blood',
          value: '13.1',
          unit: 'g/dL',
        }),
      ],
    },
  };
}

function cardiologyCase(): SoundCase {
  const born = '1957-09-30';
  const documents = [
    buildDocument({
      id: 'card-cath',
      kind: 'imaging_report',
      date: '2025-06-15',
      source: 'St Vincent Heart Centre',
      text: 'Coronary angiography: 80% stenosis of the proximal LAD, 70% stenosis of the mid circumflex, 90% stenosis of the proximal RCA. Left ventricular ejection fraction 50% on ventriculography.',
      identities: [identity("O'BRIEN, ROBERT JAMES", born, 'PDF header')],
    }),
    buildDocument({
      id: 'card-letter-2025',
      kind: 'clinic_letter',
      date: '2025-10-20',
      source: 'Dr. Siobhan Kelly, Cardiology',
      text: 'Mr O Brien has three-vessel coronary artery disease with stable angina, now controlled on medical therapy. He will be reviewed with an echocardiogram next year.',
      identities: [identity("Robert O'Brien", born, 'Letter header')],
    }),
    buildDocument({
      id: 'card-labs-2026-03',
      kind: 'lab_results',
      date: '2026-03-05',
      source: 'St Vincent Laboratory',
      text: 'Lipid panel: LDL cholesterol 1.9 mmol/L, HDL 1.1 mmol/L. HbA1c 5.6%. Creatinine 88 umol/L.',
      identities: [identity('OBRIEN ROBERT', born, 'PDF header')],
    }),
    buildDocument({
      id: 'card-echo',
      kind: 'imaging_report',
      date: '2026-07-14',
      source: 'St Vincent Heart Centre',
      text: 'Transthoracic echocardiogram. Mild inferior hypokinesis. Left ventricular ejection fraction 48%. No significant valve disease.',
      identities: [identity("Robert J. O'Brien", born, 'PDF header')],
    }),
    buildDocument({
      id: 'card-ecg',
      kind: 'imaging_study',
      date: '2026-09-30',
      source: 'St Vincent Heart Centre',
      dicom: { description: '12-lead resting ECG', modalities: ['ECG'], bodyPart: 'HEART' },
      identities: [identity('OBRIEN^ROBERT^J', born, 'DICOM (0010,0010)')],
    }),
    buildDocument({
      id: 'card-labs-2026-10',
      kind: 'lab_results',
      date: '2026-10-12',
      source: 'St Vincent Laboratory',
      text: 'Troponin T below 6 ng/L. NT-proBNP 210 pg/mL. Potassium 4.3 mmol/L. eGFR 78.',
      identities: [identity("O'Brien, Robert", born, 'PDF header')],
    }),
    buildDocument({
      id: 'card-letter-2026',
      kind: 'clinic_letter',
      date: '2026-10-20',
      source: 'Dr. Siobhan Kelly, Cardiology',
      text: 'Angina has returned on moderate exertion despite maximal medical therapy. Given three-vessel disease the heart team recommends coronary artery bypass grafting. The patient would like a second opinion on surgery versus stenting.',
      identities: [identity("Mr Robert James O'Brien", born, 'Letter header')],
    }),
    buildDocument({
      id: 'card-fhir',
      kind: 'other',
      format: 'fhir_json',
      date: '2026-10-21',
      source: 'St Vincent Heart Centre',
      identities: [identity("Robert James O'Brien", born, 'FHIR Patient')],
    }),
  ];
  return {
    name: 'cardiology: three-vessel coronary disease, bypass proposed',
    expectedCategory: 'cardiology',
    input: {
      today: corpusToday,
      patient: { givenName: 'Robert James', familyName: "O'Brien", birthDate: born },
      case: {
        category: null,
        diagnosisCode: 'I25.10',
        diagnosisText: 'Coronary artery disease',
        diagnosisDate: '2025-06-15',
        proposedTreatment: 'Coronary artery bypass grafting of three vessels.',
        medications: [
          { name: 'Atorvastatin', dose: '40 mg', frequency: 'at night' },
          { name: 'Aspirin 81 mg', dose: null, frequency: 'once daily' },
          { name: 'Metoprolol succinate', dose: '100 mg', frequency: 'once daily' },
          { name: 'Clopidogrel', dose: '75 mg', frequency: 'once daily' },
        ],
        allergies: [{ substance: 'Codeine', reaction: 'Vomiting', severity: 'mild' }],
      },
      documents,
      clinical: [
        buildCondition({
          id: 'card-c1',
          sourceDocumentId: 'card-fhir',
          date: '2025-06-15',
          display: 'Coronary arteriosclerosis',
          icd10cm: 'I25.10',
          codingDisplay:
            'Atherosclerotic heart disease of native coronary artery without angina pectoris',
        }),
        buildMedication({
          id: 'card-m1',
          sourceDocumentId: 'card-fhir',
          display: 'Atorvastatin 40 MG Oral Tablet',
          ingredients: ['atorvastatin'],
          dose: '40 mg',
          frequency: 'once daily at night',
          start: '2025-06-20',
        }),
        buildMedication({
          id: 'card-m2',
          sourceDocumentId: 'card-fhir',
          display: 'Simvastatin 20 MG Oral Tablet',
          ingredients: ['simvastatin'],
          status: 'stopped',
          dose: '20 mg',
          frequency: 'once daily',
          start: '2019-02-01',
          end: '2025-06-20',
        }),
        buildMedication({
          id: 'card-m3',
          sourceDocumentId: 'card-fhir',
          display: 'clopidogrel 75 MG Oral Tablet',
          ingredients: ['clopidogrel'],
          dose: '75 mg',
          frequency: 'once daily',
          start: '2025-06-15',
        }),
        buildAllergy({
          id: 'card-a1',
          sourceDocumentId: 'card-fhir',
          display: 'Codeine',
          codes: [{ system: rxNormSystem, code: '2670', display: 'codeine' }],
          reactions: ['Vomiting'],
          criticality: 'low',
        }),
        buildReport({
          id: 'card-r1',
          sourceDocumentId: 'card-fhir',
          date: '2026-07-14',
          display: 'Echocardiography report',
          kind: 'imaging_report',
        }),
      ],
    },
  };
}

function neurologyCase(): SoundCase {
  const born = '1990-02-14';
  const documents = [
    buildDocument({
      id: 'neuro-eeg',
      kind: 'other',
      date: '2026-01-10',
      source: 'Kyoto City Hospital, Neurophysiology',
      text: 'Routine EEG: intermittent left temporal sharp waves. No electrographic seizures recorded.',
      identities: [identity('TANAKA AIKO', born, 'PDF header')],
    }),
    buildDocument({
      id: 'neuro-mri-report',
      kind: 'imaging_report',
      date: '2026-01-20',
      source: 'Kyoto City Hospital, Radiology',
      text: 'MRI brain with epilepsy protocol. Subtle increased FLAIR signal and volume loss of the left hippocampus, suggestive of mesial temporal sclerosis. No mass.',
      identities: [identity('Aiko Tanaka', born, 'PDF header')],
    }),
    buildDocument({
      id: 'neuro-mri',
      kind: 'imaging_study',
      date: '2026-01-20',
      source: 'Kyoto City Hospital, Radiology',
      dicom: {
        description: 'MRI BRAIN EPILEPSY PROTOCOL',
        modalities: ['MR'],
        bodyPart: 'BRAIN',
        seriesDescription: 'COR FLAIR',
      },
      identities: [identity('TANAKA^AIKO', born, 'DICOM (0010,0010)')],
    }),
    buildDocument({
      id: 'neuro-letter-may',
      kind: 'clinic_letter',
      date: '2026-05-15',
      source: 'Dr. Kenji Mori, Neurology',
      text: 'Focal impaired awareness seizures continue about twice a month despite levetiracetam at full dose. MRI shows left mesial temporal sclerosis.',
      identities: [identity('Ms Aiko Tanaka', born, 'Letter header')],
    }),
    buildDocument({
      id: 'neuro-labs',
      kind: 'lab_results',
      date: '2026-08-30',
      source: 'Kyoto City Hospital, Laboratory',
      text: 'Full blood count normal. Sodium 139 mmol/L. Liver function normal.',
      identities: [identity('Tanaka, Aiko', born, 'PDF header')],
    }),
    buildDocument({
      id: 'neuro-letter-oct',
      kind: 'clinic_letter',
      date: '2026-10-05',
      source: 'Dr. Kenji Mori, Neurology',
      text: 'Drug-resistant focal epilepsy. We propose adding lacosamide and referral for epilepsy surgery evaluation. The patient asks for a second opinion.',
      identities: [identity('Aiko Tanaka', born, 'Letter header')],
    }),
  ];
  return {
    name: 'neurology: drug-resistant focal epilepsy',
    expectedCategory: 'neurology',
    input: {
      today: corpusToday,
      patient: { givenName: 'Aiko', familyName: 'Tanaka', birthDate: born },
      case: {
        category: null,
        diagnosisCode: 'G40.909',
        diagnosisText: 'Epilepsy with focal seizures',
        diagnosisDate: '2026-01-10',
        proposedTreatment:
          'Add lacosamide 100 mg twice daily and refer for epilepsy surgery evaluation.',
        medications: [
          { name: 'Levetiracetam', dose: '1500 mg', frequency: 'twice daily' },
          { name: 'Sertraline', dose: '50 mg', frequency: 'once daily' },
        ],
        allergies: [{ substance: 'Carbamazepine', reaction: 'Rash', severity: 'moderate' }],
      },
      documents,
      clinical: [],
    },
  };
}

function orthopaedicsCase(): SoundCase {
  const born = '1961-11-03';
  const documents = [
    buildDocument({
      id: 'ortho-xray-2025',
      kind: 'imaging_report',
      date: '2025-03-01',
      source: 'Clinique du Parc, Radiologie',
      text: 'Standing radiographs of both knees: moderate medial joint space narrowing of the right knee with osteophytes. Left knee normal.',
      identities: [identity('MARTIN JEAN-LUC', born, 'PDF header')],
    }),
    buildDocument({
      id: 'ortho-physio',
      kind: 'clinic_letter',
      date: '2025-09-15',
      source: 'Cabinet de kinésithérapie Martin-Roux',
      text: 'Twelve sessions of physiotherapy for right knee osteoarthritis. Modest improvement in pain. Walking distance 1 km.',
      identities: [identity('Jean Luc Martin', born, 'Letter header')],
    }),
    buildDocument({
      id: 'ortho-letter-feb',
      kind: 'clinic_letter',
      date: '2026-02-10',
      source: 'Dr. Claire Dubois, Orthopaedics',
      text: 'Corticosteroid injection to the right knee given today. Review in four months.',
      identities: [identity('Martin, Jean-Luc', born, 'Letter header')],
    }),
    buildDocument({
      id: 'ortho-mri',
      kind: 'imaging_study',
      date: '2026-07-20',
      source: 'Clinique du Parc, Radiologie',
      dicom: { description: 'MRI RIGHT KNEE', modalities: ['MR'], bodyPart: 'KNEE' },
      identities: [identity('MARTIN^JEAN-LUC', born, 'DICOM (0010,0010)')],
    }),
    buildDocument({
      id: 'ortho-xray-study',
      kind: 'imaging_study',
      date: '2026-09-25',
      source: 'Clinique du Parc, Radiologie',
      dicom: { description: 'XR KNEE RIGHT STANDING', modalities: ['DX'], bodyPart: 'KNEE' },
      identities: [identity('MARTIN^JEAN LUC', born, 'DICOM (0010,0010)')],
    }),
    buildDocument({
      id: 'ortho-xray-report',
      kind: 'imaging_report',
      date: '2026-09-25',
      source: 'Clinique du Parc, Radiologie',
      text: 'Standing radiograph of the right knee: severe medial compartment narrowing, bone-on-bone contact, subchondral sclerosis. Images on the PACS.',
      identities: [identity('Jean-Luc Martin', born, 'PDF header')],
    }),
    buildDocument({
      id: 'ortho-letter-oct',
      kind: 'clinic_letter',
      date: '2026-10-15',
      source: 'Dr. Claire Dubois, Orthopaedics',
      text: 'End-stage medial osteoarthritis of the right knee. Physiotherapy and injection gave short relief only. I have offered a total knee replacement.',
      identities: [identity('M. Jean-Luc Martin', born, 'Letter header')],
    }),
  ];
  return {
    name: 'orthopaedics: end-stage knee osteoarthritis, replacement proposed',
    expectedCategory: 'orthopaedics',
    input: {
      today: corpusToday,
      patient: { givenName: 'Jean-Luc', familyName: 'Martin', birthDate: born },
      case: {
        category: null,
        diagnosisCode: 'M17.11',
        diagnosisText: 'Osteoarthritis of the right knee',
        diagnosisDate: '2025-03-01',
        proposedTreatment: 'Total right knee replacement.',
        medications: [
          { name: 'Naproxen 500 mg twice daily' },
          { name: 'Omeprazole', dose: '20 mg', frequency: 'once daily' },
        ],
        allergies: [{ substance: 'Sulfa drugs', reaction: 'Hives', severity: 'moderate' }],
      },
      documents,
      clinical: [],
    },
  };
}

function generalMedicineCase(): SoundCase {
  const born = '1975-06-21';
  const documents = [
    buildDocument({
      id: 'gen-labs-2024',
      kind: 'lab_results',
      date: '2024-05-10',
      source: 'Lakeside Family Practice',
      text: 'Fasting glucose 9.8 mmol/L. HbA1c 8.1%.',
      identities: [identity('Amara Okafor', born, 'PDF header')],
    }),
    buildDocument({
      id: 'gen-letter-2024',
      kind: 'clinic_letter',
      date: '2024-11-20',
      source: 'Dr. Peter Hughes, Family Medicine',
      text: 'Type 2 diabetes diagnosed in May. Metformin started and increased to 1000 mg twice daily.',
      identities: [identity('OKAFOR, AMARA', born, 'Letter header')],
    }),
    buildDocument({
      id: 'gen-labs-2025',
      kind: 'lab_results',
      date: '2025-06-02',
      source: 'Lakeside Family Practice',
      text: 'HbA1c 7.4%. Urine albumin to creatinine ratio 2.1 mg/mmol. eGFR 92.',
      identities: [identity('Amara N. Okafor', born, 'PDF header')],
    }),
    buildDocument({
      id: 'gen-discharge',
      kind: 'discharge_summary',
      date: '2025-12-01',
      source: 'Lakeside General Hospital',
      text: 'Admitted with community-acquired pneumonia, treated with doxycycline, discharged well after two days. Diabetes control reviewed.',
      identities: [identity('Okafor Amara', born, 'PDF header')],
    }),
    buildDocument({
      id: 'gen-labs-2026-06',
      kind: 'lab_results',
      date: '2026-06-15',
      source: 'Lakeside Family Practice',
      text: 'HbA1c 7.9%. LDL cholesterol 2.4 mmol/L.',
      identities: [identity('Amara Okafor', born, 'PDF header')],
    }),
    buildDocument({
      id: 'gen-letter-2026',
      kind: 'clinic_letter',
      date: '2026-09-01',
      source: 'Dr. Peter Hughes, Family Medicine',
      text: 'Glycaemic control has worsened on metformin alone. I suggest adding weekly semaglutide. Ms Okafor would like a second opinion on the options.',
      identities: [identity('Ms Amara Okafor', born, 'Letter header')],
    }),
    buildDocument({
      id: 'gen-labs-2026-10',
      kind: 'lab_results',
      date: '2026-10-20',
      source: 'Lakeside Family Practice',
      text: 'HbA1c 8.0%. eGFR 88. Potassium 4.5 mmol/L.',
      identities: [identity('AMARA OKAFOR', born, 'PDF header')],
    }),
    buildDocument({
      id: 'gen-fhir',
      kind: 'other',
      format: 'fhir_json',
      date: '2026-10-21',
      source: 'Lakeside Family Practice',
      identities: [identity('Amara Okafor', born, 'FHIR Patient')],
    }),
  ];
  return {
    name: 'general medicine: type 2 diabetes, treatment intensification',
    expectedCategory: 'general_medicine',
    input: {
      today: corpusToday,
      patient: { givenName: 'Amara', familyName: 'Okafor', birthDate: born },
      case: {
        category: null,
        diagnosisCode: 'E11.9',
        diagnosisText: 'Type 2 diabetes',
        diagnosisDate: '2024-05-10',
        proposedTreatment: 'Add semaglutide 0.25 mg once weekly, increasing to 1 mg.',
        medications: [
          { name: 'Metformin', dose: '1000 mg', frequency: 'twice daily' },
          { name: 'Lisinopril', dose: '20 mg', frequency: 'once daily' },
          { name: 'Atorvastatin', dose: '20 mg', frequency: 'at night' },
        ],
        allergies: [{ substance: 'Latex', reaction: 'Itching', severity: 'mild' }],
      },
      documents,
      clinical: [
        buildCondition({
          id: 'gen-c1',
          sourceDocumentId: 'gen-fhir',
          date: '2024-05-10',
          display: 'Diabetes mellitus type 2',
          icd10cm: 'E11.9',
        }),
        buildMedication({
          id: 'gen-m1',
          sourceDocumentId: 'gen-fhir',
          display: '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet',
          ingredients: ['metformin'],
          dose: '1000 mg',
          frequency: 'twice daily',
          start: '2024-05-12',
        }),
        buildMedication({
          id: 'gen-m2',
          sourceDocumentId: 'gen-fhir',
          display: 'lisinopril 20 MG Oral Tablet',
          ingredients: ['lisinopril'],
          dose: '20 mg',
          frequency: 'once daily',
          start: '2025-06-10',
        }),
        buildMedication({
          id: 'gen-m3',
          sourceDocumentId: 'gen-fhir',
          display: 'Doxycycline 100 MG Oral Capsule',
          ingredients: ['doxycycline'],
          status: 'completed',
          dose: '100 mg',
          frequency: 'twice daily',
          start: '2025-11-29',
          end: '2025-12-06',
        }),
        buildAllergy({
          id: 'gen-a1',
          sourceDocumentId: 'gen-fhir',
          display: 'Latex',
          category: 'environment',
          reactions: ['Itching'],
        }),
        buildLabObservation({
          id: 'gen-o1',
          sourceDocumentId: 'gen-fhir',
          date: '2026-10-20',
          display: 'Hemoglobin A1c/Hemoglobin.total in Blood',
          value: '8.0',
          unit: '%',
        }),
      ],
    },
  };
}

/** The sound cases, one per category; fresh objects on every call, so injectors may change them. */
export function soundCases(): SoundCase[] {
  return [
    oncologyCase(),
    cardiologyCase(),
    neurologyCase(),
    orthopaedicsCase(),
    generalMedicineCase(),
  ];
}
