/** What the case screens show while a case loads, or when it cannot be shown (404 or failure). */
import { Alert, Group, Loader, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-error.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor } from '../ui/router-links.tsx';

export function CaseLoading() {
  const { t } = useTranslation();
  return (
    <Group gap="sm" role="status">
      <Loader size="sm" aria-hidden />
      <Text>{t('common.loading')}</Text>
    </Group>
  );
}

export function CaseLoadError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      {isApiError(error) && error.status === 404 ? (
        <Alert color="yellow" variant="light" role="alert" title={t('cases.page.notFoundTitle')}>
          {t('cases.page.notFound')}
        </Alert>
      ) : (
        <ErrorAlert error={error} />
      )}
      <RouterAnchor to="/cases">{t('cases.page.backToList')}</RouterAnchor>
    </Stack>
  );
}
