/** The interface-language switcher: a native <select>, the most robust control for every device and reader. */
import { NativeSelect } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { chooseLanguage, isSupportedLanguage, supportedLanguages } from '../i18n/i18n.ts';

export function LanguageSelect() {
  const { t, i18n } = useTranslation();
  return (
    <NativeSelect
      aria-label={t('nav.language')}
      size="xs"
      value={i18n.resolvedLanguage ?? 'en'}
      data={supportedLanguages.map((language) => ({
        value: language.code,
        label: language.nativeName,
      }))}
      onChange={(event) => {
        const code = event.currentTarget.value;
        if (isSupportedLanguage(code)) void chooseLanguage(code);
      }}
    />
  );
}
