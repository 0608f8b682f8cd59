/**
 * Intake step 4: the questions the patient wants answered — at least one and at most ten
 * (`intakeQuestionLimits`, issue 3). The counter is announced politely as rows come and go.
 */
import { Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { intakeQuestionLimits } from '../../core/case-lifecycle.ts';
import { emptyTextRow, type IntakeForm } from './intake-form.ts';

export function IntakeQuestionsStep({ form }: { form: IntakeForm }) {
  const { t } = useTranslation();
  const questions = form.getValues().questions;
  const [addedKey, setAddedKey] = useState<string | null>(null);
  const filled = questions.filter((row) => row.text.trim() !== '').length;
  const atLimit = questions.length >= intakeQuestionLimits.max;

  return (
    <Stack gap="md">
      <Text size="sm">{t('cases.fields.questionsHint')}</Text>
      {questions.map((row, index) => (
        <Stack key={row.key} gap={4}>
          <Textarea
            id={`question-${row.key}`}
            label={t('cases.fields.question', { number: index + 1 })}
            withAsterisk={index === 0}
            autosize
            minRows={2}
            maxRows={8}
            autoFocus={row.key === addedKey}
            {...form.getInputProps(`questions.${index}.text`)}
          />
          {questions.length > 1 && (
            <Group justify="flex-end">
              <Button
                variant="subtle"
                color="red"
                size="compact-sm"
                aria-label={t('cases.fields.removeQuestion', { number: index + 1 })}
                onClick={() => {
                  form.removeListItem('questions', index);
                  const neighbour = questions[index === 0 ? 1 : index - 1];
                  requestAnimationFrame(() =>
                    document.getElementById(`question-${neighbour?.key ?? ''}`)?.focus(),
                  );
                }}
              >
                {t('cases.fields.remove')}
              </Button>
            </Group>
          )}
        </Stack>
      ))}
      <Text role="status" fw={500}>
        {t('cases.fields.questionCount', { count: filled, max: intakeQuestionLimits.max })}
      </Text>
      {atLimit ? (
        <Text c="dimmed">{t('cases.fields.questionLimit', { max: intakeQuestionLimits.max })}</Text>
      ) : (
        <Group>
          <Button
            variant="light"
            onClick={() => {
              const row = emptyTextRow();
              setAddedKey(row.key);
              form.insertListItem('questions', row);
            }}
          >
            {t('cases.fields.addQuestion')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
