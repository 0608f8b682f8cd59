/**
 * The fields of each opinion section (issue 3): the assessment of the working diagnosis with its
 * ICD-10-CM code and confidence, repeatable items (alternative diagnoses, tests, treatment options
 * with all six comparisons, follow-up windows, warning signs, references) with an explicit "none
 * considered" where the opinion allows none, one answer per patient question labelled with the
 * question, and the plain-language summary with its reading level computed as the specialist
 * types (core's `readingLevel`, the same figure the server stores).
 */
import {
  Badge,
  Button,
  Checkbox,
  Fieldset,
  Group,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import type { useForm } from '@mantine/form';
import { useMemo, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { confidenceLevels, diagnosisOutcomes, relativeCosts } from '../../core/opinion.ts';
import { isAboveTarget, readingGradeTarget, readingLevel } from '../../core/readability.ts';
import type { CaseView } from '../queue/case-api.ts';
import { Icd10CodeField } from './icd10-code-field.tsx';
import { emptyItems, fieldId, type NoneSection, type OpinionFormValues } from './opinion-form.ts';
import type { SavedDraft } from './use-opinion-editor.ts';

/** The editor's form (the type is read off `useForm`, whose declaration file hides its name). */
export type OpinionForm = ReturnType<typeof useForm<OpinionFormValues>>;

/** The schema's limits (core/opinion.ts), so a field never takes more than will be accepted. */
const shortMax = 500;
const longMax = 8000;

function useField(form: OpinionForm, readOnly: boolean) {
  return (path: string) => ({
    id: fieldId(path),
    readOnly,
    ...form.getInputProps(path),
  });
}

/** Moves focus to a field once it is on screen (after an item was added). */
function focusSoon(path: string): void {
  window.requestAnimationFrame(() => document.getElementById(fieldId(path))?.focus());
}

interface GoalsView {
  whatMatters?: string;
}

function goalsOf(value: unknown): GoalsView {
  if (typeof value !== 'object' || value === null) return {};
  return 'whatMatters' in value && typeof value.whatMatters === 'string'
    ? { whatMatters: value.whatMatters }
    : {};
}

export function DiagnosisAssessmentFields({
  form,
  caseView,
  readOnly,
}: {
  form: OpinionForm;
  caseView: CaseView;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  const value = form.values.diagnosisAssessment;
  /** The title last filled in from a picked code, replaced when another code is picked. */
  const autoTitle = useRef('');
  const working = caseView.diagnosis;
  const textPath = 'diagnosisAssessment.diagnosis.text';

  return (
    <Stack gap="sm">
      <Radio.Group
        label={t('review.fields.outcome')}
        required
        {...form.getInputProps('diagnosisAssessment.outcome')}
      >
        <Stack gap={6} mt={6}>
          {diagnosisOutcomes.map((outcome, index) => (
            <Radio
              key={outcome}
              value={outcome}
              id={index === 0 ? fieldId('diagnosisAssessment.outcome') : undefined}
              label={t(`review.outcomes.${outcome}.label`)}
              description={t(`review.outcomes.${outcome}.description`)}
              disabled={readOnly}
            />
          ))}
        </Stack>
      </Radio.Group>
      <Group gap="xs" wrap="wrap" align="center">
        <Text size="sm">
          {working.code === null && working.text === null
            ? t('review.fields.noWorkingDiagnosis')
            : t('review.fields.workingDiagnosis', {
                code: working.code ?? '—',
                text: working.text ?? '',
              })}
        </Text>
        {!readOnly && working.code !== null && (
          <Button
            variant="light"
            size="compact-sm"
            onClick={() => {
              form.setFieldValue('diagnosisAssessment.diagnosis.code', working.code ?? '');
              if (working.text !== null) form.setFieldValue(textPath, working.text);
            }}
          >
            {t('review.fields.useWorkingDiagnosis')}
          </Button>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <Icd10CodeField
          label={t('review.fields.resultingCode')}
          required
          disabled={readOnly}
          value={value.diagnosis.code}
          error={form.errors['diagnosisAssessment.diagnosis.code']}
          onChange={(code) => form.setFieldValue('diagnosisAssessment.diagnosis.code', code)}
          onPick={(_code, title) => {
            const current = form.getValues().diagnosisAssessment.diagnosis.text;
            if (current.trim() === '' || current === autoTitle.current) {
              form.setFieldValue(textPath, title);
              autoTitle.current = title;
            }
          }}
          inputId={fieldId('diagnosisAssessment.diagnosis.code')}
        />
        <TextInput
          label={t('review.fields.resultingText')}
          required
          maxLength={shortMax}
          {...field(textPath)}
        />
      </SimpleGrid>
      <Radio.Group
        label={t('review.fields.confidence')}
        required
        {...form.getInputProps('diagnosisAssessment.confidence')}
      >
        <Group gap="md" mt={6}>
          {confidenceLevels.map((level, index) => (
            <Radio
              key={level}
              value={level}
              id={index === 0 ? fieldId('diagnosisAssessment.confidence') : undefined}
              label={t(`review.confidence.${level}`)}
              disabled={readOnly}
            />
          ))}
        </Group>
      </Radio.Group>
      <Textarea
        label={t('review.fields.rationale')}
        description={t('review.fields.rationaleHint')}
        required
        autosize
        minRows={3}
        maxLength={longMax}
        {...field('diagnosisAssessment.rationale')}
      />
    </Stack>
  );
}

type ListKey = NoneSection | 'treatmentOptions' | 'references';

/**
 * A repeatable section: one fieldset per item with a remove button, an add button that moves focus
 * into the new item, and for sections that allow it an explicit "none considered".
 */
function ListFields({
  form,
  listKey,
  firstField,
  readOnly,
  itemTitle,
  addLabel,
  removeLabel,
  emptyText,
  noneLabel,
  renderItem,
}: {
  form: OpinionForm;
  listKey: ListKey;
  firstField: string;
  readOnly: boolean;
  itemTitle: (number: number) => string;
  addLabel: string;
  removeLabel: (number: number) => string;
  emptyText: string;
  noneLabel?: string;
  renderItem: (index: number) => ReactNode;
}) {
  const { t } = useTranslation();
  const items = form.values[listKey];
  const noneKey = listKey === 'treatmentOptions' || listKey === 'references' ? null : listKey;
  const none = noneKey !== null && form.values.noneConsidered[noneKey];

  return (
    <Stack gap="sm">
      {noneKey !== null && noneLabel !== undefined && (
        <Checkbox
          label={noneLabel}
          description={t('review.fields.noneHint')}
          checked={none}
          disabled={readOnly}
          onChange={(event) =>
            form.setFieldValue(`noneConsidered.${noneKey}`, event.currentTarget.checked)
          }
        />
      )}
      {!none && (
        <>
          {items.length === 0 && (
            <Text size="sm" c="dimmed">
              {emptyText}
            </Text>
          )}
          {items.map((item, index) => (
            <Fieldset key={item.key} legend={itemTitle(index + 1)} variant="filled">
              <Stack gap="sm">
                {renderItem(index)}
                {!readOnly && (
                  <Group justify="flex-end">
                    <Button
                      variant="subtle"
                      color="red"
                      size="compact-sm"
                      onClick={() => form.removeListItem(listKey, index)}
                    >
                      {removeLabel(index + 1)}
                    </Button>
                  </Group>
                )}
              </Stack>
            </Fieldset>
          ))}
          {!readOnly && (
            <Group>
              <Button
                variant="light"
                onClick={() => {
                  form.insertListItem(listKey, emptyItems[listKey]());
                  focusSoon(`${listKey}.${items.length}.${firstField}`);
                }}
              >
                {addLabel}
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}

export function AlternativeDiagnosesFields({
  form,
  readOnly,
}: {
  form: OpinionForm;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  return (
    <ListFields
      form={form}
      listKey="alternativeDiagnoses"
      firstField="diagnosis"
      readOnly={readOnly}
      itemTitle={(number) => t('review.sections.alternative_diagnoses.item', { number })}
      addLabel={t('review.sections.alternative_diagnoses.add')}
      removeLabel={(number) => t('review.sections.alternative_diagnoses.remove', { number })}
      emptyText={t('review.sections.alternative_diagnoses.empty')}
      noneLabel={t('review.sections.alternative_diagnoses.none')}
      renderItem={(index) => {
        const base = `alternativeDiagnoses.${index}`;
        const item = form.values.alternativeDiagnoses[index];
        return (
          <>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput
                label={t('review.fields.alternativeDiagnosis')}
                required
                maxLength={shortMax}
                {...field(`${base}.diagnosis`)}
              />
              <Icd10CodeField
                label={t('review.fields.alternativeCode')}
                disabled={readOnly}
                value={item?.code ?? ''}
                error={form.errors[`${base}.code`]}
                onChange={(code) => form.setFieldValue(`${base}.code`, code)}
                onPick={(_code, title) => {
                  if ((form.getValues().alternativeDiagnoses[index]?.diagnosis ?? '') === '')
                    form.setFieldValue(`${base}.diagnosis`, title);
                }}
                inputId={fieldId(`${base}.code`)}
              />
            </SimpleGrid>
            <Textarea
              label={t('review.fields.reasoning')}
              required
              autosize
              minRows={2}
              maxLength={longMax}
              {...field(`${base}.reasoning`)}
            />
          </>
        );
      }}
    />
  );
}

export function RecommendedTestsFields({
  form,
  readOnly,
}: {
  form: OpinionForm;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  return (
    <ListFields
      form={form}
      listKey="recommendedTests"
      firstField="test"
      readOnly={readOnly}
      itemTitle={(number) => t('review.sections.recommended_tests.item', { number })}
      addLabel={t('review.sections.recommended_tests.add')}
      removeLabel={(number) => t('review.sections.recommended_tests.remove', { number })}
      emptyText={t('review.sections.recommended_tests.empty')}
      noneLabel={t('review.sections.recommended_tests.none')}
      renderItem={(index) => (
        <>
          <TextInput
            label={t('review.fields.test')}
            required
            maxLength={shortMax}
            {...field(`recommendedTests.${index}.test`)}
          />
          <Textarea
            label={t('review.fields.testReason')}
            required
            autosize
            minRows={2}
            maxLength={longMax}
            {...field(`recommendedTests.${index}.reason`)}
          />
        </>
      )}
    />
  );
}

export function TreatmentOptionsFields({
  form,
  caseView,
  readOnly,
}: {
  form: OpinionForm;
  caseView: CaseView;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  const whatMatters = goalsOf(caseView.goals).whatMatters;
  const costOptions = relativeCosts.map((cost) => ({
    value: cost,
    label: t(`review.costs.${cost}`),
  }));
  return (
    <Stack gap="sm">
      <Text size="sm">{t('review.sections.treatment_options.intro')}</Text>
      <ListFields
        form={form}
        listKey="treatmentOptions"
        firstField="name"
        readOnly={readOnly}
        itemTitle={(number) => t('review.sections.treatment_options.item', { number })}
        addLabel={t('review.sections.treatment_options.add')}
        removeLabel={(number) => t('review.sections.treatment_options.remove', { number })}
        emptyText={t('review.sections.treatment_options.empty')}
        renderItem={(index) => {
          const base = `treatmentOptions.${index}`;
          const cost = form.values.treatmentOptions[index]?.relativeCost ?? '';
          const costPath = `${base}.relativeCost`;
          return (
            <>
              <TextInput
                label={t('review.fields.optionName')}
                required
                maxLength={shortMax}
                {...field(`${base}.name`)}
              />
              <Textarea
                label={t('review.fields.expectedBenefit')}
                required
                autosize
                minRows={2}
                maxLength={longMax}
                {...field(`${base}.expectedBenefit`)}
              />
              <Textarea
                label={t('review.fields.sideEffectsAndRisks')}
                required
                autosize
                minRows={2}
                maxLength={longMax}
                {...field(`${base}.sideEffectsAndRisks`)}
              />
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <TextInput
                  label={t('review.fields.recoveryTime')}
                  description={t('review.fields.recoveryTimeHint')}
                  required
                  maxLength={shortMax}
                  {...field(`${base}.recoveryTime`)}
                />
                <Select
                  id={fieldId(costPath)}
                  label={t('review.fields.relativeCost')}
                  description={t('review.fields.relativeCostHint')}
                  placeholder={t('review.fields.choose')}
                  required
                  readOnly={readOnly}
                  data={costOptions}
                  value={cost === '' ? null : cost}
                  error={form.errors[costPath]}
                  onChange={(value) => form.setFieldValue(costPath, value ?? '')}
                  allowDeselect={false}
                />
              </SimpleGrid>
              <Textarea
                label={t('review.fields.fitWithGoals')}
                description={
                  whatMatters === undefined
                    ? t('review.fields.fitWithGoalsHint')
                    : t('review.fields.patientGoals', { goals: whatMatters })
                }
                required
                autosize
                minRows={2}
                maxLength={longMax}
                {...field(`${base}.fitWithGoals`)}
              />
            </>
          );
        }}
      />
    </Stack>
  );
}

export function RecommendationFields({
  form,
  caseView,
  readOnly,
}: {
  form: OpinionForm;
  caseView: CaseView;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  const changes = form.values.recommendation.changesProposedTreatment;
  const changesPath = 'recommendation.changesProposedTreatment';
  return (
    <Stack gap="sm">
      <Textarea
        label={t('review.fields.recommendation')}
        required
        autosize
        minRows={3}
        maxLength={longMax}
        {...field('recommendation.text')}
      />
      <Radio.Group
        label={t('review.fields.changesTreatment')}
        description={
          caseView.proposedTreatment === null
            ? undefined
            : t('review.fields.proposedTreatment', { treatment: caseView.proposedTreatment })
        }
        required
        value={changes === null ? '' : changes ? 'yes' : 'no'}
        error={form.errors[changesPath]}
        onChange={(value) => form.setFieldValue(changesPath, value === 'yes')}
      >
        <Group gap="md" mt={6}>
          <Radio
            value="yes"
            id={fieldId(changesPath)}
            label={t('review.fields.changesYes')}
            disabled={readOnly}
          />
          <Radio value="no" label={t('review.fields.changesNo')} disabled={readOnly} />
        </Group>
      </Radio.Group>
    </Stack>
  );
}

export function RiskOfWaitingFields({ form, readOnly }: { form: OpinionForm; readOnly: boolean }) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  return (
    <Stack gap="sm">
      <Textarea
        label={t('review.fields.riskOfWaiting')}
        required
        autosize
        minRows={2}
        maxLength={longMax}
        {...field('riskOfWaiting.riskOfWaiting')}
      />
      <Textarea
        label={t('review.fields.riskOfActingNow')}
        required
        autosize
        minRows={2}
        maxLength={longMax}
        {...field('riskOfWaiting.riskOfActingNow')}
      />
      <TextInput
        label={t('review.fields.advisedTiming')}
        description={t('review.fields.advisedTimingHint')}
        required
        maxLength={shortMax}
        {...field('riskOfWaiting.advisedTiming')}
      />
    </Stack>
  );
}

export function FollowUpWindowsFields({
  form,
  readOnly,
}: {
  form: OpinionForm;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  return (
    <ListFields
      form={form}
      listKey="followUpWindows"
      firstField="what"
      readOnly={readOnly}
      itemTitle={(number) => t('review.sections.follow_up_windows.item', { number })}
      addLabel={t('review.sections.follow_up_windows.add')}
      removeLabel={(number) => t('review.sections.follow_up_windows.remove', { number })}
      emptyText={t('review.sections.follow_up_windows.empty')}
      noneLabel={t('review.sections.follow_up_windows.none')}
      renderItem={(index) => (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label={t('review.fields.followUpWhat')}
            required
            maxLength={shortMax}
            {...field(`followUpWindows.${index}.what`)}
          />
          <TextInput
            label={t('review.fields.followUpWhen')}
            description={t('review.fields.followUpWhenHint')}
            required
            maxLength={shortMax}
            {...field(`followUpWindows.${index}.when`)}
          />
        </SimpleGrid>
      )}
    />
  );
}

export function WarningSignsFields({ form, readOnly }: { form: OpinionForm; readOnly: boolean }) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  return (
    <ListFields
      form={form}
      listKey="warningSigns"
      firstField="sign"
      readOnly={readOnly}
      itemTitle={(number) => t('review.sections.warning_signs.item', { number })}
      addLabel={t('review.sections.warning_signs.add')}
      removeLabel={(number) => t('review.sections.warning_signs.remove', { number })}
      emptyText={t('review.sections.warning_signs.empty')}
      noneLabel={t('review.sections.warning_signs.none')}
      renderItem={(index) => (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label={t('review.fields.warningSign')}
            required
            maxLength={shortMax}
            {...field(`warningSigns.${index}.sign`)}
          />
          <TextInput
            label={t('review.fields.warningAction')}
            description={t('review.fields.warningActionHint')}
            required
            maxLength={shortMax}
            {...field(`warningSigns.${index}.action`)}
          />
        </SimpleGrid>
      )}
    />
  );
}

export function QuestionAnswersFields({
  form,
  caseView,
  readOnly,
}: {
  form: OpinionForm;
  caseView: CaseView;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  const questionText = new Map(caseView.questions.map((q) => [q.id, q.text]));
  const total = form.values.questionAnswers.length;
  if (total === 0)
    return (
      <Text size="sm" c="dimmed">
        {t('review.sections.question_answers.noQuestions')}
      </Text>
    );
  return (
    <Stack gap="sm">
      <Text size="sm">{t('review.sections.question_answers.intro')}</Text>
      {form.values.questionAnswers.map((answer, index) => (
        <Textarea
          key={answer.questionId}
          label={questionText.get(answer.questionId) ?? ''}
          description={t('review.sections.question_answers.position', {
            number: index + 1,
            total,
          })}
          required
          autosize
          minRows={2}
          maxLength={longMax}
          {...field(`questionAnswers.${index}.answer`)}
        />
      ))}
    </Stack>
  );
}

/** The reading level as a badge: green at or below the target, a warning colour above it. */
export function ReadingLevelBadge({ grade }: { grade: number }) {
  const { t } = useTranslation();
  const above = isAboveTarget(grade);
  return (
    <Badge variant="light" color={above ? 'orange' : 'green'} tt="none" size="lg">
      <span aria-hidden="true">{above ? '⚠ ' : '✓ '}</span>
      {t('review.readability.grade', { grade: grade.toFixed(1) })}
    </Badge>
  );
}

export function PlainSummaryField({
  form,
  saved,
  readOnly,
}: {
  form: OpinionForm;
  saved: SavedDraft;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  const text = form.values.plainLanguageSummary;
  const level = useMemo(() => readingLevel(text), [text]);
  const above = level !== null && isAboveTarget(level.grade);
  const description =
    level === null
      ? t('review.readability.empty', { target: readingGradeTarget })
      : above
        ? t('review.readability.above', {
            grade: level.grade.toFixed(1),
            target: readingGradeTarget,
          })
        : t('review.readability.within', {
            grade: level.grade.toFixed(1),
            target: readingGradeTarget,
          });
  return (
    <Stack gap="xs">
      <Text size="sm">{t('review.sections.plain_language_summary.intro')}</Text>
      <Textarea
        label={t('review.fields.plainSummary')}
        description={description}
        required
        autosize
        minRows={5}
        maxLength={6000}
        {...field('plainLanguageSummary')}
      />
      <Group gap="sm" wrap="wrap" aria-hidden="true" data-testid="reading-level">
        {level !== null && <ReadingLevelBadge grade={level.grade} />}
        {level !== null && (
          <Text size="xs" c="dimmed">
            {t('review.readability.counts', {
              words: level.words,
              sentences: level.sentences,
            })}
          </Text>
        )}
      </Group>
      {saved.readability !== null && (
        <Text size="xs" c="dimmed">
          {t('review.readability.saved', { grade: saved.readability.grade.toFixed(1) })}
        </Text>
      )}
    </Stack>
  );
}

export function ReferencesFields({ form, readOnly }: { form: OpinionForm; readOnly: boolean }) {
  const { t } = useTranslation();
  const field = useField(form, readOnly);
  return (
    <ListFields
      form={form}
      listKey="references"
      firstField="citation"
      readOnly={readOnly}
      itemTitle={(number) => t('review.sections.references.item', { number })}
      addLabel={t('review.sections.references.add')}
      removeLabel={(number) => t('review.sections.references.remove', { number })}
      emptyText={t('review.sections.references.empty')}
      renderItem={(index) => (
        <>
          <Textarea
            label={t('review.fields.citation')}
            required
            autosize
            minRows={1}
            maxLength={1000}
            {...field(`references.${index}.citation`)}
          />
          <TextInput
            label={t('review.fields.url')}
            description={t('review.fields.urlHint')}
            type="url"
            maxLength={2000}
            {...field(`references.${index}.url`)}
          />
        </>
      )}
    />
  );
}
