/**
 * The intake as saved, section by section (what the organization receives): shown for review
 * before sending, with a way back to each step, and on the case page as "what you told us".
 */
import { Button, Group, List, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseView } from './case-api.ts';
import { goalsOf, type IntakeStep } from './intake-form.ts';

function Entry({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <Text component="dt" fw={600} size="sm">
        {term}
      </Text>
      <Text component="dd" m={0} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </div>
  );
}

function Section({
  step,
  title,
  onChange,
  children,
  headingOrder,
}: {
  step: IntakeStep;
  title: string;
  onChange: ((step: IntakeStep) => void) | undefined;
  children: ReactNode;
  headingOrder: 3 | 4;
}) {
  const { t } = useTranslation();
  const id = `summary-${step}`;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={id}>
      <Group justify="space-between" wrap="nowrap" align="flex-start" mb="xs">
        <Title order={headingOrder} size="h5" id={id} style={{ minWidth: 0 }}>
          {title}
        </Title>
        {onChange !== undefined && (
          <Button
            variant="subtle"
            size="compact-sm"
            style={{ flexShrink: 0 }}
            aria-label={t('cases.review.changeNamed', { section: title })}
            onClick={() => onChange(step)}
          >
            {t('cases.review.change')}
          </Button>
        )}
      </Group>
      <Stack gap="xs" component="dl" m={0}>
        {children}
      </Stack>
    </Paper>
  );
}

export function IntakeSummary({
  view,
  onChangeStep,
  headingOrder = 3,
}: {
  view: CaseView;
  onChangeStep?: (step: IntakeStep) => void;
  headingOrder?: 3 | 4;
}) {
  const { t, i18n } = useTranslation();
  const notGiven = t('cases.review.notGiven');
  const none = t('cases.review.none');
  const goals = goalsOf(view);
  const languageNames = new Intl.DisplayNames([i18n.resolvedLanguage ?? 'en'], {
    type: 'language',
  });
  const common = { onChange: onChangeStep, headingOrder };

  return (
    <Stack gap="sm">
      <Section step="condition" title={t('cases.steps.condition.title')} {...common}>
        <Entry term={t('cases.fields.conditionDescription')}>
          {view.conditionDescription ?? notGiven}
        </Entry>
        <Entry term={t('cases.fields.diagnosisLegend')}>
          {[view.diagnosis.code, view.diagnosis.text].filter((part) => part !== null).join(' — ') ||
            notGiven}
        </Entry>
        <Entry term={t('cases.fields.proposedTreatment')}>
          {view.proposedTreatment ?? notGiven}
        </Entry>
      </Section>
      <Section step="health" title={t('cases.steps.health.title')} {...common}>
        <Entry term={t('cases.fields.medications')}>
          {view.medications.length === 0 ? (
            none
          ) : (
            <List component="ul" size="sm" spacing={2}>
              {view.medications.map((medication, index) => (
                <List.Item key={index}>
                  {[medication.name, medication.dose, medication.frequency]
                    .filter((part) => part !== null)
                    .join(', ')}
                </List.Item>
              ))}
            </List>
          )}
        </Entry>
        <Entry term={t('cases.fields.allergies')}>
          {view.allergies.length === 0 ? (
            none
          ) : (
            <List size="sm" spacing={2}>
              {view.allergies.map((allergy, index) => (
                <List.Item key={index}>
                  {[
                    allergy.substance,
                    allergy.reaction,
                    allergy.severity === null ? null : t(`cases.severities.${allergy.severity}`),
                  ]
                    .filter((part) => part !== null)
                    .join(', ')}
                </List.Item>
              ))}
            </List>
          )}
        </Entry>
        <Entry term={t('cases.fields.devices')}>
          {view.devices.length === 0 ? (
            none
          ) : (
            <List size="sm" spacing={2}>
              {view.devices.map((device, index) => (
                <List.Item key={index}>{device}</List.Item>
              ))}
            </List>
          )}
        </Entry>
      </Section>
      <Section step="history" title={t('cases.steps.history.title')} {...common}>
        <Entry term={t('cases.fields.history')}>{view.history ?? notGiven}</Entry>
      </Section>
      <Section step="questions" title={t('cases.steps.questions.title')} {...common}>
        <Entry term={t('cases.review.questions', { count: view.questions.length })}>
          {view.questions.length === 0 ? (
            notGiven
          ) : (
            <List type="ordered" size="sm" spacing={2}>
              {view.questions.map((question) => (
                <List.Item key={question.id}>{question.text}</List.Item>
              ))}
            </List>
          )}
        </Entry>
      </Section>
      <Section step="goals" title={t('cases.steps.goals.title')} {...common}>
        <Entry term={t('cases.fields.whatMatters')}>{goals.whatMatters ?? notGiven}</Entry>
        <Entry term={t('cases.fields.opinionScope')}>
          {goals.opinionScope === undefined ? notGiven : t(`cases.scopes.${goals.opinionScope}`)}
        </Entry>
        <Entry term={t('cases.fields.preferredLanguage')}>
          {goals.preferredLanguage === undefined
            ? notGiven
            : (languageNames.of(goals.preferredLanguage) ?? goals.preferredLanguage)}
        </Entry>
        <Entry term={t('cases.fields.opinionFormat')}>
          {goals.writtenOnly === undefined
            ? notGiven
            : t(goals.writtenOnly ? 'cases.formats.written' : 'cases.formats.consultation')}
        </Entry>
        <Entry term={t('cases.fields.urgency')}>
          {t(`cases.urgencyChoices.${view.urgency}`)}
          {view.urgency === 'urgent' && `: ${view.urgencyReason ?? notGiven}`}
        </Entry>
      </Section>
    </Stack>
  );
}
