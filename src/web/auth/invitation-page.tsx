/** A staff member accepts an email invitation: sees who invited them and as what, then sets name and password. */
import { Alert, Button, Group, Loader, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { passwordMaxLength, passwordMinLength } from '../../core/passwords.ts';
import { client, unwrap } from '../api/client.ts';
import { AuthCard } from '../ui/auth-card.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { placeServerErrorsOnFields } from '../ui/server-form-errors.ts';
import { PasswordField } from '../ui/password-field.tsx';

const route = getRouteApi('/invitation');

export function InvitationPage() {
  const { t } = useTranslation();
  const { token } = route.useSearch();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);

  const invitation = useQuery({
    queryKey: ['invitation', token],
    queryFn: () =>
      unwrap(
        client.GET('/api/v1/invitations/{token}', { params: { path: { token: token ?? '' } } }),
      ),
    enabled: token !== undefined,
    retry: false,
  });

  const form = useForm({
    mode: 'controlled',
    initialValues: { name: '', password: '' },
    validate: {
      name: (value) => (value.trim() === '' ? t('validation.required') : null),
      password: (value) =>
        [...value].length < passwordMinLength
          ? t('passwordProblems.too_short', { min: passwordMinLength })
          : [...value].length > passwordMaxLength
            ? t('passwordProblems.too_long', { max: passwordMaxLength })
            : null,
    },
  });

  const accept = useMutation({
    mutationFn: (values: { name: string; password: string }) =>
      unwrap(
        client.POST('/api/v1/invitations/{token}/accept', {
          params: { path: { token: token ?? '' } },
          body: { name: values.name.trim(), password: values.password },
        }),
      ),
    onMutate: () => setError(null),
    onSuccess: async () => {
      notifications.show({ color: 'green', message: t('invitation.accepted') });
      await navigate({ to: '/sign-in' });
    },
    onError: (failure) => {
      if (!placeServerErrorsOnFields(form, failure, t)) setError(failure);
    },
  });

  return (
    <AuthCard title={t('invitation.title')}>
      {token === undefined && (
        <Alert color="red" variant="light" role="alert">
          {t('errors.invalid_token')}
        </Alert>
      )}
      {invitation.isPending && token !== undefined && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('common.loading')}</Text>
        </Group>
      )}
      <ErrorAlert error={invitation.error} />
      {invitation.data && (
        <>
          <Text>
            {t('invitation.intro', {
              organization: invitation.data.organizationName,
              role: t(`roles.${invitation.data.role}`, { defaultValue: invitation.data.role }),
            })}
          </Text>
          <Text size="sm" c="dimmed">
            {t('invitation.forEmail', { email: invitation.data.email })}
          </Text>
          <ErrorAlert error={error} />
          <form onSubmit={form.onSubmit((values) => accept.mutate(values))} noValidate>
            <Stack gap="md">
              <TextInput
                label={t('fields.fullName')}
                autoComplete="name"
                required
                {...form.getInputProps('name')}
              />
              <PasswordField
                label={t('fields.password')}
                description={t('signUp.passwordRule', { min: passwordMinLength })}
                autoComplete="new-password"
                required
                {...form.getInputProps('password')}
              />
              <Button type="submit" loading={accept.isPending}>
                {t('invitation.submit')}
              </Button>
            </Stack>
          </form>
        </>
      )}
    </AuthCard>
  );
}
