/**
 * The records uploader (PRODUCT.md capability 2, "resumable upload of large files with progress"):
 * a drop zone that takes files and whole folders, pickers for both, and the list of uploads with
 * per-file and overall progress, pause, resume, cancel and retry. Files are sent with tus
 * (`tus-upload.ts`) a few at a time (`upload-queue.ts`); a dropped connection is retried on its
 * own, and uploads left unfinished in an earlier visit continue when the same files are chosen
 * again. Progress is announced politely at milestones, not on every chunk; each failure says why
 * in the person's language. The case page hears `onUploaded(count)` when a batch is over.
 */
import {
  Alert,
  Button,
  Group,
  List,
  Modal,
  Paper,
  Progress,
  Stack,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import {
  memo,
  useEffect,
  useId,
  useRef,
  useState,
  useSyncExternalStore,
  type DragEvent,
} from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/api-error.ts';
import { recordMaxBytes } from '../../core/records/record-types.ts';
import {
  entriesFromDrop,
  filesFromDrop,
  filesFromInput,
  sortPickedFiles,
  type SkippedFile,
} from './dropped-files.ts';
import {
  createRecordUpload,
  forgetUnfinishedUploads,
  listUnfinishedUploads,
  newBatchId,
  type RecordUploadSource,
  type UnfinishedUpload,
} from './tus-upload.ts';
import { isRetryable, UploadQueue, type UploadItem, type UploadSnapshot } from './upload-queue.ts';
import { useFileSize, useRecordsErrorMessage } from './use-records-format.ts';

export interface RecordUploaderProps {
  caseId: string;
  /** Called when a batch (one drop or pick) is over, with the number of files it sent. */
  onUploaded?: (fileCount: number) => void;
}

/** Largest file accepted: the server's limit (2 GiB). */
const maxBytes = recordMaxBytes;

/** Files sent at the same time. */
const concurrency = 3;

/** Rows shown at once; a CD folder can hold hundreds of files and the rest wait their turn. */
const visibleRowLimit = 50;

/** Order of rows: what moves first, then what needs the person, then what waits. */
const rowOrder: Record<UploadItem['state'], number> = {
  uploading: 0,
  waiting_for_network: 1,
  failed: 2,
  paused: 3,
  queued: 4,
  done: 5,
  cancelled: 6,
};

function percentOf(sent: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.floor((sent / total) * 100));
}

const UploadRow = memo(function UploadRow({
  item,
  queue,
}: {
  item: UploadItem;
  queue: UploadQueue;
}) {
  const { t } = useTranslation();
  const formatSize = useFileSize();
  const describeError = useRecordsErrorMessage();
  const label = item.relativePath === '' ? item.name : item.relativePath;
  const percent = percentOf(item.sent, item.size);
  const status = (() => {
    switch (item.state) {
      case 'queued':
        return t('records.upload.state.queued');
      case 'uploading':
        return item.resumed
          ? t('records.upload.state.resuming', { percent })
          : t('records.upload.state.uploading', { percent });
      case 'paused':
        return t('records.upload.state.paused', { percent });
      case 'waiting_for_network':
        return t('records.upload.state.waitingForNetwork');
      case 'done':
        return t('records.upload.state.done');
      case 'failed':
        return item.error === null ? t('records.errors.upload_failed') : describeError(item.error);
      case 'cancelled':
        return t('records.upload.state.cancelled');
    }
  })();
  const canRetry = item.state === 'failed' && isRetryable(item.error);
  return (
    <Paper withBorder p="xs" component="li">
      <Stack gap={4}>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere', flex: '1 1 200px' }}>
            {label}
          </Text>
          <Text size="sm" c="dimmed">
            {formatSize(item.size)}
          </Text>
        </Group>
        {item.state !== 'failed' && item.state !== 'queued' && (
          <Progress
            value={item.state === 'done' ? 100 : percent}
            color={item.state === 'paused' ? 'gray.5' : undefined}
            size="sm"
            aria-label={t('records.upload.fileProgress', { name: label })}
          />
        )}
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text size="sm" c={item.state === 'failed' ? 'red.9' : undefined}>
            {status}
          </Text>
          <Group gap={4}>
            {(item.state === 'uploading' ||
              item.state === 'queued' ||
              item.state === 'waiting_for_network') && (
              <Button
                size="compact-sm"
                variant="subtle"
                aria-label={t('records.upload.pauseNamed', { name: label })}
                onClick={() => queue.pause(item.id)}
              >
                {t('records.upload.pause')}
              </Button>
            )}
            {item.state === 'paused' && (
              <Button
                size="compact-sm"
                variant="subtle"
                aria-label={t('records.upload.resumeNamed', { name: label })}
                onClick={() => queue.resume(item.id)}
              >
                {t('records.upload.resume')}
              </Button>
            )}
            {canRetry && (
              <Button
                size="compact-sm"
                variant="subtle"
                aria-label={t('records.upload.retryNamed', { name: label })}
                onClick={() => queue.retry(item.id)}
              >
                {t('records.upload.retry')}
              </Button>
            )}
            {item.state !== 'done' && item.state !== 'cancelled' && item.state !== 'failed' && (
              <Button
                size="compact-sm"
                variant="subtle"
                color="red"
                aria-label={t('records.upload.cancelNamed', { name: label })}
                onClick={() => queue.cancel(item.id)}
              >
                {t('records.upload.cancel')}
              </Button>
            )}
          </Group>
        </Group>
      </Stack>
    </Paper>
  );
});

