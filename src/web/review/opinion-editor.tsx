/**
 * The structured opinion editor (issue 3): one accordion item per section, each with a marker
 * saying whether core counts it complete, the save state ("Saved at 14:32", "Unsaved changes",
 * a conflict banner when the draft was saved elsewhere), and a Save button that shows every
 * problem on its field and moves focus to the first. Autosave runs in `useOpinionEditor`.
 */
import { Accordion, Alert, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseView } from '../queue/case-api.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { useSectionTitle } from './guard-failures.ts';
import {
  AlternativeDiagnosesFields,
  DiagnosisAssessmentFields,
  FollowUpWindowsFields,
  PlainSummaryField,
  QuestionAnswersFields,
  RecommendationFields,
  RecommendedTestsFields,
  ReferencesFields,
  RiskOfWaitingFields,
  TreatmentOptionsFields,
  WarningSignsFields,
} from './opinion-fields.tsx';
import {
  editorSections,
  fieldId,
  sectionStatuses,
  type EditorSection,
  type SectionStatus,
} from './opinion-form.ts';
import type { OpinionEditorControl, SaveStatus } from './use-opinion-editor.ts';

const statusColour: Record<SectionStatus, string> = {
  complete: 'green',
  incomplete: 'orange',
  missing: 'gray',
  optional: 'gray',
};

function SectionMarker({ status, detail }: { status: SectionStatus; detail?: string }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={statusColour[status]} tt="none" style={{ flexShrink: 0 }}>
      {status === 'complete' && <span aria-hidden="true">✓ </span>}
      {status === 'incomplete' && <span aria-hidden="true">! </span>}
      {detail ?? t(`review.status.${status}`)}
    </Badge>
  );
}

function SaveStatusLine({ status }: { status: SaveStatus }) {
  const { t } = useTranslation();
  const formatTime = useDateTimeFormat({ timeStyle: 'short' });
  const sectionTitle = useSectionTitle();
  switch (status.kind) {
    case 'saving':
      return <Text size="sm">{t('review.save.saving')}</Text>;
    case 'saved':
      return (
        <Text size="sm" c="green.9">
          <span aria-hidden="true">✓ </span>
          {t('review.save.savedAt', { time: formatTime(status.at) })}
        </Text>
      );
    case 'unsaved':
      return <Text size="sm">{t('review.save.unsaved')}</Text>;
    case 'incomplete':
      return (
        <>
          {status.savedAt !== null && (
            <Text size="sm">{t('review.save.savedAt', { time: formatTime(status.savedAt) })}</Text>
          )}
          <Text size="sm" c="orange.9">
            {t('review.save.incomplete', {
              sections: status.sections.map(sectionTitle).join(', '),
            })}
          </Text>
        </>
      );
    case 'error':
      return (
        <Text size="sm" c="red.9">
          {t('review.save.failed')}
        </Text>
      );
    case 'conflict':
      return (
        <Text size="sm" c="orange.9">
          {t('review.save.conflict')}
        </Text>
      );
    case 'empty':
      return (
        <Text size="sm" c="dimmed">
          {t('review.save.empty')}
        </Text>
      );
  }
}

