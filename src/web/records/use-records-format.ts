/**
 * Formatting shared by the records screens, in the viewer's language: file sizes (bytes to GB)
 * and calendar dates of service (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, which are dates, not instants:
 * shown as written, never shifted by a time zone). And the sentence for an error, trying the
 * records wording first (`records.errors.<code>`), then the app's (`errors.<code>`), then the
 * server's own message.
 */
import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-error.ts';
import { useErrorMessage } from '../i18n/use-error-message.ts';
import { parseCalendarDate } from './calendar-date.ts';
import { recordMaxBytes } from '../../core/records/record-types.ts';

export function useFileSize(): (bytes: number) => string {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'en';
  return useMemo(() => {
    const formatIn = (unit: string) =>
      new Intl.NumberFormat(language, { style: 'unit', unit, maximumFractionDigits: 1 });
    const gigabytes = formatIn('gigabyte');
    const megabytes = formatIn('megabyte');
    const kilobytes = formatIn('kilobyte');
    const bytes = new Intl.NumberFormat(language, {
      style: 'unit',
      unit: 'byte',
      unitDisplay: 'narrow',
    });
    return (size: number) =>
      size >= 1024 ** 3
        ? gigabytes.format(size / 1024 ** 3)
        : size >= 1024 ** 2
          ? megabytes.format(size / 1024 ** 2)
          : size >= 1024
            ? kilobytes.format(size / 1024)
            : bytes.format(size);
  }, [language]);
}

/** Formats a calendar date at the precision it has (year, month or day). */
export function useCalendarDate(): (value: string | null) => string {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'en';
  return useMemo(() => {
    const day = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' });
    const month = new Intl.DateTimeFormat(language, {
      year: 'numeric',
      month: 'long',
      timeZone: 'UTC',
    });
    const year = new Intl.DateTimeFormat(language, { year: 'numeric', timeZone: 'UTC' });
    return (value: string | null) => {
      if (value === null) return '';
      const parts = parseCalendarDate(value);
      if (parts === null) return value;
      const date = new Date(Date.UTC(parts.year, (parts.month ?? 1) - 1, parts.day ?? 1));
      if (parts.day !== null) return day.format(date);
      if (parts.month !== null) return month.format(date);
      return year.format(date);
    };
  }, [language]);
}

function maxBytesOf(details: unknown): number {
  if (typeof details === 'object' && details !== null && 'maxBytes' in details) {
    const { maxBytes } = details;
    if (typeof maxBytes === 'number') return maxBytes;
  }
  return recordMaxBytes;
}

/** The sentence for an upload or viewer error. */
export function useRecordsErrorMessage(): (error: unknown) => string {
  const { t, i18n } = useTranslation();
  const describe = useErrorMessage();
  const formatSize = useFileSize();
  return useCallback(
    (error: unknown) => {
      if (isApiError(error)) {
        const key = `records.errors.${error.code}`;
        if (i18n.exists(key)) return t(key, { size: formatSize(maxBytesOf(error.details)) });
      }
      return describe(error);
    },
    [t, i18n, describe, formatSize],
  );
}
