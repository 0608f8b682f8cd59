/**
 * The intake wizard (issue 3, "save as draft at every step, resume later"). Seven steps over one
 * form; leaving a step (next, back, another step, "save and finish later") checks it with core's
 * intake schema and saves what changed with the version last seen. When someone else saved first
 * (409) the latest draft is loaded and the person is told. A returning person starts at the first
 * step that is still incomplete. Focus moves to the step's heading on each step, and to the first
 * field with a problem when a step cannot be saved.
 */
import { Alert, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseDraftChange } from '../../core/case-intake.ts';
import { isApiError, validationIssues } from '../api/api-error.ts';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterButtonLink } from '../ui/router-links.tsx';
import { usePageTitle } from '../ui/use-page-title.ts';
import {
  caseQueryOptions,
  isConflict,
  rememberCase,
  rememberTransition,
  saveDraft,
  takeTransition,
  type CaseView,
} from './case-api.ts';
import { CaseLoadError, CaseLoading } from './case-loading.tsx';
import { IntakeConditionStep } from './intake-condition-step.tsx';
import { IntakeConsentStep } from './intake-consent-step.tsx';
import { IntakeDocumentsStep } from './intake-documents-step.tsx';
import {
  completedSteps,
  intakeSteps,
  intakeValuesOf,
  problemMessage,
  resumeStepIndex,
  stepChangeOf,
  stepProblems,
  type IntakeStep,
  type IntakeValues,
} from './intake-form.ts';
import { IntakeGoalsStep } from './intake-goals-step.tsx';
import { IntakeHealthStep } from './intake-health-step.tsx';
import { IntakeHistoryStep } from './intake-history-step.tsx';
import { IntakeQuestionsStep } from './intake-questions-step.tsx';
import { IntakeStepNav } from './intake-step-nav.tsx';

/** Whether two draft changes say the same (both built by `stepChangeOf`, so keys line up). */
function sameChange(a: object, b: object): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

type PendingAction = 'next' | 'back' | 'later' | 'jump';

