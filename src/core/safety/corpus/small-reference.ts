/**
 * A small hand-made reference bundle for the safety net's unit tests: a few ICD-10-CM codes in
 * the shipped files' format (including a retired code, a header that was billable once and codes
 * added in FY2026/FY2027), a section → specialty mapping, and medication files in the shipped
 * formats with a handful of drugs. Each test can then state exactly what the data says; the real
 * shipped files are exercised by the corpus test.
 */
import { parseSectionSpecialtyMap } from '../case-category.ts';
import { defaultChecklistSet } from '../checklists.ts';
import { parseIcd10CmAdditions } from '../icd-coding.ts';
import type { MedicationKnowledge } from '../medication-knowledge.ts';
import {
  parseMedicationKnowledge,
  type MedicationSourceFiles,
} from '../reference-medication-knowledge.ts';
import type { SafetyNetReference } from '../run-safety-net.ts';
import { parseIcd10CmCodeSet, type Icd10CmCodeSet } from '../../terminology/icd10cm.ts';

const tsv = (header: string, rows: string[][]) =>
  [header, ...rows.map((row) => row.join('\t'))].join('\n') + '\n';

/** A code set of a few dozen entries, in the format of terminology/icd10cm/. */
export function smallIcd10CmCodeSet(): Icd10CmCodeSet {
  return parseIcd10CmCodeSet({
    codes: tsv('code\tbillable\ttitle', [
      ['C50', '0', 'Malignant neoplasm of breast'],
      ['C504', '0', 'Malignant neoplasm of upper-outer quadrant of breast'],
      ['C5041', '0', 'Malignant neoplasm of upper-outer quadrant of breast, female'],
      ['C50411', '1', 'Malignant neoplasm of upper-outer quadrant of right female breast'],
      ['C50412', '1', 'Malignant neoplasm of upper-outer quadrant of left female breast'],
      ['C83', '0', 'Non-follicular lymphoma'],
      ['C833', '0', 'Diffuse large B-cell lymphoma'],
      ['C8330', '1', 'Diffuse large B-cell lymphoma, unspecified site'],
      ['E11', '0', 'Type 2 diabetes mellitus'],
      ['E119', '1', 'Type 2 diabetes mellitus without complications'],
      ['E1165', '1', 'Type 2 diabetes mellitus with hyperglycemia'],
      ['G40', '0', 'Epilepsy and recurrent seizures'],
      ['G409', '0', 'Epilepsy, unspecified'],
      ['G4090', '0', 'Epilepsy, unspecified, not intractable'],
      ['G40909', '1', 'Epilepsy, unspecified, not intractable, without status epilepticus'],
      ['I10', '1', 'Essential (primary) hypertension'],
      ['I25', '0', 'Chronic ischemic heart disease'],
      ['I251', '0', 'Atherosclerotic heart disease of native coronary artery'],
      [
        'I2510',
        '1',
        'Atherosclerotic heart disease of native coronary artery without angina pectoris',
      ],
      ['I42', '0', 'Cardiomyopathy'],
      ['I420', '0', 'Dilated cardiomyopathy'],
      ['I4200', '1', 'Dilated cardiomyopathy, unspecified'],
      ['I4209', '1', 'Other dilated cardiomyopathy'],
      ['J4B', '1', 'Pulmonary mycetoma'],
      ['K6A', '0', 'Other specified diseases of the peritoneum'],
      ['K6A1', '1', 'Peritoneal adhesions, new code'],
      ['M17', '0', 'Osteoarthritis of knee'],
      ['M171', '0', 'Unilateral primary osteoarthritis of knee'],
      ['M1711', '1', 'Unilateral primary osteoarthritis, right knee'],
      ['M1712', '1', 'Unilateral primary osteoarthritis, left knee'],
      ['S30', '0', 'Superficial injury of abdomen, lower back, pelvis and external genitals'],
      ['S3011XA', '1', 'Contusion of abdominal wall, initial encounter'],
      ['Z99', '0', 'Dependence on enabling machines and devices, not elsewhere classified'],
      ['Z992', '1', 'Dependence on renal dialysis'],
    ]),
    retired: tsv('code\tstatus\tlast_valid_fy\tinvalid_from_fy\ttitle', [
      ['I420', 'became_header', '2026', '2027', 'Dilated cardiomyopathy'],
      ['T528X1A', 'deleted', '2026', '2027', 'Toxic effect of other organic solvents, accidental'],
    ]),
    chapters: tsv('chapter\tfirst\tlast\trange\ttitle', [
      ['2', 'C00', 'D49', 'C00-D49', 'Neoplasms'],
      ['4', 'E00', 'E89', 'E00-E89', 'Endocrine, nutritional and metabolic diseases'],
      ['6', 'G00', 'G99', 'G00-G99', 'Diseases of the nervous system'],
      ['9', 'I00', 'I99', 'I00-I99', 'Diseases of the circulatory system'],
      ['10', 'J00', 'J99', 'J00-J99', 'Diseases of the respiratory system'],
      ['11', 'K00', 'K95', 'K00-K95', 'Diseases of the digestive system'],
      [
        '13',
        'M00',
        'M99',
        'M00-M99',
        'Diseases of the musculoskeletal system and connective tissue',
      ],
      [
        '19',
        'S00',
        'T88',
        'S00-T88',
        'Injury, poisoning and certain other consequences of external causes',
      ],
      [
        '21',
        'Z00',
        'Z99',
        'Z00-Z99',
        'Factors influencing health status and contact with health services',
      ],
    ]),
    blocks: tsv('range\tfirst\tlast\tchapter\ttitle', [
      ['C50', 'C50', 'C50', '2', 'Malignant neoplasms of breast'],
      [
        'C81-C96',
        'C81',
        'C96',
        '2',
        'Malignant neoplasms of lymphoid, hematopoietic and related tissue',
      ],
      ['E08-E13', 'E08', 'E13', '4', 'Diabetes mellitus'],
      ['G40-G47', 'G40', 'G47', '6', 'Episodic and paroxysmal disorders'],
      ['I10-I1A', 'I10', 'I1A', '9', 'Hypertensive diseases'],
      ['I20-I25', 'I20', 'I25', '9', 'Ischemic heart diseases'],
      ['I30-I5A', 'I30', 'I5A', '9', 'Other forms of heart disease'],
      ['J40-J4A', 'J40', 'J4A', '10', 'Chronic lower respiratory diseases'],
      ['K65-K6A', 'K65', 'K6A', '11', 'Diseases of peritoneum and retroperitoneum'],
      ['M15-M19', 'M15', 'M19', '13', 'Osteoarthritis'],
      [
        'S30-S39',
        'S30',
        'S39',
        '19',
        'Injuries to the abdomen, lower back, lumbar spine, pelvis and external genitals',
      ],
      [
        'Z77-Z99',
        'Z77',
        'Z99',
        '21',
        'Persons with potential health hazards related to family and personal history',
      ],
    ]),
    categories: tsv('category\tblock\tchapter\ttitle', [
      ['C50', 'C50', '2', 'Malignant neoplasm of breast'],
      ['C83', 'C81-C96', '2', 'Non-follicular lymphoma'],
      ['E11', 'E08-E13', '4', 'Type 2 diabetes mellitus'],
      ['G40', 'G40-G47', '6', 'Epilepsy and recurrent seizures'],
      ['I10', 'I10-I1A', '9', 'Essential (primary) hypertension'],
      ['I25', 'I20-I25', '9', 'Chronic ischemic heart disease'],
      ['I42', 'I30-I5A', '9', 'Cardiomyopathy'],
      ['J4B', 'J40-J4A', '10', 'Pulmonary mycetoma'],
      ['K6A', 'K65-K6A', '11', 'Other specified diseases of the peritoneum'],
      ['M17', 'M15-M19', '13', 'Osteoarthritis of knee'],
      [
        'S30',
        'S30-S39',
        '19',
        'Superficial injury of abdomen, lower back, pelvis and external genitals',
      ],
      [
        'Z99',
        'Z77-Z99',
        '21',
        'Dependence on enabling machines and devices, not elsewhere classified',
      ],
    ]),
  });
}

