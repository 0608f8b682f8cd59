/**
 * ICD-10-CM coding errors on the case's diagnosis and on imported conditions, over a small
 * hand-made code set: unknown, retired, non-billable, description mismatch and not yet valid.
 */
import { describe, expect, it } from 'vitest';
import { buildCondition, buildDocument, buildInput } from './corpus/record-builders.ts';
import { smallIcd10CmAddedTsv, smallIcd10CmCodeSet } from './corpus/small-reference.ts';
import {
  checkIcdCoding,
  firstValidFiscalYear,
  icd10CmFirstFiscalYear,
  isIcd10CmSystem,
  parseIcd10CmAdditions,
} from './icd-coding.ts';

const icd = smallIcd10CmCodeSet();
const additions = parseIcd10CmAdditions(smallIcd10CmAddedTsv);

const checkCase = (diagnosisCode: string, diagnosisText: string | null = null) =>
  checkIcdCoding(buildInput({ case: { diagnosisCode, diagnosisText } }), icd, additions);

const fhirDocument = (date: string | null) =>
  buildDocument({ id: 'bundle', kind: 'other', format: 'fhir_json', date });

const checkCondition = (
  code: string,
  display: string,
  documentDate: string | null = '2026-11-01',
  codingDisplay?: string,
) =>
  checkIcdCoding(
    buildInput({
      documents: [fhirDocument(documentDate)],
      clinical: [
        buildCondition({
          id: 'c1',
          sourceDocumentId: 'bundle',
          date: '2001-01-01',
          display,
          icd10cm: code,
          ...(codingDisplay === undefined ? {} : { codingDisplay }),
        }),
      ],
    }),
    icd,
    additions,
  );

describe('the case diagnosis code', () => {
  it('raises nothing for a billable code whose title agrees with the text', () => {
    expect(checkCase('E11.9', 'Type 2 diabetes')).toEqual([]);
    expect(checkCase('e119')).toEqual([]);
  });

  it('blocks on an unknown code, pointing at its existing category', () => {
    const [finding] = checkCase('E11.99');
    expect(finding).toMatchObject({
      rule: 'icd_unknown_code',
      severity: 'blocker',
      fingerprint: 'icd_unknown_code|case|E1199',
      patientAction: 'check',
    });
    expect(finding!.staffMessage).toContain('category E11 exists');
    expect(checkCase('not a code')[0]).toMatchObject({ rule: 'icd_unknown_code' });
  });

  it('warns on a header where a billable code is required, with its children as suggestions', () => {
    const [finding] = checkCase('E11');
    expect(finding).toMatchObject({
      rule: 'icd_not_billable',
      severity: 'warning',
      fingerprint: 'icd_not_billable|case|E11',
    });
    expect(finding!.evidence.values.suggestions).toBe('E11.9');
  });

  it('warns on a code retired before today: deleted, or become a header', () => {
    expect(checkCase('T52.8X1A')[0]).toMatchObject({
      rule: 'icd_retired_code',
      severity: 'warning',
    });
    const [header] = checkCase('I42.0');
    expect(header).toMatchObject({ rule: 'icd_retired_code' });
    expect(header!.staffMessage).toContain('I42.00');
  });

  it('warns when the diagnosis text describes another disease', () => {
    const [finding] = checkCase('E11.9', 'Breast cancer');
    expect(finding).toMatchObject({
      rule: 'icd_description_mismatch',
      severity: 'warning',
      fingerprint: 'icd_description_mismatch|case|E119',
    });
    expect(finding!.patientMessage).toContain('Type 2 diabetes mellitus without complications');
    expect(finding!.evidence.sources).toEqual([
      { type: 'intake', field: 'diagnosisCode' },
      { type: 'intake', field: 'diagnosisText' },
    ]);
  });

  it('checks the wording of a header code too', () => {
    expect(checkCase('C50', 'Type 2 diabetes').map((finding) => finding.rule)).toEqual([
      'icd_not_billable',
      'icd_description_mismatch',
    ]);
  });

  it('never says a case code is not yet valid (the code is chosen now)', () => {
    expect(
      checkIcdCoding(
        buildInput({ case: { diagnosisCode: 'J4B', diagnosisDate: '2019-01-01' } }),
        icd,
        additions,
      ),
    ).toEqual([]);
  });
});

