/** Passkeys: register one on this device, see the registered ones, remove those no longer wanted. */
import {
  Alert,
  Button,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';
import type { components } from '../api/schema.gen.ts';
import {
  fetchPasskeyRegistrationOptions,
  passkeysSupported,
  registerPasskey,
} from '../session/passkeys.ts';
import { unlessCancelled, useWithReauthentication } from '../session/reauthentication.tsx';
import { refreshSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';

type Passkey = components['schemas']['Passkey'];

const passkeysQueryKey = ['passkeys'] as const;

export function PasskeysSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const withReauthentication = useWithReauthentication();
  const formatDateTime = useDateTimeFormat();
  const [name, setName] = useState('');
  const [toRemove, setToRemove] = useState<Passkey | null>(null);
  const supported = passkeysSupported();

  const passkeys = useQuery({
    queryKey: passkeysQueryKey,
    queryFn: () => unwrap(client.GET('/api/v1/auth/passkeys')),
  });

  const afterChange = async () => {
    await queryClient.invalidateQueries({ queryKey: passkeysQueryKey });
    await refreshSession(queryClient);
  };

  const register = useMutation({
    mutationFn: async () => {
      const options = await withReauthentication(fetchPasskeyRegistrationOptions);
      await registerPasskey(options, name.trim());
    },
    onSuccess: async () => {
      setName('');
      notifications.show({ color: 'green', message: t('passkeys.registered') });
      await afterChange();
    },
  });

  const remove = useMutation({
    mutationFn: (id: string) =>
      withReauthentication(() =>
        unwrap(client.DELETE('/api/v1/auth/passkeys/{id}', { params: { path: { id } } })),
      ),
    onSuccess: async () => {
      setToRemove(null);
      notifications.show({ color: 'green', message: t('passkeys.removed') });
      await afterChange();
    },
  });

  const list = passkeys.data?.passkeys ?? [];
  const displayName = (passkey: Passkey) => passkey.name ?? t('passkeys.unnamed');

  return (
    <Stack gap="sm" component="section" aria-labelledby="passkeys-title">
      <Title order={2} size="h3" id="passkeys-title">
        {t('passkeys.title')}
      </Title>
      <Text>{t('passkeys.intro')}</Text>
      {passkeys.isPending && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('common.loading')}</Text>
        </Group>
      )}
      <ErrorAlert error={passkeys.error} />
      {passkeys.isSuccess &&
        (list.length === 0 ? (
          <Text c="dimmed">{t('passkeys.none')}</Text>
        ) : (
          <Table.ScrollContainer minWidth={480}>
            <Table>
              <Table.Caption>{t('passkeys.caption')}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('passkeys.name')}</Table.Th>
                  <Table.Th scope="col">{t('passkeys.created')}</Table.Th>
                  <Table.Th scope="col">{t('passkeys.lastUsed')}</Table.Th>
                  <Table.Th scope="col">
                    <VisuallyHidden>{t('common.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((passkey) => (
                  <Table.Tr key={passkey.id}>
                    <Table.Td>{displayName(passkey)}</Table.Td>
                    <Table.Td>{formatDateTime(passkey.createdAt)}</Table.Td>
                    <Table.Td>
                      {passkey.lastUsedAt === null
                        ? t('passkeys.never')
                        : formatDateTime(passkey.lastUsedAt)}
                    </Table.Td>
                    <Table.Td>
                      <Button
                        variant="subtle"
                        color="red"
                        size="xs"
                        aria-label={t('passkeys.removeNamed', { name: displayName(passkey) })}
                        onClick={() => setToRemove(passkey)}
                      >
                        {t('passkeys.remove')}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ))}
      {supported ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            register.mutate();
          }}
        >
          <Stack gap="sm">
            <ErrorAlert error={unlessCancelled(register.error)} />
            <Group align="flex-end">
              <TextInput
                label={t('fields.passkeyName')}
                description={t('passkeys.nameHint')}
                value={name}
                maxLength={64}
                onChange={(event) => setName(event.currentTarget.value)}
              />
              <Button type="submit" loading={register.isPending}>
                {t('passkeys.register')}
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Alert color="gray" variant="light">
          {t('passkeys.unsupported')}
        </Alert>
      )}
      <Modal
        opened={toRemove !== null}
        onClose={() => setToRemove(null)}
        title={t('passkeys.removeConfirmTitle')}
        centered
      >
        <Stack gap="md">
          <Text>
            {t('passkeys.removeConfirmBody', {
              name: toRemove === null ? '' : displayName(toRemove),
            })}
          </Text>
          <ErrorAlert error={unlessCancelled(remove.error)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setToRemove(null)}>
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() => toRemove !== null && remove.mutate(toRemove.id)}
            >
              {t('passkeys.remove')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
