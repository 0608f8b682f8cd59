/**
 * The shipped medication knowledge's logic on small files in the shipped formats: recognising
 * drugs in free text, interactions in both directions, allergy relations with cross-reactivity,
 * therapeutic classes, and refusing malformed data. (The real files: corpus.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { smallMedicationFiles, smallMedicationKnowledge } from './corpus/small-reference.ts';
import { parseMedicationKnowledge } from './reference-medication-knowledge.ts';

const knowledge = smallMedicationKnowledge();
const recognize = (text: string) => knowledge.recognize(text, 'free_text');
const substance = (text: string) => knowledge.recognize(text, 'substance');

describe('recognize', () => {
  it.each([
    ['Amoxicillin 500 mg', ['amoxicillin']],
    ['amoxicillin/clavulanate', ['amoxicillin']],
    ['Amoxicillin 250 MG Oral Capsule', ['amoxicillin']],
    ['AMOXYCILLIN 500MG CAPS', ['amoxicillin']],
    ['Penicillin V Potassium 250 MG Oral Tablet', ['penicillin v']],
    ['Benzylpenicillin 1.2 g IV', ['penicillin g']],
    ['Naproxen sodium 220 MG Oral Tablet', ['naproxen']],
    ['co-trimoxazole 960 mg', ['sulfamethoxazole', 'trimethoprim']],
    ['Acetylsalicylic acid 100 mg', ['aspirin']],
    ['Warfarin 5 mg and aspirin 81 mg daily', ['aspirin', 'warfarin']],
    ['Semaglutide 0.25 mg weekly', []],
  ])('finds the ingredients of "%s"', (text, ingredients) => {
    expect(recognize(text).ingredients).toEqual(ingredients);
  });

  it('finds drug classes named as such', () => {
    expect(substance('Penicillin')).toEqual({ ingredients: [], classes: ['penicillins'] });
    expect(substance('NSAIDs')).toEqual({ ingredients: [], classes: ['nsaids'] });
    expect(substance('opioids').classes).toEqual(['opioids-other', 'opioids-phenanthrene']);
    expect(substance('Penicillins').classes).toEqual(['penicillins']);
  });

  it('reads a bare "contrast" as contrast dye only in an allergy entry', () => {
    expect(substance('Contrast').classes).toEqual(['iodinated-contrast']);
    expect(recognize('In contrast, surgery is preferred').classes).toEqual([]);
    expect(recognize('CT with contrast dye').classes).toEqual(['iodinated-contrast']);
  });

  it('ignores drugs mentioned after a negating word in free text', () => {
    expect(recognize('Stop simvastatin and start clarithromycin').ingredients).toEqual([
      'clarithromycin',
    ]);
    expect(recognize('No aspirin; avoid ibuprofen').ingredients).toEqual([]);
    expect(recognize('Allergic to penicillin, so give cephalexin').ingredients).toEqual([
      'cephalexin',
    ]);
    expect(recognize('Switch from warfarin to apixaban').ingredients).toEqual([]);
    expect(substance('No aspirin').ingredients).toEqual(['aspirin']);
  });

  it('is case- and accent-insensitive and ignores punctuation (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'amoxicillin',
          'warfarin',
          'clarithromycin',
          'penicillin V',
          'co-trimoxazole',
        ),
        fc.constantFrom('', ' 500 mg', ' (oral)', '/other', ', tablets'),
        (name, suffix) => {
          const plain = recognize(`${name}${suffix}`);
          expect(recognize(`${name.toUpperCase()}${suffix}`)).toEqual(plain);
          expect(recognize(`  ${name}${suffix}.`)).toEqual(plain);
          expect(plain.ingredients.length).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('reads coded allergy triggers', () => {
    expect(
      knowledge.recognizeCoding({
        system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
        code: '7980',
      }),
    ).toEqual({ ingredients: [], classes: ['penicillins'] });
    expect(
      knowledge.recognizeCoding({
        system: 'http://snomed.info/sct',
        code: '1',
        display: 'Aspirin',
      }),
    ).toEqual({
      ingredients: ['aspirin'],
      classes: [],
    });
  });
});

describe('interactions', () => {
  it('pairs object and precipitant drugs in either order', () => {
    expect(knowledge.interactions('simvastatin', 'clarithromycin').map((i) => i.id)).toEqual([
      'ONC-HP-11',
    ]);
    expect(knowledge.interactions('clarithromycin', 'simvastatin').map((i) => i.id)).toEqual([
      'ONC-HP-11',
    ]);
    expect(knowledge.interactions('simvastatin', 'lovastatin')).toEqual([]);
  });

  it('pairs any two different QT-prolonging drugs, and lists every interaction of a pair', () => {
    expect(knowledge.interactions('azithromycin', 'ondansetron')).toMatchObject([
      { id: 'ONC-HP-08', severity: 'high' },
    ]);
    expect(knowledge.interactions('ondansetron', 'ondansetron')).toEqual([]);
    expect(knowledge.interactions('clarithromycin', 'citalopram').map((i) => i.id)).toEqual([
      'ONC-HP-08',
    ]);
  });

  it('grades the extra list by its own severities', () => {
    expect(knowledge.interactions('nitroglycerin', 'sildenafil')).toMatchObject([
      { severity: 'contraindicated' },
    ]);
    expect(knowledge.interactions('warfarin', 'ibuprofen')).toMatchObject([
      { severity: 'major', effect: 'Bleeding risk' },
    ]);
    expect(knowledge.interactions('omeprazole', 'clopidogrel')).toMatchObject([
      { severity: 'moderate' },
    ]);
  });
});

describe('allergyRelation', () => {
  it('avoids the same ingredient and the same class', () => {
    expect(
      knowledge.allergyRelation(substance('amoxicillin'), recognize('Amoxicillin 500 mg')),
    ).toMatchObject({
      kind: 'same_ingredient',
      level: 'avoid',
    });
    expect(
      knowledge.allergyRelation(substance('Penicillin'), recognize('Amoxicillin 500 mg')),
    ).toMatchObject({
      kind: 'same_class',
      level: 'avoid',
      shared: 'penicillins',
    });
    expect(knowledge.allergyRelation(substance('aspirin'), recognize('ibuprofen'))).toMatchObject({
      kind: 'same_class',
      shared: 'nsaids',
    });
  });

  it('is cautious about one ingredient of a product of several', () => {
    expect(
      knowledge.allergyRelation(substance('co-trimoxazole'), recognize('trimethoprim 200 mg')),
    ).toMatchObject({
      kind: 'same_ingredient',
      level: 'caution',
    });
  });

  it('follows the cross-reactivity the data lists, at its action', () => {
    expect(
      knowledge.allergyRelation(substance('penicillin'), recognize('cephalexin')),
    ).toMatchObject({
      kind: 'cross_reactive',
      level: 'caution',
      relatedClass: 'cephalosporins',
      note: 'low (~1-2%)',
    });
    expect(
      knowledge.allergyRelation(substance('penicillin'), recognize('meropenem')),
    ).toMatchObject({ level: 'note' });
    expect(knowledge.allergyRelation(substance('codeine'), recognize('tramadol'))).toMatchObject({
      level: 'note',
    });
  });

  it('applies a conditional cross-reaction only when the allergy names that drug', () => {
    expect(
      knowledge.allergyRelation(substance('ceftazidime'), recognize('aztreonam')),
    ).toMatchObject({ level: 'caution' });
    expect(knowledge.allergyRelation(substance('ceftriaxone'), recognize('aztreonam'))).toBeNull();
  });

  it('finds nothing between unrelated drugs', () => {
    expect(knowledge.allergyRelation(substance('sulfa'), recognize('furosemide'))).toBeNull();
    expect(knowledge.allergyRelation(substance('penicillin'), recognize('lisinopril'))).toBeNull();
  });
});

describe('therapeuticClasses', () => {
  it('groups by Established Pharmacologic Class and leaves out allergy-only groups', () => {
    expect(knowledge.therapeuticClasses('codeine')).toEqual([
      { id: 'Opioid Agonist', name: 'Opioid Agonist' },
    ]);
    expect(knowledge.therapeuticClasses('fentanyl')).toEqual(
      knowledge.therapeuticClasses('morphine'),
    );
    expect(knowledge.therapeuticClasses('lamotrigine')).toEqual([]);
    expect(knowledge.therapeuticClasses('semaglutide')).toEqual([]);
  });
});

describe('parseMedicationKnowledge', () => {
  it('refuses malformed files and references to unknown names', () => {
    expect(() =>
      parseMedicationKnowledge({ ...smallMedicationFiles, qtProlonging: '{"members": []}' }),
    ).toThrow();
    expect(() =>
      parseMedicationKnowledge({
        ...smallMedicationFiles,
        ddiExtra: '{"interactions": [{"a": ["x"]}]}',
      }),
    ).toThrow();
    const synonyms = JSON.parse(smallMedicationFiles.ingredientSynonyms) as Record<
      string,
      Record<string, unknown>
    >;
    synonyms.ingredientSynonyms!.paracetamol = 'acetaminophen';
    expect(() =>
      parseMedicationKnowledge({
        ...smallMedicationFiles,
        ingredientSynonyms: JSON.stringify(synonyms),
      }),
    ).toThrow(/acetaminophen is not an ingredient/);
    const aliases = JSON.parse(smallMedicationFiles.ingredientSynonyms) as Record<
      string,
      Record<string, unknown>
    >;
    aliases.classAliases!.statins = ['statins'];
    expect(() =>
      parseMedicationKnowledge({
        ...smallMedicationFiles,
        ingredientSynonyms: JSON.stringify(aliases),
      }),
    ).toThrow(/unknown class statins/);
  });
});
