/**
 * The workspace's actions bar: start the review of an accepted case, ask the patient a question
 * (the case waits for the answer), resume without waiting (open questions are withdrawn), ask a
 * colleague for peer review, and sign. Signing is disabled, with the list of what is still
 * missing, until the lifecycle allows it; it asks for confirmation, saves any last changes, and
 * then needs the password and second factor again (403 `reauthentication_required` opens the
 * re-authentication dialog and the signing is retried). The signed opinion is delivered at once.
 */
import { Alert, Button, Card, Group, List, Modal, Select, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  caseConflictOf,
  caseQueryKey,
  fetchCase,
  isAccessEnded,
  refreshCases,
  takeTransition,
  type CaseView,
} from '../queue/case-api.ts';
import { CaseConflictAlert } from '../queue/case-conflict-alert.tsx';
import { ReasonModal, useModalFullScreen } from '../queue/reason-modal.tsx';
import { useCaseTransition } from '../queue/use-case-transition.ts';
import { unlessCancelled, useWithReauthentication } from '../session/reauthentication.tsx';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { guardFailuresOf, useFailureSummary } from './guard-failures.ts';
import { fetchAllSpecialists, requestPeerReview, specialistsQueryKey } from './review-api.ts';
import type { OpinionEditorControl } from './use-opinion-editor.ts';

function transitionOf(caseView: CaseView, name: CaseView['availableTransitions'][number]['name']) {
  return caseView.availableTransitions.find((item) => item.name === name);
}

/** Whether a peer review asked for is still waiting for the colleague's decision. */
export function hasPendingPeerReview(caseView: CaseView): boolean {
  return caseView.peerReview?.reviews.some((review) => review.status === 'pending') ?? false;
}