function OverallProgress({
  snapshot,
  queue,
  onCancelAll,
}: {
  snapshot: UploadSnapshot;
  queue: UploadQueue;
  onCancelAll: () => void;
}) {
  const { t } = useTranslation();
  const formatSize = useFileSize();
  const { totals } = snapshot;
  const counted = totals.done + totals.remaining;
  const percent = percentOf(totals.bytesSent, totals.bytesTotal);
  const anyPaused = snapshot.items.some((item) => item.state === 'paused');
  const anyFinished = totals.done + totals.failed + totals.cancelled > 0;
  return (
    <Stack gap={4}>
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Text size="sm" fw={600}>
          {t('records.upload.overall', {
            done: totals.done,
            count: counted,
            sent: formatSize(totals.bytesSent),
            total: formatSize(totals.bytesTotal),
          })}
        </Text>
        {totals.failed > 0 && (
          <Text size="sm" c="red.9">
            {t('records.upload.failedCount', { count: totals.failed })}
          </Text>
        )}
      </Group>
      <Progress value={percent} size="lg" aria-label={t('records.upload.overallProgress')} />
      <Group gap="xs">
        {snapshot.active && (
          <Button size="compact-sm" variant="default" onClick={() => queue.pauseAll()}>
            {t('records.upload.pauseAll')}
          </Button>
        )}
        {anyPaused && (
          <Button size="compact-sm" variant="default" onClick={() => queue.resumeAll()}>
            {t('records.upload.resumeAll')}
          </Button>
        )}
        {(snapshot.active || anyPaused) && (
          <Button size="compact-sm" variant="default" color="red" onClick={onCancelAll}>
            {t('records.upload.cancelAll')}
          </Button>
        )}
        {anyFinished && (
          <Button size="compact-sm" variant="subtle" onClick={() => queue.clearFinished()}>
            {t('records.upload.clearFinished')}
          </Button>
        )}
      </Group>
    </Stack>
  );
}

