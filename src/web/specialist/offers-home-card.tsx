/** The specialist's home card: offers waiting for an answer and cases in hand. */
import { Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { caseListQueryKey, fetchCasePage } from '../queue/case-api.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterButtonLink } from '../ui/router-links.tsx';

export function OffersHomeCard() {
  const { t } = useTranslation();
  const query = { limit: 100 };
  const cases = useQuery({
    queryKey: caseListQueryKey(query),
    queryFn: () => fetchCasePage(query),
  });
  const rows = cases.data?.cases ?? [];
  const offers = rows.filter((item) => item.state === 'offered').length;
  const assigned = rows.length - offers;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="home-offers-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="home-offers-title">
          {t('specialist.home.title')}
        </Title>
        <ErrorAlert error={cases.error} />
        {cases.isPending ? (
          <Group gap="sm" role="status">
            <Loader size="sm" aria-hidden />
            <Text>{t('common.loading')}</Text>
          </Group>
        ) : (
          cases.isSuccess && (
            <Stack gap={4}>
              <Text size="sm">{t('specialist.home.offers', { count: offers })}</Text>
              <Text size="sm">{t('specialist.home.assigned', { count: assigned })}</Text>
            </Stack>
          )
        )}
        <Group>
          <RouterButtonLink to="/offers" variant="light">
            {t('specialist.home.open')}
          </RouterButtonLink>
        </Group>
      </Stack>
    </Card>
  );
}
