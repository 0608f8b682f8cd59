/** Folding free text for matching: case, diacritics and punctuation do not count. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldText, foldedWords, phraseKey } from './text-folding.ts';

describe('text folding', () => {
  it('drops case and diacritics', () => {
    expect(foldText('José MÜLLER Çelik Łukasz Straße')).toBe('jose muller celik lukasz strasse');
  });

  it('splits on anything but letters and digits', () => {
    expect(foldedWords("O'Brien-Smith,  Anne-Marie (Dr.)")).toEqual([
      'o',
      'brien',
      'smith',
      'anne',
      'marie',
      'dr',
    ]);
    expect(phraseKey("St. John's Wort")).toBe('st john s wort');
    expect(phraseKey('Amoxicillin/Clavulanate 500 MG')).toBe('amoxicillin clavulanate 500 mg');
    expect(phraseKey('  ')).toBe('');
  });

  it('is idempotent and ignores letter case', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        expect(phraseKey(phraseKey(text))).toBe(phraseKey(text));
        expect(phraseKey(text.toUpperCase())).toBe(phraseKey(text.toLowerCase()));
      }),
    );
  });
});
