/** Sign-in: email and password, or a passkey alone. A second factor, when due, continues on /sign-in/mfa. */
import { Alert, Button, Divider, Group, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';
import { authenticateWithPasskey, passkeysSupported } from '../session/passkeys.ts';
import { refreshSession } from '../session/session.ts';
import { AuthCard } from '../ui/auth-card.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor } from '../ui/router-links.tsx';
import { PasswordField } from '../ui/password-field.tsx';

const route = getRouteApi('/sign-in');

export function SignInPage() {
  const { t } = useTranslation();
  const search = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);

  const form = useForm({
    mode: 'controlled',
    initialValues: { email: '', password: '' },
    validate: {
      email: (value) => (/^\S+@\S+$/.test(value.trim()) ? null : t('validation.email')),
      password: (value) => (value === '' ? t('validation.required') : null),
    },
  });

  const finishSignIn = async () => {
    await refreshSession(queryClient);
    await navigate({ to: search.redirect ?? '/' });
  };

  const signIn = useMutation({
    mutationFn: (values: { email: string; password: string }) =>
      unwrap(
        client.POST('/api/v1/auth/sign-in', {
          body: { email: values.email.trim(), password: values.password },
        }),
      ),
    onMutate: () => setError(null),
    onSuccess: async (result) => {
      if (result.status === 'mfa_required') {
        await navigate({
          to: '/sign-in/mfa',
          search: {
            methods: result.methods,
            ...(search.redirect === undefined ? {} : { redirect: search.redirect }),
          },
        });
        return;
      }
      await finishSignIn();
    },
    onError: (failure) => {
      setError(failure);
      form.setFieldValue('password', '');
    },
  });

  const passkey = useMutation({
    mutationFn: authenticateWithPasskey,
    onMutate: () => setError(null),
    onSuccess: finishSignIn,
    onError: setError,
  });

  return (
    <AuthCard title={t('signIn.title')}>
      {search.expired && (
        <Alert color="yellow" variant="light" title={t('signIn.expiredTitle')} role="status">
          {t('signIn.expiredBody')}
        </Alert>
      )}
      <ErrorAlert error={error} />
      <form onSubmit={form.onSubmit((values) => signIn.mutate(values))} noValidate>
        <Stack gap="md">
          <TextInput
            label={t('fields.email')}
            type="email"
            autoComplete="username webauthn"
            required
            {...form.getInputProps('email')}
          />
          <PasswordField
            label={t('fields.password')}
            autoComplete="current-password"
            required
            {...form.getInputProps('password')}
          />
          <Group justify="space-between" wrap="wrap">
            <RouterAnchor to="/forgot-password" size="sm">
              {t('signIn.forgotPassword')}
            </RouterAnchor>
            <Button type="submit" loading={signIn.isPending}>
              {t('signIn.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
      {passkeysSupported() && (
        <>
          <Divider label={t('common.or')} labelPosition="center" />
          <Button variant="default" onClick={() => passkey.mutate()} loading={passkey.isPending}>
            {t('signIn.withPasskey')}
          </Button>
        </>
      )}
      <Text size="sm">
        {t('signIn.noAccount')}{' '}
        <RouterAnchor to="/sign-up">{t('signIn.createAccount')}</RouterAnchor>
      </Text>
    </AuthCard>
  );
}
