/**
 * The defect corpus on the shipped reference data (terminology/icd10cm, terminology/medication,
 * terminology/safety), read here as the server reads it: every sound case passes without a
 * blocker (and without any finding), every injected defect is found (recall 100%), and what the
 * patient reads is plain. Also checks the shipped files themselves: they parse, and the
 * vocabulary knows the drug spellings of real records.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readingLevel } from '../../readability.ts';
import { parseIcd10CmCodeSet } from '../../terminology/icd10cm.ts';
import { parseSectionSpecialtyMap } from '../case-category.ts';
import { defaultChecklistSet } from '../checklists.ts';
import { parseIcd10CmAdditions } from '../icd-coding.ts';
import { parseMedicationKnowledge } from '../reference-medication-knowledge.ts';
import { caseCategoryOf, runSafetyNet, type SafetyNetReference } from '../run-safety-net.ts';
import { measureCorpus, type CorpusMeasure } from './corpus-measure.ts';
import { defectInjectors, defectKinds } from './defect-injectors.ts';
import { soundCases } from './sound-cases.ts';

const shipped = (path: string) => new URL(`../../../../terminology/${path}`, import.meta.url);
const text = (path: string) => readFileSync(shipped(path), 'utf8');

function loadShippedReference(): SafetyNetReference {
  return {
    icd10cm: parseIcd10CmCodeSet({
      codes: gunzipSync(readFileSync(shipped('icd10cm/icd10cm-codes.tsv.gz'))).toString('utf8'),
      retired: text('icd10cm/icd10cm-retired.tsv'),
      chapters: text('icd10cm/icd10cm-chapters.tsv'),
      blocks: text('icd10cm/icd10cm-blocks.tsv'),
      categories: text('icd10cm/icd10cm-categories.tsv'),
    }),
    icd10cmAdditions: parseIcd10CmAdditions(text('safety/icd10cm-added.tsv')),
    sectionSpecialties: parseSectionSpecialtyMap(text('safety/icd10cm-section-specialty.json')),
    checklists: defaultChecklistSet,
    medications: parseMedicationKnowledge({
      oncHighPriority: text('medication/onc-high-priority-ddi.json'),
      ddiExtra: text('medication/ddi-extra.json'),
      qtProlonging: text('medication/qt-prolonging.json'),
      allergyClasses: text('medication/allergy-classes.json'),
      ingredientSynonyms: text('medication/ingredient-synonyms.json'),
    }),
  };
}

let reference: SafetyNetReference;
let measure: CorpusMeasure;

beforeAll(() => {
  reference = loadShippedReference();
  measure = measureCorpus(reference);
});

describe('sound cases', () => {
  it.each(soundCases().map((sound) => [sound.name, sound] as const))(
    '%s derives its category',
    (_, sound) => {
      expect(caseCategoryOf(sound.input, reference)).toBe(sound.expectedCategory);
    },
  );

  it('cover every category', () => {
    expect(new Set(soundCases().map((sound) => sound.expectedCategory)).size).toBe(5);
  });

  it.each(soundCases().map((sound) => [sound.name, sound] as const))(
    '%s raises no blocker, indeed no finding',
    (_, sound) => {
      const findings = runSafetyNet(sound.input, reference);
      expect(findings.filter((finding) => finding.severity === 'blocker')).toEqual([]);
      expect(findings.map((finding) => finding.fingerprint)).toEqual([]);
    },
  );
});

describe('injected defects', () => {
  const pairs = soundCases().flatMap((sound) =>
    defectInjectors.map((injector) => [injector.kind, sound.name, sound, injector] as const),
  );

  it.each(pairs)('%s in %s is found', (_, __, sound, injector) => {
    const injected = injector.inject(sound.input, reference);
    if (injected === null) {
      // Only injectors whose precondition the case lacks may decline.
      expect(['missing_report', 'stale_imaging']).toContain(injector.kind);
      expect(sound.expectedCategory).toBe('general_medicine');
      return;
    }
    const findings = runSafetyNet(injected.input, reference);
    expect(
      findings.filter(
        (finding) =>
          finding.rule === injected.expected.rule &&
          finding.fingerprint.includes(injected.expected.fingerprintContains),
      ),
    ).toHaveLength(1);
  });

  it('reaches recall 100% for every kind, each tried on at least four cases', () => {
    expect(measure.kinds.map((kind) => kind.kind)).toEqual([...defectKinds]);
    for (const kind of measure.kinds) {
      expect(kind.applicable, kind.kind).toBeGreaterThanOrEqual(4);
      expect(kind.recall, kind.kind).toBe(1);
    }
    expect(measure.overallRecall).toBe(1);
  });

  it('counts no false positive on the sound cases', () => {
    expect(Object.values(measure.falsePositives).every((count) => count === 0)).toBe(true);
    expect(measure.soundCases.every((sound) => sound.blockers === 0)).toBe(true);
  });
});

describe('patient messages', () => {
  it('read at grade 8 or below, leaving out quoted record content (titles, file names)', () => {
    const messages = new Set<string>();
    for (const sound of soundCases())
      for (const injector of defectInjectors) {
        const injected = injector.inject(sound.input, reference);
        if (injected === null) continue;
        for (const finding of runSafetyNet(injected.input, reference))
          messages.add(finding.patientMessage);
      }
    expect(messages.size).toBeGreaterThan(20);
    for (const message of messages) {
      const ownWords = message.replace(/"[^"]*"/g, 'it');
      expect(readingLevel(ownWords)?.grade ?? 0, message).toBeLessThanOrEqual(8);
    }
  });
});

describe('shipped reference data', () => {
  it('recognises drug spellings of real records (RxNorm displays, salts, combinations)', () => {
    const medications = reference.medications;
    const ingredients = (value: string) => medications.recognize(value, 'free_text').ingredients;
    expect(ingredients('Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet')).toEqual([
      'amoxicillin',
    ]);
    expect(ingredients('Penicillin V Potassium 500 MG Oral Tablet')).toEqual(['penicillin v']);
    expect(ingredients('Naproxen sodium 220 MG Oral Tablet')).toEqual(['naproxen']);
    expect(ingredients('Meperidine Hydrochloride 50 MG Oral Tablet')).toEqual(['meperidine']);
    expect(ingredients('Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray')).toEqual(['nitroglycerin']);
    expect(ingredients("St. John's Wort extract")).toEqual(["st. john's wort"]);
    expect(
      medications.recognize('Sulfamethoxazole / Trimethoprim', 'substance').ingredients,
    ).toEqual(['sulfamethoxazole', 'trimethoprim']);
  });

  it('holds the interactions of its sources', () => {
    const medications = reference.medications;
    expect(medications.interactions('simvastatin', 'verapamil').map((i) => i.id)).toEqual([
      'ONC-HP-11',
    ]);
    expect(medications.interactions('amiodarone', 'simvastatin').map((i) => i.id)).toEqual([
      'ONC-HP-11',
    ]);
    expect(medications.interactions('citalopram', 'ondansetron').map((i) => i.id)).toEqual([
      'ONC-HP-08',
    ]);
    expect(medications.interactions('sildenafil', 'isosorbide mononitrate')).toMatchObject([
      { severity: 'contraindicated' },
    ]);
    expect(medications.interactions('hydrochlorothiazide', 'naproxen')).toEqual([]);
  });

  it('maps every ICD-10-CM category to specialties, the FY2027 block by its chapter', () => {
    expect(reference.sectionSpecialties.sections.size).toBe(297);
    const categories = text('icd10cm/icd10cm-categories.tsv').trim().split('\n').slice(1);
    const unmapped = categories.filter(
      (row) => !reference.sectionSpecialties.sections.has(row.split('\t')[1]!),
    );
    expect([...new Set(unmapped.map((row) => row.split('\t')[1]))]).toEqual(['K65-K6A']);
    expect(
      caseCategoryOf(
        {
          ...soundCases()[0]!.input,
          case: { ...soundCases()[0]!.input.case, diagnosisCode: 'K6A.1' },
        },
        reference,
      ),
    ).toBe('general_medicine');
  });

  it('knows the first fiscal year of the codes added in FY2025 to FY2027', () => {
    expect(reference.icd10cmAdditions.size).toBe(1143);
    expect(reference.icd10cmAdditions.get('J4B')).toBe(2027);
    expect(reference.icd10cmAdditions.get('S3011XA')).toBe(2026);
    for (const code of reference.icd10cmAdditions.keys())
      expect(reference.icd10cm.lookup(code), code).toBeDefined();
  });
});
