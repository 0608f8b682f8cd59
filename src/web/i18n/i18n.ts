/**
 * Interface languages (PRODUCT.md §13: English, Spanish, Hindi to start). English is complete and
 * the fallback; a missing Hindi string shows in English. The chosen language is remembered in
 * this browser and mirrored on <html lang> so assistive technology reads the page correctly.
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json' with { type: 'json' };
import es from './es.json' with { type: 'json' };
import hi from './hi.json' with { type: 'json' };

export const supportedLanguages = [
  { code: 'en', nativeName: 'English' },
  { code: 'es', nativeName: 'Español' },
  { code: 'hi', nativeName: 'हिन्दी' },
] as const;

export type LanguageCode = (typeof supportedLanguages)[number]['code'];

const storageKey = 'consilium.language';

export function isSupportedLanguage(value: string): value is LanguageCode {
  return supportedLanguages.some((language) => language.code === value);
}

/** The language explicitly chosen in this browser, if any. */
export function storedLanguage(): LanguageCode | undefined {
  try {
    const value = window.localStorage.getItem(storageKey);
    return value !== null && isSupportedLanguage(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function browserLanguage(): LanguageCode {
  for (const tag of navigator.languages) {
    const base = tag.toLowerCase().split('-')[0] ?? '';
    if (isSupportedLanguage(base)) return base;
  }
  return 'en';
}

/** Switches the interface language and remembers the choice. */
export async function chooseLanguage(code: LanguageCode): Promise<void> {
  try {
    window.localStorage.setItem(storageKey, code);
  } catch {
    // Private browsing may refuse storage; the choice then lasts for this page only.
  }
  await i18n.changeLanguage(code);
}

function reflectLanguageOnDocument(language: string): void {
  document.documentElement.lang = language;
  document.documentElement.dir = i18n.dir(language);
}

i18n.on('languageChanged', reflectLanguageOnDocument);

void i18n.use(initReactI18next).init({
  // Resources are bundled, so initialise synchronously: the first render already has its strings.
  initAsync: false,
  resources: {
    en: { translation: en },
    es: { translation: es },
    hi: { translation: hi },
  },
  lng: storedLanguage() ?? browserLanguage(),
  fallbackLng: 'en',
  supportedLngs: supportedLanguages.map((language) => language.code),
  interpolation: { escapeValue: false },
  returnNull: false,
});

reflectLanguageOnDocument(i18n.language);

export { i18n };
