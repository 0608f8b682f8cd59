/**
 * Calendar dates as records give them: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a date of service is
 * a day, not an instant, and is often known only to the month or the year). Pure.
 */

export interface CalendarDateParts {
  year: number;
  month: number | null;
  day: number | null;
}

/** The parts of a calendar date as written; null when it is not one of the three shapes. */
export function parseCalendarDate(value: string): CalendarDateParts | null {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (match === null) return null;
  const month = match[2] === undefined ? null : Number(match[2]);
  const day = match[3] === undefined ? null : Number(match[3]);
  if (month !== null && (month < 1 || month > 12)) return null;
  if (day !== null && (day < 1 || day > 31)) return null;
  return { year: Number(match[1]), month, day };
}
