/**
 * Intake step 5: goals and preferences (what matters, a national or international opinion, the
 * preferred language, a written opinion only or with a consultation) and the urgency, with the
 * reason an urgent request must give.
 */
import { Radio, Select, Stack, Textarea } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { opinionScopes } from '../../core/case-intake.ts';
import { urgencies } from '../../core/case-lifecycle.ts';
import type { IntakeForm } from './intake-form.ts';

/**
 * Languages offered for the opinion, as BCP 47 tags: the interface languages first, then widely
 * spoken ones. A language saved earlier that is not listed is offered too.
 */
const offeredLanguages = [
  'en',
  'es',
  'hi',
  'ar',
  'bn',
  'de',
  'fa',
  'fr',
  'it',
  'ja',
  'ko',
  'nl',
  'pl',
  'pt',
  'ro',
  'ru',
  'sw',
  'tl',
  'tr',
  'uk',
  'ur',
  'vi',
  'zh',
] as const;

function useLanguageOptions(saved: string) {
  const { i18n } = useTranslation();
  const uiLanguage = i18n.resolvedLanguage ?? 'en';
  return useMemo(() => {
    const names = new Intl.DisplayNames([uiLanguage], { type: 'language' });
    const tags: string[] = [...offeredLanguages];
    if (saved !== '' && !tags.includes(saved)) tags.push(saved);
    return tags
      .map((tag) => ({ value: tag, label: names.of(tag) ?? tag }))
      .sort((a, b) => a.label.localeCompare(b.label, uiLanguage));
  }, [uiLanguage, saved]);
}

export function IntakeGoalsStep({ form }: { form: IntakeForm }) {
  const { t } = useTranslation();
  const values = form.getValues();
  const languages = useLanguageOptions(values.preferredLanguage);

  return (
    <Stack gap="lg">
      <Textarea
        label={t('cases.fields.whatMatters')}
        description={t('cases.fields.whatMattersHint')}
        autosize
        minRows={3}
        maxRows={10}
        {...form.getInputProps('whatMatters')}
      />
      <Radio.Group label={t('cases.fields.opinionScope')} {...form.getInputProps('opinionScope')}>
        <Stack gap="xs" mt="xs">
          {opinionScopes.map((scope) => (
            <Radio key={scope} value={scope} label={t(`cases.scopes.${scope}`)} />
          ))}
        </Stack>
      </Radio.Group>
      <Select
        label={t('cases.fields.preferredLanguage')}
        description={t('cases.fields.preferredLanguageHint')}
        placeholder={t('cases.fields.chooseLanguage')}
        data={languages}
        searchable
        clearable
        nothingFoundMessage={t('cases.fields.noLanguage')}
        {...form.getInputProps('preferredLanguage')}
        value={values.preferredLanguage === '' ? null : values.preferredLanguage}
        onChange={(value: string | null) => form.setFieldValue('preferredLanguage', value ?? '')}
      />
      <Radio.Group label={t('cases.fields.opinionFormat')} {...form.getInputProps('opinionFormat')}>
        <Stack gap="xs" mt="xs">
          <Radio value="written" label={t('cases.formats.written')} />
          <Radio value="consultation" label={t('cases.formats.consultation')} />
        </Stack>
      </Radio.Group>
      <Radio.Group
        label={t('cases.fields.urgency')}
        description={t('cases.fields.urgencyHint')}
        {...form.getInputProps('urgency')}
      >
        <Stack gap="xs" mt="xs">
          {urgencies.map((urgency) => (
            <Radio key={urgency} value={urgency} label={t(`cases.urgencyChoices.${urgency}`)} />
          ))}
        </Stack>
      </Radio.Group>
      {values.urgency === 'urgent' && (
        <Textarea
          label={t('cases.fields.urgencyReason')}
          description={t('cases.fields.urgencyReasonHint')}
          withAsterisk
          aria-required
          autosize
          minRows={2}
          maxRows={8}
          {...form.getInputProps('urgencyReason')}
        />
      )}
    </Stack>
  );
}
