/**
 * ICD-10-CM through the real server, on the shipped FY2027 files (terminology/icd10cm/): the
 * official totals, look-ups, headers, retired codes and the search a person uses while coding a
 * diagnosis. Expected verdicts come from the data set's README (CMS/NCHS FY2027 release).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIcd10CmCodeSet } from '../../src/server/terminology/icd10cm-files.ts';
import { createMember, createOrganization, type TestMember } from '../support/accounts.ts';
import { expectError } from '../support/auth-helpers.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface SearchBody {
  results: Array<{ code: string; display: string; title: string; billable: boolean }>;
}

let testApp: TestApp;
let member: TestMember;

beforeAll(async () => {
  testApp = await startTestApp();
  const organization = await createOrganization(testApp, 'Terminology Clinic');
  member = await createMember(testApp, organization.id, 'patient');
});
afterAll(async () => {
  await testApp.close();
});

describe('the shipped ICD-10-CM FY2027 code set', () => {
  it('has the official totals: 98,403 entries, 74,879 billable', async () => {
    const codeSet = await loadIcd10CmCodeSet();
    expect(codeSet.size).toBe(98_403);
    expect(codeSet.billableCount).toBe(74_879);
  });

  it('gives the README verdicts for its test codes', async () => {
    const codeSet = await loadIcd10CmCodeSet();
    const verdict = (code: string) => {
      const result = codeSet.validate(code, { requireBillable: true });
      return result.valid ? 'valid' : result.reason;
    };
    for (const code of ['E119', 'I10', 'J4B', 'Z87893', 'O3140X5', 'S3011XA', 'M1A0711', 'U071'])
      expect(verdict(code), code).toBe('valid');
    expect(verdict('E11')).toBe('not_billable');
    expect(verdict('T36AX')).toBe('not_billable');
    for (const code of ['I420', 'Z87890', 'M545', 'T528X1A', 'S23420A', 'S301XXA', 'T528X'])
      expect(verdict(code), code).toBe('retired');
    for (const code of ['I101', 'A005', 'E1199']) expect(verdict(code), code).toBe('unknown');
    expect(
      codeSet.validate('S301XXA', { requireBillable: true, dateOfService: '2025-06-01' }),
    ).toEqual({ valid: true });
  });
});

describe('GET /api/v1/terminology/icd10cm/:code', () => {
  it('looks up E11.9 in any spelling', async () => {
    for (const spelling of ['E11.9', 'e119', 'E119']) {
      const response = await member.client.get(`/api/v1/terminology/icd10cm/${spelling}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
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
    }
  });

  it('shows a category as not billable', async () => {
    const response = await member.client.get('/api/v1/terminology/icd10cm/E11');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ code: 'E11', billable: false });
  });

  it('shows I42.0 as a header since FY2027', async () => {
    const response = await member.client.get('/api/v1/terminology/icd10cm/I42.0');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      billable: false,
      retired: { status: 'became_header', lastValidFiscalYear: 2026, invalidFromFiscalYear: 2027 },
    });
    const codeSet = await loadIcd10CmCodeSet();
    expect(codeSet.validate('I42.0', { requireBillable: true })).toMatchObject({
      valid: false,
      reason: 'retired',
      suggestions: ['I42.00', 'I42.01', 'I42.09'],
    });
  });

  it('answers 404 for a deleted code, saying when it was retired', async () => {
    const response = await member.client.get('/api/v1/terminology/icd10cm/T52.8X1A');
    expectError(response, 404, 'not_found', {
      details: {
        retired: {
          code: 'T528X1A',
          display: 'T52.8X1A',
          status: 'deleted',
          lastValidFiscalYear: 2026,
          invalidFromFiscalYear: 2027,
          title:
            'Toxic effect of other organic solvents, accidental (unintentional), initial encounter',
        },
      },
    });
  });

  it('answers 404 for a code that never existed', async () => {
    expectError(await member.client.get('/api/v1/terminology/icd10cm/I10.1'), 404, 'not_found');
  });
});

describe('GET /api/v1/terminology/icd10cm', () => {
  it('finds type 2 diabetes codes (E11) on the first page', async () => {
    const response = await member.client.get<SearchBody>(
      '/api/v1/terminology/icd10cm?q=type%202%20diabetes&limit=10',
    );
    expect(response.status).toBe(200);
    expect(response.body.results).toHaveLength(10);
    expect(response.body.results[0]).toEqual({
      code: 'E11',
      display: 'E11',
      title: 'Type 2 diabetes mellitus',
      billable: false,
    });
    for (const result of response.body.results) expect(result.code.startsWith('E11')).toBe(true);
    expect(response.body.results.map((result) => result.display)).toContain('E11.9');
  });

  it('searches by code prefix, the exact code first', async () => {
    const response = await member.client.get<SearchBody>('/api/v1/terminology/icd10cm?q=i42.0');
    expect(response.body.results.map((result) => result.display)).toEqual([
      'I42.0',
      'I42.00',
      'I42.01',
      'I42.09',
    ]);
  });

  it('defaults to 20 results', async () => {
    const response = await member.client.get<SearchBody>('/api/v1/terminology/icd10cm?q=fracture');
    expect(response.body.results).toHaveLength(20);
  });

  it('is for signed-in members only', async () => {
    const anonymous = testApp.client();
    expectError(
      await anonymous.get('/api/v1/terminology/icd10cm?q=diabetes'),
      401,
      'unauthenticated',
    );
    expectError(await anonymous.get('/api/v1/terminology/icd10cm/E119'), 401, 'unauthenticated');
  });

  it('refuses a limit outside 1..100 and an empty query', async () => {
    for (const query of ['q=diabetes&limit=0', 'q=diabetes&limit=1000', 'q=', 'limit=5']) {
      const response = await member.client.get<{ error: { code: string } }>(
        `/api/v1/terminology/icd10cm?${query}`,
      );
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe('validation_failed');
    }
  });
});
