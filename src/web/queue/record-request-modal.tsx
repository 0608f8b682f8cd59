/**
 * The structured request for missing records (issue 3, triage): what is missing, why it is needed
 * and by when. Sending it moves the case to "awaiting records", the patient side's turn.
 */
import { Button, Group, Modal, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { localDate } from '../ui/local-date.ts';
import { placeServerErrorsOnFields } from '../ui/server-form-errors.ts';
import { caseConflictOf } from './case-api.ts';
import { useModalFullScreen } from './reason-modal.tsx';
import type { CaseTransitionControl } from './use-case-transition.ts';

interface RecordRequestValues {
  what: string;
  why: string;
  /** A calendar date (YYYY-MM-DD) in the viewer's time zone. */
  dueDate: string;
}

/** The end of a calendar day in the viewer's time zone: records due "by" that day. */
function endOfLocalDay(date: string): Date {
  return new Date(`${date}T23:59:59`);
}

export function RecordRequestModal({
  opened,
  onClose,
  transition,
}: {
  opened: boolean;
  onClose: () => void;
  transition: CaseTransitionControl;
}) {
  const { t } = useTranslation();
  const fullScreen = useModalFullScreen();
  const form = useForm<RecordRequestValues>({
    mode: 'controlled',
    initialValues: { what: '', why: '', dueDate: localDate(7) },
    validate: {
      what: (value) => (value.trim() === '' ? t('validation.required') : null),
      why: (value) => (value.trim() === '' ? t('validation.required') : null),
      dueDate: (value) => {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return t('validation.required');
        const due = endOfLocalDay(value);
        return Number.isNaN(due.getTime()) || due.getTime() <= Date.now()
          ? t('queue.recordRequest.dueInFuture')
          : null;
      },
    },
  });

  const [formError, setFormError] = useState<unknown>(null);

  const close = () => {
    form.reset();
    setFormError(null);
    onClose();
  };

  const submit = form.onSubmit(async (values) => {
    setFormError(null);
    try {
      await transition.take({
        transition: 'request_records',
        recordRequest: {
          what: values.what.trim(),
          why: values.why.trim(),
          dueAt: endOfLocalDay(values.dueDate).toISOString(),
        },
      });
      notifications.show({ color: 'green', message: t('queue.recordRequest.sent') });
      form.reset();
      onClose();
    } catch (failure) {
      // A case that moved on closes the form; the page says what changed.
      if (caseConflictOf(failure) !== null) {
        form.reset();
        onClose();
        return;
      }
      if (!placeServerErrorsOnFields(form, failure, t)) setFormError(failure);
    }
  });

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('queue.recordRequest.title')}
      fullScreen={fullScreen}
      size="lg"
    >
      <form noValidate onSubmit={submit}>
        <Stack gap="sm">
          <Text size="sm">{t('queue.recordRequest.intro')}</Text>
          <ErrorAlert error={formError} />
          <TextInput
            label={t('queue.recordRequest.what')}
            description={t('queue.recordRequest.whatHint')}
            required
            maxLength={500}
            data-autofocus
            {...form.getInputProps('what')}
          />
          <Textarea
            label={t('queue.recordRequest.why')}
            description={t('queue.recordRequest.whyHint')}
            required
            autosize
            minRows={3}
            maxLength={2000}
            {...form.getInputProps('why')}
          />
          <TextInput
            type="date"
            label={t('queue.recordRequest.due')}
            description={t('queue.recordRequest.dueHint')}
            required
            min={localDate(0)}
            {...form.getInputProps('dueDate')}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={transition.pending}>
              {t('queue.recordRequest.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
