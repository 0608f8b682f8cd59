/**
 * Shows freshly issued recovery codes exactly once. The person can download them as a text file
 * and must confirm they have kept them before the codes leave the screen.
 */
import { Alert, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { saveBlob } from '../ui/download.ts';

function downloadAsText(fileName: string, text: string): void {
  saveBlob(new Blob([text], { type: 'text/plain;charset=utf-8' }), fileName);
}

export function RecoveryCodesDisplay({
  codes,
  organizationName,
  onSaved,
}: {
  codes: readonly string[];
  organizationName: string;
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const download = () => {
    const lines = [
      t('recoveryCodes.fileHeader', { organization: organizationName }),
      '',
      ...codes,
      '',
    ];
    downloadAsText('consilium-recovery-codes.txt', lines.join('\n'));
  };
  return (
    <Paper withBorder p="md" radius="md" aria-labelledby="recovery-codes-title">
      <Stack gap="md">
        <Title order={3} size="h4" id="recovery-codes-title">
          {t('recoveryCodes.title')}
        </Title>
        <Alert color="yellow" variant="light" role="status">
          {t('recoveryCodes.warning')}
        </Alert>
        <ol className="recovery-codes" aria-label={t('recoveryCodes.listLabel')}>
          {codes.map((code) => (
            <li key={code}>{code}</li>
          ))}
        </ol>
        <Text size="sm" c="dimmed">
          {t('recoveryCodes.howToUse')}
        </Text>
        <Group>
          <Button variant="default" onClick={download}>
            {t('recoveryCodes.download')}
          </Button>
          <Button onClick={onSaved}>{t('recoveryCodes.saved')}</Button>
        </Group>
      </Stack>
    </Paper>
  );
}
