/**
 * One case as the coordinator works it (issue 3, "Coordinator"): the case summary and timeline,
 * and the steps the lifecycle allows now — start triage, request missing records, mark ready for
 * matching, offer to a specialist, reassign, cancel. The buttons come from the server's
 * `availableTransitions`, so a step blocked by a guard is shown disabled with the reason.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  List,
  Loader,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-error.ts';
import { CaseRecordsSection } from '../records/case-records-section.tsx';
import { CaseSummary } from '../specialist/case-summary.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor } from '../ui/router-links.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';
import {
  caseQueryKey,
  fetchCase,
  isOpenBlockers,
  type CaseView,
  type TransitionName,
} from './case-api.ts';
import { CaseConflictAlert } from './case-conflict-alert.tsx';
import { CaseStateBadge, Deadline, UrgencyBadge, useNow } from './case-display.tsx';
import { OfferModal } from './offer-modal.tsx';
import { OfferStatusPanel, ReofferPrompt } from './offer-status.tsx';
import { ReasonModal } from './reason-modal.tsx';
import { RecordRequestModal } from './record-request-modal.tsx';
import { useCaseTransition, type CaseTransitionControl } from './use-case-transition.ts';

const route = getRouteApi('/queue/$caseId');

type Dialog = 'records' | 'offer' | 'reassign' | 'cancel' | 'override';

/** The reasons a guard gives, in words (codes from core's `GuardFailure`). */
function useFailureText(): (failure: string) => string {
  const { t } = useTranslation();
  return (failure) =>
    t(`queue.failures.${failure.split(':')[0] ?? failure}`, {
      defaultValue: t('queue.failures.other'),
    });
}

/** A step taken with one click; the result is announced, a failure shown on the page. */
function useQuickStep(transition: CaseTransitionControl) {
  const { t } = useTranslation();
  return (name: TransitionName) => {
    transition
      .take({ transition: name })
      .then(() => notifications.show({ color: 'green', message: t(`queue.done.${name}`) }))
      .catch(() => undefined);
  };
}

function ActionsPanel({
  caseView,
  transition,
  onOpen,
}: {
  caseView: CaseView;
  transition: CaseTransitionControl;
  onOpen: (dialog: Dialog) => void;
}) {
  const { t } = useTranslation();
  const failureText = useFailureText();
  const quickStep = useQuickStep(transition);
  const available = new Map(caseView.availableTransitions.map((item) => [item.name, item]));
  const busy = transition.pending;
  const loadingFor = (name: TransitionName) => transition.pendingTransition === name;
  const markReady = available.get('mark_ready');
  const blockedReasons = markReady?.failures ?? [];
  const shown = [
    'start_triage',
    'request_records',
    'records_provided',
    'mark_ready',
    'offer',
    'reassign',
    'cancel',
  ].filter((name) => available.has(name as TransitionName));

  return (
    <Card withBorder padding="md" component="section" aria-labelledby="case-actions-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="case-actions-title">
          {t('queue.actions.title')}
        </Title>
        {shown.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('queue.actions.none')}
          </Text>
        )}
        {available.has('start_triage') && (
          <Button
            onClick={() => quickStep('start_triage')}
            loading={loadingFor('start_triage')}
            disabled={busy}
          >
            {t('queue.actions.startTriage')}
          </Button>
        )}
        {available.has('request_records') && (
          <Button variant="light" onClick={() => onOpen('records')} disabled={busy}>
            {t('queue.actions.requestRecords')}
          </Button>
        )}
        {available.has('records_provided') && (
          <Button
            variant="light"
            onClick={() => quickStep('records_provided')}
            loading={loadingFor('records_provided')}
            disabled={busy}
          >
            {t('queue.actions.recordsProvided')}
          </Button>
        )}
        {markReady !== undefined && (
          <Stack gap={4}>
            <Button
              onClick={() => quickStep('mark_ready')}
              loading={loadingFor('mark_ready')}
              disabled={busy || blockedReasons.length > 0}
              aria-describedby={blockedReasons.length > 0 ? 'mark-ready-blocked' : undefined}
            >
              {t('queue.actions.markReady')}
            </Button>
            {blockedReasons.length > 0 && (
              <Text size="sm" c="orange.9" id="mark-ready-blocked">
                {t('queue.actions.blocked', {
                  reasons: blockedReasons.map(failureText).join(' '),
                })}
              </Text>
            )}
            {isOpenBlockers(transition.error) && (
              <Stack gap={4} id="mark-ready-open-blockers">
                <Text size="sm" c="red.9">
                  {t('queue.actions.openBlockers')}
                </Text>
                <Button variant="outline" color="red.9" onClick={() => onOpen('override')}>
                  {t('queue.actions.overrideBlockers')}
                </Button>
              </Stack>
            )}
          </Stack>
        )}
        {available.has('offer') && (
          <Button onClick={() => onOpen('offer')} disabled={busy}>
            {t('queue.actions.offer')}
          </Button>
        )}
        {available.has('reassign') && (
          <Button
            variant="light"
            color="orange.9"
            onClick={() => onOpen('reassign')}
            disabled={busy}
          >
            {t('queue.actions.reassign')}
          </Button>
        )}
        {available.has('cancel') && (
          <Button variant="outline" color="red.8" onClick={() => onOpen('cancel')} disabled={busy}>
            {t('queue.actions.cancel')}
          </Button>
        )}
      </Stack>
    </Card>
  );
}

