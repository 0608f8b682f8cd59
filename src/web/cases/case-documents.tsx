/**
 * A case's documents as the patient side sees them (issue 3, "a place to attach documents"): the
 * list with who added each and when, a download link per document, taking back one's own
 * document while the case is a draft, and adding documents when the case's stage takes them.
 * Type and size are checked in the browser with core's rules before a byte is sent; each upload
 * shows its progress, and the outcome is announced.
 */
import {
  Anchor,
  Button,
  FileInput,
  Group,
  Modal,
  Paper,
  Progress,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  attachmentDescriptionMaxLength,
  attachmentMediaTypeFor,
  attachmentMediaTypes,
  type AttachmentMediaType,
} from '../../core/attachments.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import {
  attachmentContentPath,
  caseAttachmentsQueryKey,
  caseAttachmentsQueryOptions,
  deleteAttachment,
  type CaseAttachment,
} from './case-api.ts';
import { uploadAttachment } from './attachment-upload.ts';
import { CaseLoading } from './case-loading.tsx';

function useFileSize() {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'en';
  return (bytes: number): string => {
    const [value, unit] =
      bytes >= 1024 * 1024
        ? [bytes / (1024 * 1024), 'megabyte']
        : bytes >= 1024
          ? [bytes / 1024, 'kilobyte']
          : [bytes, 'byte'];
    return new Intl.NumberFormat(language, {
      style: 'unit',
      unit,
      maximumFractionDigits: 1,
    }).format(value);
  };
}

/** The file-picker's accept list: the media types and the extensions core accepts. */
const acceptList = Object.entries(attachmentMediaTypes)
  .flatMap(([type, extensions]) => [type, ...extensions])
  .join(',');

interface Sending {
  name: string;
  fraction: number;
}

