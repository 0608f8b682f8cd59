/**
 * Accepting an email invitation: the page shows who invited the person and as what, then asks
 * for what is missing. Staff set their name and a password (and then enrol a second factor). A
 * referred patient only chooses a password (their record names them). A proxy sets name and
 * password, or, with an account already, confirms with its password.
 */
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

  const role = invitation.data?.role;
  const forPatient = role === 'patient';
  const forProxy = role === 'proxy';
  const existingAccount = invitation.data?.account === 'existing';
  const unavailable = invitation.data?.account === 'unavailable';
  // A referred patient's record names them; an existing account already has a name.
  const asksName = !forPatient && !existingAccount;

  const form = useForm({
    mode: 'controlled',
    initialValues: { name: '', password: '' },
    validate: {
      name: (value) => (asksName && value.trim() === '' ? t('validation.required') : null),
      password: (value) =>
        existingAccount
          ? value === ''
            ? t('validation.required')
            : null
          : [...value].length < passwordMinLength
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
          body: asksName
            ? { name: values.name.trim(), password: values.password }
            : { password: values.password },
        }),
      ),
    onMutate: () => setError(null),
    onSuccess: async () => {
      notifications.show({
        color: 'green',
        message: forPatient
          ? t('people.invitation.acceptedPatient')
          : forProxy
            ? t('people.invitation.acceptedProxy', {
                patient: invitation.data?.patientName ?? '',
              })
            : t('invitation.accepted'),
      });
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
          {forPatient ? (
            <Text>
              {t('people.invitation.patientIntro', {
                physician: invitation.data.invitedByName ?? '',
                organization: invitation.data.organizationName,
              })}
            </Text>
          ) : forProxy ? (
            <>
              <Text>
                {t('people.invitation.proxyIntro', {
                  patient: invitation.data.patientName ?? '',
                  organization: invitation.data.organizationName,
                })}
              </Text>
              {invitation.data.proxyScope && (
                <Text>
                  <strong>
                    {t(`people.scopes.${invitation.data.proxyScope}.label`)}
                    {': '}
                  </strong>
                  {t(`people.scopes.${invitation.data.proxyScope}.description`)}
                </Text>
              )}
            </>
          ) : (
            <Text>
              {t('invitation.intro', {
                organization: invitation.data.organizationName,
                role: t(`roles.${invitation.data.role}`, { defaultValue: invitation.data.role }),
              })}
            </Text>
          )}
          <Text size="sm" c="dimmed">
            {t('invitation.forEmail', { email: invitation.data.email })}
          </Text>
          {unavailable ? (
            <Alert color="orange" variant="light" role="alert">
              {forPatient
                ? t('people.invitation.unavailablePatient')
                : t('people.invitation.unavailableProxy')}
            </Alert>
          ) : (
            <>
              {forPatient && (
                <Text size="sm">
                  {t('people.invitation.nameOnRecord', { name: invitation.data.patientName ?? '' })}
                </Text>
              )}
              {existingAccount && <Text size="sm">{t('people.invitation.existingAccount')}</Text>}
              <ErrorAlert error={error} />
              <form onSubmit={form.onSubmit((values) => accept.mutate(values))} noValidate>
                <Stack gap="md">
                  {asksName && (
                    <TextInput
                      label={t('fields.fullName')}
                      autoComplete="name"
                      required
                      {...form.getInputProps('name')}
                    />
                  )}
                  <PasswordField
                    label={
                      existingAccount
                        ? t('people.invitation.currentPassword')
                        : t('fields.password')
                    }
                    {...(existingAccount
                      ? {}
                      : { description: t('signUp.passwordRule', { min: passwordMinLength }) })}
                    autoComplete={existingAccount ? 'current-password' : 'new-password'}
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
        </>
      )}
    </AuthCard>
  );
}
