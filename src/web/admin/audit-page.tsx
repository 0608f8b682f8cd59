/**
 * The audit report (PRODUCT.md §10): the organization's audit events, filtered, sorted and paged
 * by keyset (`nextCursor`), with times in the viewer's time zone and a CSV export of the same
 * selection. Filters and sort live in the URL so a report can be bookmarked or shared.
 */
import {
  Anchor,
  Button,
  Group,
  Loader,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState, type SyntheticEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { auditEventTypeNames } from '../../core/audit.ts';
import { client, unwrap } from '../api/client.ts';
import type { components } from '../api/schema.gen.ts';
import type { AuditSearch, AuditSort } from '../app/search-params.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat, viewerTimeZone } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';

type AuditEvent = components['schemas']['AuditEvent'];
type AuditPerson = components['schemas']['AuditPerson'];

const route = getRouteApi('/admin/audit');
const pageSize = 50;

/** Start of a calendar day in the viewer's time zone, as an instant. */
function startOfLocalDay(date: string): string {
  return new Date(`${date}T00:00:00`).toISOString();
}

/** End of a calendar day in the viewer's time zone (inclusive), as an instant. */
function endOfLocalDay(date: string): string {
  return new Date(`${date}T23:59:59.999`).toISOString();
}

/** The query the server understands, from the report's URL state. */
function toServerQuery(search: AuditSearch): Record<string, string> {
  const query: Record<string, string> = {};
  if (search.actor !== undefined) query.actor = search.actor;
  if (search.patientId !== undefined) query.patientId = search.patientId;
  if (search.eventType !== undefined) query.eventType = search.eventType;
  if (search.from !== undefined) query.from = startOfLocalDay(search.from);
  if (search.to !== undefined) query.to = endOfLocalDay(search.to);
  query.sort = search.sort ?? '-occurredAt';
  return query;
}

interface FilterValues {
  actor: string;
  patientId: string;
  eventType: string | null;
  from: string;
  to: string;
}

function filterValuesOf(search: AuditSearch): FilterValues {
  return {
    actor: search.actor ?? '',
    patientId: search.patientId ?? '',
    eventType: search.eventType ?? null,
    from: search.from ?? '',
    to: search.to ?? '',
  };
}

function Filters({ search }: { search: AuditSearch }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [values, setValues] = useState<FilterValues>(() => filterValuesOf(search));
  const set = <K extends keyof FilterValues>(key: K, value: FilterValues[K]) =>
    setValues((current) => ({ ...current, [key]: value }));
  const rangeError =
    values.from !== '' && values.to !== '' && values.from > values.to
      ? t('audit.rangeError')
      : null;

  const apply = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (rangeError !== null) return;
    const eventType = auditEventTypeNames.find((name) => name === values.eventType);
    const next: AuditSearch = {
      ...(values.actor.trim() === '' ? {} : { actor: values.actor.trim() }),
      ...(values.patientId.trim() === '' ? {} : { patientId: values.patientId.trim() }),
      ...(eventType === undefined ? {} : { eventType }),
      ...(values.from === '' ? {} : { from: values.from }),
      ...(values.to === '' ? {} : { to: values.to }),
      ...(search.sort === undefined ? {} : { sort: search.sort }),
    };
    void navigate({ to: '/admin/audit', search: next });
  };

  const clear = () => {
    void navigate({
      to: '/admin/audit',
      search: search.sort === undefined ? {} : { sort: search.sort },
    });
  };

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="audit-filters-title">
      <form onSubmit={apply} noValidate>
        <Stack gap="sm">
          <Title order={2} size="h4" id="audit-filters-title">
            {t('audit.filters')}
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
            <TextInput
              label={t('audit.actorFilter')}
              description={t('audit.actorFilterHint')}
              value={values.actor}
              onChange={(event) => set('actor', event.currentTarget.value)}
            />
            <TextInput
              label={t('audit.patientFilter')}
              value={values.patientId}
              onChange={(event) => set('patientId', event.currentTarget.value)}
            />
            <Select
              label={t('audit.eventTypeFilter')}
              data={auditEventTypeNames}
              value={values.eventType}
              onChange={(value) => set('eventType', value)}
              searchable
              clearable
              placeholder={t('audit.anyEventType')}
            />
            <TextInput
              type="date"
              label={t('audit.fromFilter')}
              value={values.from}
              onChange={(event) => set('from', event.currentTarget.value)}
            />
            <TextInput
              type="date"
              label={t('audit.toFilter')}
              value={values.to}
              error={rangeError}
              onChange={(event) => set('to', event.currentTarget.value)}
            />
          </SimpleGrid>
          <Group>
            <Button type="submit">{t('audit.applyFilters')}</Button>
            <Button variant="default" onClick={clear}>
              {t('audit.clearFilters')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function SortableHeader({
  label,
  field,
  sort,
}: {
  label: string;
  field: 'occurredAt' | 'eventType';
  sort: AuditSort;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const search = route.useSearch();
  const current = sort === field ? 'ascending' : sort === `-${field}` ? 'descending' : 'none';
  const next: AuditSort =
    current === 'ascending'
      ? `-${field}`
      : current === 'descending'
        ? field
        : field === 'occurredAt'
          ? '-occurredAt'
          : 'eventType';
  const arrow = current === 'ascending' ? ' ▲' : current === 'descending' ? ' ▼' : '';
  return (
    <Table.Th scope="col" aria-sort={current}>
      <UnstyledButton
        fw={700}
        fz="sm"
        onClick={() => void navigate({ to: '/admin/audit', search: { ...search, sort: next } })}
        aria-label={t('audit.sortBy', {
          column: label,
          direction: next.startsWith('-') ? t('audit.descending') : t('audit.ascending'),
        })}
      >
        {label}
        <span aria-hidden="true">{arrow}</span>
      </UnstyledButton>
    </Table.Th>
  );
}

function Person({ person }: { person: AuditPerson | null }) {
  const { t } = useTranslation();
  if (person === null)
    return (
      <Text size="sm" c="dimmed">
        {t('audit.system')}
      </Text>
    );
  return (
    <Stack gap={0}>
      <Text size="sm">{person.name}</Text>
      <Text size="xs" c="dimmed">
        {person.email}
      </Text>
    </Stack>
  );
}

function EventRow({
  event,
  formatDateTime,
}: {
  event: AuditEvent;
  formatDateTime: (iso: string) => string;
}) {
  const { t } = useTranslation();
  return (
    <Table.Tr>
      <Table.Td>
        <time dateTime={event.occurredAt}>{formatDateTime(event.occurredAt)}</time>
      </Table.Td>
      <Table.Td>
        <Person person={event.actor} />
      </Table.Td>
      <Table.Td>{event.onBehalfOf === null ? '—' : <Person person={event.onBehalfOf} />}</Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {event.patientId ?? '—'}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {event.eventType}
        </Text>
      </Table.Td>
      <Table.Td>{t(`audit.actions.${event.action}`, { defaultValue: event.action })}</Table.Td>
      <Table.Td>{t(`audit.outcomes.${event.outcome}`, { defaultValue: event.outcome })}</Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {event.ipAddress ?? '—'}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

export function AuditPage() {
  const { t } = useTranslation();
  usePageTitle(t('audit.title'));
  const search = route.useSearch();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'medium' });
  const sort = search.sort ?? '-occurredAt';
  const serverQuery = toServerQuery(search);
  const csvHref = `/api/v1/audit/events.csv?${new URLSearchParams(serverQuery).toString()}`;

  const events = useInfiniteQuery({
    queryKey: ['audit', 'events', serverQuery],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        client.GET('/api/v1/audit/events', {
          params: {
            query: {
              ...serverQuery,
              sort,
              limit: pageSize,
              ...(pageParam === null ? {} : { cursor: pageParam }),
            },
          },
        }),
      ),
    getNextPageParam: (lastPage) => lastPage.nextCursor,
  });

  const rows = events.data?.pages.flatMap((page) => page.events) ?? [];

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1}>{t('audit.title')}</Title>
          <Text size="sm" c="dimmed" mt={4}>
            {t('audit.timeZoneNote', { timeZone: viewerTimeZone() })}
          </Text>
        </div>
        <Anchor href={csvHref} download>
          {t('audit.exportCsv')}
        </Anchor>
      </Group>
      {/* Keyed by the URL's filters: a new search resets the form's draft values. */}
      <Filters key={JSON.stringify(search)} search={search} />
      <Stack gap="sm" component="section" aria-labelledby="audit-results-title">
        <Title order={2} size="h4" id="audit-results-title">
          {t('audit.results')}
        </Title>
        <ErrorAlert error={events.error} />
        {events.isPending && (
          <Group gap="sm" role="status">
            <Loader size="sm" aria-hidden />
            <Text>{t('common.loading')}</Text>
          </Group>
        )}
        {events.isSuccess && (
          <>
            <Table.ScrollContainer minWidth={1000}>
              <Table striped verticalSpacing="xs">
                <Table.Caption>{t('audit.caption', { count: rows.length })}</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <SortableHeader label={t('audit.time')} field="occurredAt" sort={sort} />
                    <Table.Th scope="col">{t('audit.actor')}</Table.Th>
                    <Table.Th scope="col">{t('audit.onBehalfOf')}</Table.Th>
                    <Table.Th scope="col">{t('audit.patient')}</Table.Th>
                    <SortableHeader label={t('audit.eventType')} field="eventType" sort={sort} />
                    <Table.Th scope="col">{t('audit.action')}</Table.Th>
                    <Table.Th scope="col">{t('audit.outcome')}</Table.Th>
                    <Table.Th scope="col">{t('audit.ipAddress')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.length === 0 ? (
                    <Table.Tr>
                      <Table.Td colSpan={8}>{t('audit.noEvents')}</Table.Td>
                    </Table.Tr>
                  ) : (
                    rows.map((event) => (
                      <EventRow key={event.seq} event={event} formatDateTime={formatDateTime} />
                    ))
                  )}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {events.hasNextPage && (
              <Group>
                <Button
                  variant="default"
                  loading={events.isFetchingNextPage}
                  onClick={() => void events.fetchNextPage()}
                >
                  {t('audit.loadMore')}
                </Button>
              </Group>
            )}
          </>
        )}
      </Stack>
    </Stack>
  );
}
