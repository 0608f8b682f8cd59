/**
 * Intake step 6: documents. Lists what is worth sending, and holds the case's records where the
 * person adds files or whole folders (resumable uploads), sees what each became and what the
 * records check asks for. Documents are optional here: the care coordinator asks for what is
 * missing after the request is sent.
 */
import { List, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CaseRecordsSection } from '../records/case-records-section.tsx';

export function IntakeDocumentsStep({ caseId }: { caseId: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      <Text>{t('cases.documents.gather')}</Text>
      <List spacing={4}>
        <List.Item>{t('cases.documents.gatherLetters')}</List.Item>
        <List.Item>{t('cases.documents.gatherResults')}</List.Item>
        <List.Item>{t('cases.documents.gatherImages')}</List.Item>
        <List.Item>{t('cases.documents.gatherPathology')}</List.Item>
        <List.Item>{t('cases.documents.gatherMedicines')}</List.Item>
      </List>
      <Text>{t('cases.documents.later')}</Text>
      <CaseRecordsSection caseId={caseId} audience="patient" />
    </Stack>
  );
}
