/** The coordinator's home card: how many cases wait at each step of the coordinator's work. */
import { Card, Group, List, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor, RouterButtonLink } from '../ui/router-links.tsx';
import { caseListQueryKey, fetchCasePage, type CaseState } from './case-api.ts';

const summarisedStages: readonly CaseState[] = [
  'submitted',
  'triage',
  'awaiting_records',
  'ready_for_matching',
  'offered',
];

export function QueueHomeCard() {
  const { t } = useTranslation();
  const query = { limit: 1 };
  const summary = useQuery({
    queryKey: caseListQueryKey(query),
    queryFn: () => fetchCasePage(query),
  });
  const counts = summary.data?.counts ?? null;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="home-queue-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="home-queue-title">
          {t('queue.home.title')}
        </Title>
        <ErrorAlert error={summary.error} />
        {summary.isPending && (
          <Group gap="sm" role="status">
            <Loader size="sm" aria-hidden />
            <Text>{t('common.loading')}</Text>
          </Group>
        )}
        {counts !== null && (
          <List spacing={4} size="sm">
            {summarisedStages.map((state) => (
              <List.Item key={state}>
                <RouterAnchor to="/queue" search={{ state }} size="sm">
                  {t('queue.stageChip', {
                    stage: t(`queue.states.${state}`),
                    count: counts[state] ?? 0,
                  })}
                </RouterAnchor>
              </List.Item>
            ))}
          </List>
        )}
        <Group gap="md">
          <RouterButtonLink to="/queue" variant="light">
            {t('queue.home.open')}
          </RouterButtonLink>
          <RouterAnchor to="/queue" search={{ overdue: 1 }} size="sm">
            {t('queue.home.overdue')}
          </RouterAnchor>
        </Group>
      </Stack>
    </Card>
  );
}
