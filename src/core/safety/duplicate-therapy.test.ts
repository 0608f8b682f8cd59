/** Duplicate therapy: two different current drugs of one therapeutic class. */
import { describe, expect, it } from 'vitest';
import { buildInput, buildMedication } from './corpus/record-builders.ts';
import { smallMedicationKnowledge } from './corpus/small-reference.ts';
import { checkDuplicateTherapy } from './duplicate-therapy.ts';
import { collectMedicationUses } from './medication-uses.ts';
import type { SafetyNetInput } from './safety-input.ts';

const knowledge = smallMedicationKnowledge();
const check = (input: SafetyNetInput) =>
  checkDuplicateTherapy(collectMedicationUses(input, knowledge), knowledge);
const intake = (...names: string[]) =>
  buildInput({ case: { medications: names.map((name) => ({ name })) } });

describe('checkDuplicateTherapy', () => {
  it('warns on two different drugs of one class', () => {
    const [finding] = check(intake('Lisinopril 10 mg', 'Ramipril 5 mg'));
    expect(finding).toMatchObject({
      rule: 'duplicate_therapy',
      severity: 'warning',
      fingerprint: 'duplicate_therapy|Angiotensin Converting Enzyme Inhibitor|lisinopril|ramipril',
      patientAction: 'answer',
    });
    expect(finding!.patientMessage).toContain('lisinopril and ramipril');
  });

  it('treats the two opioid groups as one class', () => {
    expect(
      check(intake('Codeine 30 mg', 'Tramadol 50 mg'))[0]!.evidence.values.therapeuticClass,
    ).toBe('Opioid Agonist');
  });

  it('does not count the same drug listed twice (intake and import) as two therapies', () => {
    const input = buildInput({
      case: { medications: [{ name: 'Lisinopril 10 mg' }] },
      clinical: [
        buildMedication({
          id: 'm',
          sourceDocumentId: 'f',
          display: 'lisinopril 10 MG Oral Tablet',
        }),
      ],
    });
    expect(check(input)).toEqual([]);
  });

  it('leaves out the proposed treatment (often a planned switch), past drugs and allergy-only groups', () => {
    expect(
      check(
        buildInput({
          case: {
            medications: [{ name: 'Lisinopril 10 mg' }],
            proposedTreatment: 'Change to ramipril',
          },
        }),
      ),
    ).toEqual([]);
    const past = buildInput({
      case: { medications: [{ name: 'Ibuprofen 400 mg' }] },
      clinical: [
        buildMedication({
          id: 'm',
          sourceDocumentId: 'f',
          display: 'Naproxen 500 MG',
          status: 'stopped',
          start: '2020-01-01',
          end: '2020-02-01',
        }),
      ],
    });
    expect(check(past)).toEqual([]);
    expect(check(intake('Carbamazepine 200 mg', 'Lamotrigine 100 mg'))).toEqual([]);
  });
});
