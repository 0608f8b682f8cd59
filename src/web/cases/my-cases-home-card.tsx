/**
 * The home page card of the patient side (patient, proxy, referring physician): the most recently
 * changed cases with where each stands, the way to start a new request and to see all cases.
 */
import { Card, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor, RouterButtonLink } from '../ui/router-links.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { myCasesQueryOptions } from './case-api.ts';
import { CaseLoading } from './case-loading.tsx';
import { CaseStateBadge } from './case-status.tsx';
import { byLastChange } from './my-cases-page.tsx';

/** How many cases the card lists before "see all". */
const shownOnHome = 3;

export function MyCasesHomeCard() {
  const { t } = useTranslation();
  const session = useSignedInSession();
  const formatDate = useDateTimeFormat({ dateStyle: 'medium' });
  const cases = useQuery(myCasesQueryOptions());
  const all = byLastChange(cases.data?.cases ?? []);
  const shown = all.slice(0, shownOnHome);
  const showPatient = session.membership.role !== 'patient';

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="home-my-cases">
      <Stack gap="sm">
        <Title order={2} size="h4" id="home-my-cases">
          {t('cases.home.title')}
        </Title>
        {cases.isPending && <CaseLoading />}
        <ErrorAlert error={cases.error} />
        {cases.isSuccess && all.length === 0 && <Text>{t('cases.home.empty')}</Text>}
        {shown.length > 0 && (
          <Stack gap="sm" component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
            {shown.map((item) => (
              <li key={item.id}>
                <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
                  <RouterAnchor
                    to={item.state === 'draft' ? '/cases/$caseId/intake' : '/cases/$caseId'}
                    params={{ caseId: item.id }}
                    fw={600}
                  >
                    {t('cases.list.cardTitle', { date: formatDate(item.createdAt) })}
                  </RouterAnchor>
                  <CaseStateBadge state={item.state} />
                </Group>
                {showPatient && (
                  <Text size="sm">{t('cases.list.forPatient', { name: item.patientName })}</Text>
                )}
                <Text size="sm">{t(`cases.status.${item.state}.now`)}</Text>
              </li>
            ))}
          </Stack>
        )}
        <Group gap="sm">
          <RouterButtonLink to="/cases/new">{t('cases.list.start')}</RouterButtonLink>
          {all.length > 0 && (
            <RouterButtonLink to="/cases" variant="default">
              {t('cases.home.seeAll')}
            </RouterButtonLink>
          )}
        </Group>
      </Stack>
    </Card>
  );
}
