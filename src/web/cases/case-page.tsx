/**
 * The patient side's page for one case (issue 3): where it stands in plain words, what happens
 * next and by when, who is on it, what the coordinator or specialist is asking for, the report
 * once delivered, follow-up questions, the timeline, and what the patient told us. A draft shows
 * what is still missing and leads back into the wizard. Until the case is ready for matching, what
 * the records check reads may be corrected there. Withdrawing asks for confirmation and is
 * offered only when the lifecycle allows it now.
 */
import { Button, Group, Modal, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CaseRecordsSection } from '../records/case-records-section.tsx';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor, RouterButtonLink } from '../ui/router-links.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';
import {
  caseQueryKey,
  caseQueryOptions,
  isConflict,
  rememberTransition,
  takeTransition,
  type CaseView,
} from './case-api.ts';
import { CaseLoadError, CaseLoading } from './case-loading.tsx';
import {
  FollowUpsSection,
  PeopleSection,
  ReportSection,
  SpecialistQuestionsSection,
} from './case-review-sections.tsx';
import { CaseStateBadge, StageDeadline } from './case-status.tsx';
import { CaseTimeline } from './case-timeline.tsx';
import { IntakeCorrectionSection } from './intake-correction-section.tsx';
import { mayCorrectIntake } from './intake-correction.ts';
import { IntakeSummary } from './intake-summary.tsx';
import { MissingItemsChecklist } from './missing-items-checklist.tsx';
import { RecordRequestsSection } from './record-requests-section.tsx';

function StatusSection({ view }: { view: CaseView }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="case-status-title">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Title order={2} size="h3" id="case-status-title">
            {t('cases.page.statusTitle')}
          </Title>
          <CaseStateBadge state={view.state} />
        </Group>
        <Text size="lg" fw={600} data-testid="case-status-sentence">
          {t(`cases.status.${view.state}.now`)}
        </Text>
        <div>
          <Title order={3} size="h5">
            {t('cases.page.nextTitle')}
          </Title>
          <Text>{t(`cases.status.${view.state}.next`)}</Text>
        </div>
        <StageDeadline state={view.state} owner={view.stageOwner} deadline={view.stageDeadlineAt} />
        {view.state === 'draft' && (
          <Group>
            <RouterButtonLink to="/cases/$caseId/intake" params={{ caseId: view.id }}>
              {t('cases.list.continue')}
            </RouterButtonLink>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

function WithdrawSection({ view }: { view: CaseView }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState(false);
  const [reason, setReason] = useState('');
  const withdraw = useMutation({
    mutationFn: () =>
      takeTransition(
        view.id,
        'withdraw',
        view.version,
        reason.trim() === '' ? undefined : reason.trim(),
      ),
    onSuccess: async (updated) => {
      setOpened(false);
      notifications.show({ color: 'green', message: t('cases.withdraw.done') });
      await rememberTransition(queryClient, updated);
    },
    onError: async (failure) => {
      if (isConflict(failure))
        await queryClient.invalidateQueries({ queryKey: caseQueryKey(view.id) });
    },
  });
  const available = view.availableTransitions.some(
    (transition) => transition.name === 'withdraw' && transition.failures.length === 0,
  );
  if (!available) return null;
  const isDraft = view.state === 'draft';
  return (
    <Stack gap="xs" component="section" aria-labelledby="case-withdraw-title">
      <Title order={2} size="h3" id="case-withdraw-title">
        {isDraft ? t('cases.withdraw.draftTitle') : t('cases.withdraw.sectionTitle')}
      </Title>
      <Text>{isDraft ? t('cases.withdraw.draftIntro') : t('cases.withdraw.intro')}</Text>
      <Group>
        <Button
          variant="outline"
          color="red"
          onClick={() => {
            withdraw.reset();
            setOpened(true);
          }}
        >
          {isDraft ? t('cases.withdraw.draftButton') : t('cases.withdraw.button')}
        </Button>
      </Group>
      <Modal
        opened={opened}
        onClose={() => setOpened(false)}
        title={isDraft ? t('cases.withdraw.draftConfirmTitle') : t('cases.withdraw.confirmTitle')}
        centered
      >
        <Stack gap="md">
          <Text>{t('cases.withdraw.confirmBody')}</Text>
          <Textarea
            label={t('cases.withdraw.reason')}
            value={reason}
            maxLength={2000}
            autosize
            minRows={2}
            onChange={(event) => setReason(event.currentTarget.value)}
          />
          <ErrorAlert error={withdraw.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)}>
              {t('cases.withdraw.keep')}
            </Button>
            <Button color="red" loading={withdraw.isPending} onClick={() => withdraw.mutate()}>
              {t('cases.withdraw.confirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function CaseDetails({ view }: { view: CaseView }) {
  const { t } = useTranslation();
  const session = useSignedInSession();
  const formatDate = useDateTimeFormat({ dateStyle: 'long' });
  const isDraft = view.state === 'draft';

  return (
    <Stack gap="xl" maw={860}>
      <Stack gap={4}>
        <RouterAnchor to="/cases" size="sm">
          {t('cases.page.backToList')}
        </RouterAnchor>
        <Title order={1}>{t('cases.page.title')}</Title>
        {session.membership.role !== 'patient' && (
          <Text fw={500}>{t('cases.list.forPatient', { name: view.patientName })}</Text>
        )}
        <Text c="dimmed">
          {view.submittedAt === null
            ? t('cases.page.startedOn', { date: formatDate(view.createdAt) })
            : t('cases.page.sentOn', { date: formatDate(view.submittedAt) })}
          {view.urgency === 'urgent' && ` · ${t('cases.urgency.urgent')}`}
        </Text>
      </Stack>
      <StatusSection view={view} />
      {isDraft && <MissingItemsChecklist view={view} headingOrder={2} />}
      <RecordRequestsSection view={view} />
      <SpecialistQuestionsSection view={view} />
      <ReportSection view={view} />
      <FollowUpsSection view={view} />
      {!isDraft && <CaseRecordsSection caseId={view.id} audience="patient" />}
      {!isDraft && <PeopleSection view={view} organizationName={session.organization.name} />}
      <CaseTimeline timeline={view.timeline} />
      {!isDraft && (
        <Stack gap="sm" component="section" aria-labelledby="case-intake-title">
          <Title order={2} size="h3" id="case-intake-title">
            {t('cases.page.whatYouSent')}
          </Title>
          {mayCorrectIntake(view, session.membership.role) && (
            <IntakeCorrectionSection view={view} />
          )}
          <IntakeSummary view={view} />
        </Stack>
      )}
      <WithdrawSection view={view} />
    </Stack>
  );
}

const route = getRouteApi('/cases/$caseId');

export function CasePage() {
  const { t } = useTranslation();
  const { caseId } = route.useParams();
  usePageTitle(t('cases.page.title'));
  const query = useQuery(caseQueryOptions(caseId));
  if (query.isPending) return <CaseLoading />;
  if (query.isError) return <CaseLoadError error={query.error} />;
  return <CaseDetails view={query.data} />;
}
