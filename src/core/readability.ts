/**
 * The reading level of the patient-facing plain-language summary (PRODUCT.md: the opinion speaks to
 * the patient in plain language). The editor shows the level while the specialist writes and warns
 * above the target; the same function runs on the server, so both agree on the number.
 *
 * The measure is the Flesch–Kincaid grade level (Kincaid et al. 1975, the formula of U.S. MIL-STD
 * and of most health-literacy guidance, which asks for grade 8 or lower for patient material):
 *
 *   grade = 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59
 *
 * It is defined for English. Sentences, words and syllables are estimated with plain rules (no
 * dictionary), which is how readability tools work and is good to about one syllable in ten words:
 * - Sentences end at `.`, `!`, `?` or `…` followed by a space, except after abbreviations such as
 *   "Dr." or "e.g." and before a lower-case word; a decimal point ("2.5 mg") never ends one. A blank
 *   line, a list item ("- take…", "1. take…") and a new line starting with a capital letter also
 *   end a sentence, so lists and headings written without full stops still count.
 * - Words are runs of letters and digits; a number ("2.5", "1,000") is one word and so is a
 *   hyphenated word ("follow-up").
 * - Syllables are vowel groups adjusted for a silent final "e", the "-le", "-ed" and "-es" endings
 *   and common split vowels ("di-ag-no-sis"); a digit is read as one syllable. Every word has at
 *   least one.
 *
 * Pure, no I/O and no platform API beyond the language itself: the browser editor imports it too.
 */

/** The highest grade the plain-language summary should need (health-literacy guidance: 8th grade). */
export const readingGradeTarget = 8;

export interface ReadingLevel {
  /** Flesch–Kincaid grade, rounded to one decimal and never below 0. */
  grade: number;
  words: number;
  sentences: number;
  syllables: number;
}

/**
 * The Flesch–Kincaid grade of `text` with the counts it rests on, or null when the text has no
 * words (an empty summary has no reading level).
 */
export function readingLevel(text: string): ReadingLevel | null {
  let words = 0;
  let syllables = 0;
  let sentences = 0;
  for (const sentence of splitSentences(text)) {
    const sentenceWords = tokenizeWords(sentence);
    if (sentenceWords.length === 0) continue;
    sentences += 1;
    words += sentenceWords.length;
    for (const word of sentenceWords) syllables += countSyllables(word);
  }
  if (words === 0) return null;
  const raw = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59;
  return { grade: Math.max(0, Math.round(raw * 10) / 10), words, sentences, syllables };
}

/** Whether a grade is above the target, i.e. the text should be made simpler. */
export function isAboveTarget(grade: number, target: number = readingGradeTarget): boolean {
  return grade > target;
}

/** Abbreviations whose full stop does not end a sentence (compared without dots, lower case). */
const nonTerminalAbbreviations = new Set([
  'dr',
  'mr',
  'mrs',
  'ms',
  'prof',
  'st',
  'sr',
  'jr',
  'vs',
  'eg',
  'ie',
  'cf',
  'approx',
  'incl',
  'dept',
]);

/** Abbreviations that do not end a sentence when a number follows ("No. 5", "Fig. 2"). */
const beforeNumberAbbreviations = new Set(['no', 'nos', 'fig', 'vol', 'p', 'pp', 'ca', 'approx']);