function UnfinishedNotice({
  unfinished,
  onChooseFiles,
  onChooseFolder,
  onForget,
}: {
  unfinished: UnfinishedUpload[];
  onChooseFiles: () => void;
  onChooseFolder: () => void;
  onForget: () => void;
}) {
  const { t } = useTranslation();
  const formatSize = useFileSize();
  const fromFolder = unfinished.some((upload) => upload.relativePath !== '');
  const shown = unfinished.slice(0, 5);
  return (
    <Alert color="blue" variant="light" title={t('records.upload.unfinishedTitle')}>
      <Stack gap="xs">
        <Text size="sm">{t('records.upload.unfinishedBody', { count: unfinished.length })}</Text>
        <List size="sm">
          {shown.map((upload) => (
            <List.Item key={upload.key} style={{ overflowWrap: 'anywhere' }}>
              {upload.relativePath === '' ? upload.fileName : upload.relativePath}
              {upload.sizeBytes !== null && ` (${formatSize(upload.sizeBytes)})`}
            </List.Item>
          ))}
        </List>
        {unfinished.length > shown.length && (
          <Text size="sm">
            {t('records.upload.andMore', { count: unfinished.length - shown.length })}
          </Text>
        )}
        <Group gap="xs">
          <Button size="compact-sm" onClick={fromFolder ? onChooseFolder : onChooseFiles}>
            {fromFolder
              ? t('records.upload.resumeFolder')
              : t('records.upload.resumeFiles', { count: unfinished.length })}
          </Button>
          <Button size="compact-sm" variant="subtle" onClick={onForget}>
            {t('records.upload.forgetUnfinished')}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

function SkippedNotice({ skipped, onClose }: { skipped: SkippedFile[]; onClose: () => void }) {
  const { t } = useTranslation();
  const system = skipped.filter((file) => file.reason === 'system_file').length;
  const program = skipped.length - system;
  return (
    <Alert
      color="gray"
      variant="light"
      withCloseButton
      closeButtonLabel={t('records.upload.dismiss')}
      onClose={onClose}
    >
      <Text size="sm">
        {[
          system > 0 ? t('records.upload.skippedSystem', { count: system }) : null,
          program > 0 ? t('records.upload.skippedProgram', { count: program }) : null,
        ]
          .filter((sentence) => sentence !== null)
          .join(' ')}
      </Text>
    </Alert>
  );
}

const noItems: UploadSnapshot = {
  items: [],
  totals: {
    files: 0,
    done: 0,
    failed: 0,
    cancelled: 0,
    remaining: 0,
    bytesTotal: 0,
    bytesSent: 0,
  },
  active: false,
};

/** The drop zone, pickers and upload list of one case. */
export function RecordUploader({ caseId, onUploaded }: RecordUploaderProps) {
  const { t } = useTranslation();
  const formatSize = useFileSize();
  const describeError = useRecordsErrorMessage();
  const hintId = useId();
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const [announcement, setAnnouncement] = useState('');
  const [dragging, setDragging] = useState(false);
  const [reading, setReading] = useState(false);
  const [skipped, setSkipped] = useState<SkippedFile[]>([]);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [unfinished, setUnfinished] = useState(() => listUnfinishedUploads(caseId));

  const [queue] = useState(
    () => new UploadQueue({ caseId, concurrency, createUpload: createRecordUpload, newBatchId }),
  );

  useEffect(() => {
    queue.setEvents({
      onBatchFinished: ({ uploaded, failed }) => {
        setAnnouncement(
          failed > 0
            ? t('records.upload.announceBatchPartly', { count: uploaded, failed })
            : t('records.upload.announceBatchDone', { count: uploaded }),
        );
        setUnfinished(listUnfinishedUploads(caseId));
        if (uploaded > 0) onUploaded?.(uploaded);
      },
      onItemFailed: (item) => {
        setAnnouncement(
          t('records.upload.announceFailed', {
            name: item.relativePath === '' ? item.name : item.relativePath,
            reason: describeError(item.error),
          }),
        );
      },
    });
  }, [queue, caseId, t, describeError, onUploaded]);

  useEffect(() => {
    queue.start();
    return () => queue.stop();
  }, [queue]);

  const snapshot = useSyncExternalStore(queue.subscribe, queue.getSnapshot, () => noItems);

  // Overall progress is announced at each quarter, not continuously.
  useEffect(() => {
    let lastQuarter = -1;
    return queue.subscribe(() => {
      const { totals, active } = queue.getSnapshot();
      if (!active) {
        lastQuarter = -1;
        return;
      }
      const quarter = Math.floor(percentOf(totals.bytesSent, totals.bytesTotal) / 25);
      if (quarter !== lastQuarter && quarter > 0 && quarter < 4) {
        setAnnouncement(t('records.upload.announceProgress', { percent: quarter * 25 }));
      }
      lastQuarter = quarter;
    });
  }, [queue, t]);

  // Leaving the page stops uploads (they can resume later, but only if the files are chosen again).
  useEffect(() => {
    if (!snapshot.active) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [snapshot.active]);

  useEffect(() => {
    // `webkitdirectory` has no React attribute; the DOM property is standard enough (all engines).
    if (folderInput.current !== null) folderInput.current.webkitdirectory = true;
  }, []);

  const refuse = (file: File): ApiError | null => {
    if (file.size > maxBytes) {
      return new ApiError({
        status: 413,
        code: 'file_too_large',
        message: `Larger than ${formatSize(maxBytes)}`,
        details: { maxBytes },
      });
    }
    if (file.size === 0) {
      return new ApiError({ status: 400, code: 'empty_file', message: 'The file is empty' });
    }
    return null;
  };

  const addFiles = (picked: RecordUploadSource[]) => {
    const { accepted, skipped: setAside } = sortPickedFiles(picked);
    setSkipped(setAside);
    if (accepted.length === 0) {
      setAnnouncement(t('records.upload.announceNothing'));
      return;
    }
    // Folder order (IM0001, IM0002, …) so a study arrives, and is listed, in sequence.
    const byPath = (item: RecordUploadSource) =>
      item.relativePath === '' ? item.file.name : item.relativePath;
    accepted.sort((a, b) => byPath(a).localeCompare(byPath(b), undefined, { numeric: true }));
    queue.add(accepted, refuse);
    setAnnouncement(t('records.upload.announceStart', { count: accepted.length }));
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    const drop = entriesFromDrop(event.dataTransfer);
    setReading(true);
    filesFromDrop(drop)
      .then(addFiles)
      .catch(() => setAnnouncement(t('records.upload.readFailed')))
      .finally(() => setReading(false));
  };

  const onDragOver = (event: DragEvent<HTMLDivElement>) => {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };

  const onDragLeave = (event: DragEvent<HTMLDivElement>) => {
    const next = event.relatedTarget;
    if (next instanceof Node && event.currentTarget.contains(next)) return;
    setDragging(false);
  };

  const inQueue = new Set(snapshot.items.map((item) => `${item.relativePath}\u0000${item.name}`));
  const stillUnfinished = unfinished.filter(
    (upload) => !inQueue.has(`${upload.relativePath}\u0000${upload.fileName}`),
  );

  const rows = snapshot.items
    .filter((item) => item.state !== 'done' && item.state !== 'cancelled')
    .sort((a, b) => rowOrder[a.state] - rowOrder[b.state]);
  const shownRows = rows.slice(0, visibleRowLimit);

  return (
    <Stack gap="sm">
      <Paper
        withBorder
        p="lg"
        onDrop={onDrop}
        onDragOver={onDragOver}
        onDragEnter={onDragOver}
        onDragLeave={onDragLeave}
        style={{
          borderStyle: 'dashed',
          borderWidth: 2,
          borderColor: dragging ? 'var(--mantine-color-blue-8)' : undefined,
          background: dragging ? 'var(--mantine-color-blue-0)' : undefined,
        }}
      >
        <Stack gap="xs" align="center">
          <Text fw={600}>{t('records.upload.dropTitle')}</Text>
          <Text size="sm" c="dimmed" id={hintId} ta="center">
            {t('records.upload.dropHint', { size: formatSize(maxBytes) })}
          </Text>
          <Group gap="xs" justify="center">
            <Button
              variant="default"
              aria-describedby={hintId}
              onClick={() => filesInput.current?.click()}
            >
              {t('records.upload.chooseFiles')}
            </Button>
            <Button
              variant="default"
              aria-describedby={hintId}
              onClick={() => folderInput.current?.click()}
            >
              {t('records.upload.chooseFolder')}
            </Button>
          </Group>
          {reading && (
            <Text size="sm" role="status">
              {t('records.upload.reading')}
            </Text>
          )}
        </Stack>
        <VisuallyHidden>
          <input
            ref={filesInput}
            type="file"
            multiple
            tabIndex={-1}
            aria-label={t('records.upload.chooseFiles')}
            onChange={(event) => {
              addFiles(filesFromInput(event.currentTarget.files));
              event.currentTarget.value = '';
            }}
          />
          <input
            ref={folderInput}
            type="file"
            multiple
            tabIndex={-1}
            aria-label={t('records.upload.chooseFolder')}
            onChange={(event) => {
              addFiles(filesFromInput(event.currentTarget.files));
              event.currentTarget.value = '';
            }}
          />
        </VisuallyHidden>
      </Paper>

      {stillUnfinished.length > 0 && (
        <UnfinishedNotice
          unfinished={stillUnfinished}
          onChooseFiles={() => filesInput.current?.click()}
          onChooseFolder={() => folderInput.current?.click()}
          onForget={() => {
            forgetUnfinishedUploads(caseId);
            setUnfinished([]);
          }}
        />
      )}

      {skipped.length > 0 && <SkippedNotice skipped={skipped} onClose={() => setSkipped([])} />}

      {snapshot.items.length > 0 && (
        <OverallProgress
          snapshot={snapshot}
          queue={queue}
          onCancelAll={() => setConfirmCancel(true)}
        />
      )}

      {shownRows.length > 0 && (
        <Stack
          gap="xs"
          component="ul"
          m={0}
          p={0}
          style={{ listStyle: 'none' }}
          aria-label={t('records.upload.listLabel')}
        >
          {shownRows.map((item) => (
            <UploadRow key={item.id} item={item} queue={queue} />
          ))}
        </Stack>
      )}
      {rows.length > shownRows.length && (
        <Text size="sm" c="dimmed">
          {t('records.upload.moreWaiting', { count: rows.length - shownRows.length })}
        </Text>
      )}
      {snapshot.totals.done > 0 && (
        <Text size="sm">{t('records.upload.sentCount', { count: snapshot.totals.done })}</Text>
      )}

      <Text role="status" aria-live="polite" size="sm" style={{ minHeight: '1.2em' }}>
        {announcement}
      </Text>

      <Modal
        opened={confirmCancel}
        onClose={() => setConfirmCancel(false)}
        title={t('records.upload.cancelAllTitle')}
        centered
      >
        <Stack gap="md">
          <Text>{t('records.upload.cancelAllBody', { count: snapshot.totals.remaining })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmCancel(false)}>
              {t('records.upload.keepSending')}
            </Button>
            <Button
              color="red"
              onClick={() => {
                queue.cancelAll();
                setConfirmCancel(false);
                setAnnouncement(t('records.upload.announceCancelled'));
              }}
            >
              {t('records.upload.cancelAll')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
