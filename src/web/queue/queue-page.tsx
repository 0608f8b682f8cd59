/**
 * The coordinator's work queue (issue 3, "Coordinator"): every case of the organization past the
 * draft, soonest stage deadline first, with the number of cases per stage, filters by stage,
 * urgency, overdue and assignee kept in the URL, and keyset "load more" paging. A table on wide
 * screens, one card per case on phones.
 */
import {
  Button,
  Card,
  Checkbox,
  Chip,
  Group,
  Loader,
  NativeSelect,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { caseStates, urgencies } from '../../core/case-lifecycle.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor } from '../ui/router-links.tsx';
import { viewerTimeZone } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';
import {
  caseListQueryKey,
  fetchCasePage,
  fetchSpecialists,
  type CaseList,
  type CaseListItem,
  type CaseListQuery,
  type CaseState,
} from './case-api.ts';
import { CaseStateBadge, Deadline, UrgencyBadge, useNow } from './case-display.tsx';
import type { QueueSearch } from './queue-search.ts';

const route = getRouteApi('/queue');
const pageSize = 50;

/** The stages a coordinator works before review: always offered as filters, even when empty. */
const coordinatorStages: readonly CaseState[] = [
  'submitted',
  'triage',
  'awaiting_records',
  'ready_for_matching',
  'offered',
];

function toServerQuery(search: QueueSearch): Omit<CaseListQuery, 'cursor'> {
  return {
    ...(search.state === undefined ? {} : { state: search.state }),
    ...(search.urgency === undefined ? {} : { urgency: search.urgency }),
    ...(search.overdue === 1 ? { overdue: 'true' as const } : {}),
    ...(search.assignee === undefined ? {} : { assignee: search.assignee }),
    limit: pageSize,
  };
}

/** The stage filter: one radio chip per stage with its count across the organization. */
function StageFilter({
  search,
  counts,
}: {
  search: QueueSearch;
  counts: CaseList['counts'] | undefined;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const countOf = (state: CaseState) => counts?.[state] ?? 0;
  const visibleStates = caseStates.filter(
    (state) =>
      state !== 'draft' &&
      (coordinatorStages.includes(state) || countOf(state) > 0 || search.state === state),
  );
  const total = caseStates
    .filter((state) => state !== 'draft')
    .reduce((sum, state) => sum + countOf(state), 0);
  const label = (text: string, count: number) =>
    counts === undefined || counts === null ? text : t('queue.stageChip', { stage: text, count });
  return (
    <Stack gap={6}>
      <Text fw={600} size="sm" id="queue-stage-label">
        {t('queue.stageFilter')}
      </Text>
      <Chip.Group
        value={search.state ?? 'all'}
        onChange={(value) => {
          const state = caseStates.find((candidate) => candidate === value);
          void navigate({
            to: '/queue',
            search: { ...search, state: state === 'draft' ? undefined : state },
          });
        }}
      >
        <Group gap="xs" role="radiogroup" aria-labelledby="queue-stage-label">
          <Chip value="all" type="radio" variant="outline">
            {label(t('queue.allStages'), total)}
          </Chip>
          {visibleStates.map((state) => (
            <Chip key={state} value={state} type="radio" variant="outline">
              {label(t(`queue.states.${state}`), countOf(state))}
            </Chip>
          ))}
        </Group>
      </Chip.Group>
    </Stack>
  );
}

function OtherFilters({ search }: { search: QueueSearch }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const specialists = useQuery({
    queryKey: ['specialists', {}],
    queryFn: () => fetchSpecialists({}),
    staleTime: 5 * 60_000,
  });
  const apply = (next: QueueSearch) => void navigate({ to: '/queue', search: next });
  const assigneeOptions = [
    { value: '', label: t('queue.anyAssignee') },
    { value: 'unassigned', label: t('queue.unassigned') },
    ...(specialists.data?.specialists ?? []).map((specialist) => ({
      value: specialist.userId,
      label: specialist.name,
    })),
  ];
  // A bookmarked assignee stays selectable while the list loads (or after they left).
  if (search.assignee !== undefined && !assigneeOptions.some((o) => o.value === search.assignee))
    assigneeOptions.push({ value: search.assignee, label: t('queue.selectedSpecialist') });
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
      <NativeSelect
        label={t('queue.urgencyFilter')}
        value={search.urgency ?? ''}
        data={[
          { value: '', label: t('queue.anyUrgency') },
          ...urgencies.map((urgency) => ({
            value: urgency,
            label: t(`queue.urgencies.${urgency}`),
          })),
        ]}
        onChange={(event) => {
          const urgency = urgencies.find((candidate) => candidate === event.currentTarget.value);
          apply({ ...search, urgency });
        }}
      />
      <NativeSelect
        label={t('queue.assigneeFilter')}
        value={search.assignee ?? ''}
        data={assigneeOptions}
        onChange={(event) => {
          const value = event.currentTarget.value;
          apply({ ...search, assignee: value === '' ? undefined : value });
        }}
      />
      <Checkbox
        mt={{ base: 0, sm: 30 }}
        label={t('queue.overdueOnly')}
        checked={search.overdue === 1}
        onChange={(event) =>
          apply({ ...search, overdue: event.currentTarget.checked ? 1 : undefined })
        }
      />
    </SimpleGrid>
  );
}

function Assignee({ item }: { item: CaseListItem }) {
  const { t } = useTranslation();
  return item.assignedSpecialistName === null ? (
    <Text size="sm" c="dimmed">
      {item.state === 'offered' ? t('queue.offerPending') : t('queue.unassigned')}
    </Text>
  ) : (
    <Text size="sm">{item.assignedSpecialistName}</Text>
  );
}

function CaseLink({ item }: { item: CaseListItem }) {
  return (
    <RouterAnchor to="/queue/$caseId" params={{ caseId: item.id }} fw={600}>
      {item.patientName}
    </RouterAnchor>
  );
}

function QueueTable({ rows, now }: { rows: CaseListItem[]; now: number }) {
  const { t } = useTranslation();
  return (
    <Table.ScrollContainer minWidth={820}>
      <Table verticalSpacing="sm">
        <Table.Caption>{t('queue.caption', { count: rows.length })}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('queue.patient')}</Table.Th>
            <Table.Th scope="col">{t('queue.stage')}</Table.Th>
            <Table.Th scope="col">{t('queue.urgency')}</Table.Th>
            <Table.Th scope="col" aria-sort="ascending">
              {t('queue.deadline')}
              <span aria-hidden="true"> ▲</span>
            </Table.Th>
            <Table.Th scope="col">{t('queue.assignee')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((item) => (
            <Table.Tr key={item.id} bg={item.overdue ? 'red.0' : undefined}>
              <Table.Th scope="row" fw={400}>
                <CaseLink item={item} />
              </Table.Th>
              <Table.Td>
                <CaseStateBadge state={item.state} />
              </Table.Td>
              <Table.Td>
                <UrgencyBadge urgency={item.urgency} />
              </Table.Td>
              <Table.Td>
                <Deadline at={item.stageDeadlineAt} overdue={item.overdue} now={now} />
              </Table.Td>
              <Table.Td>
                <Assignee item={item} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Phones: one card per case, the same facts in reading order. */
function QueueCards({ rows, now }: { rows: CaseListItem[]; now: number }) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
      {rows.map((item) => (
        <Card
          key={item.id}
          component="li"
          withBorder
          padding="sm"
          bg={item.overdue ? 'red.0' : undefined}
          style={item.overdue ? { borderColor: 'var(--mantine-color-red-8)' } : undefined}
        >
          <Stack gap={6}>
            <CaseLink item={item} />
            <Group gap="xs">
              <CaseStateBadge state={item.state} />
              <UrgencyBadge urgency={item.urgency} />
            </Group>
            <Deadline at={item.stageDeadlineAt} overdue={item.overdue} now={now} />
            <Group gap={4}>
              <Text size="sm" c="dimmed">
                {t('queue.assignee')}:
              </Text>
              <Assignee item={item} />
            </Group>
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}

export function QueuePage() {
  const { t } = useTranslation();
  usePageTitle(t('queue.title'));
  const search = route.useSearch();
  const now = useNow();
  const serverQuery = toServerQuery(search);

  const cases = useInfiniteQuery({
    queryKey: caseListQueryKey(serverQuery),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      fetchCasePage({ ...serverQuery, ...(pageParam === null ? {} : { cursor: pageParam }) }),
    getNextPageParam: (lastPage) => lastPage.nextCursor,
    // The queue moves while a coordinator watches it.
    refetchInterval: 60_000,
  });

  const rows = cases.data?.pages.flatMap((page) => page.cases) ?? [];
  const counts = cases.data?.pages[0]?.counts;
  const filtered =
    search.state !== undefined ||
    search.urgency !== undefined ||
    search.overdue !== undefined ||
    search.assignee !== undefined;

  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>{t('queue.title')}</Title>
        <Text size="sm" c="dimmed" mt={4}>
          {t('queue.intro', { timeZone: viewerTimeZone() })}
        </Text>
      </div>
      <Paper withBorder p="md" component="section" aria-labelledby="queue-filters-title">
        <Stack gap="md">
          <Title order={2} size="h4" id="queue-filters-title">
            {t('queue.filters')}
          </Title>
          <StageFilter search={search} counts={counts} />
          <OtherFilters search={search} />
          {filtered && (
            <Group>
              <RouterAnchor to="/queue" search={{}} size="sm">
                {t('queue.clearFilters')}
              </RouterAnchor>
            </Group>
          )}
        </Stack>
      </Paper>
      <Stack gap="sm" component="section" aria-labelledby="queue-results-title">
        <Title order={2} size="h4" id="queue-results-title">
          {t('queue.results')}
        </Title>
        <ErrorAlert error={cases.error} />
        {cases.isPending && (
          <Group gap="sm" role="status">
            <Loader size="sm" aria-hidden />
            <Text>{t('common.loading')}</Text>
          </Group>
        )}
        {cases.isSuccess &&
          (rows.length === 0 ? (
            <Text>{filtered ? t('queue.noMatches') : t('queue.empty')}</Text>
          ) : (
            <>
              <Stack visibleFrom="sm">
                <QueueTable rows={rows} now={now} />
              </Stack>
              <Stack hiddenFrom="sm">
                <Text size="sm" c="dimmed">
                  {t('queue.caption', { count: rows.length })}
                </Text>
                <QueueCards rows={rows} now={now} />
              </Stack>
              {cases.hasNextPage && (
                <Group>
                  <Button
                    variant="default"
                    loading={cases.isFetchingNextPage}
                    onClick={() => void cases.fetchNextPage()}
                  >
                    {t('queue.loadMore')}
                  </Button>
                </Group>
              )}
            </>
          ))}
      </Stack>
    </Stack>
  );
}
