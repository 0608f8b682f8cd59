/**
 * Peer review (issue 3, optional per organization): the author sees whether the organization asks
 * for it, where it stands and the colleague's comments; the colleague asked to review sees the
 * draft read-only and approves it or returns it with comments (a comment is required to return).
 * An approval holds for the draft version the colleague saw; a later change needs a new one.
 */
import { Alert, Badge, Blockquote, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { refreshCases, type CaseView } from '../queue/case-api.ts';
import { ReasonModal } from '../queue/reason-modal.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { OpinionContentView } from './opinion-content-view.tsx';
import { decidePeerReview, type OpinionDraft } from './review-api.ts';

type PeerReview = NonNullable<CaseView['peerReview']>;
type PeerReviewEntry = PeerReview['reviews'][number];

const stateColour: Record<PeerReview['state'], string> = {
  not_required: 'gray',
  pending: 'yellow',
  approved: 'green',
  returned: 'orange',
};

const reviewColour: Record<PeerReviewEntry['status'], string> = {
  pending: 'yellow',
  approved: 'green',
  returned: 'orange',
  withdrawn: 'gray',
};

function ReviewEntry({ review }: { review: PeerReviewEntry }) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat();
  return (
    <Stack gap={4} component="li">
      <Group gap="xs" wrap="wrap">
        <Text size="sm" fw={600}>
          {review.reviewerName}
        </Text>
        <Badge variant="light" color={reviewColour[review.status]} tt="none">
          {t(`review.peer.reviewStatus.${review.status}`)}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed">
        {review.decidedAt === null
          ? t('review.peer.askedOn', { date: formatDateTime(review.requestedAt) })
          : t('review.peer.decidedOn', { date: formatDateTime(review.decidedAt) })}
      </Text>
      {review.comment !== null && (
        <Blockquote p="xs" color={reviewColour[review.status]} style={{ whiteSpace: 'pre-wrap' }}>
          {review.comment}
        </Blockquote>
      )}
    </Stack>
  );
}

/** The author's view of peer review: shown when the organization asks for it or one was asked. */
export function PeerReviewStatus({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const peer = caseView.peerReview;
  if (peer === null || (!peer.required && peer.reviews.length === 0)) return null;
  const reviews = [...peer.reviews].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
  const pending = reviews.some((review) => review.status === 'pending');
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="peer-review-title">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Title order={2} size="h4" id="peer-review-title">
            {t('review.peer.title')}
          </Title>
          <Badge variant="light" color={stateColour[peer.state]} tt="none">
            {t(`review.peer.state.${peer.state}`)}
          </Badge>
        </Group>
        <Text size="sm" id="peer-review-status">
          {pending
            ? t('review.peer.waiting')
            : peer.required
              ? t('review.peer.required')
              : t('review.peer.optional')}
        </Text>
        {peer.state === 'returned' && (
          <Alert color="orange" variant="light">
            {t('review.peer.returnedHint')}
          </Alert>
        )}
        {reviews.length > 0 && (
          <Stack gap="sm" component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
            {reviews.map((review) => (
              <ReviewEntry key={review.id} review={review} />
            ))}
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

/** The colleague's side: the draft as saved, read-only, and the decision. */
export function ReviewerPanel({
  caseView,
  draft,
  reviewerUserId,
}: {
  caseView: CaseView;
  draft: OpinionDraft;
  reviewerUserId: string;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formatDateTime = useDateTimeFormat();
  const [returning, setReturning] = useState(false);
  const mine = (caseView.peerReview?.reviews ?? [])
    .filter((review) => review.reviewerUserId === reviewerUserId)
    .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
  const open = mine.find((review) => review.status === 'pending');
  const approve = useMutation({
    mutationFn: () => decidePeerReview(caseView.id, { decision: 'approve' }),
    onSuccess: async () => {
      notifications.show({ color: 'green', message: t('review.peer.approved') });
      await refreshCases(queryClient);
    },
  });

  return (
    <Stack gap="md">
      <Card withBorder padding="md" component="section" aria-labelledby="reviewer-decision-title">
        <Stack gap="sm">
          <Title order={2} size="h3" id="reviewer-decision-title">
            {t('review.peer.reviewerTitle')}
          </Title>
          <Text size="sm">
            {t('review.peer.reviewerIntro', {
              name: caseView.assignedSpecialist?.name ?? t('review.peer.theAuthor'),
            })}
          </Text>
          {draft.updatedAt !== null && (
            <Text size="xs" c="dimmed">
              {t('review.peer.draftSavedAt', { date: formatDateTime(draft.updatedAt) })}
            </Text>
          )}
          <ErrorAlert error={approve.error} />
          {open !== undefined ? (
            <Group gap="sm">
              <Button color="green.9" loading={approve.isPending} onClick={() => approve.mutate()}>
                {t('review.peer.approve')}
              </Button>
              <Button variant="default" onClick={() => setReturning(true)}>
                {t('review.peer.return')}
              </Button>
            </Group>
          ) : (
            <Alert color="gray" variant="light">
              {mine[0] === undefined
                ? t('review.peer.notAsked')
                : t('review.peer.alreadyDecided', {
                    status: t(`review.peer.reviewStatus.${mine[0].status}`),
                  })}
            </Alert>
          )}
        </Stack>
      </Card>
      <Card withBorder padding="md" component="section" aria-labelledby="reviewer-draft-title">
        <Stack gap="sm">
          <Title order={2} size="h3" id="reviewer-draft-title">
            {t('review.peer.draftTitle')}
          </Title>
          <OpinionContentView
            content={draft.content}
            questions={caseView.questions}
            idPrefix="peer-draft"
          />
        </Stack>
      </Card>
      <ReasonModal
        opened={returning}
        onClose={() => setReturning(false)}
        title={t('review.peer.returnTitle')}
        intro={t('review.peer.returnIntro')}
        reasonLabel={t('review.peer.comment')}
        submitLabel={t('review.peer.returnSubmit')}
        onSubmit={async (comment) => {
          await decidePeerReview(caseView.id, { decision: 'return', comment });
          notifications.show({ color: 'green', message: t('review.peer.returned') });
          await refreshCases(queryClient);
        }}
      />
    </Stack>
  );
}
