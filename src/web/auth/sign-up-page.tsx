/** Patients create their own account; staff join by invitation instead. */
import { Button, Checkbox, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { passwordMaxLength, passwordMinLength } from '../../core/passwords.ts';
import { client, unwrap } from '../api/client.ts';
import { AuthCard } from '../ui/auth-card.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor } from '../ui/router-links.tsx';
import { placeServerErrorsOnFields } from '../ui/server-form-errors.ts';
import { PasswordField } from '../ui/password-field.tsx';

interface SignUpValues {
  name: string;
  email: string;
  password: string;
  acceptTerms: boolean;
}

export function SignUpPage() {
  const { t, i18n } = useTranslation();
  const [error, setError] = useState<unknown>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);

  const form = useForm<SignUpValues>({
    mode: 'controlled',
    initialValues: { name: '', email: '', password: '', acceptTerms: false },
    validate: {
      name: (value) => (value.trim() === '' ? t('validation.required') : null),
      email: (value) => (/^\S+@\S+$/.test(value.trim()) ? null : t('validation.email')),
      password: (value) =>
        [...value].length < passwordMinLength
          ? t('passwordProblems.too_short', { min: passwordMinLength })
          : [...value].length > passwordMaxLength
            ? t('passwordProblems.too_long', { max: passwordMaxLength })
            : null,
      acceptTerms: (value) => (value ? null : t('signUp.termsRequired')),
    },
  });

  const signUp = useMutation({
    mutationFn: (values: SignUpValues) =>
      unwrap(
        client.POST('/api/v1/auth/sign-up', {
          body: {
            name: values.name.trim(),
            email: values.email.trim(),
            password: values.password,
            locale: i18n.resolvedLanguage ?? 'en',
            acceptTerms: true,
          },
        }),
      ),
    onMutate: () => setError(null),
    onSuccess: (_result, values) => setSentTo(values.email.trim()),
    onError: (failure) => {
      if (!placeServerErrorsOnFields(form, failure, t)) setError(failure);
    },
  });

  if (sentTo !== null) {
    return (
      <AuthCard title={t('signUp.checkEmailTitle')}>
        <Text role="status">{t('signUp.checkEmailBody', { email: sentTo })}</Text>
        <RouterAnchor to="/sign-in">{t('signUp.goToSignIn')}</RouterAnchor>
      </AuthCard>
    );
  }

  return (
    <AuthCard title={t('signUp.title')}>
      <Text>{t('signUp.intro')}</Text>
      <ErrorAlert error={error} />
      <form onSubmit={form.onSubmit((values) => signUp.mutate(values))} noValidate>
        <Stack gap="md">
          <TextInput
            label={t('fields.fullName')}
            autoComplete="name"
            required
            {...form.getInputProps('name')}
          />
          <TextInput
            label={t('fields.email')}
            type="email"
            autoComplete="email"
            required
            {...form.getInputProps('email')}
          />
          <PasswordField
            label={t('fields.password')}
            description={t('signUp.passwordRule', { min: passwordMinLength })}
            autoComplete="new-password"
            required
            {...form.getInputProps('password')}
          />
          <Checkbox
            label={t('signUp.acceptTerms')}
            required
            {...form.getInputProps('acceptTerms', { type: 'checkbox' })}
          />
          <Button type="submit" loading={signUp.isPending}>
            {t('signUp.submit')}
          </Button>
        </Stack>
      </form>
      <Text size="sm">
        {t('signUp.haveAccount')} <RouterAnchor to="/sign-in">{t('signUp.signIn')}</RouterAnchor>
      </Text>
    </AuthCard>
  );
}
