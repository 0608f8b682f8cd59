import { describe, expect, it } from 'vitest';
import { parseCalendarDate } from './calendar-date.ts';
import { timelineEntryKinds, type RecordsTimelineEntry } from './records-api.ts';
import { countByKind, layOutTimeline } from './timeline-groups.ts';

const entry = (
  id: string,
  date: string | null,
  kind: RecordsTimelineEntry['kind'] = 'document',
): RecordsTimelineEntry => ({
  id,
  date,
  kind,
  documentKind: kind === 'document' ? 'other' : null,
  title: id,
  detail: null,
  documentId: null,
});

const all = new Set(timelineEntryKinds);

function ids(layout: ReturnType<typeof layOutTimeline>) {
  return {
    years: layout.years.map((year) => ({
      year: year.year,
      months: year.months.map((month) => ({
        month: month.month,
        ids: month.entries.map((item) => item.id),
      })),
    })),
    undated: layout.undated.map((item) => item.id),
  };
}

describe('parseCalendarDate', () => {
  it('reads the three precisions and refuses anything else', () => {
    expect(parseCalendarDate('2024')).toEqual({ year: 2024, month: null, day: null });
    expect(parseCalendarDate('2024-02')).toEqual({ year: 2024, month: 2, day: null });
    expect(parseCalendarDate('2024-02-10')).toEqual({ year: 2024, month: 2, day: 10 });
    expect(parseCalendarDate('2024-13')).toBeNull();
    expect(parseCalendarDate('2024-02-10T10:00:00Z')).toBeNull();
    expect(parseCalendarDate('10/02/2024')).toBeNull();
  });
});

describe('layOutTimeline', () => {
  const entries = [
    entry('ct', '2024-02-10'),
    entry('diabetes', '2024-02', 'condition'),
    entry('discharge', '2024-03-02'),
    entry('aspirin', '2024-03-02', 'medication'),
    entry('appendix', '2019', 'procedure'),
    entry('hba1c', '2023-12-01', 'observation'),
    entry('penicillin', null, 'allergy'),
    entry('odd', 'last spring'),
  ];

  it('groups by year and month, newest first, precise dates before month-only ones', () => {
    expect(ids(layOutTimeline(entries, all, 'newest'))).toEqual({
      years: [
        {
          year: 2024,
          months: [
            { month: 3, ids: ['aspirin', 'discharge'] },
            { month: 2, ids: ['ct', 'diabetes'] },
          ],
        },
        { year: 2023, months: [{ month: 12, ids: ['hba1c'] }] },
        { year: 2019, months: [{ month: null, ids: ['appendix'] }] },
      ],
      undated: ['odd', 'penicillin'],
    });
  });

  it('runs the other way oldest first, still ending each year with year-only entries', () => {
    const layout = layOutTimeline(
      [...entries, entry('checkup', '2024'), entry('january', '2024-01-05')],
      all,
      'oldest',
    );
    expect(layout.years.map((year) => year.year)).toEqual([2019, 2023, 2024]);
    expect(layout.years[2]!.months.map((month) => month.month)).toEqual([1, 2, 3, null]);
  });

  it('shows only the chosen kinds', () => {
    const layout = layOutTimeline(entries, new Set(['condition', 'allergy'] as const), 'newest');
    expect(ids(layout)).toEqual({
      years: [{ year: 2024, months: [{ month: 2, ids: ['diabetes'] }] }],
      undated: ['penicillin'],
    });
  });
});

describe('countByKind', () => {
  it('counts each kind present', () => {
    const counts = countByKind([entry('a', null), entry('b', null), entry('c', null, 'allergy')]);
    expect(Object.fromEntries(counts)).toEqual({ document: 2, allergy: 1 });
  });
});
