/** Asks for a password-reset link. The answer is the same whether or not the address has an account. */
import { Button, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';
import { AuthCard } from '../ui/auth-card.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor } from '../ui/router-links.tsx';

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const form = useForm({
    mode: 'controlled',
    initialValues: { email: '' },
    validate: { email: (value) => (/^\S+@\S+$/.test(value.trim()) ? null : t('validation.email')) },
  });
  const request = useMutation({
    mutationFn: ({ email }: { email: string }) =>
      unwrap(client.POST('/api/v1/auth/password-reset/request', { body: { email: email.trim() } })),
  });

  if (request.isSuccess) {
    return (
      <AuthCard title={t('signUp.checkEmailTitle')}>
        <Text role="status">{t('forgotPassword.sent')}</Text>
        <RouterAnchor to="/sign-in">{t('signUp.goToSignIn')}</RouterAnchor>
      </AuthCard>
    );
  }

  return (
    <AuthCard title={t('forgotPassword.title')}>
      <Text>{t('forgotPassword.intro')}</Text>
      <ErrorAlert error={request.error} />
      <form onSubmit={form.onSubmit((values) => request.mutate(values))} noValidate>
        <Stack gap="md">
          <TextInput
            label={t('fields.email')}
            type="email"
            autoComplete="email"
            required
            {...form.getInputProps('email')}
          />
          <Button type="submit" loading={request.isPending}>
            {t('forgotPassword.submit')}
          </Button>
        </Stack>
      </form>
      <RouterAnchor to="/sign-in" size="sm">
        {t('forgotPassword.back')}
      </RouterAnchor>
    </AuthCard>
  );
}
