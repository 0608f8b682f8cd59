/** Intake step 3: the relevant history (illnesses, operations, tests, family health), free text. */
import { Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { IntakeForm } from './intake-form.ts';

export function IntakeHistoryStep({ form }: { form: IntakeForm }) {
  const { t } = useTranslation();
  return (
    <Textarea
      label={t('cases.fields.history')}
      description={t('cases.fields.historyHint')}
      autosize
      minRows={6}
      maxRows={20}
      {...form.getInputProps('history')}
    />
  );
}
