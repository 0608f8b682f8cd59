/** The second step of sign-in: an authenticator code, a recovery code, or a passkey. */
import { Button, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';
import type { MfaMethod } from '../app/search-params.ts';
import { authenticateWithPasskey, passkeysSupported } from '../session/passkeys.ts';
import { refreshSession } from '../session/session.ts';
import { AuthCard } from '../ui/auth-card.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterAnchor } from '../ui/router-links.tsx';

const route = getRouteApi('/sign-in/mfa');

type CodeMethod = Extract<MfaMethod, 'totp' | 'recovery_code'>;

export function MfaChallengePage() {
  const { t } = useTranslation();
  const search = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // Without a list (e.g. the page was reloaded) offer everything; the server decides.
  const methods: readonly MfaMethod[] = search.methods ?? ['totp', 'recovery_code', 'passkey'];
  const [method, setMethod] = useState<CodeMethod>(
    methods.includes('totp') ? 'totp' : 'recovery_code',
  );
  const [error, setError] = useState<unknown>(null);

  const form = useForm({
    mode: 'controlled',
    initialValues: { code: '' },
    validate: { code: (value) => (value.trim() === '' ? t('validation.required') : null) },
  });

  const finishSignIn = async () => {
    await refreshSession(queryClient);
    await navigate({ to: search.redirect ?? '/' });
  };

  const verify = useMutation({
    mutationFn: ({ code }: { code: string }) =>
      unwrap(
        method === 'totp'
          ? client.POST('/api/v1/auth/mfa/totp', { body: { code: code.replace(/\s+/g, '') } })
          : client.POST('/api/v1/auth/mfa/recovery-code', { body: { code: code.trim() } }),
      ),
    onMutate: () => setError(null),
    onSuccess: finishSignIn,
    onError: (failure) => {
      setError(failure);
      form.setFieldValue('code', '');
    },
  });

  const passkey = useMutation({
    mutationFn: authenticateWithPasskey,
    onMutate: () => setError(null),
    onSuccess: finishSignIn,
    onError: setError,
  });

  const switchTo = (next: CodeMethod) => {
    setMethod(next);
    setError(null);
    form.reset();
  };

  const codeMethodsOffered = methods.filter(
    (candidate): candidate is CodeMethod => candidate !== 'passkey',
  );

  return (
    <AuthCard title={t('mfa.title')}>
      <Text>{method === 'totp' ? t('mfa.totpIntro') : t('mfa.recoveryIntro')}</Text>
      <ErrorAlert error={error} />
      {codeMethodsOffered.length > 0 && (
        <form onSubmit={form.onSubmit((values) => verify.mutate(values))} noValidate>
          <Stack gap="md">
            {method === 'totp' ? (
              <TextInput
                key="totp"
                label={t('fields.authenticationCode')}
                description={t('mfa.totpHint')}
                autoComplete="one-time-code"
                inputMode="numeric"
                required
                data-autofocus
                {...form.getInputProps('code')}
              />
            ) : (
              <TextInput
                key="recovery"
                label={t('fields.recoveryCode')}
                description={t('mfa.recoveryHint')}
                autoComplete="off"
                autoCapitalize="none"
                spellCheck={false}
                required
                {...form.getInputProps('code')}
              />
            )}
            <Button type="submit" loading={verify.isPending}>
              {t('mfa.verify')}
            </Button>
          </Stack>
        </form>
      )}
      <Stack gap="xs">
        {method === 'totp' && methods.includes('recovery_code') && (
          <Button variant="subtle" onClick={() => switchTo('recovery_code')}>
            {t('mfa.useRecoveryCode')}
          </Button>
        )}
        {method === 'recovery_code' && methods.includes('totp') && (
          <Button variant="subtle" onClick={() => switchTo('totp')}>
            {t('mfa.useAuthenticator')}
          </Button>
        )}
        {methods.includes('passkey') && passkeysSupported() && (
          <Button variant="default" onClick={() => passkey.mutate()} loading={passkey.isPending}>
            {t('mfa.usePasskey')}
          </Button>
        )}
      </Stack>
      <RouterAnchor to="/sign-in" size="sm">
        {t('mfa.startOver')}
      </RouterAnchor>
    </AuthCard>
  );
}
