/**
 * Turns any thrown value into a sentence for the person: the translation of `errors.<code>` when
 * one exists, otherwise the server's own message (already written for people, in English).
 */
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-error.ts';

export function useErrorMessage(): (error: unknown) => string {
  const { t, i18n } = useTranslation();
  return useCallback(
    (error: unknown) => {
      if (isApiError(error)) {
        const key = `errors.${error.code}`;
        return i18n.exists(key) ? t(key) : error.message;
      }
      if (error instanceof Error) {
        // WebAuthn failures (DOMException names, kept by @simplewebauthn's WebAuthnError).
        if (error.name === 'NotAllowedError' || error.name === 'AbortError')
          return t('errors.passkey_cancelled');
        if (error.name === 'InvalidStateError') return t('errors.passkey_already_registered');
        if (error.name === 'WebAuthnError' || error.name === 'SecurityError')
          return t('errors.passkey_failed');
      }
      return t('errors.unknown_error');
    },
    [t, i18n],
  );
}