/** "-", "*", "•", "1.", "2)", "a)" at the start of a line, followed by a space. */
const listMarker = /^(?:[-*+•‣◦▪–—]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+/u;

/** Sentence-ending punctuation, any closing quotes or brackets, then a space or the end. */
const sentenceEnd = /([.!?…]+)(["'”’»)\]]*)(?=\s|$)/gu;

/** The last word before `index`, lower case, without dots or opening punctuation. */
function wordBefore(text: string, index: number): string {
  return (/\S*$/u.exec(text.slice(0, index))?.[0] ?? '')
    .replace(/^[^\p{L}\p{N}]+/u, '')
    .replaceAll('.', '')
    .toLowerCase();
}

/** Whether the line ends in an abbreviation such as "Dr." whose sentence goes on past the break. */
function endsInAbbreviation(line: string): boolean {
  return line.endsWith('.') && nonTerminalAbbreviations.has(wordBefore(line, line.length - 1));
}

/** Splits one run of prose (no line breaks) at its sentence ends. */
function splitProse(prose: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of prose.matchAll(sentenceEnd)) {
    const punctuation = match[1] ?? '';
    const end = match.index + match[0].length;
    const next = prose.slice(end).trimStart().charAt(0);
    const nextIsLowerCase = next !== '' && next !== next.toUpperCase();
    if (/^\.+$/u.test(punctuation)) {
      if (nextIsLowerCase) continue;
      if (punctuation === '.') {
        const word = wordBefore(prose, match.index);
        if (nonTerminalAbbreviations.has(word)) continue;
        if (/^\p{N}$/u.test(next) && beforeNumberAbbreviations.has(word)) continue;
      }
    }
    sentences.push(prose.slice(start, end));
    start = end;
  }
  sentences.push(prose.slice(start));
  return sentences;
}

/**
 * The sentences of `text`. Lines are joined into prose unless a blank line, a list item or a new
 * line starting with a capital letter or digit (a heading, an unpunctuated list) separates them.
 */
export function splitSentences(text: string): string[] {
  const blocks: string[] = [];
  let current = '';
  const flush = () => {
    if (current.trim() !== '') blocks.push(current.trim());
    current = '';
  };
  for (const rawLine of text.split(/\r\n|[\n\r\u2028\u2029]/u)) {
    const line = rawLine.trim();
    if (line === '') {
      flush();
      continue;
    }
    const marker = listMarker.exec(line);
    if (marker) {
      flush();
      current = line.slice(marker[0].length);
      continue;
    }
    const first = line.charAt(0);
    const continues = first !== first.toUpperCase() || endsInAbbreviation(current);
    if (current !== '' && continues) current += ` ${line}`;
    else {
      flush();
      current = line;
    }
  }
  flush();
  return blocks
    .flatMap(splitProse)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== '');
}

/**
 * Words: letters and digits, joined through hyphens and apostrophes ("follow-up", "don't") and,
 * between digits, through a decimal point or thousands separator ("2.5", "1,000").
 */
const wordPattern =
  /[\p{L}\p{M}\p{N}]+(?:(?:[-‐‑'’]|(?<=\p{N})[.,](?=\p{N}))[\p{L}\p{M}\p{N}]+)*/gu;

/** The words of `text`, in order. */
export function tokenizeWords(text: string): string[] {
  return text.match(wordPattern) ?? [];
}

/** Vowel pairs usually spoken as two syllables, and the contexts where they are not. */
const splitVowels: readonly RegExp[] = [
  // "di-ag-no-sis", "pneu-mo-ni-a"; not "spe-cial", "ini-tial", "phy-si-cian".
  /(?<![ct])ia/gu,
  // "bi-op-sy", "se-ri-ous"; not "na-tion", "vi-sion", "pre-cious", "re-li-gion".
  /(?<![tscgx])io/gu,
  // "vid-e-o", "spon-ta-ne-ous"; not "peo-ple", "sur-geon", "her-ba-ceous".
  /(?<![cg])eo(?!ple)/gu,
  // "ac-tu-al", "flu-o-ride"; not "qual-i-ty", "lan-guage".
  /(?<![qg])u[ao]/gu,
  // "so-di-um", "pre-mi-um".
  /iu/gu,
  // "do-ing", "say-ing", "be-ing".
  /[aeiouy]ing$/gu,
  // "ar-e-a", "i-de-a".
  /(?<=[^aeiou])ea$/gu,
];

/**
 * Estimated syllables of one word (see the module comment); numbers are read digit by digit with
 * "point" for a decimal point. Always at least 1.
 */
export function countSyllables(word: string): number {
  let total = 0;
  for (const part of word.split(/[-‐‑]/u)) {
    const numbers = part.match(/\p{N}+(?:[.,]\p{N}+)*/gu) ?? [];
    for (const number of numbers) {
      total += (number.match(/\p{N}/gu) ?? []).length + (number.match(/\./gu) ?? []).length;
    }
    const letters = part
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/['’]/gu, '')
      .split(/[^a-z]+/u)
      .filter((run) => run !== '');
    for (const run of letters) total += countEnglishSyllables(run);
  }
  return Math.max(1, total);
}

/** Syllables of one run of lower-case ASCII letters. */
function countEnglishSyllables(word: string): number {
  if (word.length <= 3) return 1;
  // A leading "y" is a consonant ("yes", "young").
  const body = word.replace(/^y/u, '');
  let count = (body.match(/[aeiouy]+/gu) ?? []).length;
  // Silent final e ("make"), but "-le" after a consonant is spoken ("ta-ble", "lit-tle").
  if (/[^aeiouy]e$/u.test(body) && !/[^aeiouyl]le$/u.test(body)) count -= 1;
  // "-es" is silent except after a sibilant ("box-es", "chang-es", "plac-es") or "-le" ("ta-bles").
  else if (/[^aeiouy]es$/u.test(body) && !/(?:[sxz]|[cs]h|[cg]|[^aeiouyl]l)es$/u.test(body))
    count -= 1;
  // "-ed" is silent except after t or d ("want-ed", "need-ed") or "-le" ("han-dled").
  else if (/[^aeiouy]ed$/u.test(body) && !/(?:[td]|[^aeiouyl]l)ed$/u.test(body)) count -= 1;
  // A silent e before a suffix: "like-ly", "move-ment", "care-ful"; not "gen-tle-ness".
  if (
    /[^aeiouy]e(?:ly|ful|ment|ness|less)$/u.test(body) &&
    !/[^aeiouyl]le(?:ly|ful|ment|ness|less)$/u.test(body)
  )
    count -= 1;
  for (const pair of splitVowels) count += (body.match(pair) ?? []).length;
  return Math.max(1, count);
}
