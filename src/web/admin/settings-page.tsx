/**
 * The organization's settings an administrator may change: its name, time zone and session limits
 * (idle timeout and absolute lifetime). Only changed fields are sent, so the audit trail records
 * what was actually changed.
 */
import {
  Button,
  Group,
  Loader,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
  defaultOptionsFilter,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { canEver } from '../../core/access.ts';
import { isApiError, validationIssues } from '../api/api-error.ts';
import { client, unwrap } from '../api/client.ts';
import type { components } from '../api/schema.gen.ts';
import { unlessCancelled, useWithReauthentication } from '../session/reauthentication.tsx';
import { refreshSession, useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { usePageTitle } from '../ui/use-page-title.ts';
import { CaseSettingsSection } from './case-settings-section.tsx';
import { ConsentSection } from './consent-section.tsx';

type OrganizationSettings = components['schemas']['OrganizationSettings'];
type SettingsChange = Partial<Omit<OrganizationSettings, 'slug'>>;

/** The limits the server enforces (src/server/orgs/org-routes.ts). */
const nameMaxLength = 200;
const idleLimits = { min: 5, max: 720 } as const;
const lifetimeLimits = { min: 30, max: 10_080 } as const;

const settingsQueryKey = ['org', 'settings'] as const;

interface SettingsValues {
  name: string;
  timeZone: string;
  /** NumberInput gives '' while the field is empty. */
  idleTimeoutMinutes: number | string;
  absoluteLifetimeMinutes: number | string;
}

function toValues(settings: OrganizationSettings): SettingsValues {
  return {
    name: settings.name,
    timeZone: settings.timeZone,
    idleTimeoutMinutes: settings.idleTimeoutMinutes,
    absoluteLifetimeMinutes: settings.absoluteLifetimeMinutes,
  };
}

function inRange(value: number | string, limits: { min: number; max: number }): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= limits.min &&
    value <= limits.max
  );
}

/** The fields that differ from the saved settings, ready to send (call only on valid values). */
function changes(values: SettingsValues, saved: OrganizationSettings): SettingsChange {
  const change: SettingsChange = {};
  const name = values.name.trim();
  if (name !== saved.name) change.name = name;
  if (values.timeZone !== saved.timeZone) change.timeZone = values.timeZone;
  const idle = Number(values.idleTimeoutMinutes);
  if (idle !== saved.idleTimeoutMinutes) change.idleTimeoutMinutes = idle;
  const lifetime = Number(values.absoluteLifetimeMinutes);
  if (lifetime !== saved.absoluteLifetimeMinutes) change.absoluteLifetimeMinutes = lifetime;
  return change;
}

/** The IANA zones this browser knows, plus the saved one when the browser lists it under another name. */
function timeZoneOptions(saved: string): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes(saved) ? zones : [saved, ...zones].sort();
}

/** The sentence shown on a field, for client-side checks and the server's field issues alike. */
function fieldMessages(t: TFunction) {
  return {
    name: t('orgSettings.nameInvalid', { max: nameMaxLength }),
    timeZone: t('orgSettings.timeZoneInvalid'),
    idleRange: t('orgSettings.minutesRange', idleLimits),
    idleLongerThanLifetime: t('orgSettings.idleLongerThanLifetime'),
    lifetimeRange: t('orgSettings.minutesRange', lifetimeLimits),
  };
}

