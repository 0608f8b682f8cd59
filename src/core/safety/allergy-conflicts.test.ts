/**
 * Allergy conflicts: current and proposed drugs against the intake's and the records' drug
 * allergies, by ingredient, class and cross-reactivity; what is not a drug allergy.
 */
import { describe, expect, it } from 'vitest';
import { checkAllergyConflicts, collectAllergens } from './allergy-conflicts.ts';
import {
  buildAllergy,
  buildInput,
  buildMedication,
  rxNormSystem,
} from './corpus/record-builders.ts';
import { smallMedicationKnowledge } from './corpus/small-reference.ts';
import { collectMedicationUses } from './medication-uses.ts';
import type { SafetyNetInput } from './safety-input.ts';

const knowledge = smallMedicationKnowledge();
const check = (input: SafetyNetInput) =>
  checkAllergyConflicts(
    collectAllergens(input, knowledge),
    collectMedicationUses(input, knowledge),
    knowledge,
  );

describe('collectAllergens', () => {
  it('skips "none" entries, food and environmental allergies, resolved ones and unknown substances', () => {
    const input = buildInput({
      case: {
        allergies: [{ substance: 'NKDA' }, { substance: 'Peanuts' }, { substance: 'Penicillin' }],
      },
      clinical: [
        buildAllergy({
          id: 'a1',
          sourceDocumentId: 'f',
          display: 'Latex',
          category: 'environment',
        }),
        buildAllergy({
          id: 'a2',
          sourceDocumentId: 'f',
          display: 'Aspirin',
          clinicalStatus: 'resolved',
        }),
        buildAllergy({
          id: 'a3',
          sourceDocumentId: 'f',
          display: 'Allergy to substance',
          codes: [{ system: rxNormSystem, code: '7980' }],
        }),
        buildAllergy({ id: 'a4', sourceDocumentId: 'f', display: 'Codeine', category: null }),
      ],
    });
    expect(
      collectAllergens(input, knowledge).map((allergen) => [allergen.label, allergen.drugs]),
    ).toEqual([
      ['Penicillin', { ingredients: [], classes: ['penicillins'] }],
      ['Allergy to substance', { ingredients: [], classes: ['penicillins'] }],
      ['Codeine', { ingredients: ['codeine'], classes: [] }],
    ]);
  });
});

describe('checkAllergyConflicts', () => {
  it('blocks on a drug of the allergy’s class in the medication list', () => {
    const [finding] = check(
      buildInput({
        case: {
          allergies: [{ substance: 'Penicillin' }],
          medications: [{ name: 'Amoxicillin 500 mg' }],
        },
      }),
    );
    expect(finding).toMatchObject({
      rule: 'allergy_conflict',
      severity: 'blocker',
      fingerprint: 'allergy_conflict|penicillins|amoxicillin',
      patientAction: 'answer',
    });
    expect(finding!.patientMessage).toMatch(/allergic to Penicillin/);
    expect(finding!.patientMessage).toMatch(/same group/);
  });

  it('checks the proposed treatment too', () => {
    const [finding] = check(
      buildInput({
        case: {
          allergies: [{ substance: 'Sulfa' }],
          proposedTreatment: 'Co-trimoxazole for 5 days',
        },
      }),
    );
    expect(finding).toMatchObject({
      severity: 'blocker',
      fingerprint: 'allergy_conflict|sulfonamide-antibacterials|sulfamethoxazole + trimethoprim',
    });
    expect(finding!.patientMessage).toMatch(/treatment your doctors offered/);
  });

  it('warns on a cross-reactive class and notes a distant one', () => {
    const input = buildInput({
      case: {
        allergies: [{ substance: 'Penicillin' }],
        medications: [{ name: 'Cephalexin 500 mg' }, { name: 'Meropenem 1 g' }],
      },
    });
    expect(check(input).map((finding) => [finding.fingerprint, finding.severity])).toEqual([
      ['allergy_conflict|penicillins|cephalexin', 'warning'],
      ['allergy_conflict|penicillins|meropenem', 'info'],
    ]);
  });

  it('ignores past medications and unrelated drugs', () => {
    const input = buildInput({
      case: {
        allergies: [{ substance: 'Penicillin' }],
        medications: [{ name: 'Lisinopril 10 mg' }],
      },
      clinical: [
        buildMedication({
          id: 'm',
          sourceDocumentId: 'f',
          display: 'Amoxicillin 500 MG',
          status: 'completed',
          start: '2019-01-01',
          end: '2019-01-07',
        }),
      ],
    });
    expect(check(input)).toEqual([]);
  });

  it('merges the same conflict from the intake and the records into one finding', () => {
    const input = buildInput({
      case: {
        allergies: [{ substance: 'Penicillin' }],
        medications: [{ name: 'Amoxicillin 500 mg' }],
      },
      clinical: [
        buildAllergy({ id: 'a', sourceDocumentId: 'f', display: 'Penicillins' }),
        buildMedication({
          id: 'm',
          sourceDocumentId: 'f',
          display: 'Amoxicillin 500 MG Oral Capsule',
        }),
      ],
    });
    const findings = check(input);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence.sources).toHaveLength(4);
  });
});