function UploadForm({ caseId, maxBytes }: { caseId: string; maxBytes: number }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formatSize = useFileSize();
  const [files, setFiles] = useState<File[]>([]);
  const [description, setDescription] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState<Sending | null>(null);
  const [outcome, setOutcome] = useState('');

  const upload = useMutation({
    mutationFn: async (chosen: { file: File; mediaType: AttachmentMediaType }[]) => {
      const trimmed = description.trim();
      for (const { file, mediaType } of chosen) {
        setSending({ name: file.name, fraction: 0 });
        await uploadAttachment({
          caseId,
          file,
          mediaType,
          description: trimmed === '' ? null : trimmed,
          onProgress: (fraction) => setSending({ name: file.name, fraction }),
        });
      }
      return chosen.length;
    },
    onMutate: () => setOutcome(''),
    onSuccess: (count) => {
      setFiles([]);
      setDescription('');
      setOutcome(t('cases.documents.added_count', { count }));
    },
    onSettled: async () => {
      setSending(null);
      await queryClient.invalidateQueries({ queryKey: caseAttachmentsQueryKey(caseId) });
    },
  });

  /** Each file's media type, or the sentence saying why it cannot be sent. */
  const check = (): { file: File; mediaType: AttachmentMediaType }[] | string => {
    if (files.length === 0) return t('cases.documents.chooseFirst');
    const checked: { file: File; mediaType: AttachmentMediaType }[] = [];
    for (const file of files) {
      const mediaType = attachmentMediaTypeFor(file.name, file.type);
      if (mediaType === null) return t('cases.documents.wrongType', { name: file.name });
      if (file.size > maxBytes)
        return t('cases.documents.tooLarge', { name: file.name, size: formatSize(maxBytes) });
      checked.push({ file, mediaType });
    }
    return checked;
  };

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const checked = check();
        if (typeof checked === 'string') {
          setProblem(checked);
          return;
        }
        setProblem(null);
        upload.mutate(checked);
      }}
    >
      <Stack gap="sm">
        <FileInput
          multiple
          clearable
          label={t('cases.documents.choose')}
          description={t('cases.documents.chooseHint', { size: formatSize(maxBytes) })}
          placeholder={t('cases.documents.choosePlaceholder')}
          accept={acceptList}
          value={files}
          error={problem}
          onChange={(chosen) => {
            setFiles(chosen);
            setProblem(null);
          }}
        />
        <TextInput
          label={t('cases.documents.description')}
          description={t('cases.documents.descriptionHint')}
          maxLength={attachmentDescriptionMaxLength}
          value={description}
          onChange={(event) => setDescription(event.currentTarget.value)}
        />
        {sending !== null && (
          <Stack gap={4}>
            <Text size="sm">
              {t('cases.documents.sending', {
                name: sending.name,
                percent: Math.round(sending.fraction * 100),
              })}
            </Text>
            <Progress
              value={Math.round(sending.fraction * 100)}
              aria-label={t('cases.documents.progressLabel', { name: sending.name })}
            />
          </Stack>
        )}
        <ErrorAlert error={upload.error} />
        <Text role="status" size="sm">
          {outcome}
        </Text>
        <Group>
          <Button type="submit" loading={upload.isPending}>
            {t('cases.documents.add')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function AttachmentRow({
  caseId,
  attachment,
  onRemove,
}: {
  caseId: string;
  attachment: CaseAttachment;
  onRemove: (attachment: CaseAttachment) => void;
}) {
  const { t } = useTranslation();
  const formatDate = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  const formatSize = useFileSize();
  return (
    <Paper withBorder p="sm" component="li">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
        <Stack gap={2} style={{ minWidth: 0, flex: '1 1 220px' }}>
          <Anchor
            href={attachmentContentPath(caseId, attachment.id)}
            download
            fw={600}
            style={{ overflowWrap: 'anywhere' }}
          >
            {attachment.fileName}
          </Anchor>
          {attachment.description !== null && <Text size="sm">{attachment.description}</Text>}
          <Text size="sm" c="dimmed">
            {t('cases.documents.addedBy', {
              name: attachment.uploadedBy.name,
              date: formatDate(attachment.uploadedAt),
              size: formatSize(attachment.sizeBytes),
            })}
          </Text>
        </Stack>
        {attachment.canDelete && (
          <Button
            variant="subtle"
            color="red"
            size="compact-sm"
            aria-label={t('cases.documents.removeNamed', { name: attachment.fileName })}
            onClick={() => onRemove(attachment)}
          >
            {t('cases.fields.remove')}
          </Button>
        )}
      </Group>
    </Paper>
  );
}

/** The documents of `caseId`, and adding more when the stage takes them. */
export function CaseDocuments({
  caseId,
  title,
  headingOrder,
  hideWhenEmpty = false,
}: {
  caseId: string;
  title: string;
  headingOrder: 2 | 3;
  /** On the case page: nothing to show when there are no documents and none can be added. */
  hideWhenEmpty?: boolean;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const documents = useQuery(caseAttachmentsQueryOptions(caseId));
  const [toRemove, setToRemove] = useState<CaseAttachment | null>(null);
  const remove = useMutation({
    mutationFn: (attachment: CaseAttachment) => deleteAttachment(caseId, attachment.id),
    onSuccess: async () => {
      setToRemove(null);
      await queryClient.invalidateQueries({ queryKey: caseAttachmentsQueryKey(caseId) });
    },
  });
  const list = documents.data?.attachments ?? [];
  const canUpload = documents.data?.canUpload ?? false;
  if (hideWhenEmpty && documents.isSuccess && list.length === 0 && !canUpload) return null;

  return (
    <Stack gap="sm" component="section" aria-labelledby={`documents-title-${caseId}`}>
      <Title
        order={headingOrder}
        size={headingOrder === 2 ? 'h3' : 'h4'}
        id={`documents-title-${caseId}`}
      >
        {title}
      </Title>
      {documents.isPending && <CaseLoading />}
      <ErrorAlert error={documents.error} />
      {documents.isSuccess &&
        (list.length === 0 ? (
          <Text c="dimmed">{t('cases.documents.none')}</Text>
        ) : (
          <Stack gap="xs" component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
            {list.map((attachment) => (
              <AttachmentRow
                key={attachment.id}
                caseId={caseId}
                attachment={attachment}
                onRemove={(chosen) => {
                  remove.reset();
                  setToRemove(chosen);
                }}
              />
            ))}
          </Stack>
        ))}
      {documents.isSuccess && canUpload && (
        <UploadForm caseId={caseId} maxBytes={documents.data.limits.maxBytes} />
      )}
      <Modal
        opened={toRemove !== null}
        onClose={() => setToRemove(null)}
        title={t('cases.documents.removeTitle')}
        centered
      >
        <Stack gap="md">
          <Text>{t('cases.documents.removeBody', { name: toRemove?.fileName ?? '' })}</Text>
          <ErrorAlert error={remove.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setToRemove(null)}>
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() => toRemove !== null && remove.mutate(toRemove)}
            >
              {t('cases.fields.remove')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