describe('imported conditions', () => {
  it('reads only ICD-10-CM codings (FHIR URI or HL7 OID)', () => {
    expect(isIcd10CmSystem('http://hl7.org/fhir/sid/icd-10-cm')).toBe(true);
    expect(isIcd10CmSystem('urn:oid:2.16.840.1.113883.6.90')).toBe(true);
    expect(isIcd10CmSystem('2.16.840.1.113883.6.90')).toBe(true);
    expect(isIcd10CmSystem('http://snomed.info/sct')).toBe(false);
    const snomed = buildInput({
      clinical: [
        {
          ...buildCondition({ id: 'c', sourceDocumentId: 'x', date: null, display: 'x' }),
          codes: [{ system: 'http://snomed.info/sct', code: '44054006' }],
        },
      ],
    });
    expect(checkIcdCoding(snomed, icd, additions)).toEqual([]);
  });

  it('grades a record’s errors lower than the case’s (someone else coded them)', () => {
    expect(checkCondition('E11.99', 'Diabetes')[0]).toMatchObject({
      rule: 'icd_unknown_code',
      severity: 'warning',
      patientAction: 'none',
      fingerprint: 'icd_unknown_code|item|c1|E1199',
    });
    expect(checkCondition('E11', 'Diabetes')[0]).toMatchObject({
      rule: 'icd_not_billable',
      severity: 'info',
    });
  });

  it('accepts a retired code on a record written while it was valid, not after', () => {
    expect(checkCondition('I42.0', 'Dilated cardiomyopathy', '2026-09-30')).toEqual([]);
    expect(checkCondition('I42.0', 'Dilated cardiomyopathy', '2026-10-01')[0]).toMatchObject({
      rule: 'icd_retired_code',
      severity: 'info',
    });
  });

  it('compares the coding’s own display, else the condition’s display', () => {
    expect(
      checkCondition('E11.9', 'Diabetes', '2026-11-01', 'Malignant neoplasm of breast')[0],
    ).toMatchObject({
      rule: 'icd_description_mismatch',
    });
    expect(
      checkCondition(
        'E11.9',
        'Diabetes',
        '2026-11-01',
        'Type 2 diabetes mellitus without complications',
      ),
    ).toEqual([]);
    expect(checkCondition('E11.9', 'Migraine')[0]).toMatchObject({
      rule: 'icd_description_mismatch',
    });
  });

  it('flags a code on a record dated before the code existed, counted from the document date', () => {
    const [finding] = checkCondition('J4B', 'Pulmonary mycetoma', '2026-09-30');
    expect(finding).toMatchObject({ rule: 'icd_code_not_yet_valid', severity: 'warning' });
    expect(finding!.evidence.values).toMatchObject({
      firstValidFiscalYear: 2027,
      recordDate: '2026-09-30',
    });
    expect(checkCondition('J4B', 'Pulmonary mycetoma', '2026-10-01')).toEqual([]);
    // The onset (2001) is older than the code, which is normal: a record coded today.
    expect(checkCondition('S30.11XA', 'Contusion of abdominal wall', null)).toEqual([]);
  });

  it('takes every code as existing from 1 October 2015 only', () => {
    expect(firstValidFiscalYear('E11.9', additions)).toBe(icd10CmFirstFiscalYear);
    expect(checkCondition('E11.9', 'Diabetes', '2015-09-30')[0]).toMatchObject({
      rule: 'icd_code_not_yet_valid',
    });
    expect(checkCondition('E11.9', 'Diabetes', '2015-10-01')).toEqual([]);
  });
});

describe('parseIcd10CmAdditions', () => {
  it('reads code and fiscal year, normalizing the code and skipping malformed rows', () => {
    const parsed = parseIcd10CmAdditions(
      'code\tadded_fy\r\nJ4B\t2027\r\nS30.11XA\t2026\nbad\t\n\n',
    );
    expect([...parsed]).toEqual([
      ['J4B', 2027],
      ['S3011XA', 2026],
    ]);
  });
});
