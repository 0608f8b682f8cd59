/** Calendar-date arithmetic: valid dates only, whole days, and the plain English form. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, dayNumber, isIsoDate, plainDate } from './iso-dates.ts';

describe('dayNumber', () => {
  it('counts days from 1970-01-01', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayNumber('1969-12-31')).toBe(-1);
  });

  it('refuses what is not a real calendar date', () => {
    for (const text of [
      '2026-02-30',
      '2025-02-29',
      '2026-13-01',
      '2026-1-5',
      '05/04/2026',
      '',
      'today',
    ])
      expect(dayNumber(text), text).toBeNull();
    expect(dayNumber(null)).toBeNull();
    expect(isIsoDate('2024-02-29')).toBe(true);
  });
});

describe('daysBetween and addDays', () => {
  it('counts across month, year and leap-day boundaries', () => {
    expect(daysBetween('2026-08-18', '2026-11-16')).toBe(90);
    expect(daysBetween('2023-12-31', '2024-03-01')).toBe(61);
    expect(daysBetween('2026-11-16', '2026-08-18')).toBe(-90);
    expect(daysBetween('2026-11-16', null)).toBeNull();
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-11-16', -90)).toBe('2026-08-18');
  });

  it('addDays and daysBetween are inverse', () => {
    const date = fc
      .date({
        min: new Date('1900-01-01T00:00:00Z'),
        max: new Date('2100-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((value) => value.toISOString().slice(0, 10));
    fc.assert(
      fc.property(date, fc.integer({ min: -40_000, max: 40_000 }), (start, days) => {
        expect(daysBetween(start, addDays(start, days))).toBe(days);
      }),
    );
  });

  it('refuses to add days to an invalid date', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });
});

describe('plainDate', () => {
  it('writes the day, the month name and the year', () => {
    expect(plainDate('2026-03-03')).toBe('3 March 2026');
    expect(plainDate('2025-12-31')).toBe('31 December 2025');
    expect(plainDate('not a date')).toBe('not a date');
  });
});
