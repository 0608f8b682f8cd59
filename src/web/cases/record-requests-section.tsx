/**
 * What the coordinator asked the patient side to provide (what, why, by when), and the step that
 * tells them it has been provided (`records_provided`, which fulfils every open request at once).
 * Requests already met are listed with the date they were met.
 */
import { Button, Group, List, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { isConflict, rememberTransition, takeTransition, type CaseView } from './case-api.ts';
import { caseQueryKey } from './case-api.ts';

export function RecordRequestsSection({ view }: { view: CaseView }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formatDate = useDateTimeFormat({ dateStyle: 'long', timeStyle: 'short' });
  const [note, setNote] = useState('');
  const open = view.recordRequests.filter((request) => request.status === 'open');
  const met = view.recordRequests.filter((request) => request.status === 'fulfilled');
  // The guard counts the open requests, which this very step fulfils: present is enough.
  const mayDeclare = view.availableTransitions.some(
    (transition) => transition.name === 'records_provided',
  );

  const provided = useMutation({
    mutationFn: () =>
      takeTransition(
        view.id,
        'records_provided',
        view.version,
        note.trim() === '' ? undefined : note.trim(),
      ),
    onSuccess: async (updated) => {
      setNote('');
      notifications.show({ color: 'green', message: t('cases.requests.thanks') });
      await rememberTransition(queryClient, updated);
    },
    onError: async (failure) => {
      if (isConflict(failure))
        await queryClient.invalidateQueries({ queryKey: caseQueryKey(view.id) });
    },
  });

  if (view.recordRequests.length === 0) return null;
  return (
    <Stack gap="sm" component="section" aria-labelledby="record-requests-title">
      <Title order={2} size="h3" id="record-requests-title">
        {t('cases.requests.title')}
      </Title>
      {open.length > 0 && (
        <>
          <Stack gap="sm">
            {open.map((request) => (
              <Paper key={request.id} withBorder p="md">
                <Text fw={600}>{request.what}</Text>
                <Text mt={4}>
                  <Text span fw={500}>
                    {t('cases.requests.why')}
                  </Text>{' '}
                  {request.why}
                </Text>
                <Text mt={4} fw={500}>
                  {t('cases.requests.due', { date: formatDate(request.dueAt) })}
                </Text>
              </Paper>
            ))}
          </Stack>
          {mayDeclare && (
            <Stack gap="sm">
              <Text>{t('cases.requests.howTo')}</Text>
              <Textarea
                label={t('cases.requests.noteLabel')}
                description={t('cases.requests.noteHint')}
                value={note}
                maxLength={2000}
                autosize
                minRows={2}
                onChange={(event) => setNote(event.currentTarget.value)}
              />
              <ErrorAlert error={provided.error} />
              <Group>
                <Button loading={provided.isPending} onClick={() => provided.mutate()}>
                  {t('cases.requests.provided', { count: open.length })}
                </Button>
              </Group>
            </Stack>
          )}
        </>
      )}
      {met.length > 0 && (
        <Stack gap={4}>
          <Title order={3} size="h5">
            {t('cases.requests.metTitle')}
          </Title>
          <List spacing={4}>
            {met.map((request) => (
              <List.Item key={request.id}>
                {request.what}
                {request.fulfilledAt !== null && (
                  <Text span c="dimmed" size="sm">
                    {' '}
                    · {t('cases.requests.met', { date: formatDate(request.fulfilledAt) })}
                  </Text>
                )}
              </List.Item>
            ))}
          </List>
        </Stack>
      )}
    </Stack>
  );
}
