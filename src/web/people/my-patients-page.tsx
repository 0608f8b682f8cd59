/**
 * "My patients", for a referring physician: add a patient (name, date of birth, email), who is
 * emailed a link to confirm the request and give consent; see whether each patient has
 * confirmed; send the link again; start a second-opinion request for a patient (the intake
 * wizard opens on the new draft).
 */
import { Badge, Button, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { placeServerErrorsOnFields } from '../ui/server-form-errors.ts';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';
import {
  patientsQueryKey,
  patientsQueryOptions,
  referPatient,
  resendPatientInvitation,
  startCaseFor,
  type PatientView,
} from './people-api.ts';

type ReferralStatus = 'pending' | 'expired' | 'accepted' | 'none';

function referralStatus(patient: PatientView): ReferralStatus {
  if (patient.hasAccount) return 'accepted';
  return patient.referral?.invitation?.status ?? 'none';
}

const statusColor: Record<ReferralStatus, string> = {
  pending: 'blue',
  expired: 'orange',
  accepted: 'green',
  none: 'gray',
};

const fullName = (patient: PatientView) => `${patient.givenName} ${patient.familyName}`.trim();

function AddPatientForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const form = useForm({
    mode: 'controlled',
    initialValues: { givenName: '', familyName: '', birthDate: '', email: '' },
    validate: {
      givenName: (value) => (value.trim() === '' ? t('validation.required') : null),
      familyName: (value) => (value.trim() === '' ? t('validation.required') : null),
      birthDate: (value) =>
        value === '' || /^\d{4}-\d{2}-\d{2}$/.test(value) ? null : t('people.patients.dateFormat'),
      email: (value) => (/^\S+@\S+$/.test(value.trim()) ? null : t('validation.email')),
    },
  });
  const add = useMutation({
    mutationFn: (values: typeof form.values) =>
      referPatient({
        givenName: values.givenName.trim(),
        familyName: values.familyName.trim(),
        birthDate: values.birthDate === '' ? null : values.birthDate,
        email: values.email.trim(),
      }),
    onMutate: () => setError(null),
    onSuccess: async (patient) => {
      notifications.show({
        color: 'green',
        message: t('people.patients.added', { name: fullName(patient) }),
      });
      form.reset();
      await queryClient.invalidateQueries({ queryKey: patientsQueryKey });
    },
    onError: (failure) => {
      if (!placeServerErrorsOnFields(form, failure, t)) setError(failure);
    },
  });

  return (
    <Stack gap="sm" component="section" aria-labelledby="add-patient-title">
      <Title order={2} size="h3" id="add-patient-title">
        {t('people.patients.addTitle')}
      </Title>
      <Text>{t('people.patients.addIntro')}</Text>
      <ErrorAlert error={error} />
      <form noValidate onSubmit={form.onSubmit((values) => add.mutate(values))}>
        <Stack gap="md" maw={560}>
          <Group grow align="flex-start" wrap="wrap">
            <TextInput
              label={t('people.patients.givenName')}
              autoComplete="off"
              required
              miw={200}
              {...form.getInputProps('givenName')}
            />
            <TextInput
              label={t('people.patients.familyName')}
              autoComplete="off"
              required
              miw={200}
              {...form.getInputProps('familyName')}
            />
          </Group>
          <TextInput
            label={t('people.patients.birthDate')}
            description={t('people.patients.birthDateHint')}
            type="date"
            autoComplete="off"
            {...form.getInputProps('birthDate')}
          />
          <TextInput
            label={t('people.patients.email')}
            description={t('people.patients.emailHint')}
            type="email"
            autoComplete="off"
            required
            {...form.getInputProps('email')}
          />
          <Group>
            <Button type="submit" loading={add.isPending}>
              {t('people.patients.add')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

export function MyPatientsPage() {
  const { t } = useTranslation();
  usePageTitle(t('people.patients.title'));
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const formatDate = useDateTimeFormat({ dateStyle: 'medium' });
  const patients = useQuery(patientsQueryOptions());

  const start = useMutation({
    mutationFn: (patient: PatientView) => startCaseFor(patient.id),
    onSuccess: async (created) => {
      await navigate({ to: '/cases/$caseId/intake', params: { caseId: created.id } });
    },
  });
  const resend = useMutation({
    mutationFn: (patient: PatientView) => resendPatientInvitation(patient.id),
    onSuccess: async (patient) => {
      notifications.show({
        color: 'green',
        message: t('people.patients.resent', { name: fullName(patient) }),
      });
      await queryClient.invalidateQueries({ queryKey: patientsQueryKey });
    },
  });

  const list = patients.data?.patients ?? [];

  return (
    <Stack gap="xl">
      <div>
        <Title order={1}>{t('people.patients.title')}</Title>
        <Text mt="xs" maw={720}>
          {t('people.patients.intro')}
        </Text>
      </div>
      <AddPatientForm />
      <Stack gap="sm" component="section" aria-labelledby="my-patients-list-title">
        <Title order={2} size="h3" id="my-patients-list-title">
          {t('people.patients.listTitle')}
        </Title>
        {patients.isPending && (
          <Group gap="sm" role="status">
            <Loader size="sm" aria-hidden />
            <Text>{t('common.loading')}</Text>
          </Group>
        )}
        <ErrorAlert error={patients.error ?? start.error ?? resend.error} />
        {patients.isSuccess && list.length === 0 && <Text>{t('people.patients.none')}</Text>}
        {list.length > 0 && (
          <Table.ScrollContainer minWidth={760}>
            <Table striped>
              <Table.Caption>{t('people.patients.caption', { count: list.length })}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('people.patients.name')}</Table.Th>
                  <Table.Th scope="col">{t('people.patients.birthDate')}</Table.Th>
                  <Table.Th scope="col">{t('people.patients.status')}</Table.Th>
                  <Table.Th scope="col">{t('common.actions')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((patient) => {
                  const status = referralStatus(patient);
                  const name = fullName(patient);
                  return (
                    <Table.Tr key={patient.id}>
                      <Table.Td>
                        <Text size="sm" fw={500}>
                          {name}
                        </Text>
                        {patient.referral?.email && (
                          <Text size="xs" c="dimmed">
                            {patient.referral.email}
                          </Text>
                        )}
                      </Table.Td>
                      {/* A calendar date: shown as written, never shifted by a time zone. */}
                      <Table.Td>{patient.birthDate ?? ''}</Table.Td>
                      <Table.Td>
                        <Badge variant="light" color={statusColor[status]}>
                          {t(`people.patients.statuses.${status}`)}
                        </Badge>
                        {status === 'pending' && patient.referral?.invitation && (
                          <Text size="xs" c="dimmed">
                            {t('people.patients.linkValidUntil', {
                              date: formatDate(patient.referral.invitation.expiresAt),
                            })}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs" wrap="wrap">
                          <Button
                            size="xs"
                            loading={start.isPending && start.variables?.id === patient.id}
                            aria-label={t('people.patients.startRequestNamed', { name })}
                            onClick={() => start.mutate(patient)}
                          >
                            {t('people.patients.startRequest')}
                          </Button>
                          {status !== 'accepted' && patient.referral !== null && (
                            <Button
                              size="xs"
                              variant="default"
                              loading={resend.isPending && resend.variables?.id === patient.id}
                              aria-label={t('people.patients.resendNamed', { name })}
                              onClick={() => resend.mutate(patient)}
                            >
                              {t('people.patients.resend')}
                            </Button>
                          )}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Stack>
  );
}
