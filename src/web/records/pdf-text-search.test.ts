import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findInPage,
  maxMatchesPerPage,
  pageTextOf,
  piecesOfRun,
  queryPattern,
  type PageText,
} from './pdf-text-search.ts';

const page = (strings: string[], endsLine: boolean[] = strings.map(() => false)): PageText => ({
  strings,
  endsLine,
});

function find(text: PageText, query: string) {
  const pattern = queryPattern(query);
  if (pattern === null) throw new Error('empty query');
  return findInPage(text, pattern);
}

describe('pageTextOf', () => {
  it('keeps text runs and their line ends, and leaves out marked-content markers', () => {
    expect(
      pageTextOf([
        { type: 'beginMarkedContent', tag: 'P' },
        { str: 'Discharge', hasEOL: false },
        { str: 'summary', hasEOL: true },
        { type: 'endMarkedContent' },
      ]),
    ).toEqual({ strings: ['Discharge', 'summary'], endsLine: [false, true] });
  });
});

describe('queryPattern', () => {
  it('is null for a blank query', () => {
    expect(queryPattern('   ')).toBeNull();
  });

  it('takes the query literally (no pattern syntax)', () => {
    expect(find(page(['a.c abc (x)']), '(x)')).toHaveLength(1);
    expect(find(page(['abc']), 'a.c')).toHaveLength(0);
    expect(find(page(['On 3/26/2009, T-cell count']), '3/26/2009 t-cell')).toHaveLength(0);
    expect(find(page(['On 3/26/2009, T-cell count']), 'T-cell')).toHaveLength(1);
    expect(find(page(['On 3/26/2009, T-cell count']), '3/26/2009,')).toHaveLength(1);
  });
});

describe('findInPage', () => {
  it('ignores case', () => {
    const matches = find(page(['Hypertension; hypertension']), 'HYPERTENSION');
    expect(matches.map((match) => match.ranges)).toEqual([
      [{ item: 0, from: 0, to: 12 }],
      [{ item: 0, from: 14, to: 26 }],
    ]);
  });

  it('finds a match that spans runs and a line break, as ranges in each run', () => {
    const text = page(['left basal', 'ganglia and'], [true, false]);
    expect(find(text, 'basal ganglia')).toEqual([
      {
        ranges: [
          { item: 0, from: 5, to: 10 },
          { item: 1, from: 0, to: 7 },
        ],
      },
    ]);
  });

  it('lets any white space in the query match any white space in the page', () => {
    expect(find(page(['white   matter']), 'white matter')).toHaveLength(1);
    expect(find(page(['white', ' ', 'matter']), 'white matter')).toHaveLength(1);
  });

  it('reports at most the per-page limit', () => {
    expect(find(page(['a'.repeat(maxMatchesPerPage * 2)]), 'a')).toHaveLength(maxMatchesPerPage);
  });

  it('never reports a range outside its run (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 12 }),
        fc.string({ minLength: 1, maxLength: 4 }),
        (strings, endsLine, query) => {
          const pattern = queryPattern(query);
          if (pattern === null) return;
          for (const match of findInPage({ strings, endsLine }, pattern)) {
            for (const range of match.ranges) {
              const run = strings[range.item];
              expect(run).toBeDefined();
              expect(range.from).toBeGreaterThanOrEqual(0);
              expect(range.to).toBeLessThanOrEqual(run!.length);
              expect(range.to).toBeGreaterThan(range.from);
            }
          }
        },
      ),
    );
  });
});

describe('piecesOfRun', () => {
  it('cuts a run into plain and matched pieces that join back to the run', () => {
    const text = page(['high blood pressure and high fever']);
    const matches = find(text, 'high');
    const pieces = piecesOfRun(text.strings[0]!, 0, matches);
    expect(pieces).toEqual([
      { text: 'high', match: 0 },
      { text: ' blood pressure and ', match: null },
      { text: 'high', match: 1 },
      { text: ' fever', match: null },
    ]);
    expect(pieces.map((piece) => piece.text).join('')).toBe(text.strings[0]);
  });

  it('leaves a run without matches whole', () => {
    expect(piecesOfRun('nothing here', 3, [])).toEqual([{ text: 'nothing here', match: null }]);
  });
});
