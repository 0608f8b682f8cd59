/**
 * Code/text agreement: plain and abbreviated wording passes against the right code's titles;
 * another disease, another site, another type or side fails.
 */
import { describe, expect, it } from 'vitest';
import { compareDiagnosisWording } from './diagnosis-wording.ts';

interface Code {
  title: string;
  context: string[];
}

const codes: Record<string, Code> = {
  'E11.9': {
    title: 'Type 2 diabetes mellitus without complications',
    context: ['Type 2 diabetes mellitus', 'Diabetes mellitus'],
  },
  'C50.411': {
    title: 'Malignant neoplasm of upper-outer quadrant of right female breast',
    context: ['Malignant neoplasm of breast', 'Malignant neoplasms of breast'],
  },
  'C34.90': {
    title: 'Malignant neoplasm of unspecified part of unspecified bronchus or lung',
    context: [
      'Malignant neoplasm of bronchus and lung',
      'Malignant neoplasms of respiratory and intrathoracic organs',
    ],
  },
  'I21.9': {
    title: 'Acute myocardial infarction, unspecified',
    context: ['Acute myocardial infarction', 'Ischemic heart diseases'],
  },
  'I25.10': {
    title: 'Atherosclerotic heart disease of native coronary artery without angina pectoris',
    context: ['Chronic ischemic heart disease', 'Ischemic heart diseases'],
  },
  I25: {
    title: 'Chronic ischemic heart disease',
    context: ['Chronic ischemic heart disease', 'Ischemic heart diseases'],
  },
  'M17.11': {
    title: 'Unilateral primary osteoarthritis, right knee',
    context: ['Osteoarthritis of knee', 'Osteoarthritis'],
  },
  'G40.909': {
    title: 'Epilepsy, unspecified, not intractable, without status epilepticus',
    context: ['Epilepsy and recurrent seizures', 'Episodic and paroxysmal disorders'],
  },
  'N18.30': {
    title: 'Chronic kidney disease, stage 3 unspecified',
    context: ['Chronic kidney disease (CKD)', 'Acute kidney failure and chronic kidney disease'],
  },
  'C18.9': {
    title: 'Malignant neoplasm of colon, unspecified',
    context: ['Malignant neoplasm of colon', 'Malignant neoplasms of digestive organs'],
  },
  'J85.1': {
    title: 'Abscess of lung with pneumonia',
    context: [
      'Abscess of lung and mediastinum',
      'Suppurative and necrotic conditions of the lower respiratory tract',
    ],
  },
  I10: {
    title: 'Essential (primary) hypertension',
    context: ['Essential (primary) hypertension', 'Hypertensive diseases'],
  },
  'I50.9': {
    title: 'Heart failure, unspecified',
    context: ['Heart failure', 'Other forms of heart disease'],
  },
};

const compare = (text: string, code: string) => {
  const entry = codes[code]!;
  return compareDiagnosisWording(text, entry.title, entry.context);
};

const agreeing: [string, string][] = [
  ['type 2 diabetes', 'E11.9'],
  ['Type II diabetes', 'E11.9'],
  ['T2DM', 'E11.9'],
  ['Diabetes', 'E11.9'],
  ['sugar diabetes', 'E11.9'],
  ['Right breast cancer', 'C50.411'],
  ['Breast cancer', 'C50.411'],
  ['Invasive ductal carcinoma of the breast', 'C50.411'],
  ['Metastatic breast cancer, stage 4', 'C50.411'],
  ['Lung cancer', 'C34.90'],
  ['NSCLC', 'C34.90'],
  ['Non-small cell lung cancer', 'C34.90'],
  ['Heart attack', 'I21.9'],
  ['acute MI', 'I21.9'],
  ['Coronary artery disease', 'I25.10'],
  ['CAD', 'I25.10'],
  ['Coronary artery disease', 'I25'],
  ['Osteoarthritis of the right knee', 'M17.11'],
  ['Right knee arthritis', 'M17.11'],
  ['Epilepsy', 'G40.909'],
  ['Seizures', 'G40.909'],
  ['CKD stage 3a', 'N18.30'],
  ['Bowel cancer', 'C18.9'],
  ['High blood pressure', 'I10'],
  ['HTN', 'I10'],
  ['Congestive heart failure', 'I50.9'],
];

const conflicting: [string, string][] = [
  ['breast cancer', 'E11.9'],
  ['Type 1 diabetes', 'E11.9'],
  ['Lung cancer', 'C50.411'],
  ['Left breast cancer', 'C50.411'],
  ['Chest pain', 'I21.9'],
  ['Left knee osteoarthritis', 'M17.11'],
  ['Migraine', 'G40.909'],
  ['Lung cancer', 'J85.1'],
  ['CKD stage 4', 'N18.30'],
  ['Epilepsy', 'I10'],
];

describe('compareDiagnosisWording', () => {
  it.each(agreeing)('"%s" agrees with %s', (text, code) => {
    expect(compare(text, code)).toMatchObject({ agrees: true, conflict: null });
  });

  it.each(conflicting)('"%s" does not agree with %s', (text, code) => {
    expect(compare(text, code).agrees).toBe(false);
  });

  it('names the conflict when one is found', () => {
    expect(compare('Type 1 diabetes', 'E11.9').conflict).toBe('type 1 vs type 2');
    expect(compare('Left breast cancer', 'C50.411').conflict).toBe('left vs right');
    expect(compare('Lung cancer', 'J85.1').conflict).toBe('cancer vs non-neoplasm');
    expect(compare('breast cancer', 'E11.9')).toMatchObject({
      conflict: 'cancer vs non-neoplasm',
      matched: [],
    });
  });

  it('reports the words it could not find', () => {
    expect(compare('Chest pain', 'I21.9')).toMatchObject({
      agrees: false,
      unmatched: ['chest', 'pain'],
      conflict: null,
    });
  });

  it('has nothing to disagree with in wording without content words', () => {
    expect(compare('unspecified disease', 'E11.9').agrees).toBe(true);
  });
});
