/**
 * Intake step 1: the condition in the patient's words, the current diagnosis (an ICD-10-CM code
 * picked by search, and/or the diagnosis as written by the patient when the code is unknown) and
 * the treatment proposed to them. Without the description, the same fields correct a submitted
 * intake (intake-correction-section.tsx).
 */
import { Fieldset, Stack, TextInput, Textarea } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DiagnosisPicker } from './diagnosis-picker.tsx';
import type { IntakeForm } from './intake-form.ts';

export function IntakeConditionStep({
  form,
  withDescription = true,
}: {
  form: IntakeForm;
  /** Whether the condition in the patient's words is asked (not correctable once submitted). */
  withDescription?: boolean;
}) {
  const { t } = useTranslation();
  const values = form.getValues();
  return (
    <Stack gap="lg">
      {withDescription && (
        <Textarea
          label={t('cases.fields.conditionDescription')}
          description={t('cases.fields.conditionDescriptionHint')}
          withAsterisk
          aria-required
          autosize
          minRows={5}
          maxRows={16}
          {...form.getInputProps('conditionDescription')}
        />
      )}
      <Fieldset legend={t('cases.fields.diagnosisLegend')} variant="unstyled">
        <Stack gap="md">
          <DiagnosisPicker
            code={values.diagnosisCode}
            error={form.errors.diagnosisCode}
            onPick={(picked) => {
              form.setFieldValue('diagnosisCode', picked?.code ?? '');
              form.clearFieldError('diagnosisCode');
              // The code's description fills an empty "in your words" field; the person may edit it.
              if (picked !== null && values.diagnosisText.trim() === '')
                form.setFieldValue('diagnosisText', picked.title);
            }}
          />
          <TextInput
            label={t('cases.fields.diagnosisText')}
            description={t('cases.fields.diagnosisTextHint')}
            {...form.getInputProps('diagnosisText')}
          />
        </Stack>
      </Fieldset>
      <Textarea
        label={t('cases.fields.proposedTreatment')}
        description={t('cases.fields.proposedTreatmentHint')}
        autosize
        minRows={3}
        maxRows={12}
        {...form.getInputProps('proposedTreatment')}
      />
    </Stack>
  );
}
