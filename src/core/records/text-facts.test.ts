import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyDocumentText,
  classifyDocumentTitle,
  extractTextFacts,
  parseRecordDate,
} from './text-facts.ts';

const months = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

describe('parseRecordDate', () => {
  it('reads the forms records use', () => {
    expect(parseRecordDate('1960-02-01')).toBe('1960-02-01');
    expect(parseRecordDate('1960/2/1')).toBe('1960-02-01');
    expect(parseRecordDate('02/01/1960')).toBe('1960-02-01');
    expect(parseRecordDate('2/1/1960 10:30')).toBe('1960-02-01');
    expect(parseRecordDate('25/12/1960')).toBe('1960-12-25');
    expect(parseRecordDate('01.02.1960')).toBe('1960-02-01');
    expect(parseRecordDate('3/26/09')).toBe('2009-03-26');
    expect(parseRecordDate('3/26/45')).toBe('1945-03-26');
    expect(parseRecordDate('February 1, 1960')).toBe('1960-02-01');
    expect(parseRecordDate('Feb. 1st 1960')).toBe('1960-02-01');
    expect(parseRecordDate('1 February 1960')).toBe('1960-02-01');
    expect(parseRecordDate('27th of March, 2009')).toBe('2009-03-27');
    expect(parseRecordDate('01-Feb-1960')).toBe('1960-02-01');
    expect(parseRecordDate('seen on Sept 3, 2021 and 2021-09-10')).toBe('2021-09-03');
  });

  it('refuses what is not a date', () => {
    expect(parseRecordDate('02/30/1960')).toBeNull();
    expect(parseRecordDate('13/13/1960')).toBeNull();
    expect(parseRecordDate('3/2612009')).toBeNull();
    expect(parseRecordDate('1960')).toBeNull();
    expect(parseRecordDate('version 1.2.3')).toBeNull();
    expect(parseRecordDate('none')).toBeNull();
    expect(parseRecordDate('2023-02-29')).toBeNull();
  });

  it('reads back every real date written in each form', () => {
    const day = fc
      .date({
        min: new Date('1900-01-01T00:00:00Z'),
        max: new Date('2099-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((date) => ({
        y: date.getUTCFullYear(),
        m: date.getUTCMonth() + 1,
        d: date.getUTCDate(),
      }));
    fc.assert(
      fc.property(day, ({ y, m, d }) => {
        const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        expect(parseRecordDate(iso)).toBe(iso);
        expect(parseRecordDate(`${months[m - 1]} ${d}, ${y}`)).toBe(iso);
        expect(parseRecordDate(`${d} ${months[m - 1]!.slice(0, 3)} ${y}`)).toBe(iso);
        expect(
          parseRecordDate(`${String(d).padStart(2, '0')}.${String(m).padStart(2, '0')}.${y}`),
        ).toBe(iso);
        if (d > 12) expect(parseRecordDate(`${d}/${m}/${y}`)).toBe(iso);
        expect(parseRecordDate(`${m}/${d}/${y}`)).toBe(iso);
      }),
    );
  });
});

