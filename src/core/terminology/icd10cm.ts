/**
 * The ICD-10-CM diagnosis code set (CDC/NCHS and CMS, U.S. public domain) as an in-memory,
 * read-only index: look a code up, validate it for a claim or a record, and search it while a
 * person types. Pure: the server reads the shipped files (terminology/icd10cm/) and hands their
 * text to `parseIcd10CmCodeSet`.
 *
 * Conventions implemented (ICD-10-CM Official Guidelines for Coding and Reporting, Section I.A and
 * I.B.1–3; CMS order-file format):
 * - a code is 3 to 7 characters: a letter, a digit, then digits or letters; the first three form
 *   the category. Files store codes without the dot; for display a dot follows the 3rd character
 *   when the code is longer than three characters (`E119` → `E11.9`).
 * - only a code at the highest level of detail available (a leaf of the tabular list) may be
 *   reported ("billable"); categories and subcategories with children are headers.
 * - the code set changes every October 1 (fiscal year N runs from October 1 of year N−1 to
 *   September 30 of year N). Retired codes were valid up to their last fiscal year.
 */

/** Fiscal year of the edition the shipped files hold. */
export const icd10CmEditionFiscalYear = 2027;

export type Icd10CmRetiredStatus = 'deleted' | 'became_header' | 'deleted_header';

export interface Icd10CmRetiredCode {
  code: string;
  display: string;
  status: Icd10CmRetiredStatus;
  /** Last fiscal year in which the code was billable; null when it never was. */
  lastValidFiscalYear: number | null;
  /** First fiscal year in which it was no longer billable. */
  invalidFromFiscalYear: number;
  title: string;
}

export interface Icd10CmEntry {
  code: string;
  display: string;
  billable: boolean;
  title: string;
  category: { code: string; title: string };
  block: { range: string; title: string } | null;
  chapter: { number: number; range: string; title: string } | null;
  /** Set when the code is still in the set but no longer billable (status `became_header`). */
  retired?: Icd10CmRetiredCode;
}

export interface Icd10CmSearchResult {
  code: string;
  display: string;
  title: string;
  billable: boolean;
}

export type Icd10CmInvalidReason = 'unknown' | 'not_billable' | 'retired';

export type Icd10CmValidation =
  | { valid: true }
  | {
      valid: false;
      reason: Icd10CmInvalidReason;
      retired?: Icd10CmRetiredCode;
      /** More specific codes to use instead (the header's children), in display form. */
      suggestions?: string[];
    };

export interface Icd10CmValidateOptions {
  /** A claim or a coded diagnosis needs a billable (leaf) code; a problem list may not. */
  requireBillable: boolean;
  /** ISO date (YYYY-MM-DD) of the record: a retired code is accepted for dates while it was valid. */
  dateOfService?: string;
}

/** The text of each shipped file (tab-separated, one header row). */
export interface Icd10CmSourceFiles {
  codes: string;
  retired: string;
  chapters: string;
  blocks: string;
  categories: string;
}

const valid: Icd10CmValidation = Object.freeze({ valid: true });
const unknown: Icd10CmValidation = Object.freeze({ valid: false, reason: 'unknown' });
const codePattern = /^[A-Z][0-9][0-9A-Z]{1,5}$/;
const codePrefixPattern = /^[A-Z][0-9][0-9A-Z]{0,5}$/;

/**
 * The canonical form of a code as the files store it: trimmed, upper-case, without the dot
 * (`' e11.9 '` → `E119`). Does not check that the code exists.
 */
export function normalizeCode(input: string): string {
  return input.trim().replaceAll('.', '').toUpperCase();
}

/** Display form: a dot after the category (3rd character) when the code is longer (`E119` → `E11.9`). */
export function formatCode(code: string): string {
  const normalized = normalizeCode(code);
  return normalized.length > 3 ? `${normalized.slice(0, 3)}.${normalized.slice(3)}` : normalized;
}

/** Whether a string has the shape of an ICD-10-CM code (3–7 characters, letter then digit). */
export function isIcd10CmCodeShape(input: string): boolean {
  return codePattern.test(normalizeCode(input));
}

