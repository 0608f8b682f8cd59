/**
 * The patient side's list of cases (a patient's own; a proxy's or referring physician's for the
 * patients they act for), most recently changed first, with the way to start a new request.
 */
import { SimpleGrid, Stack, Text, Title, Group } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { canEver } from '../../core/access.ts';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterButtonLink } from '../ui/router-links.tsx';
import { usePageTitle } from '../ui/use-page-title.ts';
import { myCasesQueryOptions, type CaseSummary } from './case-api.ts';
import { CaseCard } from './case-card.tsx';
import { CaseLoading } from './case-loading.tsx';

/** Most recently changed first. */
export function byLastChange(cases: readonly CaseSummary[]): CaseSummary[] {
  return [...cases].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

export function MyCasesPage() {
  const { t } = useTranslation();
  usePageTitle(t('cases.list.title'));
  const session = useSignedInSession();
  const role = session.membership.role;
  const cases = useQuery(myCasesQueryOptions());
  const list = byLastChange(cases.data?.cases ?? []);
  const showPatient = role !== 'patient';

  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>{t('cases.list.title')}</Title>
        <Text mt="xs">{t('cases.list.intro')}</Text>
      </div>
      {canEver(role, 'case.create') && (
        <Group>
          <RouterButtonLink to="/cases/new">{t('cases.list.start')}</RouterButtonLink>
        </Group>
      )}
      {cases.isPending && <CaseLoading />}
      <ErrorAlert error={cases.error} />
      {cases.isSuccess && list.length === 0 && <Text>{t('cases.list.empty')}</Text>}
      {list.length > 0 && (
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
          {list.map((item) => (
            <CaseCard key={item.id} item={item} showPatient={showPatient} />
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
}
