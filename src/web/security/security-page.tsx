/**
 * Security settings: the authenticator app (TOTP), recovery codes, passkeys and the account's
 * email address. Staff without a second factor are held here until they enrol one (the server
 * enforces it; this page explains it).
 */
import { Alert, Badge, Button, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';
import { unlessCancelled, useWithReauthentication } from '../session/reauthentication.tsx';
import { refreshSession, useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { usePageTitle } from '../ui/use-page-title.ts';
import { EmailSection } from './email-section.tsx';
import { PasskeysSection } from './passkeys-section.tsx';
import { RecoveryCodesDisplay } from './recovery-codes-display.tsx';
import { TotpEnrolment } from './totp-enrolment.tsx';

function TotpSection() {
  const { t } = useTranslation();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const withReauthentication = useWithReauthentication();
  const [enrolling, setEnrolling] = useState(false);
  const [issuedCodes, setIssuedCodes] = useState<string[] | null>(null);
  const [confirmRemoval, setConfirmRemoval] = useState(false);

  const remove = useMutation({
    mutationFn: () => withReauthentication(() => unwrap(client.DELETE('/api/v1/auth/totp'))),
    onSuccess: async () => {
      setConfirmRemoval(false);
      notifications.show({ color: 'green', message: t('totp.removed') });
      await refreshSession(queryClient);
    },
  });

  const finish = async () => {
    setIssuedCodes(null);
    setEnrolling(false);
    notifications.show({ color: 'green', message: t('totp.enabled') });
    await refreshSession(queryClient);
  };

  return (
    <Stack gap="sm" component="section" aria-labelledby="totp-title">
      <Group gap="sm">
        <Title order={2} size="h3" id="totp-title">
          {t('totp.title')}
        </Title>
        <Badge
          variant="light"
          color={session.mfa.totpEnabled && issuedCodes === null ? 'green' : 'gray'}
        >
          {session.mfa.totpEnabled && issuedCodes === null ? t('common.on') : t('common.off')}
        </Badge>
      </Group>
      <Text>{t('totp.intro')}</Text>
      {issuedCodes !== null ? (
        <RecoveryCodesDisplay
          codes={issuedCodes}
          organizationName={session.organization.name}
          onSaved={() => void finish()}
        />
      ) : enrolling ? (
        <TotpEnrolment onEnrolled={setIssuedCodes} onCancel={() => setEnrolling(false)} />
      ) : session.mfa.totpEnabled ? (
        <Group>
          <Button variant="default" color="red" onClick={() => setConfirmRemoval(true)}>
            {t('totp.remove')}
          </Button>
        </Group>
      ) : (
        <Group>
          <Button onClick={() => setEnrolling(true)}>{t('totp.setUp')}</Button>
        </Group>
      )}
      <Modal
        opened={confirmRemoval}
        onClose={() => setConfirmRemoval(false)}
        title={t('totp.removeConfirmTitle')}
        centered
      >
        <Stack gap="md">
          <Text>
            {session.mfa.mandatory
              ? t('totp.removeConfirmBodyMandatory')
              : t('totp.removeConfirmBody')}
          </Text>
          <ErrorAlert error={unlessCancelled(remove.error)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmRemoval(false)}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              {t('totp.remove')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function RecoveryCodesSection() {
  const { t } = useTranslation();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const withReauthentication = useWithReauthentication();
  const [issuedCodes, setIssuedCodes] = useState<string[] | null>(null);

  const regenerate = useMutation({
    mutationFn: () =>
      withReauthentication(() => unwrap(client.POST('/api/v1/auth/recovery-codes', { body: {} }))),
    onSuccess: (result) => setIssuedCodes(result.recoveryCodes),
  });

  if (!session.mfa.totpEnabled && session.mfa.passkeyCount === 0 && issuedCodes === null)
    return null;

  return (
    <Stack gap="sm" component="section" aria-labelledby="recovery-title">
      <Title order={2} size="h3" id="recovery-title">
        {t('recoveryCodes.sectionTitle')}
      </Title>
      <Text>{t('recoveryCodes.remaining', { count: session.mfa.recoveryCodesRemaining })}</Text>
      <ErrorAlert error={unlessCancelled(regenerate.error)} />
      {issuedCodes !== null ? (
        <RecoveryCodesDisplay
          codes={issuedCodes}
          organizationName={session.organization.name}
          onSaved={() => {
            setIssuedCodes(null);
            void refreshSession(queryClient);
          }}
        />
      ) : (
        <Group>
          <Button
            variant="default"
            loading={regenerate.isPending}
            onClick={() => regenerate.mutate()}
          >
            {t('recoveryCodes.regenerate')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

export function SecurityPage() {
  const { t } = useTranslation();
  const session = useSignedInSession();
  usePageTitle(t('security.title'));
  return (
    <Stack gap="xl" maw={760}>
      <Title order={1}>{t('security.title')}</Title>
      {session.mfa.enrolmentRequired && (
        <Alert
          color="yellow"
          variant="light"
          title={t('security.enrolmentRequiredTitle')}
          role="alert"
        >
          {t('security.enrolmentRequiredBody')}
        </Alert>
      )}
      <TotpSection />
      <PasskeysSection />
      <RecoveryCodesSection />
      <EmailSection />
    </Stack>
  );
}
