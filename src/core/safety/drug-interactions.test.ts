/**
 * Drug–drug interactions among medications taken at the same time: severities by the source's
 * grade, lifetime co-occurrence not counted, one finding per pair whichever listings name it.
 */
import { describe, expect, it } from 'vitest';
import { buildInput, buildMedication } from './corpus/record-builders.ts';
import { smallMedicationKnowledge } from './corpus/small-reference.ts';
import { checkDrugInteractions, interactionFindingSeverity } from './drug-interactions.ts';
import { collectMedicationUses } from './medication-uses.ts';
import type { SafetyNetInput } from './safety-input.ts';

const knowledge = smallMedicationKnowledge();
const check = (input: SafetyNetInput) =>
  checkDrugInteractions(collectMedicationUses(input, knowledge), knowledge);
const intake = (...names: string[]) =>
  buildInput({ case: { medications: names.map((name) => ({ name })) } });

describe('checkDrugInteractions', () => {
  it('blocks on an ONC high-priority pair in the intake list', () => {
    const [finding] = check(intake('Simvastatin 40 mg', 'Clarithromycin 500 mg'));
    expect(finding).toMatchObject({
      rule: 'drug_interaction',
      severity: 'blocker',
      fingerprint: 'drug_interaction|clarithromycin|simvastatin',
      patientAction: 'answer',
    });
    expect(finding!.staffMessage).toContain('ONC-HP-11');
    expect(finding!.staffMessage).toContain('Myopathy');
    expect(finding!.evidence.values).toMatchObject({
      interactions: 'ONC-HP-11',
      concurrency: 'now',
    });
  });

  it('grades the other severities', () => {
    expect(check(intake('sildenafil', 'nitroglycerin'))[0]!.severity).toBe('blocker');
    expect(check(intake('warfarin', 'ibuprofen'))[0]!.severity).toBe('warning');
    expect(check(intake('clopidogrel', 'omeprazole'))[0]!.severity).toBe('warning');
    expect(interactionFindingSeverity('minor')).toBe('info');
  });

  it('raises nothing for drugs that do not interact, or the same drug twice', () => {
    expect(check(intake('Lisinopril 10 mg', 'Metformin 500 mg', 'Aspirin 81 mg'))).toEqual([]);
    expect(check(intake('Simvastatin 20 mg', 'Simvastatin 40 mg'))).toEqual([]);
  });

  it('checks drugs of the proposed treatment against current ones', () => {
    const input = buildInput({
      case: {
        medications: [{ name: 'Warfarin 5 mg daily' }],
        proposedTreatment: 'Naproxen 500 mg twice daily for pain',
      },
    });
    const [finding] = check(input);
    expect(finding).toMatchObject({
      fingerprint: 'drug_interaction|naproxen|warfarin',
      severity: 'warning',
    });
    expect(finding!.patientMessage).toMatch(/treatment your doctors offered/);
  });

  it('does not count lifetime co-occurrence: stopped years apart is no interaction', () => {
    const input = buildInput({
      clinical: [
        buildMedication({
          id: 'a',
          sourceDocumentId: 'f',
          display: 'Simvastatin 20 MG',
          status: 'stopped',
          start: '2015-01-01',
          end: '2016-01-01',
        }),
        buildMedication({
          id: 'b',
          sourceDocumentId: 'f',
          display: 'Clarithromycin 500 MG',
          status: 'completed',
          start: '2019-03-01',
          end: '2019-03-10',
        }),
        buildMedication({
          id: 'c',
          sourceDocumentId: 'f',
          display: 'Clarithromycin 500 MG',
          status: 'completed',
          start: '2014-03-01',
        }),
      ],
    });
    expect(check(input)).toEqual([]);
  });

  it('notes (info) a pair that overlapped in the past only', () => {
    const input = buildInput({
      clinical: [
        buildMedication({
          id: 'a',
          sourceDocumentId: 'f',
          display: 'Simvastatin 20 MG',
          status: 'stopped',
          start: '2015-01-01',
          end: '2019-06-01',
        }),
        buildMedication({
          id: 'b',
          sourceDocumentId: 'f',
          display: 'Clarithromycin 500 MG',
          status: 'completed',
          start: '2019-03-01',
          end: '2019-03-10',
        }),
      ],
    });
    const [finding] = check(input);
    expect(finding).toMatchObject({ severity: 'info', patientAction: 'none' });
    expect(finding!.evidence.values.concurrency).toBe('past');
  });

  it('makes the same pair from the intake and an import one finding with both as evidence', () => {
    const input = buildInput({
      case: { medications: [{ name: 'Simvastatin 40 mg' }, { name: 'Clarithromycin 500 mg' }] },
      clinical: [
        buildMedication({
          id: 'm1',
          sourceDocumentId: 'f',
          display: 'Simvastatin 40 MG Oral Tablet',
          status: 'active',
        }),
      ],
    });
    const findings = check(input);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.evidence.sources.map((source) => source.type)).toEqual([
      'clinical_item',
      'intake',
      'intake',
    ]);
  });
});
