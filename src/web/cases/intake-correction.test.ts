import { describe, expect, it } from 'vitest';
import { caseDraftChangeSchema, intakeChangeAllowed } from '../../core/case-intake.ts';
import { caseStates } from '../../core/case-lifecycle.ts';
import type { Role } from '../../core/roles.ts';
import type { CaseView } from './case-api.ts';
import {
  correctionChangeOf,
  correctionProblems,
  isCorrectionState,
  mayCorrectIntake,
} from './intake-correction.ts';
import { emptyMedication, emptyTextRow, newRowKey, type IntakeValues } from './intake-form.ts';

/** A submitted intake as the form holds it: a diagnosis, one medicine, one allergy, one device. */
function savedValues(): IntakeValues {
  return {
    conditionDescription: 'Thirsty and tired for a year.',
    diagnosisCode: 'E11.9',
    diagnosisText: 'Type 2 diabetes mellitus without complications',
    proposedTreatment: 'Start insulin injections every night.',
    medications: [
      { key: newRowKey(), name: 'Metformin', dose: '500 mg', frequency: 'Twice a day' },
    ],
    allergies: [
      { key: newRowKey(), substance: 'Penicillin', reaction: 'Rash', severity: 'moderate' },
    ],
    devices: [{ key: newRowKey(), text: 'Knee implant (left)' }],
    history: 'Knee operation in 2015.',
    questions: [{ key: newRowKey(), text: 'Do I really need insulin now?' }],
    whatMatters: 'Keep working.',
    opinionScope: 'international',
    preferredLanguage: 'es',
    opinionFormat: 'written',
    urgency: 'routine',
    urgencyReason: '',
  };
}

/** The same values as a fresh form fill (new row keys), as the case page builds them. */
function refilled(values: IntakeValues): IntakeValues {
  return {
    ...values,
    medications: values.medications.map((row) => ({ ...row, key: newRowKey() })),
    allergies: values.allergies.map((row) => ({ ...row, key: newRowKey() })),
  };
}

const withdraw: CaseView['availableTransitions'][number] = {
  name: 'withdraw',
  to: 'withdrawn',
  failures: [],
};

describe('mayCorrectIntake', () => {
  it('offers the correction exactly in core’s correction states', () => {
    const offered = caseStates.filter((state) =>
      mayCorrectIntake({ state, availableTransitions: [withdraw] }, 'patient'),
    );
    expect(offered).toEqual(['submitted', 'triage', 'awaiting_records']);
    expect(caseStates.filter(isCorrectionState)).toEqual(offered);
  });

  it('offers it to the patient side that may update the case, never to staff', () => {
    const roles: Role[] = [
      'patient',
      'proxy',
      'referring_physician',
      'coordinator',
      'specialist',
      'care_team',
      'org_admin',
    ];
    const offered = roles.filter((role) =>
      mayCorrectIntake({ state: 'triage', availableTransitions: [withdraw] }, role),
    );
    expect(offered).toEqual(['patient', 'proxy', 'referring_physician']);
  });

  it('does not offer it to a proxy who may only view the case (no step offered)', () => {
    expect(mayCorrectIntake({ state: 'submitted', availableTransitions: [] }, 'proxy')).toBe(false);
    // A referring physician takes no step here either, but may update the intake.
    expect(
      mayCorrectIntake({ state: 'submitted', availableTransitions: [] }, 'referring_physician'),
    ).toBe(true);
  });
});

describe('correctionChangeOf', () => {
  it('sends nothing when nothing changed, however the rows are keyed', () => {
    const saved = savedValues();
    expect(correctionChangeOf(refilled(saved), saved)).toEqual({});
  });

  it('sends an added medicine as the whole list, and nothing else', () => {
    const saved = savedValues();
    const values = refilled(saved);
    values.medications.push({
      ...emptyMedication(),
      name: ' Lisinopril ',
      dose: '10 mg',
      frequency: '',
    });
    expect(correctionChangeOf(values, saved)).toEqual({
      medications: [
        { name: 'Metformin', dose: '500 mg', frequency: 'Twice a day' },
        { name: 'Lisinopril', dose: '10 mg', frequency: null },
      ],
    });
  });

  it('leaves out an added row left empty', () => {
    const saved = savedValues();
    const values = refilled(saved);
    values.medications.push(emptyMedication());
    expect(correctionChangeOf(values, saved)).toEqual({});
  });

  it('clears a removed diagnosis code and a removed allergy list', () => {
    const saved = savedValues();
    const values = { ...refilled(saved), diagnosisCode: '', allergies: [] };
    expect(correctionChangeOf(values, saved)).toEqual({ diagnosisCode: null, allergies: [] });
  });

  it('never sends a field a submitted case refuses, even when the form holds a change to it', () => {
    const saved = savedValues();
    const values = {
      ...refilled(saved),
      conditionDescription: 'Something else',
      history: 'Changed',
      devices: [emptyTextRow(), { key: newRowKey(), text: 'Pacemaker' }],
      urgency: 'urgent' as const,
      proposedTreatment: 'Diet first.',
    };
    const change = correctionChangeOf(values, saved);
    expect(change).toEqual({ proposedTreatment: 'Diet first.' });
    expect(caseDraftChangeSchema.parse(change)).toEqual(change);
    expect(intakeChangeAllowed('awaiting_records', change)).toBe(true);
  });
});

describe('correctionProblems', () => {
  it('puts the problems of the correctable fields on their form rows', () => {
    const saved = savedValues();
    const values = refilled(saved);
    values.medications.push({ ...emptyMedication(), dose: '10 mg' });
    values.allergies[0] = { ...values.allergies[0]!, substance: '' };
    expect(correctionProblems(values)).toEqual({
      'medications.1.name': { kind: 'required' },
      'allergies.0.substance': { kind: 'required' },
    });
  });

  it('ignores fields the correction does not hold', () => {
    const values = {
      ...savedValues(),
      conditionDescription: 'x'.repeat(10_001),
      devices: [{ key: newRowKey(), text: 'x'.repeat(501) }],
    };
    expect(correctionProblems(values)).toEqual({});
  });
});