/** ICD-10-CM fiscal year of a date: FY N starts on October 1 of year N−1. */
export function fiscalYearOf(isoDate: string): number {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  return month >= 10 ? year + 1 : year;
}

/** Lower-case words of a title or a query: letters and digits, everything else separates. */
function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

function rowsOf(text: string): string[][] {
  const lines = text.split('\n');
  const rows: string[][] = [];
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '');
    if (line.length > 0) rows.push(line.split('\t'));
  }
  return rows;
}

/** First index in the sorted `values` whose value is not below `target`. */
function lowerBound(values: readonly string[], target: string): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * An immutable ICD-10-CM code set. Built once; every query afterwards is in memory. Entries are
 * held in sorted code order so a code prefix is a contiguous range.
 */
export class Icd10CmCodeSet {
  /** Normalized codes in ascending order. */
  private readonly codes: string[];
  private readonly indexByCode = new Map<string, number>();
  private readonly billable: Uint8Array;
  private readonly titles: string[];
  private readonly titleWords: string[][];
  /** Per entry: its rank by title length, then code order (short, general titles first). */
  private readonly rank: Uint32Array;
  private readonly entryByRank: Uint32Array;
  /** Title words in ascending order, with the entries each occurs in (postings). */
  private readonly words: string[];
  private readonly postingStart: Uint32Array;
  private readonly postings: Uint32Array;
  private readonly retiredByCode = new Map<string, Icd10CmRetiredCode>();
  private readonly categories = new Map<
    string,
    { block: string; chapter: number; title: string }
  >();
  private readonly blocks = new Map<string, string>();
  private readonly chapters = new Map<number, { range: string; title: string }>();
  /** Scratch marks for search: an entry belongs to the current query when its mark equals `stamp`. */
  private readonly marks: Uint32Array;
  private stamp = 0;
  /** Verdicts depend on the code alone (without a date): built once per code, shared, frozen. */
  private readonly headerVerdicts: Array<Icd10CmValidation | undefined> = [];
  private readonly retiredVerdicts = new Map<string, Icd10CmValidation>();

  constructor(files: Icd10CmSourceFiles) {
    const rows = rowsOf(files.codes)
      .map(([code = '', billable = '', title = '']) => ({
        code: normalizeCode(code),
        billable: billable === '1',
        title,
      }))
      .sort((left, right) => (left.code < right.code ? -1 : left.code > right.code ? 1 : 0));
    const size = rows.length;
    this.codes = rows.map((row) => row.code);
    this.titles = rows.map((row) => row.title);
    this.billable = Uint8Array.from(rows, (row) => (row.billable ? 1 : 0));
    this.codes.forEach((code, index) => this.indexByCode.set(code, index));
    // The display spelling (E11.9) is the commonest input: find it without normalizing.
    this.codes.forEach((code, index) => {
      if (code.length > 3) this.indexByCode.set(formatCode(code), index);
    });
    this.titleWords = this.titles.map((title) => [...new Set(wordsOf(title))]);

    const byTitleLength = Array.from({ length: size }, (_, index) => index).sort(
      (left, right) => this.titles[left]!.length - this.titles[right]!.length || left - right,
    );
    this.entryByRank = Uint32Array.from(byTitleLength);
    this.rank = new Uint32Array(size);
    byTitleLength.forEach((entry, rank) => (this.rank[entry] = rank));

    const entriesByWord = new Map<string, number[]>();
    this.titleWords.forEach((words, entry) => {
      for (const word of words) {
        const list = entriesByWord.get(word);
        if (list === undefined) entriesByWord.set(word, [entry]);
        else list.push(entry);
      }
    });
    this.words = [...entriesByWord.keys()].sort();
    this.postingStart = new Uint32Array(this.words.length + 1);
    let total = 0;
    this.words.forEach((word, index) => {
      this.postingStart[index] = total;
      total += entriesByWord.get(word)!.length;
    });
    this.postingStart[this.words.length] = total;
    this.postings = new Uint32Array(total);
    this.words.forEach((word, index) =>
      this.postings.set(entriesByWord.get(word)!, this.postingStart[index]),
    );
    this.marks = new Uint32Array(size);

    for (const [code = '', status = '', lastValid = '', invalidFrom = '', title = ''] of rowsOf(
      files.retired,
    )) {
      const normalized = normalizeCode(code);
      this.retiredByCode.set(normalized, {
        code: normalized,
        display: formatCode(normalized),
        status: status as Icd10CmRetiredStatus,
        lastValidFiscalYear: lastValid === '' ? null : Number(lastValid),
        invalidFromFiscalYear: Number(invalidFrom),
        title,
      });
    }
    for (const [chapter = '', , , range = '', title = ''] of rowsOf(files.chapters))
      this.chapters.set(Number(chapter), { range, title });
    for (const [range = '', , , , title = ''] of rowsOf(files.blocks))
      this.blocks.set(range, title);
    for (const [category = '', block = '', chapter = '', title = ''] of rowsOf(files.categories))
      this.categories.set(category, { block, chapter: Number(chapter), title });
  }

