/**
 * Wrong-patient documents: names compared across formats (DICOM, "Family, Given", "Given
 * Family"), diacritics, hyphens, titles, middle names and initials; birth dates compared exactly;
 * severities by what disagrees.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDocument, buildInput } from './corpus/record-builders.ts';
import { checkPatientIdentities, nameMatchesPatient, nameWords } from './patient-identity.ts';

const jane = { givenName: 'Jane', familyName: 'Doe' };

describe('nameMatchesPatient', () => {
  it.each([
    'DOE^JANE',
    'DOE^JANE^MARIE^^',
    'Doe, Jane',
    'JANE DOE',
    'Jane M. Doe',
    'J Doe',
    'DOE^J',
    'Mrs Jane Doe',
    'Dr. Jane Doe Jr',
    'jane doe',
  ])('accepts "%s" for Jane Doe', (name) => {
    expect(nameMatchesPatient(name, jane)).toBe(true);
  });

  it.each(['DOE^JOHN', 'John Doe', 'Jane Smith', 'SMITH^JANE', 'Doe, Joan', 'K Doe'])(
    'rejects "%s" for Jane Doe',
    (name) => {
      expect(nameMatchesPatient(name, jane)).toBe(false);
    },
  );

  it('tolerates diacritics, hyphens, apostrophes and double surnames', () => {
    const maria = { givenName: 'María José', familyName: 'López-García' };
    for (const name of [
      'LOPEZ GARCIA^MARIA JOSE',
      'Maria Jose Lopez Garcia',
      'Lopez, Maria',
      'MARÍA LÓPEZ',
      'Garcia, Maria J',
    ])
      expect(nameMatchesPatient(name, maria), name).toBe(true);
    const obrien = { givenName: 'Seán', familyName: "O'Brien" };
    for (const name of ['OBRIEN^SEAN', "Sean O'Brien", 'O BRIEN, SEAN'])
      expect(nameMatchesPatient(name, obrien), name).toBe(true);
    expect(
      nameMatchesPatient('van der Berg, Anna', { givenName: 'Anna', familyName: 'van der Berg' }),
    ).toBe(true);
    expect(
      nameMatchesPatient('Anna van Dijk', { givenName: 'Anna', familyName: 'van der Berg' }),
    ).toBe(false);
  });

  it('says nothing against a name that says too little (one word, placeholder, blank)', () => {
    for (const name of ['DOE', 'ANONYMOUS', 'Anonymized^Patient', '^', '', 'UNKNOWN^UNKNOWN'])
      expect(nameMatchesPatient(name, jane), name).toBe(true);
    expect(nameWords('ANONYMOUS')).toEqual([]);
    expect(nameWords('DOE^JANE=ドウ^ジェーン')).toEqual(['doe', 'jane']);
  });

  const namePart = fc.stringMatching(/^[A-Z][a-z]{2,9}$/);

  it('accepts every common format of the patient’s own name (property)', () => {
    fc.assert(
      fc.property(
        namePart,
        namePart,
        fc.option(namePart, { nil: undefined }),
        (given, family, middle) => {
          const patient = { givenName: given, familyName: family };
          const middleName = middle === undefined ? '' : ` ${middle}`;
          const formats = [
            `${family.toUpperCase()}^${given.toUpperCase()}${middle === undefined ? '' : `^${middle.toUpperCase()}`}`,
            `${family}, ${given}${middleName}`,
            `${given}${middleName} ${family}`,
            `${given[0]!}. ${family}`,
            `${given.toUpperCase()} ${family.toUpperCase()}`,
          ];
          for (const name of formats) expect(nameMatchesPatient(name, patient), name).toBe(true);
        },
      ),
    );
  });

  it('gives the same verdict whatever format the record uses (property)', () => {
    fc.assert(
      fc.property(
        namePart,
        namePart,
        namePart,
        namePart,
        (given, family, recordedGiven, recordedFamily) => {
          const patient = { givenName: given, familyName: family };
          const verdicts = [
            `${recordedFamily.toUpperCase()}^${recordedGiven.toUpperCase()}`,
            `${recordedFamily}, ${recordedGiven}`,
            `${recordedGiven} ${recordedFamily}`,
            `Mr ${recordedGiven.toLowerCase()} ${recordedFamily.toLowerCase()}`,
          ].map((name) => nameMatchesPatient(name, patient));
          expect(new Set(verdicts).size).toBe(1);
        },
      ),
    );
  });

  it('rejects a different family name whatever the format (property)', () => {
    fc.assert(
      fc.property(namePart, namePart, namePart, (given, family, other) => {
        fc.pre(other.toLowerCase() !== family.toLowerCase());
        fc.pre(
          !other.toLowerCase().includes(family.toLowerCase()) &&
            !family.toLowerCase().includes(other.toLowerCase()),
        );
        const patient = { givenName: given, familyName: family };
        expect(nameMatchesPatient(`${other.toUpperCase()}^${given.toUpperCase()}`, patient)).toBe(
          false,
        );
        expect(nameMatchesPatient(`${given} ${other}`, patient)).toBe(false);
      }),
    );
  });
});

describe('checkPatientIdentities', () => {
  const documentNaming = (name: string | null, birthDate: string | null) =>
    buildDocument({
      id: 'd1',
      kind: 'imaging_study',
      date: '2026-10-01',
      dicom: { description: 'CT', modalities: ['CT'], bodyPart: null },
      identities: [{ name, birthDate, foundIn: 'DICOM (0010,0010)' }],
    });

  it('raises nothing when name and birth date agree', () => {
    expect(
      checkPatientIdentities(buildInput({ documents: [documentNaming('DOE^JANE', '1970-05-04')] })),
    ).toEqual([]);
  });

  it('raises a blocker when the birth date differs, even with the right name', () => {
    const [finding] = checkPatientIdentities(
      buildInput({ documents: [documentNaming('DOE^JANE', '1970-04-05')] }),
    );
    expect(finding).toMatchObject({
      rule: 'wrong_patient',
      severity: 'blocker',
      fingerprint: 'wrong_patient|d1|DICOM (0010,0010)',
      patientAction: 'check',
    });
    expect(finding!.evidence.sources[0]).toMatchObject({
      documentId: 'd1',
      foundIn: 'DICOM (0010,0010)',
    });
    expect(finding!.evidence.values).toMatchObject({
      recordedBirthDate: '1970-04-05',
      patientBirthDate: '1970-05-04',
    });
    expect(finding!.patientMessage).toContain('the birth date');
  });

  it('raises a blocker for another name when no birth date can confirm the patient', () => {
    const [finding] = checkPatientIdentities(
      buildInput({ documents: [documentNaming('SMITH^JOHN', null)] }),
    );
    expect(finding).toMatchObject({ severity: 'blocker' });
    expect(finding!.staffMessage).toContain('SMITH^JOHN');
  });

  it('raises a warning for another name when the birth date agrees (a name change or a typo)', () => {
    const [finding] = checkPatientIdentities(
      buildInput({ documents: [documentNaming('SMITH^JANE', '1970-05-04')] }),
    );
    expect(finding).toMatchObject({ severity: 'warning' });
  });

  it('compares each identity a document holds, and skips what is not recorded', () => {
    const document = {
      ...documentNaming('DOE^JANE', '1970-05-04'),
      patientIdentities: [
        { name: 'DOE^JANE', birthDate: '1970-05-04', foundIn: 'DICOM (0010,0010)' },
        { name: 'Jane Doe', birthDate: '1980-01-01', foundIn: 'Report header' },
        { name: null, birthDate: null, foundIn: 'Footer' },
      ],
    };
    expect(
      checkPatientIdentities(buildInput({ documents: [document] })).map((f) => f.fingerprint),
    ).toEqual(['wrong_patient|d1|Report header']);
    const noBirthDate = buildInput({
      patient: { ...jane, birthDate: null },
      documents: [document],
    });
    expect(checkPatientIdentities(noBirthDate)).toEqual([]);
  });
});
