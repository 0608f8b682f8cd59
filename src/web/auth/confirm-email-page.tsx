/**
 * Opened from the email-change confirmation link: confirms the new address once. The server then
 * ends every other session of the account, so the session this browser holds is reloaded quietly
 * (without the "session ended" redirect) and the page offers sign-in when there is none left.
 */
import { Alert, Group, Loader, Text } from '@mantine/core';
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/api-error.ts';
import { client, unwrap } from '../api/client.ts';
import { sessionQueryKey, useSession } from '../session/session.ts';
import { AuthCard } from '../ui/auth-card.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterButtonLink } from '../ui/router-links.tsx';

const route = getRouteApi('/confirm-email');

/** Brings the cached session up to date (new address, or gone) without treating its end as expiry. */
async function reloadSessionQuietly(queryClient: QueryClient): Promise<void> {
  try {
    queryClient.setQueryData(sessionQueryKey, await unwrap(client.GET('/api/v1/auth/session')));
  } catch (error) {
    if (!isApiError(error) || error.status !== 401) return;
    queryClient.setQueryData(sessionQueryKey, null);
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionQueryKey[0] });
  }
}

export function ConfirmEmailPage() {
  const { t } = useTranslation();
  const { token } = route.useSearch();
  const queryClient = useQueryClient();
  const session = useSession();
  const confirm = useMutation({
    mutationFn: (value: string) =>
      unwrap(client.POST('/api/v1/auth/email/confirm', { body: { token: value } })),
    onSuccess: () => reloadSessionQuietly(queryClient),
  });
  // Tokens are single-use: send it once, even when React runs effects twice in development.
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current || token === undefined) return;
    sent.current = true;
    confirm.mutate(token);
  }, [token, confirm]);

  const alreadyUsed = isApiError(confirm.error) && confirm.error.code === 'already_exists';
  const done = token === undefined || confirm.isSuccess || confirm.isError;

  return (
    <AuthCard title={t('confirmEmail.title')}>
      {token === undefined && (
        <Alert color="red" variant="light" role="alert">
          {t('errors.invalid_token')}
        </Alert>
      )}
      {(confirm.isPending || (token !== undefined && confirm.isIdle)) && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('confirmEmail.checking')}</Text>
        </Group>
      )}
      {confirm.isSuccess && (
        <Alert color="green" variant="light" role="status">
          <Text>{t('confirmEmail.success')}</Text>
          {!session && <Text mt="xs">{t('confirmEmail.signInAgain')}</Text>}
        </Alert>
      )}
      {alreadyUsed ? (
        <Alert color="red" variant="light" role="alert" title={t('common.errorTitle')}>
          {t('confirmEmail.alreadyUsed')}
        </Alert>
      ) : (
        <ErrorAlert error={confirm.error} />
      )}
      {done &&
        (session ? (
          <RouterButtonLink to="/security">{t('confirmEmail.toSecurity')}</RouterButtonLink>
        ) : (
          <RouterButtonLink to="/sign-in">{t('nav.signIn')}</RouterButtonLink>
        ))}
    </AuthCard>
  );
}
