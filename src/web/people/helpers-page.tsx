/**
 * "People who can help me": the patient invites a family member or caregiver by email, chooses
 * in plain words what they may do (see only, or see and act), changes it, and stops access (with
 * a confirmation). Invitations not answered yet can be withdrawn; ended access stays listed.
 */
import {
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  NativeSelect,
  Radio,
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
import { proxyScopes, type ProxyScope } from '../../core/access.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { placeServerErrorsOnFields } from '../ui/server-form-errors.ts';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';
import {
  changeProxyScope,
  hasErrorCode,
  inviteProxy,
  patientsQueryOptions,
  proxiesQueryKey,
  proxiesQueryOptions,
  revokeProxy,
  withdrawProxyInvitation,
  type ProxyGrant,
  type ProxyInvitation,
} from './people-api.ts';

function isProxyScope(value: string): value is ProxyScope {
  return proxyScopes.some((scope) => scope === value);
}

function Loading() {
  const { t } = useTranslation();
  return (
    <Group gap="sm" role="status">
      <Loader size="sm" aria-hidden />
      <Text>{t('common.loading')}</Text>
    </Group>
  );
}

function InviteHelperForm({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const form = useForm<{ email: string; scope: string }>({
    mode: 'controlled',
    initialValues: { email: '', scope: 'view' },
    validate: {
      email: (value) => (/^\S+@\S+$/.test(value.trim()) ? null : t('validation.email')),
      scope: (value) => (isProxyScope(value) ? null : t('validation.required')),
    },
  });
  const invite = useMutation({
    mutationFn: (values: { email: string; scope: ProxyScope }) =>
      inviteProxy(patientId, values.email.trim(), values.scope),
    onMutate: () => setError(null),
    onSuccess: async (_result, values) => {
      notifications.show({
        color: 'green',
        message: t('people.helpers.invited', { email: values.email.trim() }),
      });
      form.reset();
      await queryClient.invalidateQueries({ queryKey: proxiesQueryKey(patientId) });
    },
    onError: (failure) => {
      if (hasErrorCode(failure, 'conflict'))
        form.setFieldError('email', t('people.helpers.cannotInviteSelf'));
      else if (hasErrorCode(failure, 'already_exists'))
        form.setFieldError('email', t('people.helpers.alreadyHelps'));
      else if (!placeServerErrorsOnFields(form, failure, t)) setError(failure);
    },
  });

  return (
    <Stack gap="sm" component="section" aria-labelledby="invite-helper-title">
      <Title order={2} size="h3" id="invite-helper-title">
        {t('people.helpers.inviteTitle')}
      </Title>
      <Text>{t('people.helpers.inviteIntro')}</Text>
      <ErrorAlert error={error} />
      <form
        noValidate
        onSubmit={form.onSubmit((values) => {
          if (isProxyScope(values.scope))
            invite.mutate({ email: values.email, scope: values.scope });
        })}
      >
        <Stack gap="md" maw={560}>
          <TextInput
            label={t('fields.email')}
            type="email"
            autoComplete="off"
            required
            {...form.getInputProps('email')}
          />
          <Radio.Group
            label={t('people.helpers.scopeLabel')}
            required
            {...form.getInputProps('scope')}
          >
            <Stack gap="sm" mt="xs">
              {proxyScopes.map((scope) => (
                <Radio
                  key={scope}
                  value={scope}
                  label={t(`people.scopes.${scope}.label`)}
                  description={t(`people.scopes.${scope}.description`)}
                />
              ))}
            </Stack>
          </Radio.Group>
          <Group>
            <Button type="submit" loading={invite.isPending}>
              {t('people.helpers.invite')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

function ActiveHelpers({
  patientId,
  grants,
  onRevoke,
}: {
  patientId: string;
  grants: ProxyGrant[];
  onRevoke: (grant: ProxyGrant) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formatDate = useDateTimeFormat({ dateStyle: 'medium' });
  const rescope = useMutation({
    mutationFn: (change: { grant: ProxyGrant; scope: ProxyScope }) =>
      changeProxyScope(patientId, change.grant.id, change.scope),
    onSuccess: async (updated) => {
      notifications.show({
        color: 'green',
        message: t('people.helpers.scopeChanged', {
          name: updated.name,
          scope: t(`people.scopes.${updated.scope}.label`),
        }),
      });
      await queryClient.invalidateQueries({ queryKey: proxiesQueryKey(patientId) });
    },
  });

  return (
    <Stack gap="sm" component="section" aria-labelledby="active-helpers-title">
      <Title order={2} size="h3" id="active-helpers-title">
        {t('people.helpers.activeTitle')}
      </Title>
      <ErrorAlert error={rescope.error} />
      {grants.length === 0 ? (
        <Text>{t('people.helpers.activeNone')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('people.helpers.name')}</Table.Th>
                <Table.Th scope="col">{t('fields.email')}</Table.Th>
                <Table.Th scope="col">{t('people.helpers.scope')}</Table.Th>
                <Table.Th scope="col">{t('people.helpers.since')}</Table.Th>
                <Table.Th scope="col">
                  <VisuallyHidden>{t('common.actions')}</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {grants.map((grant) => (
                <Table.Tr key={grant.id}>
                  <Table.Td>{grant.name}</Table.Td>
                  <Table.Td>{grant.email}</Table.Td>
                  <Table.Td>
                    <NativeSelect
                      aria-label={t('people.helpers.scopeFor', { name: grant.name })}
                      value={grant.scope}
                      disabled={rescope.isPending}
                      onChange={(event) => {
                        const scope = event.currentTarget.value;
                        if (isProxyScope(scope) && scope !== grant.scope)
                          rescope.mutate({ grant, scope });
                      }}
                      data={proxyScopes.map((scope) => ({
                        value: scope,
                        label: t(`people.scopes.${scope}.label`),
                      }))}
                    />
                  </Table.Td>
                  <Table.Td>{formatDate(grant.grantedAt)}</Table.Td>
                  <Table.Td>
                    <Button
                      variant="subtle"
                      color="red"
                      size="xs"
                      aria-label={t('people.helpers.revokeNamed', { name: grant.name })}
                      onClick={() => onRevoke(grant)}
                    >
                      {t('people.helpers.revoke')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function PendingInvitations({
  patientId,
  invitations,
}: {
  patientId: string;
  invitations: ProxyInvitation[];
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formatDate = useDateTimeFormat({ dateStyle: 'medium' });
  const withdraw = useMutation({
    mutationFn: (invitation: ProxyInvitation) => withdrawProxyInvitation(patientId, invitation.id),
    onSuccess: async (_result, invitation) => {
      notifications.show({
        color: 'green',
        message: t('people.helpers.withdrawn', { email: invitation.email }),
      });
      await queryClient.invalidateQueries({ queryKey: proxiesQueryKey(patientId) });
    },
  });
  if (invitations.length === 0) return null;
  return (
    <Stack gap="sm" component="section" aria-labelledby="helper-invitations-title">
      <Title order={2} size="h3" id="helper-invitations-title">
        {t('people.helpers.invitationsTitle')}
      </Title>
      <ErrorAlert error={withdraw.error} />
      <Table.ScrollContainer minWidth={640}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('fields.email')}</Table.Th>
              <Table.Th scope="col">{t('people.helpers.scope')}</Table.Th>
              <Table.Th scope="col">{t('people.helpers.sent')}</Table.Th>
              <Table.Th scope="col">{t('people.helpers.status')}</Table.Th>
              <Table.Th scope="col">
                <VisuallyHidden>{t('common.actions')}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invitations.map((invitation) => (
              <Table.Tr key={invitation.id}>
                <Table.Td>{invitation.email}</Table.Td>
                <Table.Td>{t(`people.scopes.${invitation.scope}.label`)}</Table.Td>
                <Table.Td>{formatDate(invitation.sentAt)}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={invitation.status === 'pending' ? 'blue' : 'gray'}>
                    {t(`people.helpers.statuses.${invitation.status}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Button
                    variant="subtle"
                    size="xs"
                    loading={withdraw.isPending && withdraw.variables?.id === invitation.id}
                    aria-label={t('people.helpers.withdrawNamed', { email: invitation.email })}
                    onClick={() => withdraw.mutate(invitation)}
                  >
                    {t('people.helpers.withdraw')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

function PastHelpers({ grants }: { grants: ProxyGrant[] }) {
  const { t } = useTranslation();
  const formatDate = useDateTimeFormat({ dateStyle: 'medium' });
  if (grants.length === 0) return null;
  return (
    <Stack gap="sm" component="section" aria-labelledby="past-helpers-title">
      <Title order={2} size="h3" id="past-helpers-title">
        {t('people.helpers.revokedTitle')}
      </Title>
      <Table.ScrollContainer minWidth={520}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('people.helpers.name')}</Table.Th>
              <Table.Th scope="col">{t('fields.email')}</Table.Th>
              <Table.Th scope="col">{t('people.helpers.ended')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {grants.map((grant) => (
              <Table.Tr key={grant.id}>
                <Table.Td>{grant.name}</Table.Td>
                <Table.Td>{grant.email}</Table.Td>
                <Table.Td>{formatDate(grant.revokedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

export function HelpersPage() {
  const { t } = useTranslation();
  usePageTitle(t('people.helpers.title'));
  const queryClient = useQueryClient();
  // A patient's list of patients holds their own record only.
  const patients = useQuery(patientsQueryOptions());
  const patientId = patients.data?.patients[0]?.id;
  const proxies = useQuery({ ...proxiesQueryOptions(patientId ?? ''), enabled: !!patientId });
  const [toRevoke, setToRevoke] = useState<ProxyGrant | null>(null);

  const revoke = useMutation({
    mutationFn: (grant: ProxyGrant) => revokeProxy(patientId ?? '', grant.id),
    onSuccess: async (grant) => {
      notifications.show({
        color: 'green',
        message: t('people.helpers.revoked', { name: grant.name }),
      });
      setToRevoke(null);
      if (patientId) await queryClient.invalidateQueries({ queryKey: proxiesQueryKey(patientId) });
    },
  });

  return (
    <Stack gap="xl">
      <div>
        <Title order={1}>{t('people.helpers.title')}</Title>
        <Text mt="xs" maw={720}>
          {t('people.helpers.intro')}
        </Text>
      </div>
      {(patients.isPending || (patientId && proxies.isPending)) && <Loading />}
      <ErrorAlert error={patients.error ?? proxies.error} />
      {patientId && <InviteHelperForm patientId={patientId} />}
      {patientId && proxies.data && (
        <>
          <ActiveHelpers
            patientId={patientId}
            grants={proxies.data.active}
            onRevoke={(grant) => {
              revoke.reset();
              setToRevoke(grant);
            }}
          />
          <PendingInvitations patientId={patientId} invitations={proxies.data.invitations} />
          <PastHelpers grants={proxies.data.revoked} />
        </>
      )}
      <Modal
        opened={toRevoke !== null}
        onClose={() => setToRevoke(null)}
        title={t('people.helpers.revokeConfirmTitle', { name: toRevoke?.name ?? '' })}
        centered
      >
        <Stack gap="md">
          <Text>{t('people.helpers.revokeConfirmBody', { name: toRevoke?.name ?? '' })}</Text>
          <ErrorAlert error={revoke.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setToRevoke(null)}>
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              loading={revoke.isPending}
              onClick={() => toRevoke !== null && revoke.mutate(toRevoke)}
            >
              {t('people.helpers.revoke')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
