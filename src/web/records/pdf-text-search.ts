/**
 * Finding text in a PDF's pages for the viewer's search. A page's text is the list of text runs
 * pdf.js extracts (one per positioned string, in the order the text layer draws them); a match
 * may span runs, so each is reported as ranges inside runs, which is what highlighting needs.
 * Matching ignores case and treats any run of white space in the query as any white space in the
 * page (PDFs space words in many ways). Pure: no DOM, no pdf.js.
 */

/** The text runs of one page, and which end a line. */
export interface PageText {
  strings: string[];
  endsLine: boolean[];
}

/** Characters `from` (inclusive) to `to` (exclusive) of run `item`. */
export interface RunRange {
  item: number;
  from: number;
  to: number;
}

/** One occurrence of the query on a page. */
export interface PageMatch {
  ranges: RunRange[];
}

/** At most this many matches per page are reported (a one-letter query can match thousands). */
export const maxMatchesPerPage = 500;

/** The runs of a pdf.js `TextContent` (marked-content markers carry no text and are left out). */
export function pageTextOf(items: readonly object[]): PageText {
  const strings: string[] = [];
  const endsLine: boolean[] = [];
  for (const item of items) {
    if (!('str' in item) || typeof item.str !== 'string') continue;
    strings.push(item.str);
    endsLine.push('hasEOL' in item && item.hasEOL === true);
  }
  return { strings, endsLine };
}

/** Escapes pattern syntax; only these characters may be escaped under the `u` flag. */
function escapeForPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The pattern for a query, or null when the query has no characters to look for. */
export function queryPattern(query: string): RegExp | null {
  const words = query
    .trim()
    .split(/\s+/u)
    .filter((word) => word !== '');
  if (words.length === 0) return null;
  return new RegExp(words.map(escapeForPattern).join('\\s+'), 'giu');
}

/** Every occurrence of `pattern` on the page, as ranges inside runs. */
export function findInPage(page: PageText, pattern: RegExp): PageMatch[] {
  const starts: number[] = [];
  let joined = '';
  page.strings.forEach((text, index) => {
    starts.push(joined.length);
    joined += text;
    // A line break is white space between runs even though no run holds it.
    if (page.endsLine[index] === true) joined += '\n';
  });
  const matches: PageMatch[] = [];
  const search = new RegExp(
    pattern.source,
    pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
  );
  for (const found of joined.matchAll(search)) {
    if (matches.length >= maxMatchesPerPage) break;
    const start = found.index;
    const end = start + found[0].length;
    if (end === start) continue;
    const ranges: RunRange[] = [];
    page.strings.forEach((text, item) => {
      const runStart = starts[item] ?? 0;
      const from = Math.max(start - runStart, 0);
      const to = Math.min(end - runStart, text.length);
      if (to > from) ranges.push({ item, from, to });
    });
    if (ranges.length > 0) matches.push({ ranges });
  }
  return matches;
}

/** A run cut into plain and highlighted pieces, in order; `match` is the index of the match. */
export interface RunPiece {
  text: string;
  match: number | null;
}

/** The pieces of run `item` given the page's matches (ranges of one run never overlap). */
export function piecesOfRun(text: string, item: number, matches: readonly PageMatch[]): RunPiece[] {
  const marks: { from: number; to: number; match: number }[] = [];
  matches.forEach((match, index) => {
    for (const range of match.ranges) {
      if (range.item === item) marks.push({ from: range.from, to: range.to, match: index });
    }
  });
  if (marks.length === 0) return [{ text, match: null }];
  marks.sort((a, b) => a.from - b.from);
  const pieces: RunPiece[] = [];
  let at = 0;
  for (const mark of marks) {
    if (mark.from > at) pieces.push({ text: text.slice(at, mark.from), match: null });
    pieces.push({ text: text.slice(mark.from, mark.to), match: mark.match });
    at = mark.to;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), match: null });
  return pieces;
}
