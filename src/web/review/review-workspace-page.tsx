/**
 * The specialist's review workspace (issue 3): the whole case on one screen next to the structured
 * opinion. On wide screens two columns — the case on the left (its own scroll), the opinion on the
 * right; on phones two tabs. The assigned specialist writes, asks the patient, asks for peer
 * review and signs; a colleague asked for peer review reads the draft and decides; once signed,
 * the signed versions with their seals, corrections and follow-up answers take the editor's place.
 */
import { Alert, Grid, Group, Loader, Stack, Tabs, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-error.ts';
import { caseQueryKey, fetchCase, type CaseState, type CaseView } from '../queue/case-api.ts';
import { CaseStateBadge, Deadline, UrgencyBadge, useNow } from '../queue/case-display.tsx';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor } from '../ui/router-links.tsx';
import { usePageTitle } from '../ui/use-page-title.ts';
import { CaseColumn } from './case-column.tsx';
import { OpinionEditor } from './opinion-editor.tsx';
import { PeerReviewStatus, ReviewerPanel } from './peer-review-panel.tsx';
import { fetchOpinionDraft, opinionDraftQueryKey, type OpinionDraft } from './review-api.ts';
import { ReviewActions } from './review-actions.tsx';
import { SignedOpinionPanel } from './signed-opinion-panel.tsx';
import { useOpinionEditor, writableStates } from './use-opinion-editor.ts';

const route = getRouteApi('/review/$caseId');

/** States after signing: the opinion is frozen and read as signed versions. */
const signedStates: readonly CaseState[] = ['opinion_signed', 'delivered', 'follow_up', 'closed'];

function Loading() {
  const { t } = useTranslation();
  return (
    <Group gap="sm" role="status">
      <Loader size="sm" aria-hidden />
      <Text>{t('common.loading')}</Text>
    </Group>
  );
}

/** Two columns on wide screens, tabs on phones; both sides stay mounted state-wise above this. */
function WorkspaceLayout({
  caseSide,
  opinionSide,
}: {
  caseSide: ReactNode;
  opinionSide: ReactNode;
}) {
  const { t } = useTranslation();
  const wide = useMediaQuery('(min-width: 62em)', true, { getInitialValueInEffect: false });
  if (wide)
    return (
      <Grid gap="lg" align="flex-start">
        <Grid.Col span={5}>
          <div
            role="region"
            aria-label={t('review.layout.case')}
            tabIndex={0}
            style={{
              position: 'sticky',
              top: 76,
              maxHeight: 'calc(100vh - 92px)',
              overflowY: 'auto',
              paddingRight: 4,
            }}
          >
            {caseSide}
          </div>
        </Grid.Col>
        <Grid.Col span={7}>
          <div role="region" aria-label={t('review.layout.opinion')}>
            {opinionSide}
          </div>
        </Grid.Col>
      </Grid>
    );
  return (
    <Tabs defaultValue="opinion" keepMounted={false}>
      <Tabs.List grow>
        <Tabs.Tab value="case">{t('review.layout.case')}</Tabs.Tab>
        <Tabs.Tab value="opinion">{t('review.layout.opinion')}</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="case" pt="md">
        {caseSide}
      </Tabs.Panel>
      <Tabs.Panel value="opinion" pt="md">
        {opinionSide}
      </Tabs.Panel>
    </Tabs>
  );
}

function Header({ caseView, role }: { caseView: CaseView; role: 'author' | 'reviewer' | 'other' }) {
  const { t } = useTranslation();
  const now = useNow();
  const deadline = caseView.stageDeadlineAt;
  return (
    <Stack gap="xs">
      <RouterAnchor to="/offers" size="sm">
        <span aria-hidden="true">← </span>
        {t('specialist.backToOffers')}
      </RouterAnchor>
      <Text size="sm" c="dimmed">
        {role === 'reviewer' ? t('review.page.reviewerKicker') : t('review.page.kicker')}
      </Text>
      <Title order={1}>{caseView.patientName}</Title>
      <Group gap="sm" wrap="wrap">
        <CaseStateBadge state={caseView.state} />
        <UrgencyBadge urgency={caseView.urgency} />
        {deadline !== null && (
          <Group gap="xs" wrap="wrap">
            <Text size="sm" fw={600}>
              {t('specialist.offers.stageDeadline')}
            </Text>
            <Deadline at={deadline} overdue={new Date(deadline).getTime() < now} now={now} />
          </Group>
        )}
      </Group>
    </Stack>
  );
}

