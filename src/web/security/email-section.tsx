/**
 * The account's email address and how to change it: the server sends a confirmation link to the
 * new address (after a recent re-authentication) and switches only when that link is opened.
 */
import { Alert, Button, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError, validationIssues } from '../api/api-error.ts';
import { client, unwrap } from '../api/client.ts';
import { unlessCancelled, useWithReauthentication } from '../session/reauthentication.tsx';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';

function sameAddress(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export function EmailSection() {
  const { t } = useTranslation();
  const session = useSignedInSession();
  const withReauthentication = useWithReauthentication();
  const [error, setError] = useState<unknown>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useForm({
    mode: 'controlled',
    initialValues: { email: '' },
    validate: {
      email: (value) =>
        !/^\S+@\S+$/.test(value.trim())
          ? t('validation.email')
          : sameAddress(value, session.user.email)
            ? t('emailChange.sameAddress')
            : null,
    },
  });

  const change = useMutation({
    mutationFn: (email: string) =>
      withReauthentication(() => unwrap(client.POST('/api/v1/auth/email', { body: { email } }))),
    onMutate: () => {
      setError(null);
      setSentTo(null);
    },
    onSuccess: (_result, email) => {
      setSentTo(email);
      form.reset();
    },
    onError: (failure) => {
      if (isApiError(failure) && failure.code === 'conflict') {
        form.setFieldError('email', t('emailChange.sameAddress'));
      } else if (
        isApiError(failure) &&
        failure.code === 'validation_failed' &&
        validationIssues(failure).email !== undefined
      ) {
        form.setFieldError('email', t('validation.email'));
      } else {
        setError(unlessCancelled(failure));
      }
    },
  });

  return (
    <Stack gap="sm" component="section" aria-labelledby="email-title">
      <Title order={2} size="h3" id="email-title">
        {t('emailChange.title')}
      </Title>
      <Text>
        {t('emailChange.current')}{' '}
        <Text span fw={600}>
          {session.user.email}
        </Text>
      </Text>
      <Text size="sm" c="dimmed">
        {t('emailChange.intro')}
      </Text>
      {sentTo !== null && (
        <Alert color="green" variant="light" role="status">
          {t('emailChange.sent', { email: sentTo })}
        </Alert>
      )}
      <ErrorAlert error={error} />
      <form noValidate onSubmit={form.onSubmit((values) => change.mutate(values.email.trim()))}>
        <Group align="flex-start" wrap="wrap">
          <TextInput
            label={t('emailChange.newEmail')}
            type="email"
            autoComplete="email"
            required
            miw={280}
            {...form.getInputProps('email')}
          />
          <Button type="submit" loading={change.isPending} mt={{ base: 0, sm: 25 }}>
            {t('emailChange.submit')}
          </Button>
        </Group>
      </form>
    </Stack>
  );
}