function IntakeWizard({ initial }: { initial: CaseView }) {
  const { t } = useTranslation();
  const caseId = initial.id;
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const cached = useQuery({ ...caseQueryOptions(caseId), refetchOnWindowFocus: false });
  const view = cached.data ?? initial;
  const [stepIndex, setStepIndex] = useState(() => resumeStepIndex(initial));
  const [conflict, setConflict] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problemCount, setProblemCount] = useState(0);
  const [pending, setPending] = useState<PendingAction | null>(null);
  /** The consent answer being saved, shown at once (the saved one shows once it is back). */
  const [consentChoice, setConsentChoice] = useState<boolean | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const stepRef = useRef<HTMLDivElement>(null);
  const firstRender = useRef(true);
  const step: IntakeStep = intakeSteps[stepIndex] ?? 'condition';
  const role = session.membership.role;
  const mayConsent = role === 'patient' || role === 'proxy';

  const form = useForm<IntakeValues>({
    mode: 'controlled',
    initialValues: intakeValuesOf(initial),
  });

  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    headingRef.current?.focus();
  }, [stepIndex]);

  /** Loads the draft as it now is; a case that moved on is shown on its own page. */
  const reloadAfterConflict = async () => {
    const fresh = await queryClient.query({ ...caseQueryOptions(caseId), staleTime: 0 });
    if (fresh.state !== 'draft') {
      await navigate({ to: '/cases/$caseId', params: { caseId } });
      return;
    }
    form.setValues(intakeValuesOf(fresh));
    form.resetDirty();
    form.clearErrors();
    setProblemCount(0);
    setConflict(true);
  };

  /** Puts the server's field issues on the fields; false when some are not about a field here. */
  const placeServerIssues = (failure: unknown): boolean => {
    if (!isApiError(failure) || failure.code !== 'validation_failed') return false;
    const fields = Object.keys(validationIssues(failure));
    if (fields.length === 0) return false;
    const values = form.getValues();
    let placed = 0;
    for (const field of fields) {
      if (!(field in values)) continue;
      form.setFieldError(
        field,
        field === 'diagnosisCode' ? t('cases.problems.diagnosisCode') : t('cases.problems.invalid'),
      );
      placed += 1;
    }
    if (placed > 0) focusFirstProblem();
    return placed === fields.length;
  };

  const focusFirstProblem = () => {
    requestAnimationFrame(() => {
      const invalid = stepRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
      invalid?.focus();
    });
  };

  const save = useMutation({
    mutationFn: ({ change, version }: { change: CaseDraftChange; version: number }) =>
      saveDraft(caseId, change, version),
  });

  /** Checks and saves the current step, then goes to `target` (a step, or back to the list). */
  const leaveStep = async (target: number | 'later', action: PendingAction) => {
    setError(null);
    const values = form.getValues();
    const problems = Object.entries(stepProblems(step, values));
    if (problems.length > 0) {
      form.setErrors(
        Object.fromEntries(problems.map(([path, problem]) => [path, problemMessage(problem, t)])),
      );
      setProblemCount(problems.length);
      focusFirstProblem();
      return;
    }
    form.clearErrors();
    setProblemCount(0);
    const { change } = stepChangeOf(step, values);
    const saved = stepChangeOf(step, intakeValuesOf(view)).change;
    if (Object.keys(change).length > 0 && !sameChange(change, saved)) {
      setPending(action);
      try {
        await rememberCase(queryClient, await save.mutateAsync({ change, version: view.version }));
      } catch (failure) {
        if (isConflict(failure)) await reloadAfterConflict();
        else if (!placeServerIssues(failure)) setError(failure);
        return;
      } finally {
        setPending(null);
      }
    }
    setConflict(false);
    if (target === 'later') {
      notifications.show({ color: 'green', message: t('cases.intake.savedForLater') });
      await navigate({ to: '/cases' });
      return;
    }
    setStepIndex(Math.max(0, Math.min(target, intakeSteps.length - 1)));
  };

  const consent = useMutation({
    mutationFn: (accepted: boolean) =>
      saveDraft(caseId, { consentAccepted: accepted }, view.version),
    onMutate: () => setError(null),
    onSuccess: async (updated) => {
      setConflict(false);
      await rememberCase(queryClient, updated);
    },
    onError: async (failure) => {
      if (isConflict(failure)) await reloadAfterConflict();
      else setError(failure);
    },
    onSettled: () => setConsentChoice(null),
  });

  const submit = useMutation({
    mutationFn: () => takeTransition(caseId, 'submit', view.version),
    onMutate: () => setError(null),
    onSuccess: async (result) => {
      notifications.show({ color: 'green', message: t('cases.intake.submitted') });
      if ('accessEnded' in result) {
        await rememberTransition(queryClient, result);
        await navigate({ to: '/cases' });
        return;
      }
      // To the case page first, so this wizard does not show the sent case as "not a draft".
      await navigate({ to: '/cases/$caseId', params: { caseId } });
      await rememberCase(queryClient, result);
    },
    onError: async (failure) => {
      if (isConflict(failure)) await reloadAfterConflict();
      else setError(failure);
    },
  });

  const busy = pending !== null || consent.isPending || submit.isPending;
  const isLast = stepIndex === intakeSteps.length - 1;
  const goToStep = (target: IntakeStep) => void leaveStep(intakeSteps.indexOf(target), 'jump');

  return (
    <Stack gap="lg" maw={860}>
      <div>
        <Title order={1}>{t('cases.intake.title')}</Title>
        {role !== 'patient' && (
          <Text fw={500}>{t('cases.list.forPatient', { name: view.patientName })}</Text>
        )}
        <Text mt="xs">{t('cases.intake.savedNote')}</Text>
      </div>
      <IntakeStepNav
        current={stepIndex}
        completed={completedSteps(view)}
        disabled={busy}
        onSelect={(index) => void leaveStep(index, 'jump')}
      />
      {/* Not a <form>: a step may hold forms of its own (adding documents). */}
      <Stack gap="md" component="section" aria-labelledby="intake-step-title" ref={stepRef}>
        <div>
          <Text size="sm" c="dimmed">
            {t('cases.intake.stepOf', { number: stepIndex + 1, total: intakeSteps.length })}
          </Text>
          <Title order={2} id="intake-step-title" tabIndex={-1} ref={headingRef}>
            {t(`cases.steps.${step}.title`)}
          </Title>
          <Text mt={4}>{t(`cases.steps.${step}.intro`)}</Text>
        </div>
        {conflict && (
          <Alert
            color="yellow"
            variant="light"
            role="alert"
            title={t('cases.intake.conflictTitle')}
          >
            {t('cases.intake.conflict')}
          </Alert>
        )}
        {problemCount > 0 && (
          <Alert color="red" variant="light" role="alert">
            {t('cases.intake.fixProblems', { count: problemCount })}
          </Alert>
        )}
        <ErrorAlert error={error} />

        {step === 'condition' && <IntakeConditionStep form={form} />}
        {step === 'health' && <IntakeHealthStep form={form} />}
        {step === 'history' && <IntakeHistoryStep form={form} />}
        {step === 'questions' && <IntakeQuestionsStep form={form} />}
        {step === 'goals' && <IntakeGoalsStep form={form} />}
        {step === 'documents' && <IntakeDocumentsStep caseId={caseId} />}
        {step === 'consent' && (
          <IntakeConsentStep
            view={view}
            mayConsent={mayConsent}
            consentChecked={consentChoice ?? view.consent.accepted}
            consentSaving={consent.isPending}
            onConsent={(accepted) => {
              setConsentChoice(accepted);
              consent.mutate(accepted);
            }}
            onGoToStep={goToStep}
            onSubmit={() => submit.mutate()}
            submitting={submit.isPending}
          />
        )}

        <Group justify="space-between" gap="sm" mt="md">
          <Button
            variant="default"
            disabled={stepIndex === 0 || busy}
            loading={pending === 'back'}
            onClick={() => void leaveStep(stepIndex - 1, 'back')}
          >
            {t('cases.intake.back')}
          </Button>
          <Group gap="sm">
            <Button
              variant="subtle"
              disabled={busy}
              loading={pending === 'later'}
              onClick={() => void leaveStep('later', 'later')}
            >
              {t('cases.intake.finishLater')}
            </Button>
            {!isLast && (
              <Button
                disabled={busy}
                loading={pending === 'next'}
                onClick={() => void leaveStep(stepIndex + 1, 'next')}
              >
                {t('cases.intake.next')}
              </Button>
            )}
          </Group>
        </Group>
      </Stack>
    </Stack>
  );
}

/** A case that is no longer a draft cannot be edited; the person is pointed to its page. */
function NotDraft({ caseId }: { caseId: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap="md" maw={720}>
      <Title order={1}>{t('cases.intake.title')}</Title>
      <Alert color="blue" variant="light">
        {t('cases.intake.notDraft')}
      </Alert>
      <Group>
        <RouterButtonLink to="/cases/$caseId" params={{ caseId }}>
          {t('cases.intake.toCase')}
        </RouterButtonLink>
      </Group>
    </Stack>
  );
}

const route = getRouteApi('/cases/$caseId/intake');

export function IntakeWizardPage() {
  const { t } = useTranslation();
  const { caseId } = route.useParams();
  usePageTitle(t('cases.intake.title'));
  const query = useQuery({ ...caseQueryOptions(caseId), refetchOnWindowFocus: false });
  if (query.isPending) return <CaseLoading />;
  if (query.isError) return <CaseLoadError error={query.error} />;
  if (query.data.state !== 'draft') return <NotDraft caseId={caseId} />;
  return <IntakeWizard key={caseId} initial={query.data} />;
}
