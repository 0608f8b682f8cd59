/**
 * Starting a request: what to have at hand, and for whom (a patient starts one for themself; a
 * proxy or referring physician picks one of the patients they act for). The draft is created
 * only when the person presses Start, never by opening the page, then the wizard opens on it.
 */
import { Button, Group, List, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { usePageTitle } from '../ui/use-page-title.ts';
import { createCase, patientsQueryOptions, rememberCase } from './case-api.ts';
import { CaseLoading } from './case-loading.tsx';

export function NewCasePage() {
  const { t } = useTranslation();
  usePageTitle(t('cases.new.title'));
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const patients = useQuery(patientsQueryOptions());
  const [chosen, setChosen] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const list = patients.data?.patients ?? [];
  const forSelf = session.membership.role === 'patient';
  // A patient's list holds their own record only.
  const patientId = forSelf ? (list[0]?.id ?? '') : chosen;

  const start = useMutation({
    mutationFn: (id: string) => createCase(id),
    onSuccess: async (created) => {
      await rememberCase(queryClient, created);
      await navigate({ to: '/cases/$caseId/intake', params: { caseId: created.id } });
    },
  });

  return (
    <Stack gap="lg" maw={720}>
      <Title order={1}>{t('cases.new.title')}</Title>
      <Text>{t('cases.new.intro')}</Text>
      <Stack gap={4}>
        <Text fw={500}>{t('cases.new.haveReady')}</Text>
        <List spacing={4}>
          <List.Item>{t('cases.new.readyLetters')}</List.Item>
          <List.Item>{t('cases.new.readyMedicines')}</List.Item>
          <List.Item>{t('cases.new.readyQuestions')}</List.Item>
        </List>
      </Stack>
      {patients.isPending && <CaseLoading />}
      <ErrorAlert error={patients.error ?? start.error} />
      {patients.isSuccess && list.length === 0 && <Text>{t('cases.new.noPatient')}</Text>}
      {patients.isSuccess && list.length > 0 && (
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            if (patientId === '') {
              setProblem(t('cases.new.choosePatientProblem'));
              return;
            }
            setProblem(null);
            start.mutate(patientId);
          }}
        >
          <Stack gap="md">
            {!forSelf && (
              <NativeSelect
                label={t('cases.new.forWhom')}
                withAsterisk
                error={problem}
                value={chosen}
                onChange={(event) => setChosen(event.currentTarget.value)}
                data={[
                  { value: '', label: t('cases.new.choosePatient'), disabled: true },
                  ...list.map((patient) => ({
                    value: patient.id,
                    label: `${patient.givenName} ${patient.familyName}`.trim(),
                  })),
                ]}
              />
            )}
            <Group>
              <Button type="submit" loading={start.isPending}>
                {t('cases.new.start')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Stack>
  );
}