  /** Number of entries (categories, subcategories and billable codes). */
  get size(): number {
    return this.codes.length;
  }

  /** Number of billable (leaf) codes. */
  get billableCount(): number {
    let count = 0;
    for (const flag of this.billable) count += flag;
    return count;
  }

  /** The entry for a code in any common spelling (`E11.9`, `e119`, `E119`), or undefined. */
  lookup(code: string): Icd10CmEntry | undefined {
    const normalized = normalizeCode(code);
    const index = this.indexByCode.get(normalized);
    if (index === undefined) return undefined;
    const categoryCode = normalized.slice(0, 3);
    const category = this.categories.get(categoryCode);
    const chapter = category === undefined ? undefined : this.chapters.get(category.chapter);
    const blockTitle = category === undefined ? undefined : this.blocks.get(category.block);
    const retired = this.retiredByCode.get(normalized);
    return {
      code: normalized,
      display: formatCode(normalized),
      billable: this.billable[index] === 1,
      title: this.titles[index]!,
      category: {
        code: categoryCode,
        title: category?.title ?? this.titles[this.indexByCode.get(categoryCode) ?? index]!,
      },
      block:
        category === undefined || blockTitle === undefined
          ? null
          : { range: category.block, title: blockTitle },
      chapter:
        category === undefined || chapter === undefined
          ? null
          : { number: category.chapter, range: chapter.range, title: chapter.title },
      ...(retired === undefined ? {} : { retired }),
    };
  }

  /** A code that is no longer valid (deleted, or turned into a header), or undefined. */
  retired(code: string): Icd10CmRetiredCode | undefined {
    return this.retiredByCode.get(normalizeCode(code));
  }

  /** The codes one level below a header, in display form (`I420` → `I42.00`, `I42.01`, `I42.09`). */
  children(code: string): string[] {
    const normalized = normalizeCode(code);
    const children: string[] = [];
    for (let index = lowerBound(this.codes, normalized); index < this.codes.length; index++) {
      const candidate = this.codes[index]!;
      if (!candidate.startsWith(normalized)) break;
      if (candidate.length === normalized.length + 1) children.push(formatCode(candidate));
    }
    return children;
  }

  /**
   * Whether a code may be recorded. Unknown codes and codes deleted from the set fail; headers
   * fail when a billable code is required (Guidelines I.B.3: code to the highest specificity),
   * with their children as suggestions; a code retired after `dateOfService` was valid then.
   * Verdicts are shared, frozen objects: allocation-free once a code has been seen.
   */
  validate(code: string, options: Icd10CmValidateOptions): Icd10CmValidation {
    let index = this.indexByCode.get(code);
    if (index === undefined) {
      const normalized = normalizeCode(code);
      index = this.indexByCode.get(normalized);
      if (index === undefined) return this.validateAbsent(normalized, options);
    }
    if (this.billable[index] === 1 || !options.requireBillable) return valid;
    return this.validateHeader(index, options);
  }

  /** A header where a billable code is required: retired (it was billable once) or never billable. */
  private validateHeader(index: number, options: Icd10CmValidateOptions): Icd10CmValidation {
    const cached = this.headerVerdicts[index];
    if (cached !== undefined && options.dateOfService === undefined) return cached;
    const code = this.codes[index]!;
    const retired = this.retiredByCode.get(code);
    if (retired !== undefined && this.wasValidOn(retired, options.dateOfService)) return valid;
    if (cached !== undefined) return cached;
    const verdict: Icd10CmValidation = Object.freeze(
      retired === undefined
        ? { valid: false, reason: 'not_billable', suggestions: this.children(code) }
        : { valid: false, reason: 'retired', retired, suggestions: this.children(code) },
    );
    this.headerVerdicts[index] = verdict;
    return verdict;
  }

