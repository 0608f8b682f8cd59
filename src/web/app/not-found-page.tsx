import { Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { RouterAnchor } from '../ui/router-links.tsx';
import { usePageTitle } from '../ui/use-page-title.ts';

export function NotFoundPage() {
  const { t } = useTranslation();
  usePageTitle(t('notFound.title'));
  return (
    <Stack gap="md">
      <Title order={1}>{t('notFound.title')}</Title>
      <Text>{t('notFound.body')}</Text>
      <RouterAnchor to="/">{t('notFound.home')}</RouterAnchor>
    </Stack>
  );
}
