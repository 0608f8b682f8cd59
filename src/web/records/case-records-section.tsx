/**
 * A case's medical records on one section of a case page: the records check's findings (plain
 * words for the patient side, the technical text and the decisions for staff), the uploader where
 * the caller may add documents, the documents with a viewer and a download each, the imaging
 * studies by series, the uploads that did not (yet) become documents, and the records timeline.
 * Everything refreshes when an upload batch finishes; the list polls while files are processed.
 */
import { Anchor, Badge, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { DocumentViewer, type ViewerTarget } from './document-viewer.tsx';
import { FindingsPanel } from './findings-panel.tsx';
import { RecordUploader } from './record-uploader.tsx';
import {
  caseFindingsQueryKey,
  caseFindingsQueryOptions,
  caseRecordsQueryKey,
  caseRecordsQueryOptions,
  decideFinding,
  documentContentPath,
  recordsTimelineQueryKey,
  recordsTimelineQueryOptions,
  type CaseRecords,
} from './records-api.ts';
import { RecordsTimeline } from './records-timeline.tsx';

export interface CaseRecordsSectionProps {
  caseId: string;
  /** The patient side sees plain words and what to do; staff see and decide the findings. */
  audience: 'patient' | 'staff';
  /** Whether the caller may add documents to the case now (its stage and their role). */
  canUpload: boolean;
  /** Staff who decide findings (the coordinator); others only read them. */
  canDecide?: boolean;
}

function DocumentList({
  caseId,
  records,
  onOpen,
}: {
  caseId: string;
  records: CaseRecords;
  onOpen: (target: ViewerTarget) => void;
}) {
  const { t } = useTranslation();
  if (records.documents.length === 0)
    return <Text c="dimmed">{t('records.section.noDocuments')}</Text>;
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table striped aria-label={t('records.section.documentsTitle')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('records.section.document')}</Table.Th>
            <Table.Th>{t('records.section.fileName')}</Table.Th>
            <Table.Th>{t('records.section.actions')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {records.documents.map((document) => (
            <Table.Tr key={document.id} data-testid="record-document">
              <Table.Td>
                <Stack gap={2}>
                  <Text fw={600}>{document.displayName}</Text>
                  <Group gap={4}>
                    {document.condition !== 'ready' && (
                      <Badge color="red" variant="light">
                        {t(`records.section.condition.${document.condition}`)}
                      </Badge>
                    )}
                    {document.duplicateOf !== null && (
                      <Badge color="gray" variant="light">
                        {t('records.section.duplicate')}
                      </Badge>
                    )}
                  </Group>
                </Stack>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ wordBreak: 'break-all' }}>
                  {document.relativePath ?? document.fileName}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button
                    size="xs"
                    variant="light"
                    onClick={() => onOpen({ type: 'document', document })}
                    aria-label={t('records.section.viewNamed', { name: document.displayName })}
                  >
                    {t('records.section.view')}
                  </Button>
                  <Anchor
                    href={documentContentPath(caseId, document.id)}
                    download={document.fileName}
                    size="sm"
                    aria-label={t('records.section.downloadNamed', { name: document.displayName })}
                  >
                    {t('records.section.download')}
                  </Anchor>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function StudyList({
  records,
  onOpen,
}: {
  records: CaseRecords;
  onOpen: (target: ViewerTarget) => void;
}) {
  const { t } = useTranslation();
  if (records.studies.length === 0) return null;
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        {t('records.section.studiesTitle')}
      </Title>
      {records.studies.map((study) => (
        <Paper key={study.studyInstanceUid} withBorder p="sm" data-testid="record-study">
          <Text fw={600}>
            {[study.studyDate, study.modalities.join(', '), study.description, study.bodyPart]
              .filter((part) => part !== null && part !== '')
              .join(' · ')}
          </Text>
          <Stack gap={4} mt={4}>
            {study.series.map((series) => (
              <Group key={series.seriesInstanceUid} justify="space-between" wrap="wrap">
                <Text size="sm">
                  {t('records.section.series', {
                    description: series.description ?? series.modality ?? '',
                    count: series.instanceCount,
                  })}
                </Text>
                <Button
                  size="xs"
                  variant="light"
                  onClick={() => onOpen({ type: 'series', study, series })}
                >
                  {t('records.section.openSeries')}
                </Button>
              </Group>
            ))}
          </Stack>
        </Paper>
      ))}
    </Stack>
  );
}

function UploadList({ records }: { records: CaseRecords }) {
  const { t } = useTranslation();
  if (records.uploads.length === 0) return null;
  return (
    <Stack gap={4} aria-live="polite">
      <Title order={3} size="h5">
        {t('records.section.uploadsTitle')}
      </Title>
      {records.uploads.map((upload) => (
        <Group key={upload.id} gap="xs" wrap="wrap" data-testid="record-upload">
          <Text size="sm">{upload.relativePath ?? upload.fileName}</Text>
          <Badge
            variant="light"
            color={
              upload.state === 'refused'
                ? 'red'
                : upload.state === 'quarantined'
                  ? 'orange'
                  : 'blue'
            }
          >
            {t(`records.uploadState.${upload.state}`)}
          </Badge>
          {upload.refusal !== null && (
            <Text size="sm" c="dimmed">
              {upload.refusal.message}
            </Text>
          )}
        </Group>
      ))}
    </Stack>
  );
}

export function CaseRecordsSection({
  caseId,
  audience,
  canUpload,
  canDecide = false,
}: CaseRecordsSectionProps) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const records = useQuery(caseRecordsQueryOptions(caseId));
  const findings = useQuery(caseFindingsQueryOptions(caseId));
  const timeline = useQuery(recordsTimelineQueryOptions(caseId));
  const [target, setTarget] = useState<ViewerTarget | null>(null);

  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: caseRecordsQueryKey(caseId) }),
      queryClient.invalidateQueries({ queryKey: caseFindingsQueryKey(caseId) }),
      queryClient.invalidateQueries({ queryKey: recordsTimelineQueryKey(caseId) }),
    ]);
  };
  const openDocument = (documentId: string) => {
    const document = records.data?.documents.find((entry) => entry.id === documentId);
    if (document !== undefined) setTarget({ type: 'document', document });
  };
  // While files are checked, findings and the timeline follow the document list.
  const processing = records.data?.uploads.some((upload) => upload.state === 'processing');
  const [wasProcessing, setWasProcessing] = useState(false);
  if (processing === true && !wasProcessing) setWasProcessing(true);
  if (processing === false && wasProcessing) {
    setWasProcessing(false);
    void refresh();
  }

  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="case-records-title">
      <Stack gap="md">
        <Title order={2} size="h3" id="case-records-title">
          {t('records.section.title')}
        </Title>
        {findings.error !== null && <ErrorAlert error={findings.error} />}
        {findings.data !== undefined &&
          (audience === 'staff' && canDecide ? (
            <FindingsPanel
              audience="staff"
              findings={findings.data.findings}
              headingOrder={3}
              onOpenDocument={openDocument}
              onResolve={async (finding, decision) => {
                await decideFinding(caseId, finding.id, {
                  outcome: 'resolved',
                  method: decision.method,
                  ...(decision.note === null ? {} : { note: decision.note }),
                });
                await refresh();
              }}
              onDismiss={async (finding, reason) => {
                await decideFinding(caseId, finding.id, { outcome: 'dismissed', reason });
                await refresh();
              }}
            />
          ) : (
            <FindingsPanel
              audience="patient"
              findings={findings.data.findings}
              headingOrder={3}
              onOpenDocument={openDocument}
            />
          ))}
        {canUpload && <RecordUploader caseId={caseId} onUploaded={() => void refresh()} />}
        {records.error !== null && <ErrorAlert error={records.error} />}
        {records.data !== undefined && (
          <>
            <Title order={3} size="h5">
              {t('records.section.documentsTitle')}
            </Title>
            <DocumentList caseId={caseId} records={records.data} onOpen={setTarget} />
            <StudyList records={records.data} onOpen={setTarget} />
            <UploadList records={records.data} />
          </>
        )}
        {timeline.data !== undefined && (
          <RecordsTimeline
            entries={timeline.data.entries}
            onOpenDocument={openDocument}
            headingOrder={3}
          />
        )}
      </Stack>
      <DocumentViewer
        caseId={caseId}
        target={target}
        onClose={() => setTarget(null)}
        {...(records.data === undefined ? {} : { records: records.data })}
      />
    </Paper>
  );
}
