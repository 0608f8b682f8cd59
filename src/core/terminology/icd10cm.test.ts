/**
 * The ICD-10-CM code set on a small hand-made edition: code spellings, the billable (leaf) rule,
 * retired codes and their dates of service, and search ranking. The real FY2027 files are
 * exercised by tests/integration/terminology.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fiscalYearOf,
  formatCode,
  isIcd10CmCodeShape,
  normalizeCode,
  parseIcd10CmCodeSet,
} from './icd10cm.ts';

const tsv = (header: string, rows: string[][]) =>
  [header, ...rows.map((row) => row.join('\t'))].join('\n') + '\n';

const codeSet = parseIcd10CmCodeSet({
  codes: tsv('code\tbillable\ttitle', [
    ['E11', '0', 'Type 2 diabetes mellitus'],
    ['E119', '1', 'Type 2 diabetes mellitus without complications'],
    ['E1165', '1', 'Type 2 diabetes mellitus with hyperglycemia'],
    ['E116', '0', 'Type 2 diabetes mellitus with other specified complications'],
    ['O2412', '1', 'Pre-existing type 2 diabetes mellitus, in childbirth'],
    ['I420', '0', 'Dilated cardiomyopathy'],
    ['I4200', '1', 'Dilated cardiomyopathy, unspecified'],
    ['I4209', '1', 'Other dilated cardiomyopathy'],
    ['I10', '1', 'Essential (primary) hypertension'],
  ]),
  retired: tsv('code\tstatus\tlast_valid_fy\tinvalid_from_fy\ttitle', [
    ['I420', 'became_header', '2026', '2027', 'Dilated cardiomyopathy'],
    ['T528X1A', 'deleted', '2026', '2027', 'Toxic effect of other organic solvents'],
    ['T528X', 'deleted_header', '', '2027', 'Toxic effects of other organic solvents'],
  ]),
  chapters: tsv('chapter\tfirst\tlast\trange\ttitle', [
    ['4', 'E00', 'E89', 'E00-E89', 'Endocrine, nutritional and metabolic diseases'],
  ]),
  blocks: tsv('range\tfirst\tlast\tchapter\ttitle', [
    ['E08-E13', 'E08', 'E13', '4', 'Diabetes mellitus'],
  ]),
  categories: tsv('category\tblock\tchapter\ttitle', [
    ['E11', 'E08-E13', '4', 'Type 2 diabetes mellitus'],
  ]),
});

const billable = { requireBillable: true };

describe('code spellings', () => {
  it('normalizes any common spelling to the stored form and formats with a dot after the category', () => {
    expect(['E11.9', 'e119', ' E119 ', 'e11.9'].map(normalizeCode)).toEqual(Array(4).fill('E119'));
    expect(formatCode('E119')).toBe('E11.9');
    expect(formatCode('T528X1A')).toBe('T52.8X1A');
    expect(formatCode('I10')).toBe('I10');
  });

  const code = fc
    .tuple(
      fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
      fc.integer({ min: 0, max: 9 }),
      fc.string({
        unit: fc.constantFrom(...'0123456789ABCDEFGHJKXYZ'),
        minLength: 1,
        maxLength: 5,
      }),
    )
    .map(([letter, digit, rest]) => `${letter}${digit}${rest}`);

  it('round-trips: normalize(format(code)) is the code, and formatting is idempotent', () => {
    fc.assert(
      fc.property(code, (stored) => {
        expect(normalizeCode(formatCode(stored))).toBe(stored);
        expect(formatCode(formatCode(stored))).toBe(formatCode(stored));
        expect(normalizeCode(formatCode(stored).toLowerCase())).toBe(stored);
        expect(isIcd10CmCodeShape(formatCode(stored))).toBe(true);
      }),
    );
  });

  it('knows the fiscal year of a date (FY N starts on 1 October of N-1)', () => {
    expect(fiscalYearOf('2026-09-30')).toBe(2026);
    expect(fiscalYearOf('2026-10-01')).toBe(2027);
  });
});

describe('lookup', () => {
  it('finds a code in any spelling with its category, block and chapter', () => {
    expect(codeSet.lookup('e11.9')).toEqual({
      code: 'E119',
      display: 'E11.9',
      billable: true,
      title: 'Type 2 diabetes mellitus without complications',
      category: { code: 'E11', title: 'Type 2 diabetes mellitus' },
      block: { range: 'E08-E13', title: 'Diabetes mellitus' },
      chapter: {
        number: 4,
        range: 'E00-E89',
        title: 'Endocrine, nutritional and metabolic diseases',
      },
    });
    expect(codeSet.lookup('E1199')).toBeUndefined();
    expect(codeSet.lookup('T528X1A')).toBeUndefined();
    expect(codeSet.lookup('I42.0')?.retired?.status).toBe('became_header');
  });

  it('counts entries and billable leaves', () => {
    expect(codeSet.size).toBe(9);
    expect(codeSet.billableCount).toBe(6);
  });
});

describe('validate', () => {
  it('accepts a billable code in any spelling', () => {
    expect(codeSet.validate('E119', billable)).toEqual({ valid: true });
    expect(codeSet.validate('e11.9', billable)).toEqual({ valid: true });
  });

  it('refuses a header where a billable code is required, suggesting its children', () => {
    expect(codeSet.validate('E11.6', billable)).toEqual({
      valid: false,
      reason: 'not_billable',
      suggestions: ['E11.65'],
    });
    expect(codeSet.validate('E11.6', { requireBillable: false })).toEqual({ valid: true });
  });

  it('reports a code that became a header as retired, with its children', () => {
    expect(codeSet.validate('I42.0', billable)).toEqual({
      valid: false,
      reason: 'retired',
      retired: {
        code: 'I420',
        display: 'I42.0',
        status: 'became_header',
        lastValidFiscalYear: 2026,
        invalidFromFiscalYear: 2027,
        title: 'Dilated cardiomyopathy',
      },
      suggestions: ['I42.00', 'I42.09'],
    });
  });

  it('reports deleted codes as retired, but accepts them for a date of service while they were valid', () => {
    expect(codeSet.validate('T52.8X1A', billable)).toMatchObject({
      valid: false,
      reason: 'retired',
      retired: { status: 'deleted', lastValidFiscalYear: 2026 },
    });
    expect(codeSet.validate('T52.8X1A', { ...billable, dateOfService: '2026-09-30' })).toEqual({
      valid: true,
    });
    expect(
      codeSet.validate('T52.8X1A', { ...billable, dateOfService: '2026-10-01' }),
    ).toMatchObject({ valid: false, reason: 'retired' });
    expect(codeSet.validate('I420', { ...billable, dateOfService: '2025-03-01' })).toEqual({
      valid: true,
    });
    // A removed header was never billable, whatever the date.
    expect(codeSet.validate('T528X', { ...billable, dateOfService: '2020-01-01' })).toMatchObject({
      valid: false,
      reason: 'retired',
    });
  });

  it('refuses codes that never existed', () => {
    for (const code of ['I101', 'E1199', '', 'not a code'])
      expect(codeSet.validate(code, billable)).toEqual({ valid: false, reason: 'unknown' });
  });

  it('never accepts a code absent from the set and its retired list', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (input) => {
        const known = codeSet.lookup(input) !== undefined || codeSet.retired(input) !== undefined;
        if (!known) expect(codeSet.validate(input, { requireBillable: false }).valid).toBe(false);
      }),
    );
  });
});

describe('search', () => {
  it('lists an exact code first, then its descendants, for a code-shaped query', () => {
    expect(codeSet.search('e11', 10).map((result) => result.display)).toEqual([
      'E11',
      'E11.6',
      'E11.65',
      'E11.9',
    ]);
    expect(codeSet.search('E11.6', 1)).toEqual([
      {
        code: 'E116',
        display: 'E11.6',
        title: 'Type 2 diabetes mellitus with other specified complications',
        billable: false,
      },
    ]);
  });

  it('needs every query word to start a title word, ranking titles led by the first word first', () => {
    expect(codeSet.search('TYPE 2 diab', 10).map((result) => result.display)).toEqual([
      'E11',
      'E11.65',
      'E11.9',
      'E11.6',
      'O24.12',
    ]);
    expect(codeSet.search('cardiomyo dilat', 10).map((result) => result.display)).toEqual([
      'I42.0',
      'I42.09',
      'I42.00',
    ]);
    expect(codeSet.search('diabetes kidney', 10)).toEqual([]);
    expect(codeSet.search('  ', 10)).toEqual([]);
  });

  it('respects the limit', () => {
    expect(codeSet.search('diabetes', 2)).toHaveLength(2);
  });
});
