/** Opened from the confirmation email: confirms the address once, then offers sign-in. */
import { Alert, Group, Loader, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';
import { AuthCard } from '../ui/auth-card.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterButtonLink } from '../ui/router-links.tsx';

const route = getRouteApi('/verify-email');

export function VerifyEmailPage() {
  const { t } = useTranslation();
  const { token } = route.useSearch();
  const verify = useMutation({
    mutationFn: (value: string) =>
      unwrap(client.POST('/api/v1/auth/verify-email', { body: { token: value } })),
  });
  // Tokens are single-use: send it once, even when React runs effects twice in development.
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current || token === undefined) return;
    sent.current = true;
    verify.mutate(token);
  }, [token, verify]);

  return (
    <AuthCard title={t('verifyEmail.title')}>
      {token === undefined && (
        <Alert color="red" variant="light" role="alert">
          {t('errors.invalid_token')}
        </Alert>
      )}
      {(verify.isPending || (token !== undefined && verify.isIdle)) && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('verifyEmail.checking')}</Text>
        </Group>
      )}
      {verify.isSuccess && (
        <Alert color="green" variant="light" role="status" title={t('verifyEmail.successTitle')}>
          {t('verifyEmail.successBody')}
        </Alert>
      )}
      <ErrorAlert error={verify.error} />
      {(verify.isSuccess || verify.isError) && (
        <RouterButtonLink to="/sign-in">{t('nav.signIn')}</RouterButtonLink>
      )}
    </AuthCard>
  );
}
