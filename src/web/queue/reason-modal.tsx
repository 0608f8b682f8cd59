/**
 * A confirmation that asks for a reason: cancelling a case, reassigning it, declining an offer.
 * The reason goes on the case's timeline (and audit trail), so it is required.
 */
import { Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMediaQuery } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { caseConflictOf } from './case-api.ts';

/** Dialogs take the whole screen on phones, where a centred box leaves no room to type. */
export function useModalFullScreen(): boolean {
  return useMediaQuery('(max-width: 36em)') ?? false;
}

export function ReasonModal({
  opened,
  onClose,
  title,
  intro,
  reasonLabel,
  submitLabel,
  danger = false,
  onSubmit,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  intro: string;
  reasonLabel: string;
  submitLabel: string;
  danger?: boolean;
  /** Takes the step; rejects with the server's error. */
  onSubmit: (reason: string) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const fullScreen = useModalFullScreen();
  const form = useForm({
    mode: 'controlled',
    initialValues: { reason: '' },
    validate: { reason: (value) => (value.trim() === '' ? t('validation.required') : null) },
  });

  const close = () => {
    form.reset();
    setError(null);
    onClose();
  };

  const submit = form.onSubmit(async (values) => {
    setError(null);
    setPending(true);
    try {
      await onSubmit(values.reason.trim());
      close();
    } catch (failure) {
      // A case that moved on closes the dialog; the page says what changed.
      if (caseConflictOf(failure) !== null) close();
      else setError(failure);
    } finally {
      setPending(false);
    }
  });

  return (
    <Modal opened={opened} onClose={close} title={title} size="lg" fullScreen={fullScreen}>
      <form noValidate onSubmit={submit}>
        <Stack gap="sm">
          <Text size="sm">{intro}</Text>
          <ErrorAlert error={error} />
          <Textarea
            label={reasonLabel}
            required
            autosize
            minRows={3}
            maxLength={2000}
            data-autofocus
            {...form.getInputProps('reason')}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('queue.keepAsIs')}
            </Button>
            <Button type="submit" color={danger ? 'red.8' : undefined} loading={pending}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
