/**
 * The consent text patients accept before they submit a request: the current version, the earlier
 * ones (kept, so what each patient accepted can always be read) and publishing a new version.
 * Publishing asks for confirmation first, because every patient who has not yet submitted must
 * accept the new text again (src/server/orgs/case-settings.ts, publishConsentText).
 */
import {
  Accordion,
  Button,
  Group,
  Loader,
  Modal,
  Paper,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { canEver } from '../../core/access.ts';
import { isApiError, validationIssues } from '../api/api-error.ts';
import { client, unwrap } from '../api/client.ts';
import type { components } from '../api/schema.gen.ts';
import { useModalFullScreen } from '../queue/reason-modal.tsx';
import { unlessCancelled, useWithReauthentication } from '../session/reauthentication.tsx';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';

type ConsentTexts = components['schemas']['ConsentTexts'];
type ConsentVersion = ConsentTexts['versions'][number];

/** The rules the server enforces on a new version (src/server/orgs/org-routes.ts). */
const versionPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
const textLimits = { min: 20, max: 20_000 } as const;

const consentQueryKey = ['org', 'consent'] as const;

interface PublishValues {
  version: string;
  text: string;
}

function fieldMessages(t: TFunction) {
  return {
    version: t('caseSettings.consent.versionInvalid'),
    versionExists: t('caseSettings.consent.versionExists'),
    text: t('caseSettings.consent.textInvalid', textLimits),
  };
}

function ConsentVersionText({ version }: { version: ConsentVersion }) {
  return (
    <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
      {version.text}
    </Text>
  );
}

function PublishForm({ consent }: { consent: ConsentTexts }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const withReauthentication = useWithReauthentication();
  const fullScreen = useModalFullScreen();
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<PublishValues | null>(null);
  const messages = fieldMessages(t);
  const current = consent.versions.find((version) => version.version === consent.currentVersion);

  const form = useForm<PublishValues>({
    mode: 'controlled',
    initialValues: { version: '', text: '' },
    validate: {
      version: (value) =>
        value.trim() === ''
          ? t('validation.required')
          : !versionPattern.test(value.trim())
            ? messages.version
            : consent.versions.some((version) => version.version === value.trim())
              ? messages.versionExists
              : null,
      text: (value) => {
        const length = [...value.trim()].length;
        return length === 0
          ? t('validation.required')
          : length < textLimits.min || length > textLimits.max
            ? messages.text
            : null;
      },
    },
  });

  /** Puts the server's complaints on the fields, in the person's language. */
  const placeIssues = (failure: unknown): boolean => {
    if (!isApiError(failure)) return false;
    if (failure.code === 'already_exists') {
      form.setFieldError('version', messages.versionExists);
      return true;
    }
    if (failure.code !== 'validation_failed') return false;
    const fields = Object.keys(validationIssues(failure));
    let placed = 0;
    for (const field of fields) {
      if (field === 'version') form.setFieldError('version', messages.version);
      else if (field === 'text') form.setFieldError('text', messages.text);
      else continue;
      placed += 1;
    }
    return placed > 0 && placed === fields.length;
  };

  const publish = useMutation({
    mutationFn: (values: PublishValues) =>
      withReauthentication(() => unwrap(client.POST('/api/v1/org/consent', { body: values }))),
    onMutate: () => setError(null),
    onSuccess: (saved, values) => {
      queryClient.setQueryData(consentQueryKey, saved);
      setConfirming(null);
      form.reset();
      notifications.show({
        color: 'green',
        message: t('caseSettings.consent.published', { version: values.version }),
      });
    },
    onError: (failure) => {
      setConfirming(null);
      if (!placeIssues(failure)) setError(unlessCancelled(failure));
    },
  });

  const submit = form.onSubmit((values) => {
    publish.reset();
    setConfirming({ version: values.version.trim(), text: values.text.trim() });
  });

  return (
    <>
      <form noValidate onSubmit={submit} aria-labelledby="consent-publish-title">
        <Stack gap="sm" maw={720}>
          <Title order={3} size="h4" id="consent-publish-title">
            {t('caseSettings.consent.publishTitle')}
          </Title>
          <ErrorAlert error={error} />
          <TextInput
            label={t('caseSettings.consent.version')}
            description={t('caseSettings.consent.versionHint')}
            required
            maxLength={40}
            autoComplete="off"
            maw={320}
            {...form.getInputProps('version')}
          />
          <Textarea
            label={t('caseSettings.consent.text')}
            description={t('caseSettings.consent.textHint', textLimits)}
            required
            autosize
            minRows={6}
            maxRows={24}
            maxLength={textLimits.max}
            {...form.getInputProps('text')}
          />
          <Group gap="sm" wrap="wrap">
            <Button type="submit">{t('caseSettings.consent.publish')}</Button>
            {current !== undefined && (
              <Button variant="default" onClick={() => form.setFieldValue('text', current.text)}>
                {t('caseSettings.consent.copyCurrent')}
              </Button>
            )}
          </Group>
        </Stack>
      </form>
      <Modal
        opened={confirming !== null}
        onClose={() => setConfirming(null)}
        title={t('caseSettings.consent.confirmTitle', { version: confirming?.version ?? '' })}
        centered
        fullScreen={fullScreen}
      >
        <Stack gap="sm">
          <Text size="sm">{t('caseSettings.consent.confirmBody')}</Text>
          <Text size="sm">{t('caseSettings.consent.confirmKept')}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(null)}>
              {t('common.cancel')}
            </Button>
            <Button
              loading={publish.isPending}
              data-autofocus
              onClick={() => {
                if (confirming !== null) publish.mutate(confirming);
              }}
            >
              {t('caseSettings.consent.confirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** The section of the settings page; members who may only read see the texts without the form. */
export function ConsentSection() {
  const { t } = useTranslation();
  const session = useSignedInSession();
  const formatDateTime = useDateTimeFormat();
  const mayUpdate = canEver(session.membership.role, 'settings.update');
  const consent = useQuery({
    queryKey: consentQueryKey,
    queryFn: () => unwrap(client.GET('/api/v1/org/consent')),
    refetchOnWindowFocus: false,
  });

  const versions = consent.data?.versions ?? [];
  const current = versions.find((version) => version.version === consent.data?.currentVersion);
  const earlier = versions.filter((version) => version !== current);

  return (
    <Stack gap="sm" component="section" aria-labelledby="consent-title">
      <Title order={2} size="h3" id="consent-title">
        {t('caseSettings.consent.title')}
      </Title>
      <Text>{t('caseSettings.consent.intro')}</Text>
      {consent.isPending && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('common.loading')}</Text>
        </Group>
      )}
      <ErrorAlert error={consent.error} />
      {consent.isSuccess && (
        <Stack gap="md">
          {current === undefined ? (
            <Text c="dimmed">{t('caseSettings.consent.none')}</Text>
          ) : (
            <Paper
              withBorder
              p="md"
              maw={720}
              component="article"
              aria-labelledby="consent-current"
            >
              <Stack gap="xs">
                <Title order={3} size="h4" id="consent-current">
                  {t('caseSettings.consent.current', { version: current.version })}
                </Title>
                <Text size="sm" c="dimmed">
                  {t('caseSettings.consent.publishedAt', {
                    date: formatDateTime(current.publishedAt),
                  })}
                </Text>
                <ConsentVersionText version={current} />
              </Stack>
            </Paper>
          )}
          {earlier.length > 0 && (
            <Stack gap="xs" maw={720}>
              <Title order={3} size="h4">
                {t('caseSettings.consent.earlier', { count: earlier.length })}
              </Title>
              <Accordion variant="contained" multiple>
                {earlier.map((version) => (
                  <Accordion.Item value={version.version} key={version.version}>
                    <Accordion.Control>
                      {t('caseSettings.consent.earlierVersion', {
                        version: version.version,
                        date: formatDateTime(version.publishedAt),
                      })}
                    </Accordion.Control>
                    <Accordion.Panel>
                      <ConsentVersionText version={version} />
                    </Accordion.Panel>
                  </Accordion.Item>
                ))}
              </Accordion>
            </Stack>
          )}
          {mayUpdate && <PublishForm consent={consent.data} />}
        </Stack>
      )}
    </Stack>
  );
}
