/**
 * Opens a case document, or a whole DICOM series, in the right viewer inside a modal (full screen
 * on a phone): PDF, image, DICOM, or plain text for text, FHIR JSON and C-CDA (shown as text,
 * never interpreted as markup). The bytes are fetched for viewing (`?purpose=view`, audited by the
 * server) and dropped from memory when the viewer closes. A download button offers the file
 * itself. A document locked with a password or unreadable says so instead of opening (uploads
 * still being processed, refused or quarantined are not documents and never reach here). The
 * heavy viewers (pdf.js, dwv) load only when first needed.
 */
import { Alert, Button, Group, Loader, Modal, Stack, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { Component, lazy, Suspense, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { DicomInstanceLoader } from './dicom-viewer.tsx';
import {
  documentContentPath,
  documentContentQueryKey,
  fetchDocumentContent,
  seriesOfDocument,
  type CaseRecords,
  type RecordDocumentSummary,
  type RecordSeries,
  type RecordStudy,
} from './records-api.ts';
import { useFileSize, useRecordsErrorMessage } from './use-records-format.ts';
import './records-viewers.css';

const PdfViewer = lazy(() =>
  import('./pdf-viewer.tsx').then((module) => ({ default: module.PdfViewer })),
);
const DicomViewer = lazy(() =>
  import('./dicom-viewer.tsx').then((module) => ({ default: module.DicomViewer })),
);
const ImageViewer = lazy(() =>
  import('./image-viewer.tsx').then((module) => ({ default: module.ImageViewer })),
);

/** What to open: one document, or a DICOM series (its instances are documents). */
export type ViewerTarget =
  | { type: 'document'; document: RecordDocumentSummary }
  | { type: 'series'; study: RecordStudy; series: RecordSeries };

export interface DocumentViewerProps {
  caseId: string;
  /** What to show; null keeps the viewer closed. */
  target: ViewerTarget | null;
  onClose: () => void;
  /** The case's records: lets a DICOM image offer its whole series. */
  records?: CaseRecords;
}

/** Text shown at most (a longer text file is cut, and says so). */
const maxTextBytes = 2 * 1024 * 1024;
/** Instances of a series fetched at the same time. */
const seriesFetchConcurrency = 4;

function ViewerLoading() {
  const { t } = useTranslation();
  return (
    <Group gap="sm" role="status" p="md">
      <Loader size="sm" aria-hidden />
      <Text>{t('records.viewer.loading')}</Text>
    </Group>
  );
}

/** Catches a viewer that failed to load or crashed, so the modal still says something useful. */
class ViewerBoundary extends Component<
  { fallback: ReactNode; children: ReactNode },
  { failed: boolean }
> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render() {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}

function TextView({
  data,
  format,
}: {
  data: ArrayBuffer;
  format: 'text' | 'fhir_json' | 'ccda_xml';
}) {
  const { t } = useTranslation();
  const cut = data.byteLength > maxTextBytes;
  const text = useMemo(() => {
    const raw = new TextDecoder('utf-8').decode(data.slice(0, maxTextBytes));
    if (format !== 'fhir_json' || cut) return raw;
    try {
      return JSON.stringify(JSON.parse(raw), null, 2);
    } catch {
      return raw;
    }
  }, [data, format, cut]);
  return (
    <Stack gap="xs">
      {cut && (
        <Text size="sm" c="dimmed">
          {t('records.viewer.textCut')}
        </Text>
      )}
      <pre className="records-text-view" tabIndex={0}>
        {text}
      </pre>
    </Stack>
  );
}

/** Fetches a series' instances in order, a few at a time, counting files done. */
function seriesLoader(caseId: string, documentIds: readonly string[]): DicomInstanceLoader {
  return async (signal, onProgress) => {
    const buffers: ArrayBuffer[] = new Array<ArrayBuffer>(documentIds.length);
    let next = 0;
    let loaded = 0;
    onProgress(0, documentIds.length);
    const fetchNext = async (): Promise<void> => {
      while (next < documentIds.length) {
        const index = next;
        next += 1;
        buffers[index] = await fetchDocumentContent(caseId, documentIds[index]!, signal);
        loaded += 1;
        onProgress(loaded, documentIds.length);
      }
    };
    const workers = Math.min(seriesFetchConcurrency, documentIds.length);
    await Promise.all(Array.from({ length: workers }, fetchNext));
    return buffers;
  };
}

/** Why a stored document cannot be shown (its content could not be read), or null. */
function blockedReason(document: RecordDocumentSummary): 'encrypted' | 'corrupt' | null {
  switch (document.condition) {
    case 'encrypted':
      return 'encrypted';
    case 'corrupt':
      return 'corrupt';
    case 'ready':
      return null;
  }
}

function DocumentBody({
  caseId,
  document,
  seriesInfo,
}: {
  caseId: string;
  document: RecordDocumentSummary;
  seriesInfo: { study: RecordStudy; series: RecordSeries } | null;
}) {
  const { t } = useTranslation();
  const describeError = useRecordsErrorMessage();
  const blocked = blockedReason(document);
  const content = useQuery({
    queryKey: documentContentQueryKey(caseId, document.id),
    queryFn: ({ signal }) => fetchDocumentContent(caseId, document.id, signal),
    enabled: blocked === null,
    // Decrypted records stay in memory only while they are on screen.
    staleTime: Infinity,
    gcTime: 0,
    retry: 1,
  });

  if (blocked !== null) {
    return (
      <Alert color="yellow" variant="light" role="alert">
        {t(`records.viewer.blocked.${blocked}`)}
      </Alert>
    );
  }
  if (content.isPending) return <ViewerLoading />;
  if (content.isError) {
    return (
      <Alert color="red" variant="light" role="alert" title={t('records.viewer.loadFailedTitle')}>
        {describeError(content.error)}
      </Alert>
    );
  }
  const data = content.data;
  const format = document.format;
  switch (format) {
    case 'pdf':
      return <PdfViewer data={data} title={document.displayName} />;
    case 'jpeg':
    case 'png':
    case 'tiff':
    case 'heic':
      return <ImageViewer data={data} title={document.displayName} />;
    case 'dicom':
      return (
        <SingleDicom
          data={data}
          title={document.displayName}
          modality={seriesInfo?.series.modality ?? document.dicom?.modality ?? null}
          description={seriesInfo?.series.description ?? null}
        />
      );
    case 'text':
    case 'fhir_json':
    case 'ccda_xml':
      return <TextView data={data} format={format} />;
  }
}

function SingleDicom({
  data,
  title,
  modality,
  description,
}: {
  data: ArrayBuffer;
  title: string;
  modality: string | null;
  description: string | null;
}) {
  const source = useMemo(() => [data], [data]);
  return (
    <DicomViewer
      source={source}
      title={title}
      modality={modality}
      seriesDescription={description}
    />
  );
}

function SeriesBody({
  caseId,
  study,
  series,
}: {
  caseId: string;
  study: RecordStudy;
  series: RecordSeries;
}) {
  const { t } = useTranslation();
  const loader = useMemo(
    () => seriesLoader(caseId, series.documentIds),
    [caseId, series.documentIds],
  );
  const title = [study.description, series.description].filter((part) => part !== null).join(' — ');
  if (series.documentIds.length === 0) {
    return (
      <Alert color="blue" variant="light" role="status">
        {t('records.viewer.seriesEmpty')}
      </Alert>
    );
  }
  return (
    <DicomViewer
      source={loader}
      title={title === '' ? t('records.viewer.seriesFallbackTitle') : title}
      modality={series.modality}
      seriesDescription={series.description}
    />
  );
}

/** The modal with the viewer for `target`. */
export function DocumentViewer({ caseId, target, onClose, records }: DocumentViewerProps) {
  const { t } = useTranslation();
  const formatSize = useFileSize();
  const small = useMediaQuery('(max-width: 48em)', false);
  // A DICOM image can be widened to its series; the choice belongs to the target it was made for.
  const [widened, setWidened] = useState<{ from: ViewerTarget; to: ViewerTarget } | null>(null);
  const shown = widened !== null && widened.from === target ? widened.to : target;

  const seriesInfo =
    shown?.type === 'document' && records !== undefined
      ? seriesOfDocument(records, shown.document)
      : null;

  const title =
    shown === null
      ? ''
      : shown.type === 'document'
        ? shown.document.displayName
        : [shown.study.description, shown.series.description, shown.series.modality]
            .filter((part) => part !== null && part !== '')
            .join(' — ') || t('records.viewer.seriesFallbackTitle');

  const fallback = (
    <Alert color="red" variant="light" role="alert" title={t('records.viewer.crashedTitle')}>
      {t('records.viewer.crashed')}
    </Alert>
  );

  return (
    <Modal
      opened={shown !== null}
      onClose={onClose}
      title={title}
      size="min(1200px, 96vw)"
      fullScreen={small}
      keepMounted={false}
    >
      {shown !== null && (
        <Stack gap="sm">
          <Group justify="space-between" wrap="wrap" gap="xs">
            {shown.type === 'document' ? (
              <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                {t('records.viewer.fileLine', {
                  name: shown.document.fileName,
                  size: formatSize(shown.document.sizeBytes),
                })}
              </Text>
            ) : (
              <Text size="sm" c="dimmed">
                {t('records.viewer.seriesLine', { count: shown.series.documentIds.length })}
              </Text>
            )}
            <Group gap="xs">
              {seriesInfo !== null &&
                seriesInfo.series.documentIds.length > 1 &&
                target !== null && (
                  <Button
                    size="compact-sm"
                    variant="default"
                    onClick={() =>
                      setWidened({
                        from: target,
                        to: { type: 'series', study: seriesInfo.study, series: seriesInfo.series },
                      })
                    }
                  >
                    {t('records.viewer.openSeries', {
                      count: seriesInfo.series.documentIds.length,
                    })}
                  </Button>
                )}
              {shown.type === 'document' && (
                <Button
                  size="compact-sm"
                  component="a"
                  href={documentContentPath(caseId, shown.document.id)}
                  download={shown.document.fileName}
                >
                  {t('records.viewer.download')}
                </Button>
              )}
            </Group>
          </Group>
          <ViewerBoundary
            key={shown.type === 'document' ? shown.document.id : shown.series.seriesInstanceUid}
            fallback={fallback}
          >
            <Suspense fallback={<ViewerLoading />}>
              {shown.type === 'document' ? (
                <DocumentBody caseId={caseId} document={shown.document} seriesInfo={seriesInfo} />
              ) : (
                <SeriesBody caseId={caseId} study={shown.study} series={shown.series} />
              )}
            </Suspense>
          </ViewerBoundary>
        </Stack>
      )}
    </Modal>
  );
}