  /** A code not in the current set: deleted (valid while it existed) or unknown. */
  private validateAbsent(code: string, options: Icd10CmValidateOptions): Icd10CmValidation {
    const retired = this.retiredByCode.get(code);
    if (retired === undefined) return unknown;
    if (this.wasValidOn(retired, options.dateOfService)) return valid;
    let verdict = this.retiredVerdicts.get(code);
    if (verdict === undefined) {
      verdict = Object.freeze({ valid: false, reason: 'retired', retired });
      this.retiredVerdicts.set(code, verdict);
    }
    return verdict;
  }

  private wasValidOn(retired: Icd10CmRetiredCode, dateOfService: string | undefined): boolean {
    return (
      dateOfService !== undefined &&
      retired.lastValidFiscalYear !== null &&
      fiscalYearOf(dateOfService) <= retired.lastValidFiscalYear
    );
  }

  /**
   * Codes for a search box. A query shaped like a code (`E11`, `e11.6`) lists that code, then its
   * descendants in code order. Otherwise every query word must start a word of the title
   * (case-insensitive); titles whose first word matches the first query word come first, then
   * shorter (more general) titles, then code order.
   */
  search(query: string, limit: number): Icd10CmSearchResult[] {
    const results: number[] = [];
    const seen = new Set<number>();
    const compact = query.trim().replaceAll(/[\s.]/g, '').toUpperCase();
    if (codePrefixPattern.test(compact)) {
      for (let index = lowerBound(this.codes, compact); index < this.codes.length; index++) {
        if (results.length >= limit || !this.codes[index]!.startsWith(compact)) break;
        results.push(index);
        seen.add(index);
      }
    }
    if (results.length < limit) {
      for (const index of this.searchTitles(wordsOf(query), limit)) {
        if (results.length >= limit) break;
        if (!seen.has(index)) results.push(index);
      }
    }
    return results.map((index) => ({
      code: this.codes[index]!,
      display: formatCode(this.codes[index]!),
      title: this.titles[index]!,
      billable: this.billable[index] === 1,
    }));
  }

  private searchTitles(queryWords: string[], limit: number): number[] {
    if (queryWords.length === 0) return [];
    // Start from the query word with the fewest candidate entries, then filter by the others.
    let best: { word: string; low: number; high: number; count: number } | undefined;
    for (const word of queryWords) {
      const low = lowerBound(this.words, word);
      const high = lowerBound(this.words, `${word}\uffff`);
      const count = this.postingStart[high]! - this.postingStart[low]!;
      if (best === undefined || count < best.count) best = { word, low, high, count };
    }
    if (best === undefined || best.count === 0) return [];
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.marks.fill(0);
      this.stamp = 1;
    }
    const others = queryWords.filter((word) => word !== best.word);
    const first = queryWords[0]!;
    const keys: number[] = [];
    const from = this.postingStart[best.low]!;
    const to = this.postingStart[best.high]!;
    for (let position = from; position < to; position++) {
      const entry = this.postings[position]!;
      if (this.marks[entry] === this.stamp) continue;
      this.marks[entry] = this.stamp;
      const words = this.titleWords[entry]!;
      if (!others.every((word) => words.some((titleWord) => titleWord.startsWith(word)))) continue;
      const leading = words[0]!.startsWith(first);
      // A title that does not lead with the first query word ranks after every title that does.
      keys.push(this.rank[entry]! + (leading ? 0 : this.codes.length));
    }
    const sorted = Uint32Array.from(keys).sort();
    const top: number[] = [];
    for (let index = 0; index < sorted.length && index < limit; index++)
      top.push(this.entryByRank[sorted[index]! % this.codes.length]!);
    return top;
  }
}

/** Builds the code set from the text of the shipped files. */
export function parseIcd10CmCodeSet(files: Icd10CmSourceFiles): Icd10CmCodeSet {
  return new Icd10CmCodeSet(files);
}
