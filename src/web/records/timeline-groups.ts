/**
 * Puts records timeline entries on one chronological line: filtered by kind, grouped by year and
 * month, entries dated only to a year or a month after the precise ones of that period, and
 * undated entries last. Dates are compared as written (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), never
 * as instants. Pure, for the timeline component and its tests.
 */
import type { RecordsTimelineEntry, TimelineEntryKind } from './records-api.ts';
import { parseCalendarDate } from './calendar-date.ts';

export interface TimelineMonth {
  /** 1–12, or null for entries dated only to the year. */
  month: number | null;
  entries: RecordsTimelineEntry[];
}

export interface TimelineYear {
  year: number;
  months: TimelineMonth[];
}

export interface TimelineLayout {
  years: TimelineYear[];
  undated: RecordsTimelineEntry[];
}

export type TimelineOrder = 'newest' | 'oldest';

/** How many entries there are of each kind (for the filter chips). */
export function countByKind(
  entries: readonly RecordsTimelineEntry[],
): Map<TimelineEntryKind, number> {
  const counts = new Map<TimelineEntryKind, number>();
  for (const entry of entries) counts.set(entry.kind, (counts.get(entry.kind) ?? 0) + 1);
  return counts;
}

/** Lays out the entries of the chosen kinds. */
export function layOutTimeline(
  entries: readonly RecordsTimelineEntry[],
  kinds: ReadonlySet<TimelineEntryKind>,
  order: TimelineOrder,
): TimelineLayout {
  const direction = order === 'newest' ? -1 : 1;
  const years = new Map<number, Map<number | null, RecordsTimelineEntry[]>>();
  const undated: RecordsTimelineEntry[] = [];
  for (const entry of entries) {
    if (!kinds.has(entry.kind)) continue;
    const parts = entry.date === null ? null : parseCalendarDate(entry.date);
    if (parts === null) {
      undated.push(entry);
      continue;
    }
    const months = years.get(parts.year) ?? new Map<number | null, RecordsTimelineEntry[]>();
    years.set(parts.year, months);
    const list = months.get(parts.month) ?? [];
    months.set(parts.month, list);
    list.push(entry);
  }
  // Within a period, precise dates first (in the chosen direction), then the less precise.
  const precision = (entry: RecordsTimelineEntry) => -(entry.date?.length ?? 0);
  const byDateThenTitle = (a: RecordsTimelineEntry, b: RecordsTimelineEntry) =>
    precision(a) - precision(b) ||
    direction * (a.date ?? '').localeCompare(b.date ?? '') ||
    a.title.localeCompare(b.title);
  return {
    years: [...years.entries()]
      .sort(([a], [b]) => direction * (a - b))
      .map(([year, months]) => ({
        year,
        months: [...months.entries()]
          // Entries known only to the year close the year, whichever way the line runs.
          .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : direction * (a - b)))
          .map(([month, list]) => ({ month, entries: list.sort(byDateThenTitle) })),
      })),
    undated: undated.sort((a, b) => a.title.localeCompare(b.title)),
  };
}
