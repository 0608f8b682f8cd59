/** Opened from the reset email: choose a new password, then sign in with it. */
import { Alert, Button, Stack } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { passwordMaxLength, passwordMinLength } from '../../core/passwords.ts';
import { client, unwrap } from '../api/client.ts';
import { AuthCard } from '../ui/auth-card.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor, RouterButtonLink } from '../ui/router-links.tsx';
import { placeServerErrorsOnFields } from '../ui/server-form-errors.ts';
import { PasswordField } from '../ui/password-field.tsx';

const route = getRouteApi('/reset-password');

export function ResetPasswordPage() {
  const { t } = useTranslation();
  const { token } = route.useSearch();
  const [error, setError] = useState<unknown>(null);
  const form = useForm({
    mode: 'controlled',
    initialValues: { password: '' },
    validate: {
      password: (value) =>
        [...value].length < passwordMinLength
          ? t('passwordProblems.too_short', { min: passwordMinLength })
          : [...value].length > passwordMaxLength
            ? t('passwordProblems.too_long', { max: passwordMaxLength })
            : null,
    },
  });
  const complete = useMutation({
    mutationFn: ({ password }: { password: string }) =>
      unwrap(
        client.POST('/api/v1/auth/password-reset/complete', {
          body: { token: token ?? '', password },
        }),
      ),
    onMutate: () => setError(null),
    onError: (failure) => {
      if (!placeServerErrorsOnFields(form, failure, t)) setError(failure);
    },
  });

  if (complete.isSuccess) {
    return (
      <AuthCard title={t('resetPassword.doneTitle')}>
        <Alert color="green" variant="light" role="status">
          {t('resetPassword.doneBody')}
        </Alert>
        <RouterButtonLink to="/sign-in">{t('nav.signIn')}</RouterButtonLink>
      </AuthCard>
    );
  }

  return (
    <AuthCard title={t('resetPassword.title')}>
      {token === undefined ? (
        <>
          <Alert color="red" variant="light" role="alert">
            {t('errors.invalid_token')}
          </Alert>
          <RouterAnchor to="/forgot-password">{t('resetPassword.requestNew')}</RouterAnchor>
        </>
      ) : (
        <>
          <ErrorAlert error={error} />
          <form onSubmit={form.onSubmit((values) => complete.mutate(values))} noValidate>
            <Stack gap="md">
              <PasswordField
                label={t('fields.newPassword')}
                description={t('signUp.passwordRule', { min: passwordMinLength })}
                autoComplete="new-password"
                required
                {...form.getInputProps('password')}
              />
              <Button type="submit" loading={complete.isPending}>
                {t('resetPassword.submit')}
              </Button>
            </Stack>
          </form>
        </>
      )}
    </AuthCard>
  );
}
