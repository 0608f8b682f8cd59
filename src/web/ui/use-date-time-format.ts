/** Dates and times in the viewer's own time zone and language (PRODUCT.md §13). */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function useDateTimeFormat(
  options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' },
) {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'en';
  const { dateStyle, timeStyle } = options;
  return useMemo(() => {
    const format = new Intl.DateTimeFormat(language, { dateStyle, timeStyle });
    return (iso: string | null | undefined): string => {
      if (iso === null || iso === undefined) return '';
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : format.format(date);
    };
  }, [language, dateStyle, timeStyle]);
}
