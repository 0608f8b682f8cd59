/**
 * Which medication listings are current and when two were taken together: intake entries,
 * imported medications by status and period, and the proposed treatment.
 */
import { describe, expect, it } from 'vitest';
import { buildInput, buildMedication } from './corpus/record-builders.ts';
import { smallMedicationKnowledge } from './corpus/small-reference.ts';
import { dayNumber } from '../iso-dates.ts';
import { collectMedicationUses, concurrency } from './medication-uses.ts';

const knowledge = smallMedicationKnowledge();
const today = '2026-11-16';
const usesOf = (...items: Parameters<typeof buildMedication>[0][]) =>
  collectMedicationUses(buildInput({ clinical: items.map(buildMedication) }), knowledge);

describe('collectMedicationUses', () => {
  it('takes the intake as current and the proposed treatment as starting now', () => {
    const uses = collectMedicationUses(
      buildInput({
        case: { medications: [{ name: 'Warfarin 5 mg' }], proposedTreatment: 'Start ibuprofen' },
      }),
      knowledge,
    );
    expect(uses.map((use) => [use.key, use.origin, use.current, use.drugs.ingredients])).toEqual([
      ['intake:warfarin 5 mg', 'intake', true, ['warfarin']],
      ['proposed', 'proposed', true, ['ibuprofen']],
    ]);
    expect(uses[0]!.from).toBe(dayNumber(today));
  });

  it('reads the status of imported medications', () => {
    const uses = usesOf(
      { id: 'active', sourceDocumentId: 'f', display: 'aspirin', status: 'active' },
      { id: 'held', sourceDocumentId: 'f', display: 'aspirin', status: 'on-hold' },
      { id: 'intended', sourceDocumentId: 'f', display: 'aspirin', status: 'intended' },
      {
        id: 'stopped',
        sourceDocumentId: 'f',
        display: 'aspirin',
        status: 'stopped',
        start: '2020-01-01',
        end: '2020-02-01',
      },
      {
        id: 'ended',
        sourceDocumentId: 'f',
        display: 'aspirin',
        status: 'active',
        end: '2026-01-01',
      },
      { id: 'error', sourceDocumentId: 'f', display: 'aspirin', status: 'entered-in-error' },
      {
        id: 'unknown-now',
        sourceDocumentId: 'f',
        display: 'aspirin',
        status: null,
        start: '2026-01-01',
        end: '2027-01-01',
      },
      {
        id: 'unknown-open',
        sourceDocumentId: 'f',
        display: 'aspirin',
        status: 'unknown',
        start: '2026-01-01',
      },
    );
    expect(Object.fromEntries(uses.map((use) => [use.key, use.current]))).toEqual({
      'item:active': true,
      'item:held': true,
      'item:intended': true,
      'item:stopped': false,
      'item:ended': false,
      'item:unknown-now': true,
      'item:unknown-open': false,
    });
  });

  it('uses the ingredients an import names, mapped to the knowledge’s names, and keeps unknown ones', () => {
    const [use] = usesOf({
      id: 'm',
      sourceDocumentId: 'f',
      display: 'Bactrim DS',
      ingredients: ['Sulfamethoxazole', 'trimethoprim', 'Novelium'],
    });
    expect(use!.drugs.ingredients).toEqual(['novelium', 'sulfamethoxazole', 'trimethoprim']);
  });
});

describe('concurrency', () => {
  it('is now for two current listings, past for overlapping periods, and unknown otherwise', () => {
    const [current, past1, past2, later, open] = usesOf(
      { id: 'a', sourceDocumentId: 'f', display: 'aspirin', status: 'active', start: '2025-01-01' },
      {
        id: 'b',
        sourceDocumentId: 'f',
        display: 'warfarin',
        status: 'completed',
        start: '2020-01-01',
        end: '2020-03-01',
      },
      {
        id: 'c',
        sourceDocumentId: 'f',
        display: 'ibuprofen',
        status: 'completed',
        start: '2020-02-15',
        end: '2020-02-20',
      },
      {
        id: 'd',
        sourceDocumentId: 'f',
        display: 'ibuprofen',
        status: 'completed',
        start: '2021-01-01',
        end: '2021-01-05',
      },
      {
        id: 'e',
        sourceDocumentId: 'f',
        display: 'ibuprofen',
        status: 'completed',
        start: '2020-01-01',
      },
    );
    expect(concurrency(current!, current!)).toBe('now');
    expect(concurrency(past1!, past2!)).toBe('past');
    expect(concurrency(past1!, later!)).toBeNull();
    expect(concurrency(past1!, open!)).toBeNull();
    expect(concurrency(current!, later!)).toBeNull();
  });
});