function SettingsForm({ settings }: { settings: OrganizationSettings }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const session = useSignedInSession();
  const withReauthentication = useWithReauthentication();
  const [error, setError] = useState<unknown>(null);
  const mayUpdate = canEver(session.membership.role, 'settings.update');
  const zones = useMemo(() => timeZoneOptions(settings.timeZone), [settings.timeZone]);
  const messages = fieldMessages(t);

  const form = useForm<SettingsValues>({
    mode: 'controlled',
    initialValues: toValues(settings),
    validate: {
      name: (value) =>
        value.trim() === ''
          ? t('validation.required')
          : [...value.trim()].length > nameMaxLength
            ? messages.name
            : null,
      timeZone: (value) => (zones.includes(value) ? null : messages.timeZone),
      idleTimeoutMinutes: (value, values) =>
        !inRange(value, idleLimits)
          ? messages.idleRange
          : inRange(values.absoluteLifetimeMinutes, lifetimeLimits) &&
              value > values.absoluteLifetimeMinutes
            ? messages.idleLongerThanLifetime
            : null,
      absoluteLifetimeMinutes: (value) =>
        inRange(value, lifetimeLimits) ? null : messages.lifetimeRange,
    },
  });

  /** Puts the server's field issues on the fields, in the person's language. */
  const placeIssues = (failure: unknown): boolean => {
    if (!isApiError(failure) || failure.code !== 'validation_failed') return false;
    const issues = Object.keys(validationIssues(failure));
    const values = form.getValues();
    let placed = 0;
    for (const field of issues) {
      if (field === 'name') form.setFieldError('name', messages.name);
      else if (field === 'timeZone') form.setFieldError('timeZone', messages.timeZone);
      else if (field === 'idleTimeoutMinutes')
        form.setFieldError(
          'idleTimeoutMinutes',
          inRange(values.idleTimeoutMinutes, idleLimits)
            ? messages.idleLongerThanLifetime
            : messages.idleRange,
        );
      else if (field === 'absoluteLifetimeMinutes')
        form.setFieldError('absoluteLifetimeMinutes', messages.lifetimeRange);
      else continue;
      placed += 1;
    }
    return placed > 0 && placed === issues.length;
  };

  const save = useMutation({
    mutationFn: (change: SettingsChange) =>
      withReauthentication(() => unwrap(client.PATCH('/api/v1/org/settings', { body: change }))),
    onMutate: () => setError(null),
    onSuccess: async (saved) => {
      queryClient.setQueryData(settingsQueryKey, saved);
      form.setValues(toValues(saved));
      form.resetDirty(toValues(saved));
      notifications.show({ color: 'green', message: t('orgSettings.saved') });
      // The organization's name appears in the session (home page, recovery codes file).
      await refreshSession(queryClient);
    },
    onError: (failure) => {
      if (!placeIssues(failure)) setError(unlessCancelled(failure));
    },
  });

  const submit = form.onSubmit((values) => {
    const change = changes(values, settings);
    if (Object.keys(change).length === 0) {
      notifications.show({ color: 'blue', message: t('orgSettings.noChanges') });
      return;
    }
    save.mutate(change);
  });

  return (
    <form noValidate onSubmit={submit}>
      <Stack gap="md" maw={520}>
        <ErrorAlert error={error} />
        <TextInput
          label={t('orgSettings.name')}
          required
          maxLength={nameMaxLength}
          autoComplete="organization"
          readOnly={!mayUpdate}
          {...form.getInputProps('name')}
        />
        <Select
          label={t('orgSettings.timeZone')}
          description={t('orgSettings.timeZoneHint')}
          required
          searchable
          allowDeselect={false}
          data={zones}
          nothingFoundMessage={t('orgSettings.noTimeZone')}
          filter={({ options, search, limit }) =>
            // "new york" finds America/New_York.
            defaultOptionsFilter({ options, search: search.trim().replace(/\s+/g, '_'), limit })
          }
          readOnly={!mayUpdate}
          {...form.getInputProps('timeZone')}
        />
        <NumberInput
          label={t('orgSettings.idleTimeout')}
          description={t('orgSettings.idleTimeoutHint', idleLimits)}
          required
          min={idleLimits.min}
          max={idleLimits.max}
          step={5}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="none"
          readOnly={!mayUpdate}
          {...form.getInputProps('idleTimeoutMinutes')}
        />
        <NumberInput
          label={t('orgSettings.sessionLifetime')}
          description={t('orgSettings.sessionLifetimeHint', lifetimeLimits)}
          required
          min={lifetimeLimits.min}
          max={lifetimeLimits.max}
          step={30}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="none"
          readOnly={!mayUpdate}
          {...form.getInputProps('absoluteLifetimeMinutes')}
        />
        {mayUpdate && (
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t('orgSettings.save')}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

export function SettingsPage() {
  const { t } = useTranslation();
  usePageTitle(t('orgSettings.title'));
  const settings = useQuery({
    queryKey: settingsQueryKey,
    queryFn: () => unwrap(client.GET('/api/v1/org/settings')),
    // The form keeps what the administrator is typing; it is not refreshed under them.
    refetchOnWindowFocus: false,
  });

  return (
    <Stack gap="xl">
      <div>
        <Title order={1}>{t('orgSettings.title')}</Title>
        <Text mt="xs">{t('orgSettings.intro')}</Text>
      </div>
      {settings.isPending && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('common.loading')}</Text>
        </Group>
      )}
      <ErrorAlert error={settings.error} />
      {settings.isSuccess && <SettingsForm settings={settings.data} />}
      <CaseSettingsSection />
      <ConsentSection />
    </Stack>
  );
}
