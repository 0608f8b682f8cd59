/** The organization's members: who they are, their role and status; invite staff; deactivate members. */
import {
  Button,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { canEver } from '../../core/access.ts';
import { invitableRoles, type InvitableRole } from '../../core/roles.ts';
import { client, unwrap } from '../api/client.ts';
import type { components } from '../api/schema.gen.ts';
import { unlessCancelled, useWithReauthentication } from '../session/reauthentication.tsx';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { placeServerErrorsOnFields } from '../ui/server-form-errors.ts';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';

type Member = components['schemas']['Member'];

const membersQueryKey = ['org', 'members'] as const;

function isInvitableRole(value: string): value is InvitableRole {
  return invitableRoles.some((role) => role === value);
}

function InviteForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const withReauthentication = useWithReauthentication();
  const [error, setError] = useState<unknown>(null);
  const form = useForm<{ email: string; role: string }>({
    mode: 'controlled',
    initialValues: { email: '', role: '' },
    validate: {
      email: (value) => (/^\S+@\S+$/.test(value.trim()) ? null : t('validation.email')),
      role: (value) => (isInvitableRole(value) ? null : t('validation.required')),
    },
  });
  const invite = useMutation({
    mutationFn: (values: { email: string; role: InvitableRole }) =>
      withReauthentication(() =>
        unwrap(
          client.POST('/api/v1/org/invitations', {
            body: { email: values.email.trim(), role: values.role },
          }),
        ),
      ),
    onMutate: () => setError(null),
    onSuccess: async (_result, values) => {
      notifications.show({
        color: 'green',
        message: t('members.invited', { email: values.email.trim() }),
      });
      form.reset();
      await queryClient.invalidateQueries({ queryKey: membersQueryKey });
    },
    onError: (failure) => {
      if (!placeServerErrorsOnFields(form, failure, t)) setError(unlessCancelled(failure));
    },
  });

  return (
    <Stack gap="sm" component="section" aria-labelledby="invite-title">
      <Title order={2} size="h3" id="invite-title">
        {t('members.inviteTitle')}
      </Title>
      <Text>{t('members.inviteIntro')}</Text>
      <ErrorAlert error={error} />
      <form
        noValidate
        onSubmit={form.onSubmit((values) => {
          if (isInvitableRole(values.role))
            invite.mutate({ email: values.email, role: values.role });
        })}
      >
        <Group align="flex-start" wrap="wrap">
          <TextInput
            label={t('fields.email')}
            type="email"
            autoComplete="off"
            required
            miw={260}
            {...form.getInputProps('email')}
          />
          <NativeSelect
            label={t('fields.role')}
            required
            miw={220}
            data={[
              { value: '', label: t('members.chooseRole'), disabled: true },
              ...invitableRoles.map((role) => ({ value: role, label: t(`roles.${role}`) })),
            ]}
            {...form.getInputProps('role')}
          />
          <Button type="submit" loading={invite.isPending} mt={{ base: 0, sm: 25 }}>
            {t('members.invite')}
          </Button>
        </Group>
      </form>
    </Stack>
  );
}

export function MembersPage() {
  const { t } = useTranslation();
  usePageTitle(t('members.title'));
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const withReauthentication = useWithReauthentication();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium' });
  const [toDeactivate, setToDeactivate] = useState<Member | null>(null);
  const role = session.membership.role;
  const mayInvite = canEver(role, 'member.invite');
  const mayDeactivate = canEver(role, 'member.deactivate');

  const members = useQuery({
    queryKey: membersQueryKey,
    queryFn: () => unwrap(client.GET('/api/v1/org/members')),
  });

  const deactivate = useMutation({
    mutationFn: (id: string) =>
      withReauthentication(() =>
        unwrap(
          client.POST('/api/v1/org/members/{id}/deactivate', {
            params: { path: { id } },
            body: {},
          }),
        ),
      ),
    onSuccess: async () => {
      notifications.show({
        color: 'green',
        message: t('members.deactivated', { name: toDeactivate?.name ?? '' }),
      });
      setToDeactivate(null);
      await queryClient.invalidateQueries({ queryKey: membersQueryKey });
    },
  });

  const list = members.data?.members ?? [];

  return (
    <Stack gap="xl">
      <Title order={1}>{t('members.title')}</Title>
      {mayInvite && <InviteForm />}
      <Stack gap="sm" component="section" aria-labelledby="members-list-title">
        <Title order={2} size="h3" id="members-list-title">
          {t('members.listTitle')}
        </Title>
        {members.isPending && (
          <Group gap="sm" role="status">
            <Loader size="sm" aria-hidden />
            <Text>{t('common.loading')}</Text>
          </Group>
        )}
        <ErrorAlert error={members.error} />
        {members.isSuccess && (
          <Table.ScrollContainer minWidth={760}>
            <Table striped highlightOnHover>
              <Table.Caption>{t('members.caption', { count: list.length })}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('members.name')}</Table.Th>
                  <Table.Th scope="col">{t('members.email')}</Table.Th>
                  <Table.Th scope="col">{t('members.role')}</Table.Th>
                  <Table.Th scope="col">{t('members.status')}</Table.Th>
                  <Table.Th scope="col">{t('members.mfa')}</Table.Th>
                  <Table.Th scope="col">{t('members.since')}</Table.Th>
                  {mayDeactivate && (
                    <Table.Th scope="col">
                      <VisuallyHidden>{t('common.actions')}</VisuallyHidden>
                    </Table.Th>
                  )}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((member) => (
                  <Table.Tr key={member.id}>
                    <Table.Td>{member.name}</Table.Td>
                    <Table.Td>{member.email}</Table.Td>
                    <Table.Td>{t(`roles.${member.role}`, { defaultValue: member.role })}</Table.Td>
                    <Table.Td>
                      <Text
                        size="sm"
                        fw={member.status === 'active' ? 500 : 400}
                        c={member.status === 'active' ? undefined : 'dimmed'}
                      >
                        {t(`members.statuses.${member.status}`)}
                      </Text>
                    </Table.Td>
                    <Table.Td>{member.mfaEnrolled ? t('common.yes') : t('common.no')}</Table.Td>
                    <Table.Td>{formatDateTime(member.createdAt)}</Table.Td>
                    {mayDeactivate && (
                      <Table.Td>
                        {member.status === 'active' && member.id !== session.membership.id && (
                          <Button
                            variant="subtle"
                            color="red"
                            size="xs"
                            aria-label={t('members.deactivateNamed', { name: member.name })}
                            onClick={() => {
                              deactivate.reset();
                              setToDeactivate(member);
                            }}
                          >
                            {t('members.deactivate')}
                          </Button>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      <Modal
        opened={toDeactivate !== null}
        onClose={() => setToDeactivate(null)}
        title={t('members.deactivateConfirmTitle')}
        centered
      >
        <Stack gap="md">
          <Text>
            {t('members.deactivateConfirmBody', {
              name: toDeactivate?.name ?? '',
              email: toDeactivate?.email ?? '',
            })}
          </Text>
          <ErrorAlert error={unlessCancelled(deactivate.error)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setToDeactivate(null)}>
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              loading={deactivate.isPending}
              onClick={() => toDeactivate !== null && deactivate.mutate(toDeactivate.id)}
            >
              {t('members.deactivate')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