/** The assigned specialist writing the opinion: the editor's state lives here, above the layout. */
function AuthorWorkspace({ caseView, draft }: { caseView: CaseView; draft: OpinionDraft }) {
  const editor = useOpinionEditor(caseView, draft, writableStates.includes(caseView.state));
  return (
    <Stack gap="lg">
      <Header caseView={caseView} role="author" />
      <ReviewActions caseView={caseView} editor={editor} />
      <WorkspaceLayout
        caseSide={<CaseColumn caseView={caseView} />}
        opinionSide={
          <Stack gap="md">
            <PeerReviewStatus caseView={caseView} />
            <OpinionEditor editor={editor} caseView={caseView} />
          </Stack>
        }
      />
    </Stack>
  );
}

function DraftLoader({
  caseView,
  children,
  author,
}: {
  caseView: CaseView;
  author: boolean;
  children: (draft: OpinionDraft) => ReactNode;
}) {
  const draft = useQuery({
    queryKey: opinionDraftQueryKey(caseView.id),
    queryFn: () => fetchOpinionDraft(caseView.id),
    // The author's screen holds the draft being edited: it is never replaced behind their back.
    ...(author ? { staleTime: Infinity, refetchOnWindowFocus: false } : {}),
  });
  if (draft.isPending) return <Loading />;
  if (draft.isError) return <ErrorAlert error={draft.error} />;
  return <>{children(draft.data)}</>;
}

function ReviewWorkspace({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const session = useSignedInSession();
  usePageTitle(t('review.page.title', { name: caseView.patientName }));
  const me = session.user.id;
  const isAuthor = caseView.assignedSpecialist?.userId === me;
  const isReviewer =
    !isAuthor && (caseView.peerReview?.reviews.some((r) => r.reviewerUserId === me) ?? false);
  const signed = signedStates.includes(caseView.state);

  if (isAuthor && !signed && writableStates.includes(caseView.state))
    return (
      <DraftLoader caseView={caseView} author>
        {(draft) => <AuthorWorkspace caseView={caseView} draft={draft} />}
      </DraftLoader>
    );

  const role = isAuthor ? 'author' : isReviewer ? 'reviewer' : 'other';
  let opinionSide: ReactNode;
  if (signed) opinionSide = <SignedOpinionPanel caseView={caseView} isAuthor={isAuthor} />;
  else if (isReviewer)
    opinionSide = (
      <DraftLoader caseView={caseView} author={false}>
        {(draft) => <ReviewerPanel caseView={caseView} draft={draft} reviewerUserId={me} />}
      </DraftLoader>
    );
  else if (isAuthor && caseView.state === 'accepted')
    opinionSide = (
      <Alert color="blue" variant="light" title={t('review.page.notStartedTitle')}>
        {t('review.page.notStarted')}
      </Alert>
    );
  else
    opinionSide = (
      <Alert color="gray" variant="light" title={t('review.page.notInReviewTitle')}>
        <Stack gap="xs">
          <Text size="sm">{t('review.page.notInReview')}</Text>
          <RouterAnchor to="/offers/$caseId" params={{ caseId: caseView.id }} size="sm">
            {t('review.page.openSummary')}
          </RouterAnchor>
        </Stack>
      </Alert>
    );

  return (
    <Stack gap="lg">
      <Header caseView={caseView} role={role} />
      {isAuthor && caseView.state === 'accepted' && (
        <ReviewActions caseView={caseView} editor={null} />
      )}
      <WorkspaceLayout caseSide={<CaseColumn caseView={caseView} />} opinionSide={opinionSide} />
    </Stack>
  );
}

export function ReviewWorkspacePage() {
  const { t } = useTranslation();
  const { caseId } = route.useParams();
  const caseQuery = useQuery({ queryKey: caseQueryKey(caseId), queryFn: () => fetchCase(caseId) });
  if (caseQuery.isPending) return <Loading />;
  if (caseQuery.isError) {
    const missing = isApiError(caseQuery.error) && caseQuery.error.status === 404;
    return (
      <Stack gap="md">
        <Title order={1}>{t('review.page.untitled')}</Title>
        {missing ? (
          <Alert color="gray" variant="light" role="alert">
            {t('review.page.notFound')}
          </Alert>
        ) : (
          <ErrorAlert error={caseQuery.error} />
        )}
        <RouterAnchor to="/offers">{t('specialist.backToOffers')}</RouterAnchor>
      </Stack>
    );
  }
  return <ReviewWorkspace caseView={caseQuery.data} />;
}