/** The section → specialty mapping for the small code set, in the shipped file's format. */
export const smallSectionSpecialtyJson = JSON.stringify({
  chapterDefaults: {
    '2': ['oncology'],
    '4': ['endocrinology'],
    '6': ['neurology'],
    '9': ['cardiology'],
    '10': ['pulmonology'],
    '11': ['gastroenterology'],
    '13': ['rheumatology', 'orthopedics'],
    '19': ['emergency-medicine', 'orthopedics'],
    '21': ['primary-care'],
  },
  sections: [
    { section: 'C50', chapter: 2, specialties: ['oncology', 'breast-surgery'] },
    { section: 'C81-C96', chapter: 2, specialties: ['hematology', 'oncology'] },
    { section: 'E08-E13', chapter: 4, specialties: ['endocrinology'] },
    { section: 'G40-G47', chapter: 6, specialties: ['neurology'] },
    { section: 'I10-I1A', chapter: 9, specialties: ['cardiology', 'primary-care', 'nephrology'] },
    { section: 'I20-I25', chapter: 9, specialties: ['cardiology'] },
    { section: 'I30-I5A', chapter: 9, specialties: ['cardiology'] },
    { section: 'J40-J4A', chapter: 10, specialties: ['pulmonology'] },
    { section: 'M15-M19', chapter: 13, specialties: ['orthopedics', 'rheumatology'] },
    { section: 'S30-S39', chapter: 19, specialties: ['trauma-surgery'] },
    { section: 'Z77-Z99', chapter: 21, specialties: ['social-work'] },
  ],
});

/** Codes added after the base edition, in the format of terminology/safety/icd10cm-added.tsv. */
export const smallIcd10CmAddedTsv = tsv('code\tadded_fy', [
  ['J4B', '2027'],
  ['S3011XA', '2026'],
  ['K6A1', '2025'],
]);

