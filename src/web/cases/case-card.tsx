/**
 * One of the patient side's cases as a card: its state, when it was started and last updated,
 * the patient's name when acting for someone else, the stage deadline, and the way in (continue
 * the draft, or open the case).
 */
import { Card, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { RouterButtonLink } from '../ui/router-links.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import type { CaseSummary } from './case-api.ts';
import { CaseStateBadge, StageDeadline } from './case-status.tsx';

export function CaseCard({
  item,
  showPatient,
  headingOrder = 2,
}: {
  item: CaseSummary;
  showPatient: boolean;
  headingOrder?: 2 | 3;
}) {
  const { t } = useTranslation();
  const formatDate = useDateTimeFormat({ dateStyle: 'medium' });
  const titleId = `case-card-${item.id}`;
  const title = t('cases.list.cardTitle', { date: formatDate(item.createdAt) });
  const isDraft = item.state === 'draft';
  return (
    <Card withBorder padding="md" component="article" aria-labelledby={titleId}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
          <Title order={headingOrder} size="h4" id={titleId}>
            {title}
          </Title>
          <CaseStateBadge state={item.state} />
        </Group>
        {showPatient && <Text>{t('cases.list.forPatient', { name: item.patientName })}</Text>}
        <Text>{t(`cases.status.${item.state}.now`)}</Text>
        <StageDeadline state={item.state} owner={item.stageOwner} deadline={item.stageDeadlineAt} />
        <Text size="sm" c="dimmed">
          {t('cases.list.updated', { date: formatDate(item.updatedAt) })}
        </Text>
        <Group>
          {isDraft ? (
            <RouterButtonLink
              to="/cases/$caseId/intake"
              params={{ caseId: item.id }}
              aria-label={t('cases.list.continueNamed', { title })}
            >
              {t('cases.list.continue')}
            </RouterButtonLink>
          ) : null}
          <RouterButtonLink
            to="/cases/$caseId"
            params={{ caseId: item.id }}
            variant={isDraft ? 'default' : 'filled'}
            aria-label={t('cases.list.openNamed', { title })}
          >
            {t('cases.list.open')}
          </RouterButtonLink>
        </Group>
      </Stack>
    </Card>
  );
}
