/**
 * One way to compare free text across the safety net: names on documents, drug names, diagnosis
 * wording. Folding removes what does not change meaning for matching — letter case, diacritics
 * (Unicode canonical decomposition, then combining marks dropped: `José` → `jose`), punctuation
 * and spacing — and splits the rest into words of letters and digits.
 */

/** Lower-case text without diacritics; `ß` becomes `ss` and `æ`/`œ`/`ø` their plain letters. */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replaceAll('ß', 'ss')
    .replaceAll('æ', 'ae')
    .replaceAll('œ', 'oe')
    .replaceAll('ø', 'o')
    .replaceAll('ł', 'l')
    .replaceAll('đ', 'd');
}

/** The folded words of a text: runs of letters and digits; everything else separates. */
export function foldedWords(text: string): string[] {
  return foldText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}

/** The folded words joined by single spaces: a phrase key (`St. John's Wort` → `st john s wort`). */
export function phraseKey(text: string): string {
  return foldedWords(text).join(' ');
}
