/** A form- or page-level error, announced to screen readers as it appears. */
import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useErrorMessage } from '../i18n/use-error-message.ts';

export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  const describe = useErrorMessage();
  if (error === null || error === undefined) return null;
  return (
    <Alert color="red" variant="light" title={title ?? t('common.errorTitle')} role="alert">
      {describe(error)}
    </Alert>
  );
}