function RecordRequestsPanel({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  if (caseView.recordRequests.length === 0) return null;
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="case-records-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="case-records-title">
          {t('queue.recordRequests.title')}
        </Title>
        <List spacing="sm" listStyleType="none" ml={0}>
          {caseView.recordRequests.map((request) => (
            <List.Item key={request.id}>
              <Group gap="xs" wrap="wrap">
                <Text size="sm" fw={600}>
                  {request.what}
                </Text>
                <Badge
                  variant="light"
                  color={request.status === 'open' ? 'yellow' : 'green'}
                  tt="none"
                >
                  {t(`queue.recordRequests.${request.status}`)}
                </Badge>
              </Group>
              <Text size="sm">{request.why}</Text>
              <Text size="xs" c="dimmed">
                {t('queue.recordRequests.due', { due: formatDateTime(request.dueAt) })}
              </Text>
            </List.Item>
          ))}
        </List>
      </Stack>
    </Card>
  );
}

function CaseHeader({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const now = useNow();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  const deadline = caseView.stageDeadlineAt;
  const overdue = deadline !== null && new Date(deadline).getTime() < now;
  return (
    <Stack gap="xs">
      <RouterAnchor to="/queue" size="sm">
        <span aria-hidden="true">← </span>
        {t('queue.backToQueue')}
      </RouterAnchor>
      <Title order={1}>{caseView.patientName}</Title>
      <Group gap="sm" wrap="wrap">
        <CaseStateBadge state={caseView.state} />
        <UrgencyBadge urgency={caseView.urgency} />
        {caseView.submittedAt !== null && (
          <Text size="sm" c="dimmed">
            {t('queue.casePage.submitted', { at: formatDateTime(caseView.submittedAt) })}
          </Text>
        )}
      </Group>
      <Group gap="xs" wrap="wrap">
        <Text size="sm" fw={600}>
          {t('queue.casePage.stageDeadline')}
        </Text>
        <Deadline at={deadline} overdue={overdue} now={now} />
      </Group>
    </Stack>
  );
}

function CaseWorkspace({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const transition = useCaseTransition(caseView);
  usePageTitle(caseView.patientName);
  const close = () => setDialog(null);
  const mayOffer = caseView.availableTransitions.some((item) => item.name === 'offer');

  return (
    <Stack gap="lg">
      <CaseHeader caseView={caseView} />
      <CaseConflictAlert conflict={transition.conflict} onClose={transition.clear} />
      {dialog === null && <ErrorAlert error={transition.error} />}
      <ReofferPrompt
        caseView={caseView}
        onReoffer={mayOffer ? () => setDialog('offer') : undefined}
      />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 4 }} order={{ base: 1, md: 2 }}>
          <Stack gap="md">
            <ActionsPanel caseView={caseView} transition={transition} onOpen={setDialog} />
            <OfferStatusPanel caseView={caseView} />
            <RecordRequestsPanel caseView={caseView} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }} order={{ base: 2, md: 1 }}>
          <CaseSummary caseView={caseView} />
        </Grid.Col>
      </Grid>
      <CaseRecordsSection caseId={caseView.id} audience="staff" canDecide />
      <RecordRequestModal opened={dialog === 'records'} onClose={close} transition={transition} />
      <OfferModal
        opened={dialog === 'offer'}
        onClose={close}
        caseView={caseView}
        transition={transition}
      />
      <ReasonModal
        opened={dialog === 'reassign'}
        onClose={close}
        title={t('queue.reassign.title')}
        intro={t('queue.reassign.intro')}
        reasonLabel={t('queue.reassign.reason')}
        submitLabel={t('queue.reassign.submit')}
        onSubmit={async (note) => {
          await transition.take({ transition: 'reassign', note });
          notifications.show({ color: 'green', message: t('queue.done.reassign') });
        }}
      />
      <ReasonModal
        opened={dialog === 'override'}
        onClose={close}
        title={t('queue.override.title')}
        intro={t('queue.override.intro')}
        reasonLabel={t('queue.override.reason')}
        submitLabel={t('queue.override.submit')}
        danger
        onSubmit={async (reason) => {
          await transition.take({ transition: 'mark_ready', blockerOverrideReason: reason });
          notifications.show({ color: 'green', message: t('queue.done.mark_ready') });
        }}
      />
      <ReasonModal
        opened={dialog === 'cancel'}
        onClose={close}
        title={t('queue.cancelCase.title')}
        intro={t('queue.cancelCase.intro')}
        reasonLabel={t('queue.cancelCase.reason')}
        submitLabel={t('queue.cancelCase.submit')}
        danger
        onSubmit={async (note) => {
          await transition.take({ transition: 'cancel', note });
          notifications.show({ color: 'green', message: t('queue.done.cancel') });
        }}
      />
    </Stack>
  );
}

export function CoordinatorCasePage() {
  const { t } = useTranslation();
  const { caseId } = route.useParams();
  const caseQuery = useQuery({ queryKey: caseQueryKey(caseId), queryFn: () => fetchCase(caseId) });

  if (caseQuery.isPending)
    return (
      <Group gap="sm" role="status">
        <Loader size="sm" aria-hidden />
        <Text>{t('common.loading')}</Text>
      </Group>
    );
  if (caseQuery.isError) {
    const missing = isApiError(caseQuery.error) && caseQuery.error.status === 404;
    return (
      <Stack gap="md">
        <Title order={1}>{t('queue.casePage.untitled')}</Title>
        {missing ? (
          <Alert color="gray" variant="light" role="alert">
            {t('queue.casePage.notFound')}
          </Alert>
        ) : (
          <ErrorAlert error={caseQuery.error} />
        )}
        <RouterAnchor to="/queue">{t('queue.backToQueue')}</RouterAnchor>
      </Stack>
    );
  }
  return <CaseWorkspace caseView={caseQuery.data} />;
}
