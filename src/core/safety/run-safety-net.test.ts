/**
 * The engine: every check runs, findings come sorted (severity, rule, fingerprint), the same
 * records give the same findings whatever their order, and the checklist follows the category.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareFindings } from './finding.ts';
import { buildDocument, buildInput } from './corpus/record-builders.ts';
import { smallReference } from './corpus/small-reference.ts';
import { soundCases } from './corpus/sound-cases.ts';
import { defectInjectors } from './corpus/defect-injectors.ts';
import { caseCategoryOf, runSafetyNet } from './run-safety-net.ts';
import type { SafetyNetInput } from './safety-input.ts';

const reference = smallReference();

/** A case with a defect of every kind at once, built from a sound case. */
function caseWithEveryDefect(): SafetyNetInput {
  let input = soundCases()[0]!.input;
  for (const injector of defectInjectors) input = injector.inject(input, reference)?.input ?? input;
  return input;
}

function shuffled<T>(items: readonly T[], order: readonly number[]): T[] {
  return items
    .map((item, index) => ({ item, key: order[index % order.length]! * 1000 + index }))
    .sort((left, right) => left.key - right.key)
    .map(({ item }) => item);
}

describe('runSafetyNet', () => {
  it('runs every check and returns the findings in the engine’s order', () => {
    const findings = runSafetyNet(caseWithEveryDefect(), reference);
    expect(findings).toEqual([...findings].sort(compareFindings));
    const rules = new Set(findings.map((finding) => finding.rule));
    for (const rule of [
      'wrong_patient',
      'unreadable_document',
      'duplicate_document',
      'icd_description_mismatch',
      'drug_interaction',
      'allergy_conflict',
      'duplicate_therapy',
      'medication_incomplete',
      'history_gap',
      'referenced_attachment_missing',
      'missing_document',
    ])
      expect(rules, rule).toContain(rule);
    expect(new Set(findings.map((finding) => finding.fingerprint)).size).toBe(findings.length);
  });

  it('gives the same findings whatever the order of documents, items and intake lists (property)', () => {
    const input = caseWithEveryDefect();
    const expected = runSafetyNet(input, reference);
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 12 }), (order) => {
        const reordered: SafetyNetInput = {
          ...input,
          case: {
            ...input.case,
            medications: shuffled(input.case.medications, order),
            allergies: shuffled(input.case.allergies, [...order].reverse()),
          },
          documents: shuffled(input.documents, order),
          clinical: shuffled(input.clinical, [...order].reverse()),
        };
        expect(runSafetyNet(reordered, reference)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('is deterministic run after run', () => {
    const input = caseWithEveryDefect();
    expect(runSafetyNet(structuredClone(input), reference)).toEqual(runSafetyNet(input, reference));
  });

  it('holds a case to the checklist of its category, and an uncategorised one to the fallback', () => {
    const oncology = buildInput({
      case: { diagnosisCode: 'C50.411', diagnosisText: 'Breast cancer' },
    });
    expect(caseCategoryOf(oncology, reference)).toBe('oncology');
    expect(runSafetyNet(oncology, reference).map((finding) => finding.fingerprint)).toContain(
      'missing_document|oncology|pathology',
    );
    const chosen = { ...oncology, case: { ...oncology.case, category: 'cardiology' as const } };
    expect(runSafetyNet(chosen, reference).map((finding) => finding.fingerprint)).toContain(
      'missing_document|cardiology|cardiac_test',
    );
    const uncategorised = buildInput({
      documents: [buildDocument({ id: 'd', kind: 'clinic_letter', date: '2026-11-01' })],
    });
    expect(
      runSafetyNet(uncategorised, reference).map((finding) => [
        finding.severity,
        finding.fingerprint,
      ]),
    ).toEqual([
      ['warning', 'missing_fact|fallback|allergies'],
      ['warning', 'missing_fact|fallback|diagnosis_code'],
      ['warning', 'missing_fact|fallback|diagnosis_text'],
      ['warning', 'missing_fact|fallback|medications'],
      ['info', 'missing_fact|fallback|proposed_treatment'],
    ]);
  });

  it('refuses a day of check that is not a calendar date', () => {
    expect(() => runSafetyNet(buildInput({ today: '16/11/2026' }), reference)).toThrow(RangeError);
  });
});
