/**
 * How the staff screens show a case's stage, urgency and deadline: a labelled badge per state
 * (coloured by whose turn it is, never by colour alone), and deadlines as "in 3 hours" plus the
 * date and time in the viewer's language and time zone (PRODUCT.md §13).
 */
import { Badge, Group, Text } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { stageOwnerOf } from '../../core/case-lifecycle.ts';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import type { CaseState, Urgency } from './case-api.ts';

const ownerColour = { patient: 'yellow', coordinator: 'blue', specialist: 'violet' } as const;

export function CaseStateBadge({ state }: { state: CaseState }) {
  const { t } = useTranslation();
  const owner = stageOwnerOf[state];
  return (
    <Badge variant="light" color={owner === null ? 'gray' : ownerColour[owner]} tt="none">
      {t(`queue.states.${state}`)}
    </Badge>
  );
}

export function UrgencyBadge({ urgency }: { urgency: Urgency }) {
  const { t } = useTranslation();
  return urgency === 'urgent' ? (
    <Badge variant="filled" color="red.8" tt="none">
      {t('queue.urgencies.urgent')}
    </Badge>
  ) : (
    <Text size="sm">{t('queue.urgencies.routine')}</Text>
  );
}

/** The current time, refreshed every `intervalMs`, so relative deadlines stay true on an open page. */
export function useNow(intervalMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** "in 3 hours", "2 days ago": the nearest whole unit, in the interface language. */
export function useRelativeTime(): (iso: string, now: number) => string {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'en';
  return useMemo(() => {
    const format = new Intl.RelativeTimeFormat(language, { numeric: 'auto' });
    return (iso: string, now: number) => {
      const minutes = Math.round((new Date(iso).getTime() - now) / 60_000);
      if (Math.abs(minutes) < 60) return format.format(minutes, 'minute');
      const hours = Math.round(minutes / 60);
      if (Math.abs(hours) < 48) return format.format(hours, 'hour');
      return format.format(Math.round(hours / 24), 'day');
    };
  }, [language]);
}

/** The overdue marker: an icon-like sign and the word, so it does not rely on colour. */
export function OverdueBadge() {
  const { t } = useTranslation();
  return (
    <Badge variant="filled" color="red.9" tt="none">
      <span aria-hidden="true">⚠ </span>
      {t('queue.overdue')}
    </Badge>
  );
}

/** A deadline: relative and absolute, with an overdue marker once it has passed. */
export function Deadline({
  at,
  overdue,
  now,
}: {
  at: string | null;
  overdue: boolean;
  now: number;
}) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  const relative = useRelativeTime();
  if (at === null)
    return (
      <Text size="sm" c="dimmed">
        {t('queue.noDeadline')}
      </Text>
    );
  return (
    <Group gap={6} wrap="wrap">
      {overdue && <OverdueBadge />}
      <Text size="sm" span fw={overdue ? 700 : 400} c={overdue ? 'red.9' : undefined}>
        {relative(at, now)}
      </Text>
      <Text size="xs" c="dimmed" span>
        <time dateTime={at}>{formatDateTime(at)}</time>
      </Text>
    </Group>
  );
}
