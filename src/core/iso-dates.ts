/**
 * Calendar-date arithmetic and validation, for the records parsers and the safety net's recency
 * and gap rules. Records carry calendar dates (`YYYY-MM-DD`, ISO 8601 calendar date, no time
 * zone): a scan "from 3 March" is from that day wherever it is read, so dates are counted as whole
 * days in the proleptic Gregorian calendar (computed in UTC, where no day is 23 or 25 hours long).
 */
import type { IsoDate } from './records/record-types.ts';

const isoDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const dayMs = 86_400_000;

/**
 * The day number of a calendar date (days since 1970-01-01), or null when the text is not a
 * real `YYYY-MM-DD` date (`2026-02-30` is not).
 */
export function dayNumber(date: IsoDate | null | undefined): number | null {
  if (date === null || date === undefined) return null;
  const match = isoDatePattern.exec(date);
  if (match === null) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, day);
  const check = new Date(time);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1) return null;
  if (check.getUTCDate() !== day) return null;
  return Math.round(time / dayMs);
}

/** Whether the text is a real calendar date in `YYYY-MM-DD` form. */
export function isIsoDate(date: string): boolean {
  return dayNumber(date) !== null;
}

/** The calendar date of a day number. */
export function dateOfDayNumber(day: number): IsoDate {
  return new Date(day * dayMs).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier); null when either is invalid. */
export function daysBetween(from: IsoDate | null, to: IsoDate | null): number | null {
  const start = dayNumber(from);
  const end = dayNumber(to);
  return start === null || end === null ? null : end - start;
}

/** The date `days` days after `date` (before, when negative). */
export function addDays(date: IsoDate, days: number): IsoDate {
  const day = dayNumber(date);
  if (day === null) throw new RangeError(`Not a calendar date: ${date}`);
  return dateOfDayNumber(day + days);
}

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** A date as patients read it in English (`2026-03-03` → `3 March 2026`); invalid text unchanged. */
export function plainDate(date: IsoDate): string {
  if (dayNumber(date) === null) return date;
  return `${Number(date.slice(8, 10))} ${monthNames[Number(date.slice(5, 7)) - 1]!} ${date.slice(0, 4)}`;
}