function PeerReviewRequestModal({
  opened,
  onClose,
  caseView,
  editor,
}: {
  opened: boolean;
  onClose: () => void;
  caseView: CaseView;
  editor: OpinionEditorControl;
}) {
  const { t } = useTranslation();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const fullScreen = useModalFullScreen();
  const [reviewer, setReviewer] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const specialists = useQuery({
    queryKey: specialistsQueryKey,
    queryFn: fetchAllSpecialists,
    enabled: opened,
    staleTime: 60_000,
  });
  const colleagues = (specialists.data?.specialists ?? []).filter(
    (specialist) => specialist.userId !== session.user.id,
  );
  const request = useMutation({
    mutationFn: async (reviewerUserId: string) => {
      // The review is of the draft as saved: save what is on screen first.
      await editor.saveNow();
      return requestPeerReview(caseView.id, reviewerUserId);
    },
    onSuccess: async () => {
      notifications.show({ color: 'green', message: t('review.peer.requested') });
      close();
      await refreshCases(queryClient);
    },
  });
  const close = () => {
    setReviewer(null);
    setMissing(false);
    request.reset();
    onClose();
  };
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('review.peer.requestTitle')}
      size="lg"
      fullScreen={fullScreen}
    >
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (reviewer === null) {
            setMissing(true);
            return;
          }
          request.mutate(reviewer);
        }}
      >
        <Stack gap="sm">
          <Text size="sm">{t('review.peer.requestIntro')}</Text>
          <ErrorAlert error={specialists.error ?? request.error} />
          {specialists.isSuccess && colleagues.length === 0 ? (
            <Alert color="gray" variant="light">
              {t('review.peer.noColleagues')}
            </Alert>
          ) : (
            <Select
              label={t('review.peer.reviewer')}
              placeholder={specialists.isPending ? t('common.loading') : t('review.fields.choose')}
              required
              searchable
              data-autofocus
              data={colleagues.map((colleague) => ({
                value: colleague.userId,
                label:
                  colleague.credentials === ''
                    ? colleague.name
                    : `${colleague.name}, ${colleague.credentials}`,
              }))}
              value={reviewer}
              error={missing && reviewer === null ? t('validation.required') : undefined}
              onChange={setReviewer}
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={request.isPending} disabled={colleagues.length === 0}>
              {t('review.peer.requestSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ResumeModal({
  opened,
  onClose,
  onConfirm,
  pending,
  error,
  problems,
}: {
  opened: boolean;
  onClose: () => void;
  onConfirm: () => void;
  pending: boolean;
  error: unknown;
  /** Why the server refused the step, in words. */
  problems: string[];
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={t('review.actions.resumeTitle')} centered>
      <Stack gap="sm">
        <Text size="sm">{t('review.actions.resumeBody')}</Text>
        <ErrorAlert error={error} />
        {problems.length > 0 && (
          <Alert color="orange" variant="light" role="alert" title={t('review.actions.refused')}>
            <List size="sm" spacing={2}>
              {problems.map((problem) => (
                <List.Item key={problem}>{problem}</List.Item>
              ))}
            </List>
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('queue.keepAsIs')}
          </Button>
          <Button loading={pending} onClick={onConfirm}>
            {t('review.actions.resume')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function SignConfirmModal({
  opened,
  onClose,
  onConfirm,
}: {
  opened: boolean;
  onClose: () => void;
  onConfirm: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={t('review.sign.confirmTitle')} centered>
      <Stack gap="sm">
        <Text size="sm">{t('review.sign.confirmBody')}</Text>
        <List size="sm" spacing={4}>
          <List.Item>{t('review.sign.confirmFrozen')}</List.Item>
          <List.Item>{t('review.sign.confirmDelivered')}</List.Item>
          <List.Item>{t('review.sign.confirmReauth')}</List.Item>
        </List>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('queue.keepAsIs')}
          </Button>
          <Button onClick={onConfirm} data-autofocus>
            {t('review.sign.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function ReviewActions({
  caseView,
  editor,
}: {
  caseView: CaseView;
  editor: OpinionEditorControl | null;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const withReauthentication = useWithReauthentication();
  const summarizeFailures = useFailureSummary();
  const transition = useCaseTransition(caseView);
  const [asking, setAsking] = useState(false);
  const [resuming, setResuming] = useState(false);
  const [resumeProblems, setResumeProblems] = useState<string[]>([]);
  const [requestingPeer, setRequestingPeer] = useState(false);
  const [confirmingSign, setConfirmingSign] = useState(false);
  const [preparing, setPreparing] = useState(false);

  const start = transitionOf(caseView, 'start_review');
  const ask = transitionOf(caseView, 'ask_patient');
  const resume = transitionOf(caseView, 'patient_answered');
  const signStep = transitionOf(caseView, 'sign_opinion');
  const inReview = caseView.state === 'in_review';
  const awaitingPatient = caseView.state === 'awaiting_patient';
  const peerPending = hasPendingPeerReview(caseView);

  const sign = useMutation({
    mutationFn: async () => {
      // Sign what the server holds now, with the case version it has now.
      const fresh = await queryClient.query({
        queryKey: caseQueryKey(caseView.id),
        queryFn: () => fetchCase(caseView.id),
        staleTime: 0,
      });
      return withReauthentication(() =>
        takeTransition(caseView.id, { transition: 'sign_opinion', expectedVersion: fresh.version }),
      );
    },
    onSuccess: async (result) => {
      if (!isAccessEnded(result)) queryClient.setQueryData(caseQueryKey(caseView.id), result);
      // Organizations that release reports by hand keep the signed opinion for the coordinator.
      notifications.show({
        color: 'green',
        message:
          result.state === 'opinion_signed'
            ? t('review.sign.doneForRelease')
            : t('review.sign.done'),
      });
      await refreshCases(queryClient);
    },
    onError: async (error) => {
      editor?.placeServerIssues(error);
      if (caseConflictOf(error) !== null) await refreshCases(queryClient);
    },
  });

  /** Guard failures from the server, as details of a 409 or as the case view lists them. */
  const refused = guardFailuresOf(sign.error);
  const signFailures = refused.length > 0 ? refused : (signStep?.failures ?? []);
  const blockers = [
    ...summarizeFailures(signFailures),
    ...(awaitingPatient ? [t('review.failures.awaiting_patient')] : []),
    ...(editor !== null && editor.built.incomplete.length > 0
      ? [t('review.failures.incompleteSections')]
      : []),
    ...(editor?.conflict != null ? [t('review.failures.draftConflict')] : []),
  ];
  const canSign = signStep !== undefined && blockers.length === 0 && inReview;

  const prepareSign = async () => {
    setPreparing(true);
    sign.reset();
    try {
      if (editor !== null && !(await editor.checkAndSave())) return;
      setConfirmingSign(true);
    } finally {
      setPreparing(false);
    }
  };

  const showSign = inReview || awaitingPatient;
  if (start === undefined && !showSign) return null;

  return (
    <Card withBorder padding="md" component="section" aria-labelledby="review-actions-title">
      <Stack gap="sm">
        <Text fw={700} id="review-actions-title">
          {t('review.actions.title')}
        </Text>
        <CaseConflictAlert conflict={transition.conflict} onClose={transition.clear} />
        <ErrorAlert error={transition.error} />
        <ErrorAlert
          error={guardFailuresOf(sign.error).length > 0 ? null : unlessCancelled(sign.error)}
        />
        {awaitingPatient && (
          <Alert color="yellow" variant="light">
            {t('review.actions.awaitingPatient')}
          </Alert>
        )}
        <Group gap="sm" wrap="wrap">
          {start !== undefined && (
            <Button
              loading={transition.pendingTransition === 'start_review'}
              disabled={transition.pending || start.failures.length > 0}
              onClick={() => {
                transition
                  .take({ transition: 'start_review' })
                  .then(() =>
                    notifications.show({ color: 'green', message: t('review.actions.started') }),
                  )
                  .catch(() => undefined);
              }}
            >
              {t('review.actions.start')}
            </Button>
          )}
          {ask !== undefined && inReview && (
            <Button variant="default" disabled={transition.pending} onClick={() => setAsking(true)}>
              {t('review.actions.ask')}
            </Button>
          )}
          {resume !== undefined && awaitingPatient && (
            <Button
              variant="default"
              disabled={transition.pending}
              onClick={() => {
                transition.clear();
                setResumeProblems([]);
                setResuming(true);
              }}
            >
              {t('review.actions.resume')}
            </Button>
          )}
          {editor !== null && inReview && (
            <Button
              variant="default"
              disabled={peerPending || editor.saved.version === null}
              onClick={() => setRequestingPeer(true)}
              aria-describedby={peerPending ? 'peer-review-status' : undefined}
            >
              {t('review.actions.requestPeer')}
            </Button>
          )}
          {showSign && (
            <Button
              color="green.9"
              disabled={!canSign || sign.isPending}
              loading={preparing || sign.isPending}
              aria-describedby={blockers.length > 0 ? 'sign-blockers' : undefined}
              onClick={() => void prepareSign()}
            >
              {t('review.sign.button')}
            </Button>
          )}
        </Group>
        {showSign && blockers.length > 0 && (
          <div id="sign-blockers">
            <Text size="sm" fw={600}>
              {t('review.sign.blockedTitle')}
            </Text>
            <List size="sm" spacing={2}>
              {blockers.map((blocker) => (
                <List.Item key={blocker}>{blocker}</List.Item>
              ))}
            </List>
          </div>
        )}
      </Stack>
      <ReasonModal
        opened={asking}
        onClose={() => setAsking(false)}
        title={t('review.ask.title')}
        intro={t('review.ask.intro')}
        reasonLabel={t('review.ask.question')}
        submitLabel={t('review.ask.submit')}
        onSubmit={async (text) => {
          await transition.take({ transition: 'ask_patient', patientQuestion: { text } });
          notifications.show({ color: 'green', message: t('review.ask.done') });
        }}
      />
      <ResumeModal
        opened={resuming}
        onClose={() => setResuming(false)}
        pending={transition.pendingTransition === 'patient_answered'}
        error={transition.error}
        problems={resumeProblems}
        onConfirm={() => {
          transition
            .take({ transition: 'patient_answered' })
            .then(() => {
              setResuming(false);
              notifications.show({ color: 'green', message: t('review.actions.resumed') });
            })
            .catch((error: unknown) => {
              // A refusal says why in the dialog; a case that moved on closes it, and the bar
              // says where it now stands.
              const failures = guardFailuresOf(error);
              if (failures.length > 0) {
                transition.clear();
                setResumeProblems(summarizeFailures(failures));
              } else if (caseConflictOf(error) !== null) setResuming(false);
            });
        }}
      />
      {editor !== null && (
        <PeerReviewRequestModal
          opened={requestingPeer}
          onClose={() => setRequestingPeer(false)}
          caseView={caseView}
          editor={editor}
        />
      )}
      <SignConfirmModal
        opened={confirmingSign}
        onClose={() => setConfirmingSign(false)}
        onConfirm={() => {
          // The confirmation closes first, so the re-authentication dialog is the only one open.
          setConfirmingSign(false);
          sign.mutate();
        }}
      />
    </Card>
  );
}
