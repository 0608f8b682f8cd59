/**
 * A case offered to or held by the specialist: the read-only case summary, and while the offer is
 * open the decision — accept before the deadline, or decline with a reason that goes to the
 * coordinator (issue 3, "the specialist accepts or declines with a reason"). Accepted cases lead
 * to the review workspace.
 */
import { Alert, Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-error.ts';
import { caseQueryKey, fetchCase, isAccessEnded, type CaseView } from '../queue/case-api.ts';
import { CaseConflictAlert } from '../queue/case-conflict-alert.tsx';
import { CaseStateBadge, Deadline, UrgencyBadge, useNow } from '../queue/case-display.tsx';
import { ReasonModal } from '../queue/reason-modal.tsx';
import { useCaseTransition } from '../queue/use-case-transition.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor } from '../ui/router-links.tsx';
import { usePageTitle } from '../ui/use-page-title.ts';
import { CaseSummary } from './case-summary.tsx';
import { reviewStates } from './offers-page.tsx';

const route = getRouteApi('/offers/$caseId');

function OfferDecision({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const now = useNow();
  const [declining, setDeclining] = useState(false);
  // Once declined the case leaves the specialist's hands: back to the list before it reloads.
  const transition = useCaseTransition(caseView, async (result) => {
    if (isAccessEnded(result)) await navigate({ to: '/offers' });
  });
  const accept = caseView.availableTransitions.find((item) => item.name === 'accept_offer');
  const decline = caseView.availableTransitions.find((item) => item.name === 'decline_offer');
  const expiresAt = caseView.offer?.expiresAt ?? caseView.stageDeadlineAt;
  const expired = expiresAt !== null && new Date(expiresAt).getTime() <= now;
  const acceptBlocked = accept === undefined || accept.failures.length > 0;

  return (
    <Card withBorder padding="md" component="section" aria-labelledby="offer-decision-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="offer-decision-title">
          {t('specialist.decision.title')}
        </Title>
        <CaseConflictAlert conflict={transition.conflict} onClose={transition.clear} />
        {!declining && <ErrorAlert error={transition.error} />}
        <Group gap="xs" wrap="wrap">
          <Text size="sm" fw={600}>
            {t('specialist.offers.acceptBefore')}
          </Text>
          <Deadline at={expiresAt} overdue={expired} now={now} />
        </Group>
        {expired && (
          <Text size="sm" c="red.9" id="offer-expired-note">
            {t('specialist.decision.expired')}
          </Text>
        )}
        {caseView.offer?.note != null && (
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {t('specialist.decision.note', { note: caseView.offer.note })}
          </Text>
        )}
        <Text size="sm">{t('specialist.decision.intro')}</Text>
        <Group>
          {accept !== undefined && (
            <Button
              onClick={() => {
                transition
                  .take({ transition: 'accept_offer' })
                  .then(() =>
                    notifications.show({
                      color: 'green',
                      message: t('specialist.decision.accepted'),
                    }),
                  )
                  .catch(() => undefined);
              }}
              loading={transition.pendingTransition === 'accept_offer'}
              disabled={transition.pending || acceptBlocked}
              aria-describedby={expired ? 'offer-expired-note' : undefined}
            >
              {t('specialist.decision.accept')}
            </Button>
          )}
          {decline !== undefined && (
            <Button
              variant="outline"
              color="red.8"
              onClick={() => setDeclining(true)}
              disabled={transition.pending}
            >
              {t('specialist.decision.decline')}
            </Button>
          )}
        </Group>
      </Stack>
      <ReasonModal
        opened={declining}
        onClose={() => setDeclining(false)}
        title={t('specialist.decline.title')}
        intro={t('specialist.decline.intro')}
        reasonLabel={t('specialist.decline.reason')}
        submitLabel={t('specialist.decline.submit')}
        danger
        onSubmit={async (declineReason) => {
          await transition.take({ transition: 'decline_offer', declineReason });
          notifications.show({ color: 'green', message: t('specialist.decline.done') });
        }}
      />
    </Card>
  );
}

function AssignedNotice({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  if (!reviewStates.includes(caseView.state)) return null;
  return (
    <Alert color="green" variant="light" title={t('specialist.assigned.title')}>
      <Stack gap="xs">
        <Text size="sm">{t('specialist.assigned.body')}</Text>
        <Group>
          <RouterAnchor to="/review/$caseId" params={{ caseId: caseView.id }} fw={600}>
            {t('specialist.assigned.openWorkspace')}
          </RouterAnchor>
        </Group>
      </Stack>
    </Alert>
  );
}

function SpecialistCase({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const now = useNow();
  usePageTitle(caseView.patientName);
  const offerOpen = caseView.availableTransitions.some(
    (item) => item.name === 'accept_offer' || item.name === 'decline_offer',
  );
  const deadline = caseView.stageDeadlineAt;

  return (
    <Stack gap="lg">
      <Stack gap="xs">
        <RouterAnchor to="/offers" size="sm">
          <span aria-hidden="true">← </span>
          {t('specialist.backToOffers')}
        </RouterAnchor>
        <Title order={1}>{caseView.patientName}</Title>
        <Group gap="sm" wrap="wrap">
          <CaseStateBadge state={caseView.state} />
          <UrgencyBadge urgency={caseView.urgency} />
        </Group>
        {!offerOpen && (
          <Group gap="xs" wrap="wrap">
            <Text size="sm" fw={600}>
              {t('specialist.offers.stageDeadline')}
            </Text>
            <Deadline
              at={deadline}
              overdue={deadline !== null && new Date(deadline).getTime() < now}
              now={now}
            />
          </Group>
        )}
      </Stack>
      {offerOpen && <OfferDecision caseView={caseView} />}
      <AssignedNotice caseView={caseView} />
      <CaseSummary caseView={caseView} />
    </Stack>
  );
}

export function SpecialistCasePage() {
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
            {t('specialist.notFound')}
          </Alert>
        ) : (
          <ErrorAlert error={caseQuery.error} />
        )}
        <RouterAnchor to="/offers">{t('specialist.backToOffers')}</RouterAnchor>
      </Stack>
    );
  }
  return <SpecialistCase caseView={caseQuery.data} />;
}
