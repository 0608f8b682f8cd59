/**
 * What of an intake may change after submission: only the facts the records check reads, and
 * only until the case is ready for matching.
 */
import { describe, expect, it } from 'vitest';
import { caseStates } from './case-lifecycle.ts';
import { changesRecordsCheckInput, intakeChangeAllowed } from './case-intake.ts';

const medicines = { medications: [{ name: 'Warfarin', dose: '5 mg', frequency: 'daily' }] };

describe('changes to an intake', () => {
  it('allows anything in a draft', () => {
    expect(intakeChangeAllowed('draft', { history: 'Knee surgery in 2015.', ...medicines })).toBe(
      true,
    );
    expect(intakeChangeAllowed('draft', {})).toBe(true);
  });

  it('allows correcting what the records check reads until the case is ready for matching', () => {
    const allowed = caseStates.filter(
      (state) => state !== 'draft' && intakeChangeAllowed(state, medicines),
    );
    expect(allowed).toEqual(['submitted', 'triage', 'awaiting_records']);
    for (const change of [
      { diagnosisCode: 'I48.91' },
      { diagnosisText: 'Atrial fibrillation' },
      { proposedTreatment: 'Catheter ablation' },
      { allergies: [] },
    ]) {
      expect(intakeChangeAllowed('triage', change)).toBe(true);
    }
  });

  it('refuses anything else of a submitted intake, alone or mixed in, and an empty change', () => {
    expect(intakeChangeAllowed('submitted', { history: 'late' })).toBe(false);
    expect(intakeChangeAllowed('triage', { ...medicines, questions: ['Why?'] })).toBe(false);
    expect(intakeChangeAllowed('awaiting_records', { consentAccepted: false })).toBe(false);
    expect(intakeChangeAllowed('submitted', {})).toBe(false);
  });

  it('knows which changes the records check reads', () => {
    expect(changesRecordsCheckInput(medicines)).toBe(true);
    expect(changesRecordsCheckInput({ diagnosisCode: null })).toBe(true);
    expect(changesRecordsCheckInput({ history: 'x', goals: { writtenOnly: true } })).toBe(false);
  });
});
