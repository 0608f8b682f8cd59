/**
 * The records timeline (issue 4: "every document and every imported clinical event on one
 * chronological line, filterable by kind"): chips to choose the kinds shown (with counts), the
 * line grouped by year and month, newest or oldest first, and undated entries at the end. An
 * entry that comes from a document opens it.
 */
import {
  Anchor,
  Badge,
  Box,
  Button,
  Chip,
  Group,
  SegmentedControl,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  timelineEntryKinds,
  type RecordsTimelineEntry,
  type TimelineEntryKind,
} from './records-api.ts';
import { countByKind, layOutTimeline, type TimelineOrder } from './timeline-groups.ts';
import { useCalendarDate } from './use-records-format.ts';

export interface RecordsTimelineProps {
  entries: readonly RecordsTimelineEntry[];
  /** Opens a document (the entry's own, or the one an item was imported from). */
  onOpenDocument?: (documentId: string) => void;
  headingOrder?: 2 | 3;
}

/** Colours whose light badges keep text at 4.5:1 contrast (see app.css). */
const kindColours: Record<TimelineEntryKind, string> = {
  document: 'blue',
  condition: 'violet',
  medication: 'teal',
  allergy: 'red',
  observation: 'green',
  procedure: 'orange',
  report: 'gray',
};

function TimelineEntryItem({
  entry,
  onOpenDocument,
}: {
  entry: RecordsTimelineEntry;
  onOpenDocument?: (documentId: string) => void;
}) {
  const { t } = useTranslation();
  const formatDate = useCalendarDate();
  const kindLabel =
    entry.kind === 'document' && entry.documentKind !== null
      ? t(`records.documentKinds.${entry.documentKind}`, { defaultValue: entry.documentKind })
      : t(`records.timeline.kind.${entry.kind}`);
  const documentId = entry.documentId;
  return (
    <Box
      component="li"
      py="xs"
      pl="md"
      style={{ borderLeft: `3px solid var(--mantine-color-${kindColours[entry.kind]}-4)` }}
    >
      <Group gap="xs" wrap="wrap">
        {entry.date !== null && (
          <Text size="sm" c="dimmed">
            <time dateTime={entry.date}>{formatDate(entry.date)}</time>
          </Text>
        )}
        <Badge size="sm" variant="light" color={kindColours[entry.kind]}>
          {kindLabel}
        </Badge>
      </Group>
      {documentId !== null && onOpenDocument !== undefined ? (
        <Anchor
          component="button"
          type="button"
          fw={600}
          ta="left"
          onClick={() => onOpenDocument(documentId)}
          style={{ overflowWrap: 'anywhere' }}
        >
          {entry.title}
          {entry.kind !== 'document' && (
            <Text component="span" size="sm" fw={400}>
              {` — ${t('records.timeline.openSource')}`}
            </Text>
          )}
        </Anchor>
      ) : (
        <Text fw={600} style={{ overflowWrap: 'anywhere' }}>
          {entry.title}
        </Text>
      )}
      {entry.detail !== null && entry.detail !== '' && (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {entry.detail}
        </Text>
      )}
    </Box>
  );
}

export function RecordsTimeline({
  entries,
  onOpenDocument,
  headingOrder = 2,
}: RecordsTimelineProps) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const counts = useMemo(() => countByKind(entries), [entries]);
  const present = timelineEntryKinds.filter((kind) => counts.has(kind));
  /** Kinds the person turned off (so kinds that appear later are shown). */
  const [hidden, setHidden] = useState<ReadonlySet<TimelineEntryKind>>(new Set());
  const [order, setOrder] = useState<TimelineOrder>('newest');
  const shownKinds = useMemo(
    () => new Set(timelineEntryKinds.filter((kind) => !hidden.has(kind))),
    [hidden],
  );
  const layout = useMemo(
    () => layOutTimeline(entries, shownKinds, order),
    [entries, shownKinds, order],
  );
  const monthName = useMemo(() => {
    const format = new Intl.DateTimeFormat(i18n.resolvedLanguage ?? 'en', {
      month: 'long',
      timeZone: 'UTC',
    });
    return (month: number) => format.format(new Date(Date.UTC(2000, month - 1, 1)));
  }, [i18n.resolvedLanguage]);

  const shownCount =
    layout.undated.length +
    layout.years.reduce(
      (sum, year) => sum + year.months.reduce((inner, month) => inner + month.entries.length, 0),
      0,
    );
  const sub = headingOrder === 2 ? 3 : 4;
  const subSub = headingOrder === 2 ? 4 : 5;

  return (
    <Stack gap="sm" component="section" aria-labelledby={headingId}>
      <Title order={headingOrder} size={headingOrder === 2 ? 'h3' : 'h4'} id={headingId}>
        {t('records.timeline.title')}
      </Title>
      {entries.length === 0 ? (
        <Text c="dimmed">{t('records.timeline.empty')}</Text>
      ) : (
        <>
          <Group gap="xs" wrap="wrap" align="center">
            <Chip.Group
              multiple
              value={present.filter((kind) => !hidden.has(kind))}
              onChange={(chosen) =>
                setHidden(new Set(present.filter((kind) => !chosen.includes(kind))))
              }
            >
              <Group
                gap={6}
                wrap="wrap"
                role="group"
                aria-label={t('records.timeline.filterLabel')}
              >
                {present.map((kind) => (
                  <Chip key={kind} value={kind} size="sm">
                    {t('records.timeline.kindCount', {
                      kind: t(`records.timeline.kinds.${kind}`),
                      count: counts.get(kind) ?? 0,
                    })}
                  </Chip>
                ))}
              </Group>
            </Chip.Group>
            {hidden.size > 0 && (
              <Button size="compact-sm" variant="subtle" onClick={() => setHidden(new Set())}>
                {t('records.timeline.showAll')}
              </Button>
            )}
            <SegmentedControl
              size="xs"
              value={order}
              onChange={(value) => setOrder(value === 'oldest' ? 'oldest' : 'newest')}
              aria-label={t('records.timeline.orderLabel')}
              data={[
                { value: 'newest', label: t('records.timeline.newestFirst') },
                { value: 'oldest', label: t('records.timeline.oldestFirst') },
              ]}
            />
          </Group>
          <Text size="sm" role="status">
            {t('records.timeline.showing', { count: shownCount, total: entries.length })}
          </Text>
          {layout.years.map((year) => (
            <Stack gap={4} key={year.year}>
              <Title order={sub} size="h5">
                {year.year}
              </Title>
              {year.months.map((month) => (
                <Stack gap={0} key={month.month ?? 'year'}>
                  <Title order={subSub} size="sm" c="dimmed" fw={600}>
                    {month.month === null
                      ? t('records.timeline.monthUnknown', { year: year.year })
                      : monthName(month.month)}
                  </Title>
                  <Box component="ol" m={0} p={0} style={{ listStyle: 'none' }}>
                    {month.entries.map((entry) => (
                      <TimelineEntryItem
                        key={entry.id}
                        entry={entry}
                        onOpenDocument={onOpenDocument}
                      />
                    ))}
                  </Box>
                </Stack>
              ))}
            </Stack>
          ))}
          {layout.undated.length > 0 && (
            <Stack gap={4}>
              <Title order={sub} size="h5">
                {t('records.timeline.undated')}
              </Title>
              <Box component="ol" m={0} p={0} style={{ listStyle: 'none' }}>
                {layout.undated.map((entry) => (
                  <TimelineEntryItem key={entry.id} entry={entry} onOpenDocument={onOpenDocument} />
                ))}
              </Box>
            </Stack>
          )}
        </>
      )}
    </Stack>
  );
}
