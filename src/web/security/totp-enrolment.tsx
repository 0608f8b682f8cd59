/** Enrolling an authenticator app: scan (or type) the secret, then prove it works with one code. */
import { Button, Code, Group, Image, Loader, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';
import {
  isReauthenticationCancelled,
  unlessCancelled,
  useWithReauthentication,
} from '../session/reauthentication.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';

export function TotpEnrolment({
  onEnrolled,
  onCancel,
}: {
  onEnrolled: (recoveryCodes: string[]) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const withReauthentication = useWithReauthentication();

  const start = useMutation({
    mutationFn: () =>
      withReauthentication(() => unwrap(client.POST('/api/v1/auth/totp/enrolment', { body: {} }))),
    onError: (error) => {
      if (isReauthenticationCancelled(error)) onCancel();
    },
  });
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    start.mutate();
  }, [start]);

  const form = useForm({
    mode: 'controlled',
    initialValues: { code: '' },
    validate: {
      code: (value) => (/^\d{6,8}$/.test(value.replace(/\s+/g, '')) ? null : t('totp.codeFormat')),
    },
  });

  const confirm = useMutation({
    mutationFn: ({ code }: { code: string }) =>
      unwrap(
        client.POST('/api/v1/auth/totp/enrolment/confirm', {
          body: { code: code.replace(/\s+/g, '') },
        }),
      ),
    onSuccess: (result) => onEnrolled(result.recoveryCodes),
    onError: () => form.setFieldValue('code', ''),
  });

  if (start.isPending || start.isIdle) {
    return (
      <Group gap="sm" role="status">
        <Loader size="sm" aria-hidden />
        <Text>{t('common.loading')}</Text>
      </Group>
    );
  }

  if (start.isError) {
    const error = unlessCancelled(start.error);
    return (
      <Stack gap="sm">
        <ErrorAlert error={error} />
        <Group>
          <Button onClick={() => start.mutate()}>{t('common.tryAgain')}</Button>
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    );
  }

  const enrolment = start.data;
  return (
    <Stack gap="md">
      <Text>{t('totp.step1')}</Text>
      <Image
        src={enrolment.qrSvgDataUrl}
        alt={t('totp.qrAlt')}
        className="totp-qr"
        w={200}
        h={200}
      />
      <Stack gap={4}>
        <Text size="sm">{t('totp.manualEntry')}</Text>
        <Code className="secret-key" aria-label={t('totp.secretLabel')}>
          {enrolment.secret}
        </Code>
      </Stack>
      <form onSubmit={form.onSubmit((values) => confirm.mutate(values))} noValidate>
        <Stack gap="md">
          <Text>{t('totp.step2')}</Text>
          <ErrorAlert error={confirm.error} />
          <TextInput
            label={t('fields.authenticationCode')}
            autoComplete="one-time-code"
            inputMode="numeric"
            maw={240}
            required
            {...form.getInputProps('code')}
          />
          <Group>
            <Button type="submit" loading={confirm.isPending}>
              {t('totp.confirm')}
            </Button>
            <Button variant="default" onClick={onCancel}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
