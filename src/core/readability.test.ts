/**
 * Reading level of the plain-language summary: Flesch–Kincaid grade, sentence and word counting,
 * the syllable estimator, and the invariants of the formula.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  countSyllables,
  isAboveTarget,
  readingGradeTarget,
  readingLevel,
  splitSentences,
  tokenizeWords,
} from './readability.ts';

const plainSummary = `You have a small lump in your breast. It is a kind of cancer that grows slowly.
We agree with the plan your doctor gave you. You will have surgery first. After that, you may need
other care to keep the cancer from coming back. Ask us if you have any questions.`;

const denseParagraph = `Histopathological examination demonstrated an invasive ductal carcinoma with
lymphovascular invasion; the multidisciplinary tumour board recommended neoadjuvant chemotherapy
followed by breast-conserving surgery and adjuvant radiotherapy, contingent upon radiological
response evaluation. Immunohistochemical characterisation confirmed oestrogen-receptor positivity.`;

describe('readingLevel', () => {
  it('matches the textbook Flesch–Kincaid example', () => {
    // 13 words, 26 syllables, one sentence: 0.39 × 13 + 11.8 × 2 − 15.59 = 13.08.
    const level = readingLevel(
      'The Australian platypus is seemingly a hybrid of a mammal and reptilian creature.',
    );
    expect(level).toEqual({ grade: 13.1, words: 13, sentences: 1, syllables: 26 });
  });

  it('never goes below grade 0', () => {
    // 6 words, 6 syllables: 0.39 × 6 + 11.8 − 15.59 = −1.45, clamped.
    expect(readingLevel('The cat sat on the mat.')).toEqual({
      grade: 0,
      words: 6,
      sentences: 1,
      syllables: 6,
    });
  });

  it('rates a plain summary at or below the target and dense clinical prose far above it', () => {
    const plain = readingLevel(plainSummary)!;
    const dense = readingLevel(denseParagraph)!;
    expect(plain.grade).toBeLessThan(readingGradeTarget);
    expect(isAboveTarget(plain.grade)).toBe(false);
    expect(dense.grade).toBeGreaterThan(12);
    expect(isAboveTarget(dense.grade)).toBe(true);
  });

  it('rounds to one decimal', () => {
    const level = readingLevel(denseParagraph)!;
    expect(Math.round(level.grade * 10) / 10).toBe(level.grade);
  });

  it('has no level for text without words', () => {
    expect(readingLevel('')).toBeNull();
    expect(readingLevel('   \n\n  ')).toBeNull();
    expect(readingLevel('… — !? -')).toBeNull();
  });
});

describe('isAboveTarget', () => {
  it('warns only above grade 8', () => {
    expect(readingGradeTarget).toBe(8);
    expect(isAboveTarget(8)).toBe(false);
    expect(isAboveTarget(8.1)).toBe(true);
    expect(isAboveTarget(6, 5)).toBe(true);
  });
});

describe('splitSentences', () => {
  it.each([
    ['Take it daily. Call us if it hurts!', ['Take it daily.', 'Call us if it hurts!']],
    ['Is it safe? Yes.', ['Is it safe?', 'Yes.']],
    ['Dr. Smith will see you. Bring your scans.', ['Dr. Smith will see you.', 'Bring your scans.']],
    [
      'Eat soft food, e.g. soup or rice. Avoid alcohol, i.e. beer and wine.',
      ['Eat soft food, e.g. soup or rice.', 'Avoid alcohol, i.e. beer and wine.'],
    ],
    ['Take 2.5 mg at night. Then 0.5 mg.', ['Take 2.5 mg at night.', 'Then 0.5 mg.']],
    ['See No. 5 in the list. It is short.', ['See No. 5 in the list.', 'It is short.']],
    ['He said "stop." Then he left.', ['He said "stop."', 'Then he left.']],
    ['Wait for the results... then call.', ['Wait for the results... then call.']],
  ])('splits %j', (text, expected) => {
    expect(splitSentences(text)).toEqual(expected);
  });

  it('counts list items and headings without full stops as sentences', () => {
    const text =
      'What to do next\n- Take the pills with food\n- Rest at home\n2) Drink water\n\nCall us';
    expect(splitSentences(text)).toEqual([
      'What to do next',
      'Take the pills with food',
      'Rest at home',
      'Drink water',
      'Call us',
    ]);
  });

  it('joins a line that goes on in lower case or after an abbreviation', () => {
    expect(splitSentences('You will see\nthe surgeon, Dr.\nLopez, next week.')).toEqual([
      'You will see the surgeon, Dr. Lopez, next week.',
    ]);
  });
});

describe('tokenizeWords', () => {
  it('keeps numbers, hyphenated words and contractions whole', () => {
    expect(tokenizeWords('Take 2.5 mg (1,000 units) at follow-up; don’t skip it.')).toEqual([
      'Take',
      '2.5',
      'mg',
      '1,000',
      'units',
      'at',
      'follow-up',
      'don’t',
      'skip',
      'it',
    ]);
  });

  it('reads accented letters as part of the word', () => {
    expect(tokenizeWords('Tu diagnóstico está confirmado.')).toEqual([
      'Tu',
      'diagnóstico',
      'está',
      'confirmado',
    ]);
  });
});

describe('countSyllables', () => {
  it.each([
    ['the', 1],
    ['cat', 1],
    ['make', 1],
    ['makes', 1],
    ['table', 2],
    ['little', 2],
    ['tables', 2],
    ['handled', 2],
    ['boxes', 2],
    ['changes', 2],
    ['places', 2],
    ['walked', 1],
    ['called', 1],
    ['wanted', 2],
    ['needed', 2],
    ['advised', 2],
    ['likely', 2],
    ['movement', 2],
    ['people', 2],
    ['doing', 2],
    ['young', 1],
    ['yellow', 2],
    ['surgeon', 2],
    ['treatment', 2],
    ['biopsy', 3],
    ['actual', 3],
    ['video', 3],
    ['area', 3],
    ['diagnosis', 4],
    ['pneumonia', 4],
    ['oncology', 4],
    ['hypertension', 4],
    ['medication', 4],
    ['evaluate', 4],
    ['chemotherapy', 5],
    ['recommendation', 5],
    ['cardiovascular', 6],
    ['follow-up', 3],
    ['mg', 1],
    ['2.5', 3],
    ['12', 2],
  ])('%s has %i', (word, syllables) => {
    expect(countSyllables(word)).toBe(syllables);
  });
});

/** Text made of real words with sentence punctuation, spaces and line breaks between them. */
const vocabulary = [
  'the',
  'you',
  'cancer',
  'doctor',
  'treatment',
  'Dr.',
  'e.g.',
  '2.5',
  'follow-up',
  'recommendation',
  'cardiovascular',
  'rest',
];
const proseArbitrary = fc
  .array(
    fc.tuple(
      fc.constantFrom(...vocabulary),
      fc.constantFrom(' ', ' ', ' ', '. ', '? ', '\n', '\n\n', '\n- ', ', '),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.map(([word, separator]) => word + separator).join(''));

describe('readingLevel properties', () => {
  it('is finite and never negative, with every sentence holding a word', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), proseArbitrary), (text) => {
        const level = readingLevel(text);
        if (level === null) return;
        expect(Number.isFinite(level.grade)).toBe(true);
        expect(level.grade).toBeGreaterThanOrEqual(0);
        expect(level.sentences).toBeGreaterThanOrEqual(1);
        expect(level.sentences).toBeLessThanOrEqual(level.words);
        expect(level.syllables).toBeGreaterThanOrEqual(level.words);
      }),
      { numRuns: 300 },
    );
  });

  it('does not change when the text is repeated as a new paragraph', () => {
    fc.assert(
      fc.property(proseArbitrary, (text) => {
        expect(readingLevel(`${text}\n\n${text}`)?.grade).toBe(readingLevel(text)?.grade);
      }),
      { numRuns: 200 },
    );
  });

  it('never falls when a sentence longer and wordier than the average is added', () => {
    const longest = vocabulary.reduce((a, b) => (countSyllables(a) >= countSyllables(b) ? a : b));
    fc.assert(
      fc.property(proseArbitrary, (text) => {
        const before = readingLevel(text);
        if (before === null) return;
        const length = Math.ceil(before.words / before.sentences) + 1;
        const sentence = Array.from({ length }, () => longest).join(' ');
        const after = readingLevel(`${text}\n\n${sentence}.`)!;
        expect(after.grade).toBeGreaterThanOrEqual(before.grade);
      }),
      { numRuns: 200 },
    );
  });
});
