/**
 * A case's medical records on one section of a case page: the records check's findings (plain
 * words for the patient side, who may answer or explain each; the technical text, the patient
 * side's responses and the decisions for staff), the uploader where
 * the caller may add documents, the documents with a viewer and a download each, the imaging
 * studies by series, the uploads that did not (yet) become documents, and the records timeline.
 * Everything refreshes when an upload batch finishes; the list polls while files are processed.
 * Those who may add documents can also prepare the authorization the patient signs so the
 * organization can ask another facility for records (a PDF to download, print and sign).
 */
import {
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useModalFullScreen } from '../queue/reason-modal.tsx';
import { useSession } from '../session/session.ts';
import { saveBlob } from '../ui/download.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { localDate } from '../ui/local-date.ts';
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
  generateReleaseAuthorization,
  recordsTimelineQueryKey,
  recordsTimelineQueryOptions,
  releaseRecordsWantedMax,
  respondToFinding,
  type CaseRecords,
  type FindingResponseRequest,
  type ReleaseAuthorizationRequest,
  type SafetyFinding,
} from './records-api.ts';
import { RecordsTimeline } from './records-timeline.tsx';

export interface CaseRecordsSectionProps {
  caseId: string;
  /** The patient side sees plain words and what to do; staff see and decide the findings. */
  audience: 'patient' | 'staff';
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

interface ReleaseFormValues {
  facilityName: string;
  facilityAddress: string;
  facilityPhone: string;
  facilityFax: string;
  /** One kind of record per line. */
  recordsWanted: string;
  /** Calendar dates (YYYY-MM-DD). */
  from: string;
  to: string;
  purpose: string;
}

const linesOf = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/**
 * The release-of-information form: the facility that holds the records, what is wanted from it
 * and the dates of service; answers with the authorization as a PDF for the patient to sign.
 */
function ReleaseAuthorizationModal({
  caseId,
  opened,
  onClose,
}: {
  caseId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const fullScreen = useModalFullScreen();
  const [formError, setFormError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const isDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);
  const form = useForm<ReleaseFormValues>({
    mode: 'controlled',
    initialValues: {
      facilityName: '',
      facilityAddress: '',
      facilityPhone: '',
      facilityFax: '',
      recordsWanted: '',
      from: '',
      to: localDate(),
      purpose: '',
    },
    validate: {
      facilityName: (value) => (value.trim() === '' ? t('validation.required') : null),
      recordsWanted: (value) => {
        const lines = linesOf(value);
        if (lines.length === 0) return t('validation.required');
        return lines.length > releaseRecordsWantedMax
          ? t('records.release.tooManyRecords', { max: releaseRecordsWantedMax })
          : null;
      },
      from: (value) => (isDate(value) ? null : t('validation.required')),
      to: (value, values) => {
        if (!isDate(value)) return t('validation.required');
        if (value > localDate()) return t('records.release.notInFuture');
        return isDate(values.from) && values.from > value
          ? t('records.release.endBeforeStart')
          : null;
      },
    },
  });

  const close = () => {
    form.reset();
    setFormError(null);
    onClose();
  };

  const submit = form.onSubmit(async (values) => {
    setFormError(null);
    setPending(true);
    const address = values.facilityAddress.trim();
    const phone = values.facilityPhone.trim();
    const fax = values.facilityFax.trim();
    const purpose = values.purpose.trim();
    const request: ReleaseAuthorizationRequest = {
      facility: {
        name: values.facilityName.trim(),
        ...(address === '' ? {} : { address }),
        ...(phone === '' ? {} : { phone }),
        ...(fax === '' ? {} : { fax }),
      },
      recordsWanted: linesOf(values.recordsWanted),
      from: values.from,
      to: values.to,
      ...(purpose === '' ? {} : { purpose }),
    };
    try {
      const pdf = await generateReleaseAuthorization(caseId, request);
      saveBlob(pdf, t('records.release.fileName'));
      close();
    } catch (failure) {
      setFormError(failure);
    } finally {
      setPending(false);
    }
  });

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('records.release.title')}
      fullScreen={fullScreen}
      size="lg"
    >
      <form noValidate onSubmit={submit}>
        <Stack gap="sm">
          <Text size="sm">{t('records.release.intro')}</Text>
          <ErrorAlert error={formError} />
          <TextInput
            label={t('records.release.facilityName')}
            required
            maxLength={200}
            data-autofocus
            {...form.getInputProps('facilityName')}
          />
          <TextInput
            label={t('records.release.facilityAddress')}
            maxLength={500}
            {...form.getInputProps('facilityAddress')}
          />
          <Group grow wrap="wrap">
            <TextInput
              label={t('records.release.facilityPhone')}
              type="tel"
              maxLength={50}
              {...form.getInputProps('facilityPhone')}
            />
            <TextInput
              label={t('records.release.facilityFax')}
              type="tel"
              maxLength={50}
              {...form.getInputProps('facilityFax')}
            />
          </Group>
          <Textarea
            label={t('records.release.recordsWanted')}
            description={t('records.release.recordsWantedHint', { max: releaseRecordsWantedMax })}
            placeholder={t('records.release.recordsWantedPlaceholder')}
            required
            autosize
            minRows={3}
            {...form.getInputProps('recordsWanted')}
          />
          <Group grow wrap="wrap">
            <TextInput
              type="date"
              label={t('records.release.from')}
              required
              max={localDate()}
              {...form.getInputProps('from')}
            />
            <TextInput
              type="date"
              label={t('records.release.to')}
              required
              max={localDate()}
              {...form.getInputProps('to')}
            />
          </Group>
          <TextInput
            label={t('records.release.purpose')}
            description={t('records.release.purposeHint')}
            maxLength={500}
            {...form.getInputProps('purpose')}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={pending}>
              {t('records.release.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function CaseRecordsSection({
  caseId,
  audience,
  canDecide = false,
}: CaseRecordsSectionProps) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const session = useSession();
  const records = useQuery(caseRecordsQueryOptions(caseId));
  const findings = useQuery(caseFindingsQueryOptions(caseId));
  const timeline = useQuery(recordsTimelineQueryOptions(caseId));
  const [target, setTarget] = useState<ViewerTarget | null>(null);
  const [releaseOpen, setReleaseOpen] = useState(false);
  // The server says whether the caller may add documents now (their access and the case's stage).
  const canUpload = records.data?.canUpload ?? false;

  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: caseRecordsQueryKey(caseId) }),
      queryClient.invalidateQueries({ queryKey: caseFindingsQueryKey(caseId) }),
      queryClient.invalidateQueries({ queryKey: recordsTimelineQueryKey(caseId) }),
    ]);
  };
  // The patient side answers or explains a finding; the finding stays open for staff to verify.
  const respond = async (finding: SafetyFinding, response: FindingResponseRequest) => {
    await respondToFinding(caseId, finding.id, response);
    await queryClient.invalidateQueries({ queryKey: caseFindingsQueryKey(caseId) });
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
          (audience === 'staff' ? (
            <FindingsPanel
              audience="staff"
              findings={findings.data.findings}
              onOpenDocument={openDocument}
              onResolve={
                canDecide
                  ? async (finding, decision) => {
                      await decideFinding(caseId, finding.id, {
                        outcome: 'resolved',
                        method: decision.method,
                        ...(decision.note === null ? {} : { note: decision.note }),
                      });
                      await refresh();
                    }
                  : undefined
              }
              onDismiss={
                canDecide
                  ? async (finding, reason) => {
                      await decideFinding(caseId, finding.id, { outcome: 'dismissed', reason });
                      await refresh();
                    }
                  : undefined
              }
            />
          ) : (
            <FindingsPanel
              audience="patient"
              findings={findings.data.findings}
              onOpenDocument={openDocument}
              viewerUserId={session?.user.id}
              onRespond={respond}
            />
          ))}
        {canUpload && <RecordUploader caseId={caseId} onUploaded={() => void refresh()} />}
        {canUpload && (
          <Group>
            <Button variant="light" onClick={() => setReleaseOpen(true)}>
              {t('records.release.open')}
            </Button>
          </Group>
        )}
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
      <ReleaseAuthorizationModal
        caseId={caseId}
        opened={releaseOpen}
        onClose={() => setReleaseOpen(false)}
      />
    </Paper>
  );
}