describe('extractTextFacts', () => {
  it('reads a letterhead, a title, a labelled patient and dates', () => {
    const facts = extractTextFacts(
      [
        '1 | P a g e',
        'Community Health Hospital',
        'Discharge Summary',
        'Patient ID: 12345',
        'Patient Name: Levin, Henry L.',
        'Date of Admission: 03/20/2009',
        'Date of Discharge: 03/26/2009',
      ].join('\n'),
      { foundIn: 'PDF text' },
    );
    expect(facts).toEqual({
      kind: 'discharge_summary',
      dateOfService: '2009-03-26',
      source: 'Community Health Hospital',
      patientIdentities: [
        { name: 'Levin, Henry L.', birthDate: null, foundIn: 'PDF text, line 5' },
      ],
    });
  });

  it('splits several labels on one line and pairs the name with its date of birth', () => {
    const facts = extractTextFacts(
      'Northside Imaging Center\nCT Report\nPatient: Jane Q. Public   MRN: 00991   DOB: 2/1/1960\nExam date: 2024-03-05\nReport date: 2024-03-07',
      { foundIn: 'Text' },
    );
    expect(facts.patientIdentities).toEqual([
      { name: 'Jane Q. Public', birthDate: '1960-02-01', foundIn: 'Text, line 3' },
    ]);
    expect(facts.dateOfService).toBe('2024-03-05');
    expect(facts.kind).toBe('imaging_report');
    expect(facts.source).toBe('Northside Imaging Center');
  });

  it('takes a date of birth written without a colon and a letter subject line', () => {
    const facts = extractTextFacts(
      'St Mary Clinic\n\nRe: Mr John SMITH, DOB 14 Mar 1951\n\nDear Dr Jones,\nThank you for referring this gentleman.\nYours sincerely',
      { foundIn: 'Text' },
    );
    expect(facts.patientIdentities).toEqual([
      { name: 'Mr John SMITH', birthDate: '1951-03-14', foundIn: 'Text, line 3' },
    ]);
    expect(facts.kind).toBe('clinic_letter');
    expect(facts.source).toBe('St Mary Clinic');
  });

  it('prefers the most specific date label, whatever the order in the text', () => {
    const text =
      'Date: 2024-01-10\nReport date: 2024-01-09\nDate of service: 2024-01-02\nSigned: 2024-01-11';
    expect(extractTextFacts(text, { foundIn: 'Text' }).dateOfService).toBe('2024-01-02');
    expect(
      extractTextFacts('Date: 2024-01-10\nReported: 2024-01-09', { foundIn: 'Text' }).dateOfService,
    ).toBe('2024-01-09');
    expect(
      extractTextFacts('Birth Date: 1960-01-01', { foundIn: 'Text' }).dateOfService,
    ).toBeNull();
  });

  it('lists each different patient named, and none when the value is not a name', () => {
    const facts = extractTextFacts(
      'Patient Name: Anna Berg\nDOB: 1970-05-05\n\n\n\n\nPatient Name: Carl Dahl\nDOB: 1980-06-06\nPatient Name: BERG ANNA',
      { foundIn: 'Text' },
    );
    expect(facts.patientIdentities.map((identity) => [identity.name, identity.birthDate])).toEqual([
      ['Anna Berg', '1970-05-05'],
      ['Carl Dahl', '1980-06-06'],
    ]);
    expect(
      extractTextFacts('Patient: 12345\nName: N/A', { foundIn: 'Text' }).patientIdentities,
    ).toEqual([]);
    expect(
      extractTextFacts('Patient Name: Jane Roe 01/02/1960', { foundIn: 'Text' })
        .patientIdentities[0]?.name,
    ).toBe('Jane Roe');
  });

  it('keeps a date of birth without a name, and finds nothing in a bare text', () => {
    expect(extractTextFacts('DOB: 1955-07-01', { foundIn: 'Text' }).patientIdentities).toEqual([
      { name: null, birthDate: '1955-07-01', foundIn: 'Text, line 1' },
    ]);
    expect(extractTextFacts('Feeling better today.', { foundIn: 'Text' })).toEqual({
      kind: 'other',
      dateOfService: null,
      source: null,
      patientIdentities: [],
    });
  });

  it('takes a labelled facility before a letterhead, and skips titles and addresses', () => {
    expect(
      extractTextFacts(
        'Pathology Report\n12 Hospital Road\nPerforming lab: Acme Reference Laboratories',
        {
          foundIn: 'Text',
        },
      ).source,
    ).toBe('Acme Reference Laboratories');
    expect(
      extractTextFacts('Pathology Report\n12 Hospital Road', { foundIn: 'Text' }).source,
    ).toBeNull();
  });
});

describe('classifyDocumentText', () => {
  it('names a kind by a title near the top', () => {
    expect(classifyDocumentTitle('SURGICAL PATHOLOGY REPORT')).toBe('pathology_report');
    expect(classifyDocumentTitle('MRI Brain Report')).toBe('imaging_report');
    expect(classifyDocumentTitle('Laboratory Results')).toBe('lab_results');
    expect(classifyDocumentTitle('Prescription')).toBe('prescription');
    expect(classifyDocumentTitle('Referral Note')).toBe('referral');
    expect(classifyDocumentTitle('Progress Note')).toBe('clinic_letter');
    expect(classifyDocumentTitle('Summary of Patient Chart')).toBeNull();
  });

  it('names a kind by the phrases of its body when no title does', () => {
    expect(
      classifyDocumentText('Specimen: skin\nGross description: ...\nMicroscopic description: ...'),
    ).toBe('pathology_report');
    expect(
      classifyDocumentText(
        'Technique: axial images\nComparison: none\nImpression: no acute findings',
      ),
    ).toBe('imaging_report');
    expect(classifyDocumentText('Sodium 140 mmol/L  Reference range 135-145\nPotassium 4.1')).toBe(
      'lab_results',
    );
    expect(
      classifyDocumentText('Amoxicillin 500 mg\nSig: 1 cap tid\nDispense: 21\nRefills: 0'),
    ).toBe('prescription');
    expect(
      classifyDocumentText('Reason for referral: chest pain.\nThank you for seeing her.'),
    ).toBe('referral');
    expect(
      classifyDocumentText('Hospital course: uneventful.\nDischarge diagnoses: pneumonia'),
    ).toBe('discharge_summary');
    expect(classifyDocumentText('Shopping list: milk, eggs')).toBe('other');
  });
});
