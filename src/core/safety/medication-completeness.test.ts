/** Medications without a dose or a frequency, with strength and schedule read from the name. */
import { describe, expect, it } from 'vitest';
import { buildInput, buildMedication } from './corpus/record-builders.ts';
import { smallMedicationKnowledge } from './corpus/small-reference.ts';
import {
  checkMedicationCompleteness,
  statesSchedule,
  statesStrength,
} from './medication-completeness.ts';
import { collectMedicationUses } from './medication-uses.ts';
import type { SafetyNetInput } from './safety-input.ts';

const knowledge = smallMedicationKnowledge();
const check = (input: SafetyNetInput) =>
  checkMedicationCompleteness(collectMedicationUses(input, knowledge));

describe('strength and schedule in a name', () => {
  it('reads strengths and schedules', () => {
    for (const name of [
      'Lisinopril 10 mg',
      'Amoxicillin 250 MG Oral Capsule',
      'Insulin 10 units',
      'Salbutamol 2 puffs',
      'Levothyroxine 0.1mg',
      'Insulin Glargine 100 UNT/ML Injectable Pen',
    ])
      expect(statesStrength(name), name).toBe(true);
    for (const name of ['Lisinopril', 'Vitamin B12', 'Take 2 weeks'])
      expect(statesStrength(name), name).toBe(false);
    for (const name of [
      'Metformin twice daily',
      'Aspirin OD',
      'Paracetamol PRN',
      'Morphine q4h',
      'at night',
    ])
      expect(statesSchedule(name), name).toBe(true);
    for (const name of ['Metformin 500 mg', 'Bod lotion'])
      expect(statesSchedule(name), name).toBe(false);
  });
});

describe('checkMedicationCompleteness', () => {
  it('asks the patient (warning) for what an intake entry lacks', () => {
    const findings = check(
      buildInput({
        case: {
          medications: [
            { name: 'Levothyroxine', dose: null, frequency: 'once daily' },
            { name: 'Metformin', dose: '500 mg' },
            { name: 'Warfarin' },
            { name: 'Lisinopril', dose: '10 mg', frequency: 'daily' },
            { name: 'Aspirin 81 mg once daily' },
          ],
        },
      }),
    );
    expect(
      findings.map((finding) => [
        finding.fingerprint,
        finding.severity,
        finding.evidence.values.missing,
      ]),
    ).toEqual([
      ['medication_incomplete|intake:levothyroxine', 'warning', 'dose'],
      ['medication_incomplete|intake:metformin', 'warning', 'frequency'],
      ['medication_incomplete|intake:warfarin', 'warning', 'dose and frequency'],
    ]);
    expect(findings[2]!.patientMessage).toBe(
      'For "Warfarin", please tell us the dose and how often you take it.',
    );
  });

  it('notes (info) current imported medications without them, and ignores past ones', () => {
    const findings = check(
      buildInput({
        clinical: [
          buildMedication({
            id: 'm1',
            sourceDocumentId: 'f',
            display: 'Amoxicillin 250 MG Oral Capsule',
          }),
          buildMedication({
            id: 'm2',
            sourceDocumentId: 'f',
            display: 'Atorvastatin',
            frequency: 'daily',
          }),
          buildMedication({
            id: 'm3',
            sourceDocumentId: 'f',
            display: 'Ibuprofen',
            status: 'completed',
            start: '2020-01-01',
            end: '2020-01-05',
          }),
        ],
      }),
    );
    expect(
      findings.map((finding) => [
        finding.fingerprint,
        finding.severity,
        finding.evidence.values.missing,
      ]),
    ).toEqual([
      ['medication_incomplete|item:m1', 'info', 'frequency'],
      ['medication_incomplete|item:m2', 'info', 'dose'],
    ]);
  });

  it('raises one finding for an entry listed twice', () => {
    expect(
      check(buildInput({ case: { medications: [{ name: 'Warfarin' }, { name: 'warfarin' }] } })),
    ).toHaveLength(1);
  });
});
