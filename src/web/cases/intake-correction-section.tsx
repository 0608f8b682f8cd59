/**
 * Correcting a submitted intake from the case page (docs/cases.md, "Correcting a submitted
 * intake"): until the case is ready for matching, the patient side may correct the diagnosis, the
 * proposed treatment, the medicines and the allergies, which the records check reads again. The
 * dialog holds the wizard's own fields for them; saving sends only what changed, with the version
 * last seen. What was typed stays in the form on any error (and when the dialog is closed), so a
 * conflict reloads the case and the person saves again against the latest version.
 */
import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError, validationIssues } from '../api/api-error.ts';
import { useModalFullScreen } from '../queue/reason-modal.tsx';
import { caseFindingsQueryKey, recordsTimelineQueryKey } from '../records/records-api.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { caseQueryKey, isConflict, rememberCase, saveDraft, type CaseView } from './case-api.ts';
import {
  correctableFieldsOf,
  correctionChangeOf,
  correctionProblems,
  type IntakeCorrection,
} from './intake-correction.ts';
import { IntakeConditionStep } from './intake-condition-step.tsx';
import { intakeValuesOf, problemMessage, type IntakeValues } from './intake-form.ts';
import { IntakeHealthStep } from './intake-health-step.tsx';

export function IntakeCorrectionSection({ view }: { view: CaseView }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const fullScreen = useModalFullScreen();
  const [opened, setOpened] = useState(false);
  /** The case as the form was last filled from it: what "nothing typed" is measured against. */
  const [filledFrom, setFilledFrom] = useState(view);
  const [problemCount, setProblemCount] = useState(0);
  const [conflictMessage, setConflictMessage] = useState<string | null>(null);
  const [nothingChanged, setNothingChanged] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const bodyRef = useRef<HTMLDivElement>(null);

  const form = useForm<IntakeValues>({
    mode: 'controlled',
    initialValues: intakeValuesOf(view),
  });

  const fillFrom = (source: CaseView) => {
    form.setValues(intakeValuesOf(source));
    form.clearErrors();
    setFilledFrom(source);
  };

  const focusFirstProblem = () => {
    requestAnimationFrame(() => {
      bodyRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    });
  };

  const open = () => {
    // Untouched values follow the case as it is now; typed ones wait to be saved.
    if (Object.keys(correctionChangeOf(form.getValues(), intakeValuesOf(filledFrom))).length === 0)
      fillFrom(view);
    setProblemCount(0);
    setNothingChanged(false);
    setError(null);
    setOpened(true);
  };

  /** Puts the server's field issues on the fields; false when some are not about a field here. */
  const placeServerIssues = (failure: unknown): boolean => {
    if (!isApiError(failure) || failure.code !== 'validation_failed') return false;
    const fields = Object.keys(validationIssues(failure));
    const placed = correctableFieldsOf(fields).filter(
      (field) => field !== 'medications' && field !== 'allergies',
    );
    for (const field of placed) {
      form.setFieldError(
        field,
        field === 'diagnosisCode' ? t('cases.problems.diagnosisCode') : t('cases.problems.invalid'),
      );
    }
    if (placed.length > 0) focusFirstProblem();
    return fields.length > 0 && placed.length === fields.length;
  };

  const save = useMutation({
    mutationFn: (change: IntakeCorrection) => saveDraft(view.id, change, view.version),
    onSuccess: async (updated) => {
      setOpened(false);
      setConflictMessage(null);
      fillFrom(updated);
      notifications.show({ color: 'green', message: t('cases.correction.saved') });
      await rememberCase(queryClient, updated);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: caseFindingsQueryKey(view.id) }),
        queryClient.invalidateQueries({ queryKey: recordsTimelineQueryKey(view.id) }),
      ]);
    },
    onError: async (failure) => {
      if (isConflict(failure)) {
        // The latest case replaces the one the diff was measured against; the typed values stay.
        setConflictMessage(failure.message);
        await queryClient.invalidateQueries({ queryKey: caseQueryKey(view.id) });
      } else if (!placeServerIssues(failure)) setError(failure);
    },
  });

  const submit = () => {
    setError(null);
    setNothingChanged(false);
    const values = form.getValues();
    const problems = Object.entries(correctionProblems(values));
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
    const change = correctionChangeOf(values, intakeValuesOf(view));
    if (Object.keys(change).length === 0) {
      setNothingChanged(true);
      return;
    }
    save.mutate(change);
  };

  return (
    <Stack gap="xs">
      <Text>{t('cases.correction.intro')}</Text>
      <Group>
        <Button variant="light" onClick={open}>
          {t('cases.correction.open')}
        </Button>
      </Group>
      <Modal
        opened={opened}
        onClose={() => setOpened(false)}
        title={t('cases.correction.title')}
        size="xl"
        fullScreen={fullScreen}
      >
        <Stack gap="lg" ref={bodyRef}>
          <Text>{t('cases.correction.dialogIntro')}</Text>
          {conflictMessage !== null && (
            <Alert
              color="yellow"
              variant="light"
              role="alert"
              title={t('cases.correction.conflictTitle')}
            >
              <Text size="sm">{conflictMessage}</Text>
              <Text size="sm">{t('cases.correction.conflict')}</Text>
            </Alert>
          )}
          {problemCount > 0 && (
            <Alert color="red" variant="light" role="alert">
              {t('cases.correction.fixProblems', { count: problemCount })}
            </Alert>
          )}
          <ErrorAlert error={error} />
          <IntakeConditionStep form={form} withDescription={false} />
          <IntakeHealthStep form={form} withDevices={false} />
          {nothingChanged && (
            <Alert color="blue" variant="light" role="status">
              {t('cases.correction.nothingChanged')}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={() => setOpened(false)} disabled={save.isPending}>
              {t('cases.correction.cancel')}
            </Button>
            <Button loading={save.isPending} onClick={submit}>
              {t('cases.correction.save')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
