/** Tells the person that the case moved on while they were deciding, and where it stands now. */
import { Alert, CloseButton, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { CaseConflict } from './case-api.ts';

export function CaseConflictAlert({
  conflict,
  onClose,
}: {
  conflict: CaseConflict | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  if (conflict === null) return null;
  return (
    <Alert color="orange" variant="light" role="alert" title={t('queue.conflict.title')}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Text size="sm">
          {conflict.currentState === null
            ? t('queue.conflict.body')
            : t('queue.conflict.bodyWithState', {
                state: t(`queue.states.${conflict.currentState}`),
              })}
        </Text>
        <CloseButton aria-label={t('queue.conflict.dismiss')} onClick={onClose} />
      </Group>
    </Alert>
  );
}
