/**
 * What a draft still needs before it can be sent, as a checklist: each requirement of the
 * submission guard (`case-lifecycle.ts`), done or missing as the server judged the saved draft,
 * with a way to the step that fixes it. Failures this screen does not know are listed by code.
 */
import { Button, Group, List, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { CaseView } from './case-api.ts';
import { failureSteps, submissionFailures, type IntakeStep } from './intake-form.ts';

interface ChecklistItem {
  key: string;
  label: string;
  done: boolean;
  step: IntakeStep | null;
}

function checklistOf(view: CaseView, t: TFunction): ChecklistItem[] {
  const failures = submissionFailures(view);
  const known = new Set([
    'condition_missing',
    'too_few_questions',
    'too_many_questions',
    'urgency_reason_missing',
    'consent_missing',
  ]);
  const items: ChecklistItem[] = [
    {
      key: 'condition',
      label: t('cases.checklist.condition'),
      done: !failures.includes('condition_missing'),
      step: 'condition',
    },
    {
      key: 'questions',
      label: failures.includes('too_many_questions')
        ? t('cases.checklist.questionsTooMany')
        : t('cases.checklist.questions'),
      done: !failures.includes('too_few_questions') && !failures.includes('too_many_questions'),
      step: 'questions',
    },
  ];
  if (view.urgency === 'urgent' || failures.includes('urgency_reason_missing'))
    items.push({
      key: 'urgency',
      label: t('cases.checklist.urgencyReason'),
      done: !failures.includes('urgency_reason_missing'),
      step: 'goals',
    });
  items.push({
    key: 'consent',
    label: t('cases.checklist.consent'),
    done: !failures.includes('consent_missing'),
    step: 'consent',
  });
  for (const failure of failures.filter((code) => !known.has(code)))
    items.push({
      key: failure,
      label: t('cases.checklist.other', { code: failure }),
      done: false,
      step: failureSteps[failure as keyof typeof failureSteps] ?? null,
    });
  return items;
}

export function MissingItemsChecklist({
  view,
  onGoToStep,
  headingOrder = 3,
}: {
  view: CaseView;
  onGoToStep?: (step: IntakeStep) => void;
  headingOrder?: 2 | 3;
}) {
  const { t } = useTranslation();
  const items = checklistOf(view, t);
  const missing = items.filter((item) => !item.done).length;
  return (
    <Stack gap="xs" component="section" aria-labelledby="missing-items-title">
      <Title order={headingOrder} size="h4" id="missing-items-title">
        {t('cases.checklist.title')}
      </Title>
      <Text>
        {missing === 0
          ? t('cases.checklist.allDone')
          : t('cases.checklist.some', { count: missing })}
      </Text>
      <List spacing="xs" listStyleType="none" aria-label={t('cases.checklist.title')}>
        {items.map((item) => (
          <List.Item
            key={item.key}
            icon={
              <ThemeIcon
                color={item.done ? 'green' : 'yellow'}
                variant="light"
                size={24}
                radius="xl"
                aria-hidden
              >
                {item.done ? '✓' : '!'}
              </ThemeIcon>
            }
          >
            <Group gap="xs" wrap="wrap">
              <Text span fw={item.done ? 400 : 600}>
                {item.label}
              </Text>
              <Text span size="sm" c="dimmed">
                ({item.done ? t('cases.checklist.done') : t('cases.checklist.missing')})
              </Text>
              {!item.done && item.step !== null && onGoToStep !== undefined && (
                <Button
                  variant="subtle"
                  size="compact-sm"
                  aria-label={t('cases.checklist.goToNamed', { item: item.label })}
                  onClick={() => onGoToStep(item.step!)}
                >
                  {t('cases.checklist.goTo')}
                </Button>
              )}
            </Group>
          </List.Item>
        ))}
      </List>
    </Stack>
  );
}
