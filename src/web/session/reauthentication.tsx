/**
 * Step-up re-authentication for sensitive actions. The server answers 403
 * `reauthentication_required` when a recent proof of identity is needed; `withReauthentication`
 * then asks for the password (and the authenticator code when TOTP is on), posts it to
 * /auth/reauthenticate and retries the action once. Cancelling rejects with `ReauthenticationCancelled`.
 */
import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';
import { isApiError } from '../api/api-error.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useSession } from './session.ts';
import { PasswordField } from '../ui/password-field.tsx';

export class ReauthenticationCancelled extends Error {
  constructor() {
    super('Re-authentication cancelled');
    this.name = 'ReauthenticationCancelled';
  }
}

export function isReauthenticationCancelled(error: unknown): boolean {
  return error instanceof ReauthenticationCancelled;
}

/** Errors worth showing: a cancelled re-authentication is the person's own choice, not a failure. */
export function unlessCancelled(error: unknown): unknown {
  return isReauthenticationCancelled(error) ? null : error;
}

type WithReauthentication = <T>(action: () => Promise<T>) => Promise<T>;

const ReauthenticationContext = createContext<WithReauthentication | null>(null);

/** Runs `action`, asking the person to confirm who they are first if the server requires it. */
export function useWithReauthentication(): WithReauthentication {
  const value = useContext(ReauthenticationContext);
  if (value === null) throw new Error('useWithReauthentication needs a ReauthenticationProvider');
  return value;
}

interface Pending {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function ReauthenticationProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const session = useSession();
  const [opened, setOpened] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [submitting, setSubmitting] = useState(false);
  const pending = useRef<Pending | null>(null);
  const needsCode = session?.mfa.totpEnabled ?? false;

  const form = useForm({
    mode: 'controlled',
    initialValues: { password: '', code: '' },
    validate: {
      password: (value) => (value === '' ? t('validation.required') : null),
      code: (value) => (needsCode && value.trim() === '' ? t('validation.required') : null),
    },
  });

  const askForProof = useCallback((): Promise<void> => {
    form.reset();
    setSubmitError(null);
    setOpened(true);
    return new Promise<void>((resolve, reject) => {
      pending.current = { resolve, reject };
    });
  }, [form]);

  const withReauthentication = useCallback<WithReauthentication>(
    async (action) => {
      try {
        return await action();
      } catch (error) {
        if (!isApiError(error) || error.code !== 'reauthentication_required') throw error;
        await askForProof();
        return action();
      }
    },
    [askForProof],
  );

  const cancel = () => {
    setOpened(false);
    pending.current?.reject(new ReauthenticationCancelled());
    pending.current = null;
  };

  // The handler reads the pending ref when the form is submitted, not while rendering.
  // eslint-disable-next-line react-hooks/refs
  const submit = form.onSubmit(async (values) => {
    setSubmitting(true);
    setSubmitError(null);
    try {
      await unwrap(
        client.POST('/api/v1/auth/reauthenticate', {
          body: needsCode
            ? { password: values.password, code: values.code.trim() }
            : { password: values.password },
        }),
      );
      setOpened(false);
      pending.current?.resolve();
      pending.current = null;
    } catch (error) {
      setSubmitError(error);
    } finally {
      setSubmitting(false);
    }
  });

  return (
    <ReauthenticationContext.Provider value={withReauthentication}>
      {children}
      <Modal opened={opened} onClose={cancel} title={t('reauth.title')} centered>
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            <Text>{needsCode ? t('reauth.explanationWithCode') : t('reauth.explanation')}</Text>
            <ErrorAlert error={submitError} />
            <PasswordField
              label={t('fields.password')}
              autoComplete="current-password"
              required
              data-autofocus
              {...form.getInputProps('password')}
            />
            {needsCode && (
              <TextInput
                label={t('fields.authenticationCode')}
                autoComplete="one-time-code"
                inputMode="numeric"
                required
                {...form.getInputProps('code')}
              />
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={cancel}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={submitting}>
                {t('reauth.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </ReauthenticationContext.Provider>
  );
}