/** Medication files in the shipped formats, with a handful of drugs. */
export const smallMedicationFiles: MedicationSourceFiles = {
  oncHighPriority: JSON.stringify({
    interactions: [
      {
        id: 'ONC-HP-08',
        object: { class: 'QT-prolonging agents', drugs: [] },
        precipitant: { class: 'QT-prolonging agents', drugs: [] },
        effect: 'Additive QT prolongation / torsades de pointes',
      },
      {
        id: 'ONC-HP-11',
        object: { class: 'Statins', drugs: ['simvastatin', 'lovastatin'] },
        precipitant: { class: 'CYP3A4 inhibitors', drugs: ['clarithromycin', 'itraconazole'] },
        effect: 'Myopathy / rhabdomyolysis',
      },
    ],
  }),
  ddiExtra: JSON.stringify({
    interactions: [
      {
        a: ['warfarin'],
        b: ['ibuprofen', 'naproxen', 'aspirin'],
        severity: 'major',
        effect: 'Bleeding risk',
      },
      {
        a: ['sildenafil'],
        b: ['nitroglycerin'],
        severity: 'contraindicated',
        effect: 'Severe hypotension',
      },
      {
        a: ['clopidogrel'],
        b: ['omeprazole'],
        severity: 'moderate',
        effect: 'Reduced clopidogrel activation',
      },
      {
        a: ['methotrexate'],
        b: ['trimethoprim'],
        severity: 'major',
        effect: 'Bone-marrow suppression',
      },
    ],
  }),
  qtProlonging: JSON.stringify({
    members: ['azithromycin', 'clarithromycin', 'ondansetron', 'citalopram'],
  }),
  allergyClasses: JSON.stringify({
    classes: {
      penicillins: {
        epc: 'Penicillin-class Antibacterial',
        members: ['amoxicillin', 'ampicillin', 'penicillin G', 'penicillin V'],
        crossReactivity: [
          { class: 'cephalosporins', risk: 'low (~1-2%)', action: 'warn' },
          { class: 'carbapenems', risk: 'very low (<1%)', action: 'info' },
        ],
      },
      cephalosporins: {
        epc: 'Cephalosporin Antibacterial',
        members: ['cephalexin', 'ceftazidime', 'ceftriaxone'],
        crossReactivity: [
          { class: 'penicillins', risk: 'low', action: 'info' },
          {
            class: 'monobactams',
            risk: 'aztreonam shares the ceftazidime side chain',
            action: 'warn-if-ceftazidime',
          },
        ],
      },
      carbapenems: { epc: 'Penem Antibacterial', members: ['meropenem'] },
      monobactams: { epc: 'Monobactam Antibacterial', members: ['aztreonam'] },
      'sulfonamide-antibacterials': {
        epc: 'Sulfonamide Antibacterial',
        members: ['sulfamethoxazole'],
      },
      nsaids: {
        epc: 'Nonsteroidal Anti-inflammatory Drug',
        members: ['aspirin', 'ibuprofen', 'naproxen', 'diclofenac'],
      },
      'opioids-phenanthrene': {
        epc: 'Opioid Agonist',
        members: ['codeine', 'morphine'],
        crossReactivity: [{ class: 'opioids-other', risk: 'lower', action: 'info' }],
      },
      'opioids-other': { epc: 'Opioid Agonist', members: ['fentanyl', 'tramadol'] },
      'ace-inhibitors': {
        epc: 'Angiotensin Converting Enzyme Inhibitor',
        members: ['lisinopril', 'ramipril'],
      },
      'aromatic-anticonvulsants': { epc: null, members: ['carbamazepine', 'lamotrigine'] },
      'iodinated-contrast': { epc: 'Radiographic Contrast Agent', members: ['iohexol'] },
    },
    codedTriggersSeenInSampleData: [
      {
        system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
        code: '7980',
        display: 'penicillin G',
        class: 'penicillins',
      },
      {
        system: 'http://snomed.info/sct',
        code: '764146007',
        display: 'Penicillin (substance)',
        class: 'penicillins',
      },
    ],
  }),
  ingredientSynonyms: JSON.stringify({
    ingredientSynonyms: {
      amoxycillin: 'amoxicillin',
      benzylpenicillin: 'penicillin g',
      'acetylsalicylic acid': 'aspirin',
    },
    combinations: { 'co trimoxazole': ['sulfamethoxazole', 'trimethoprim'] },
    classAliases: {
      penicillin: ['penicillins'],
      nsaids: ['nsaids'],
      sulfa: ['sulfonamide-antibacterials'],
      opioids: ['opioids-phenanthrene', 'opioids-other'],
      'contrast dye': ['iodinated-contrast'],
    },
    substanceClassAliases: { contrast: ['iodinated-contrast'] },
  }),
};

export function smallMedicationKnowledge(): MedicationKnowledge {
  return parseMedicationKnowledge(smallMedicationFiles);
}

/** The whole small bundle, with the default checklists. */
export function smallReference(): SafetyNetReference {
  return {
    icd10cm: smallIcd10CmCodeSet(),
    icd10cmAdditions: parseIcd10CmAdditions(smallIcd10CmAddedTsv),
    sectionSpecialties: parseSectionSpecialtyMap(smallSectionSpecialtyJson),
    checklists: defaultChecklistSet,
    medications: smallMedicationKnowledge(),
  };
}