function ConflictBanner({ editor }: { editor: OpinionEditorControl }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<'reload' | 'keep' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const conflict = editor.conflict;
  if (conflict === null) return null;
  if (conflict.kind === 'stage')
    return (
      <Alert color="orange" variant="light" role="alert" title={t('review.conflict.stageTitle')}>
        {conflict.currentState === null
          ? t('review.conflict.stageBody')
          : t('review.conflict.stageBodyWithState', {
              state: t(`queue.states.${conflict.currentState}`),
            })}
      </Alert>
    );
  const run = (kind: 'reload' | 'keep') => {
    setBusy(kind);
    setError(null);
    (kind === 'reload' ? editor.reloadSaved() : editor.keepMine())
      .catch((failure: unknown) => setError(failure))
      .finally(() => setBusy(null));
  };
  return (
    <Alert color="orange" variant="light" role="alert" title={t('review.conflict.title')}>
      <Stack gap="xs">
        <Text size="sm">{t('review.conflict.body')}</Text>
        <ErrorAlert error={error} />
        <Group gap="sm">
          <Button size="xs" loading={busy === 'reload'} onClick={() => run('reload')}>
            {t('review.conflict.reload')}
          </Button>
          <Button size="xs" variant="default" loading={busy === 'keep'} onClick={() => run('keep')}>
            {t('review.conflict.keepMine')}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

export function OpinionEditor({
  editor,
  caseView,
}: {
  editor: OpinionEditorControl;
  caseView: CaseView;
}) {
  const { t } = useTranslation();
  const sectionTitle = useSectionTitle();
  const { form, built, reveal, status } = editor;
  const readOnly = !editor.writable;
  const questionIds = caseView.questions.map((question) => question.id);
  const statuses = sectionStatuses(built, questionIds);
  const requiredTotal = editorSections.length - 1;
  const completeCount = editorSections.filter(
    (section) => section !== 'references' && statuses[section] === 'complete',
  ).length;
  const answered = form.values.questionAnswers.filter((a) => a.answer.trim() !== '').length;

  // Open sections: the person's choice, plus the sections a reveal asked for (adjusted while
  // rendering, so a reveal opens them once and the person can close them again).
  const revealSerial = reveal?.serial ?? 0;
  const { openSections: opened, setOpenSections: setOpened } = editor;
  const openValue =
    opened.serial === revealSerial || reveal === null
      ? opened.value
      : [...new Set([...opened.value, ...reveal.sections])];

  // After a reveal, the first field with a problem takes focus (or its section's heading).
  useEffect(() => {
    if (reveal === null) return;
    const frame = window.requestAnimationFrame(() => {
      const target =
        (reveal.firstPath === null ? null : document.getElementById(fieldId(reveal.firstPath))) ??
        document.querySelector<HTMLElement>(`[data-opinion-section="${reveal.sections[0] ?? ''}"]`);
      target?.focus();
    });
    return () => window.cancelAnimationFrame(frame);
  }, [reveal]);

  const fieldsOf = (section: EditorSection): ReactNode => {
    switch (section) {
      case 'diagnosis_assessment':
        return <DiagnosisAssessmentFields form={form} caseView={caseView} readOnly={readOnly} />;
      case 'alternative_diagnoses':
        return <AlternativeDiagnosesFields form={form} readOnly={readOnly} />;
      case 'recommended_tests':
        return <RecommendedTestsFields form={form} readOnly={readOnly} />;
      case 'treatment_options':
        return <TreatmentOptionsFields form={form} caseView={caseView} readOnly={readOnly} />;
      case 'recommendation':
        return <RecommendationFields form={form} caseView={caseView} readOnly={readOnly} />;
      case 'risk_of_waiting':
        return <RiskOfWaitingFields form={form} readOnly={readOnly} />;
      case 'follow_up_windows':
        return <FollowUpWindowsFields form={form} readOnly={readOnly} />;
      case 'warning_signs':
        return <WarningSignsFields form={form} readOnly={readOnly} />;
      case 'question_answers':
        return <QuestionAnswersFields form={form} caseView={caseView} readOnly={readOnly} />;
      case 'plain_language_summary':
        return <PlainSummaryField form={form} saved={editor.saved} readOnly={readOnly} />;
      case 'references':
        return <ReferencesFields form={form} readOnly={readOnly} />;
    }
  };

  return (
    <Stack gap="sm" component="section" aria-labelledby="opinion-editor-title">
      <Card withBorder padding="sm">
        <Group justify="space-between" align="center" wrap="wrap" gap="xs">
          <Stack gap={2}>
            <Title order={2} size="h3" id="opinion-editor-title">
              {t('review.editor.title')}
            </Title>
            <Text size="sm">
              {t('review.editor.progress', { count: completeCount, total: requiredTotal })}
            </Text>
            <div role="status" aria-live="polite">
              <SaveStatusLine status={status} />
            </div>
          </Stack>
          {!readOnly && (
            <Button
              variant="default"
              loading={editor.saving}
              disabled={editor.conflict !== null}
              onClick={() => void editor.checkAndSave()}
            >
              {t('review.save.button')}
            </Button>
          )}
        </Group>
      </Card>
      <ConflictBanner editor={editor} />
      {status.kind === 'error' && <ErrorAlert error={status.error} />}
      <Accordion
        multiple
        variant="separated"
        order={3}
        transitionDuration={0}
        value={openValue}
        onChange={(value) => setOpened({ value, serial: revealSerial })}
      >
        {editorSections.map((section) => (
          <Accordion.Item value={section} key={section}>
            <Accordion.Control data-opinion-section={section}>
              <Group justify="space-between" wrap="nowrap" gap="xs">
                <Text fw={600} size="sm">
                  {sectionTitle(section)}
                </Text>
                <SectionMarker
                  status={statuses[section]}
                  detail={
                    section === 'question_answers' && statuses[section] === 'missing'
                      ? t('review.status.answered', {
                          count: answered,
                          total: questionIds.length,
                        })
                      : undefined
                  }
                />
              </Group>
            </Accordion.Control>
            <Accordion.Panel>{fieldsOf(section)}</Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}
