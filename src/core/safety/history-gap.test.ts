/**
 * History gaps: stretches after the diagnosis without any dated record, longer than the
 * checklist's threshold; where the history starts; and the five-year lookback.
 */
import { describe, expect, it } from 'vitest';
import {
  buildCondition,
  buildDocument,
  buildInput,
  buildMedication,
} from './corpus/record-builders.ts';
import { checkHistoryGaps, historyLookbackDays, historyStart } from './history-gap.ts';
import { addDays } from '../iso-dates.ts';

const today = '2026-11-16';
const letter = (id: string, date: string | null) =>
  buildDocument({ id, kind: 'clinic_letter', date });

describe('checkHistoryGaps', () => {
  it('raises nothing when records follow each other within the threshold', () => {
    const input = buildInput({
      case: { diagnosisDate: '2026-01-01' },
      documents: [letter('a', '2026-05-01'), letter('b', '2026-09-01')],
    });
    expect(checkHistoryGaps(input, 180)).toEqual([]);
  });

  it('raises one warning per stretch above the threshold, named by its two ends', () => {
    const input = buildInput({
      case: { diagnosisDate: '2025-01-10' },
      documents: [letter('a', '2025-02-01'), letter('b', '2025-12-01'), letter('c', '2026-11-01')],
    });
    const findings = checkHistoryGaps(input, 180);
    expect(findings.map((finding) => finding.fingerprint)).toEqual([
      'history_gap|2025-02-01|2025-12-01',
      'history_gap|2025-12-01|2026-11-01',
    ]);
    expect(findings[0]).toMatchObject({ severity: 'warning', patientAction: 'upload' });
    expect(findings[0]!.evidence.values).toMatchObject({ days: 303, thresholdDays: 180 });
    expect(
      findings[0]!.evidence.sources.map(
        (source) => source.type === 'document' && source.documentId,
      ),
    ).toEqual(['a', 'b']);
    expect(findings[0]!.patientMessage).toContain('1 February 2025 to 1 December 2025');
  });

  it('names a gap that runs to the day of the check "today", so it stays one finding day after day', () => {
    const input = buildInput({
      case: { diagnosisDate: '2025-06-01' },
      documents: [letter('a', '2025-07-01')],
    });
    const [finding] = checkHistoryGaps(input, 180);
    expect(finding!.fingerprint).toBe('history_gap|2025-07-01|today');
    const tomorrow = checkHistoryGaps({ ...input, today: addDays(today, 1) }, 180);
    expect(tomorrow[0]!.fingerprint).toBe(finding!.fingerprint);
  });

  it('starts at the diagnosis date with the intake field as evidence', () => {
    const input = buildInput({
      case: { diagnosisDate: '2025-01-01' },
      documents: [letter('a', '2026-10-01')],
    });
    const [finding] = checkHistoryGaps(input, 180);
    expect(finding!.fingerprint).toBe('history_gap|2025-01-01|2026-10-01');
    expect(finding!.evidence.sources).toContainEqual({ type: 'intake', field: 'diagnosisDate' });
  });

  it('counts imported clinical items and ignores undated records and records outside the period', () => {
    const input = buildInput({
      case: { diagnosisDate: '2025-06-01' },
      documents: [
        letter('undated', null),
        letter('before', '2020-01-01'),
        letter('future', '2027-06-01'),
      ],
      clinical: [
        buildMedication({
          id: 'm1',
          sourceDocumentId: 'f',
          display: 'aspirin',
          start: '2025-10-01',
        }),
        buildMedication({
          id: 'm2',
          sourceDocumentId: 'f',
          display: 'aspirin',
          start: '2026-03-01',
        }),
        buildMedication({
          id: 'm3',
          sourceDocumentId: 'f',
          display: 'aspirin',
          start: '2026-08-01',
        }),
      ],
    });
    expect(checkHistoryGaps(input, 180)).toEqual([]);
    const withoutItems = { ...input, clinical: [] };
    expect(checkHistoryGaps(withoutItems, 180).map((f) => f.fingerprint)).toEqual([
      'history_gap|2025-06-01|today',
    ]);
  });

  it('checks nothing without a diagnosis date or code, or with a diagnosis in the future', () => {
    expect(checkHistoryGaps(buildInput(), 30)).toEqual([]);
    expect(checkHistoryGaps(buildInput({ case: { diagnosisDate: '2027-01-01' } }), 30)).toEqual([]);
    expect(checkHistoryGaps(buildInput({ case: { diagnosisDate: '2026-02-30' } }), 30)).toEqual([]);
  });

  it('looks back five years at most, naming a gap from that limit "lookback"', () => {
    const input = buildInput({
      case: { diagnosisDate: '2001-03-01' },
      documents: [letter('a', '2026-10-01')],
    });
    const [finding] = checkHistoryGaps(input, 365);
    expect(finding!.fingerprint).toBe('history_gap|lookback|2026-10-01');
    expect(finding!.evidence.values.days).toBe(historyLookbackDays - 46);
    expect(finding!.evidence.sources).not.toContainEqual({
      type: 'intake',
      field: 'diagnosisDate',
    });
  });
});

describe('historyStart', () => {
  it('falls back to the earliest imported condition in the diagnosis code’s category', () => {
    const input = buildInput({
      case: { diagnosisCode: 'E11.9' },
      clinical: [
        buildCondition({
          id: 'c2',
          sourceDocumentId: 'f',
          date: '2024-03-01',
          display: 'Diabetes',
          icd10cm: 'E11.65',
        }),
        buildCondition({
          id: 'c1',
          sourceDocumentId: 'f',
          date: '2024-02-01',
          display: 'Diabetes',
          icd10cm: 'E119',
        }),
        buildCondition({
          id: 'c0',
          sourceDocumentId: 'f',
          date: '2010-01-01',
          display: 'Hypertension',
          icd10cm: 'I10',
        }),
        buildCondition({
          id: 'c3',
          sourceDocumentId: 'f',
          date: null,
          display: 'Diabetes',
          icd10cm: 'E11.9',
        }),
      ],
    });
    expect(historyStart(input)).toEqual({
      date: '2024-02-01',
      source: { type: 'clinical_item', itemId: 'c1', sourceDocumentId: 'f', display: 'Diabetes' },
    });
    expect(
      historyStart({ ...input, case: { ...input.case, diagnosisDate: '2024-05-05' } })?.date,
    ).toBe('2024-05-05');
    expect(
      historyStart({ ...input, case: { ...input.case, diagnosisCode: 'C50.411' } }),
    ).toBeNull();
  });
});
