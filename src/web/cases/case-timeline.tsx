/**
 * The case's timeline in plain words, newest first: each lifecycle step or event as a sentence
 * (`cases.timeline.<transition>`, `cases.timeline.events.<event>`), with its time in the viewer's
 * time zone and any note.
 */
import { Box, Stack, Text, Title } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import type { CaseView } from './case-api.ts';

type TimelineEntry = CaseView['timeline'][number];

/** The sentence for an entry; an event this screen does not know reads as a plain update. */
function sentence(entry: TimelineEntry, t: TFunction): string {
  switch (entry.kind) {
    case 'created':
      return t('cases.timeline.created');
    case 'transition':
      return entry.transition === null
        ? t('cases.timeline.events.other')
        : t(`cases.timeline.${entry.transition}`);
    case 'event':
      return t(`cases.timeline.events.${entry.event ?? 'other'}`, {
        defaultValue: t('cases.timeline.events.other'),
      });
  }
}

export function CaseTimeline({ timeline }: { timeline: CaseView['timeline'] }) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  const newestFirst = [...timeline].sort((a, b) => b.occurredAt.localeCompare(a.occurredAt));
  return (
    <Stack gap="sm" component="section" aria-labelledby="case-timeline-title">
      <Title order={2} size="h3" id="case-timeline-title">
        {t('cases.page.timelineTitle')}
      </Title>
      <Box component="ol" m={0} p={0} style={{ listStyle: 'none' }}>
        {newestFirst.map((entry) => (
          <Box
            component="li"
            key={entry.id}
            py="xs"
            pl="md"
            style={{ borderLeft: '3px solid var(--mantine-color-blue-3)' }}
          >
            <Text size="sm" c="dimmed">
              <time dateTime={entry.occurredAt}>{formatDateTime(entry.occurredAt)}</time>
            </Text>
            <Text>{sentence(entry, t)}</Text>
            {entry.note !== null && (
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {t('cases.timeline.note', { note: entry.note })}
              </Text>
            )}
          </Box>
        ))}
      </Box>
    </Stack>
  );
}
