/**
 * The specialist's own work (issue 3, "Specialist: a list of offers and assigned cases with
 * deadlines"): the cases offered to them with the time left to accept, and the cases they hold
 * with their stage deadlines. The server lists only the cases the specialist is on.
 */
import { Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  caseListQueryKey,
  fetchCasePage,
  type CaseListItem,
  type CaseState,
} from '../queue/case-api.ts';
import { CaseStateBadge, Deadline, UrgencyBadge, useNow } from '../queue/case-display.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor } from '../ui/router-links.tsx';
import { viewerTimeZone } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';

const pageSize = 50;

/** Stages in which the specialist works in the review workspace. */
export const reviewStates: readonly CaseState[] = ['accepted', 'in_review', 'awaiting_patient'];

function OfferCard({ item, now }: { item: CaseListItem; now: number }) {
  const { t } = useTranslation();
  return (
    <Card component="li" withBorder padding="md" bg={item.overdue ? 'red.0' : undefined}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Title order={3} size="h5">
            {item.patientName}
          </Title>
          <UrgencyBadge urgency={item.urgency} />
        </Group>
        <Group gap="xs" wrap="wrap">
          <Text size="sm" fw={600}>
            {t('specialist.offers.acceptBefore')}
          </Text>
          <Deadline at={item.stageDeadlineAt} overdue={item.overdue} now={now} />
        </Group>
        <Group>
          <RouterAnchor to="/offers/$caseId" params={{ caseId: item.id }} fw={600}>
            {t('specialist.offers.review', { name: item.patientName })}
          </RouterAnchor>
        </Group>
      </Stack>
    </Card>
  );
}

function AssignedCard({ item, now }: { item: CaseListItem; now: number }) {
  const { t } = useTranslation();
  const inReview = reviewStates.includes(item.state);
  return (
    <Card component="li" withBorder padding="md" bg={item.overdue ? 'red.0' : undefined}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Title order={3} size="h5">
            {item.patientName}
          </Title>
          <Group gap="xs">
            <CaseStateBadge state={item.state} />
            <UrgencyBadge urgency={item.urgency} />
          </Group>
        </Group>
        <Group gap="xs" wrap="wrap">
          <Text size="sm" fw={600}>
            {t('specialist.offers.stageDeadline')}
          </Text>
          <Deadline at={item.stageDeadlineAt} overdue={item.overdue} now={now} />
        </Group>
        <Group gap="md">
          {inReview && (
            <RouterAnchor to="/review/$caseId" params={{ caseId: item.id }} fw={600}>
              {t('specialist.offers.openWorkspace', { name: item.patientName })}
            </RouterAnchor>
          )}
          <RouterAnchor to="/offers/$caseId" params={{ caseId: item.id }}>
            {t('specialist.offers.openSummary', { name: item.patientName })}
          </RouterAnchor>
        </Group>
      </Stack>
    </Card>
  );
}

function CardList({ children }: { children: ReactNode }) {
  return (
    <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
      {children}
    </Stack>
  );
}

export function OffersPage() {
  const { t } = useTranslation();
  usePageTitle(t('specialist.offers.title'));
  const now = useNow();
  const query = { limit: pageSize };
  const cases = useInfiniteQuery({
    queryKey: caseListQueryKey(query),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      fetchCasePage({ ...query, ...(pageParam === null ? {} : { cursor: pageParam }) }),
    getNextPageParam: (lastPage) => lastPage.nextCursor,
    refetchInterval: 60_000,
  });
  const rows = cases.data?.pages.flatMap((page) => page.cases) ?? [];
  const offers = rows.filter((item) => item.state === 'offered');
  const assigned = rows.filter((item) => item.state !== 'offered');

  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>{t('specialist.offers.title')}</Title>
        <Text size="sm" c="dimmed" mt={4}>
          {t('specialist.offers.intro', { timeZone: viewerTimeZone() })}
        </Text>
      </div>
      <ErrorAlert error={cases.error} />
      {cases.isPending && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('common.loading')}</Text>
        </Group>
      )}
      {cases.isSuccess && (
        <>
          <Stack gap="sm" component="section" aria-labelledby="offers-pending-title">
            <Title order={2} size="h3" id="offers-pending-title">
              {t('specialist.offers.pendingTitle', { count: offers.length })}
            </Title>
            {offers.length === 0 ? (
              <Text c="dimmed">{t('specialist.offers.noOffers')}</Text>
            ) : (
              <CardList>
                {offers.map((item) => (
                  <OfferCard key={item.id} item={item} now={now} />
                ))}
              </CardList>
            )}
          </Stack>
          <Stack gap="sm" component="section" aria-labelledby="offers-assigned-title">
            <Title order={2} size="h3" id="offers-assigned-title">
              {t('specialist.offers.assignedTitle', { count: assigned.length })}
            </Title>
            {assigned.length === 0 ? (
              <Text c="dimmed">{t('specialist.offers.noAssigned')}</Text>
            ) : (
              <CardList>
                {assigned.map((item) => (
                  <AssignedCard key={item.id} item={item} now={now} />
                ))}
              </CardList>
            )}
          </Stack>
          {cases.hasNextPage && (
            <Group>
              <Button
                variant="default"
                loading={cases.isFetchingNextPage}
                onClick={() => void cases.fetchNextPage()}
              >
                {t('specialist.offers.loadMore')}
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
