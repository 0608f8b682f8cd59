/**
 * "How cases run": the organization's case settings (docs/cases.md) — peer review before signing,
 * release of reports by a coordinator, the follow-up allowance, the business calendar and the
 * service level of each timed stage, routine and urgent. Stages without an organization value use
 * the defaults the server reports. Only changed fields are sent, so the audit trail records what
 * was actually changed; the service levels are sent whole, as the server stores them whole.
 */
import {
  Badge,
  Button,
  Fieldset,
  Group,
  List,
  Loader,
  NativeSelect,
  NumberInput,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { canEver } from '../../core/access.ts';
import type { Urgency } from '../../core/case-lifecycle.ts';
import {
  defaultStageServiceLevels,
  isUrgentNoSlowerThanRoutine,
  timedStages,
  type ServiceLevelRule,
  type TimedStage,
} from '../../core/service-levels.ts';
import { isApiError } from '../api/api-error.ts';
import { client, unwrap } from '../api/client.ts';
import type { components } from '../api/schema.gen.ts';
import { unlessCancelled, useWithReauthentication } from '../session/reauthentication.tsx';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';

type CaseSettings = components['schemas']['CaseSettings'];
type CaseSettingsChange = Partial<Omit<CaseSettings, 'defaults'>>;
type Unit = ServiceLevelRule['unit'];

/** The limits the server enforces (src/server/orgs/org-routes.ts, src/core/service-levels.ts). */
const questionLimits = { min: 0, max: 20 } as const;
const windowLimits = { min: 1, max: 365 } as const;
const maxHours = 2160;
const maxDays = 90;
const maxHolidays = 400;

const urgencyOrder = ['routine', 'urgent'] as const satisfies readonly Urgency[];

export const caseSettingsQueryKey = ['org', 'case-settings'] as const;

interface RuleValues {
  /** NumberInput gives '' while the field is empty. */
  amount: number | string;
  unit: Unit;
}

interface StageValues {
  /** Whether the organization sets its own allowance for this stage (otherwise the default). */
  custom: boolean;
  routine: RuleValues;
  urgent: RuleValues;
}

interface CaseSettingsValues {
  peerReviewRequired: boolean;
  releaseByCoordinator: boolean;
  followUpQuestionLimit: number | string;
  followUpWindowDays: number | string;
  businessDays: boolean;
  holidays: string[];
  serviceLevels: Record<TimedStage, StageValues>;
}

function isUnit(value: string): value is Unit {
  return value === 'hours' || value === 'days';
}

/** The default the server reports for a stage, else the one this app was built with. */
function defaultRule(
  settings: CaseSettings,
  stage: TimedStage,
  urgency: Urgency,
): ServiceLevelRule {
  return settings.defaults[stage]?.[urgency] ?? defaultStageServiceLevels[stage][urgency];
}

function toValues(settings: CaseSettings): CaseSettingsValues {
  const entries = timedStages.map((stage): [TimedStage, StageValues] => {
    const own = settings.serviceLevels[stage];
    return [
      stage,
      {
        custom: own !== undefined,
        routine: { ...(own?.routine ?? defaultRule(settings, stage, 'routine')) },
        urgent: { ...(own?.urgent ?? defaultRule(settings, stage, 'urgent')) },
      },
    ];
  });
  return {
    peerReviewRequired: settings.peerReviewRequired,
    releaseByCoordinator: settings.releaseByCoordinator,
    followUpQuestionLimit: settings.followUpQuestionLimit,
    followUpWindowDays: settings.followUpWindowDays,
    businessDays: settings.businessDays,
    holidays: [...settings.holidays].sort(),
    serviceLevels: Object.fromEntries(entries) as Record<TimedStage, StageValues>,
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

/** The rule as the server takes it, or null while its amount is not a valid one. */
function toRule(values: RuleValues): ServiceLevelRule | null {
  const amount = values.amount;
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return null;
  if (values.unit === 'hours')
    return amount > 0 && amount <= maxHours ? { unit: 'hours', amount } : null;
  return Number.isInteger(amount) && amount >= 1 && amount <= maxDays
    ? { unit: 'days', amount }
    : null;
}

type StageRules = Record<Urgency, ServiceLevelRule>;

/** The organization's own allowances (stages left to the default are left out). */
function ownServiceLevels(values: CaseSettingsValues): Record<string, StageRules> {
  const own: Record<string, StageRules> = {};
  for (const stage of timedStages) {
    const row = values.serviceLevels[stage];
    const routine = toRule(row.routine);
    const urgent = toRule(row.urgent);
    if (row.custom && routine !== null && urgent !== null) own[stage] = { routine, urgent };
  }
  return own;
}

/** A stable text form of the allowances, to tell whether they changed. */
function serviceLevelsKey(levels: CaseSettings['serviceLevels']): string {
  return JSON.stringify(
    timedStages.flatMap((stage) => {
      const rules = levels[stage];
      return rules === undefined
        ? []
        : [
            [
              stage,
              rules.routine.unit,
              rules.routine.amount,
              rules.urgent.unit,
              rules.urgent.amount,
            ],
          ];
    }),
  );
}

/** The fields that differ from the saved settings, ready to send (call only on valid values). */
function changes(values: CaseSettingsValues, saved: CaseSettings): CaseSettingsChange {
  const change: CaseSettingsChange = {};
  if (values.peerReviewRequired !== saved.peerReviewRequired)
    change.peerReviewRequired = values.peerReviewRequired;
  if (values.releaseByCoordinator !== saved.releaseByCoordinator)
    change.releaseByCoordinator = values.releaseByCoordinator;
  const limit = Number(values.followUpQuestionLimit);
  if (limit !== saved.followUpQuestionLimit) change.followUpQuestionLimit = limit;
  const window = Number(values.followUpWindowDays);
  if (window !== saved.followUpWindowDays) change.followUpWindowDays = window;
  if (values.businessDays !== saved.businessDays) change.businessDays = values.businessDays;
  const holidays = [...new Set(values.holidays)].sort();
  if (JSON.stringify(holidays) !== JSON.stringify([...saved.holidays].sort()))
    change.holidays = holidays;
  const own = ownServiceLevels(values);
  if (serviceLevelsKey(own) !== serviceLevelsKey(saved.serviceLevels)) change.serviceLevels = own;
  return change;
}

const amountPath = (stage: TimedStage, urgency: Urgency) =>
  `serviceLevels.${stage}.${urgency}.amount` as const;

function fieldMessages(t: TFunction) {
  return {
    questionLimit: t('caseSettings.questionLimitRange', questionLimits),
    window: t('caseSettings.windowRange', windowLimits),
    hours: t('caseSettings.hoursRange', { max: maxHours }),
    days: t('caseSettings.daysRange', { max: maxDays }),
    urgentLonger: t('caseSettings.urgentLonger'),
    urgentHoursOverDays: t('caseSettings.urgentHoursOverDays'),
    urgentDaysOverHours: t('caseSettings.urgentDaysOverHours'),
    holidays: t('caseSettings.holidaysInvalid'),
  };
}

type Messages = ReturnType<typeof fieldMessages>;

/** Every problem of the values, keyed by form path (the service levels on their amount fields). */
function findProblems(values: CaseSettingsValues, messages: Messages): Record<string, string> {
  const problems: Record<string, string> = {};
  if (!inRange(values.followUpQuestionLimit, questionLimits))
    problems.followUpQuestionLimit = messages.questionLimit;
  if (!inRange(values.followUpWindowDays, windowLimits))
    problems.followUpWindowDays = messages.window;
  if (values.holidays.length > maxHolidays) problems.holidays = messages.holidays;
  for (const stage of timedStages) {
    const row = values.serviceLevels[stage];
    if (!row.custom) continue;
    const rules: Partial<StageRules> = {};
    for (const urgency of urgencyOrder) {
      const rule = toRule(row[urgency]);
      if (rule === null)
        problems[amountPath(stage, urgency)] =
          row[urgency].unit === 'hours' ? messages.hours : messages.days;
      else rules[urgency] = rule;
    }
    const { routine, urgent } = rules;
    if (
      routine !== undefined &&
      urgent !== undefined &&
      !isUrgentNoSlowerThanRoutine(urgent, routine)
    )
      problems[amountPath(stage, 'urgent')] =
        urgent.unit === routine.unit
          ? messages.urgentLonger
          : urgent.unit === 'hours'
            ? messages.urgentHoursOverDays
            : messages.urgentDaysOverHours;
  }
  return problems;
}

interface Issue {
  path: string;
  message: string;
}

/** The issues of a `validation_failed` error with their whole paths (`body.serviceLevels.triage.urgent`). */
function issuesOf(failure: unknown): Issue[] | null {
  if (!isApiError(failure) || failure.code !== 'validation_failed') return null;
  const details = failure.details;
  if (typeof details !== 'object' || details === null || !('issues' in details)) return [];
  const list: unknown = details.issues;
  if (!Array.isArray(list)) return [];
  return list.flatMap((issue: unknown) =>
    typeof issue === 'object' &&
    issue !== null &&
    'path' in issue &&
    typeof issue.path === 'string' &&
    'message' in issue &&
    typeof issue.message === 'string'
      ? [{ path: issue.path, message: issue.message }]
      : [],
  );
}

function isTimedStage(value: string | undefined): value is TimedStage {
  return timedStages.some((stage) => stage === value);
}

/** The form field a server issue concerns, or null when it concerns none shown here. */
function fieldOfIssue(path: string): string | null {
  const [field, stage, urgency] = path.replace(/^body\.?/, '').split('.');
  if (field === 'followUpQuestionLimit' || field === 'followUpWindowDays' || field === 'holidays')
    return field;
  if (field === 'serviceLevels' && isTimedStage(stage))
    return amountPath(stage, urgency === 'urgent' ? 'urgent' : 'routine');
  return null;
}

function useDurationText() {
  const { t } = useTranslation();
  return (rule: ServiceLevelRule, businessDays: boolean) =>
    t(
      `caseSettings.duration.${rule.unit === 'hours' ? 'hours' : businessDays ? 'businessDays' : 'days'}`,
      { count: rule.amount },
    );
}

/** Holidays as dates in the viewer's language; a holiday is a date, not an instant, so read in UTC. */
function useHolidayFormat() {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'en';
  return useMemo(() => {
    const format = new Intl.DateTimeFormat(language, {
      dateStyle: 'full',
      timeZone: 'UTC',
    });
    return (date: string) => {
      const parsed = new Date(`${date}T00:00:00Z`);
      return Number.isNaN(parsed.getTime()) ? date : format.format(parsed);
    };
  }, [language]);
}

function HolidaysField({
  holidays,
  error,
  mayUpdate,
  onChange,
}: {
  holidays: string[];
  error: ReactNode;
  mayUpdate: boolean;
  onChange: (holidays: string[]) => void;
}) {
  const { t } = useTranslation();
  const formatHoliday = useHolidayFormat();
  const [date, setDate] = useState('');
  const [dateError, setDateError] = useState<string | null>(null);

  const add = () => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
      setDateError(t('caseSettings.holidayInvalid'));
    else if (holidays.includes(date)) setDateError(t('caseSettings.holidayDuplicate'));
    else if (holidays.length >= maxHolidays)
      setDateError(t('caseSettings.holidaysTooMany', { max: maxHolidays }));
    else {
      onChange([...holidays, date].sort());
      setDate('');
      setDateError(null);
    }
  };

  return (
    <Fieldset
      legend={
        <Text span fw={500} size="sm">
          {t('caseSettings.holidays')}
        </Text>
      }
      variant="unstyled"
    >
      <Stack gap="xs">
        <Text size="xs" c="dimmed">
          {t('caseSettings.holidaysHint')}
        </Text>
        {holidays.length === 0 ? (
          <Text size="sm">{t('caseSettings.holidaysNone')}</Text>
        ) : (
          <List size="sm" spacing={4} listStyleType="none" aria-label={t('caseSettings.holidays')}>
            {holidays.map((holiday) => (
              <List.Item key={holiday}>
                <Group gap="xs" wrap="nowrap">
                  <Text size="sm">
                    <time dateTime={holiday}>{formatHoliday(holiday)}</time>
                  </Text>
                  {mayUpdate && (
                    <Button
                      variant="subtle"
                      color="red"
                      size="compact-sm"
                      aria-label={t('caseSettings.removeHolidayNamed', {
                        date: formatHoliday(holiday),
                      })}
                      onClick={() => onChange(holidays.filter((other) => other !== holiday))}
                    >
                      {t('caseSettings.removeHoliday')}
                    </Button>
                  )}
                </Group>
              </List.Item>
            ))}
          </List>
        )}
        {error !== undefined && error !== null && (
          <Text size="sm" c="red" role="alert">
            {error}
          </Text>
        )}
        {mayUpdate && (
          <Group gap="xs" align="flex-end" wrap="wrap">
            <TextInput
              type="date"
              label={t('caseSettings.newHoliday')}
              value={date}
              error={dateError}
              onChange={(event) => {
                setDate(event.currentTarget.value);
                setDateError(null);
              }}
              onKeyDown={(event) => {
                // Enter adds the date rather than saving the whole form.
                if (event.key === 'Enter') {
                  event.preventDefault();
                  add();
                }
              }}
            />
            <Button variant="default" onClick={add} mb={dateError === null ? 0 : 22}>
              {t('caseSettings.addHoliday')}
            </Button>
          </Group>
        )}
      </Stack>
    </Fieldset>
  );
}

function CaseSettingsForm({ settings }: { settings: CaseSettings }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const session = useSignedInSession();
  const withReauthentication = useWithReauthentication();
  const durationText = useDurationText();
  const [error, setError] = useState<unknown>(null);
  const mayUpdate = canEver(session.membership.role, 'settings.update');
  const messages = fieldMessages(t);

  const form = useForm<CaseSettingsValues>({
    mode: 'controlled',
    initialValues: toValues(settings),
    validate: (values) => findProblems(values, messages),
  });
  const values = form.getValues();

  /** Puts the server's field issues on the fields, in the person's language. */
  const placeIssues = (failure: unknown): boolean => {
    const issues = issuesOf(failure);
    if (issues === null || issues.length === 0) return false;
    const current = form.getValues();
    const known = findProblems(current, messages);
    /** What the server found that this page's checks did not: the field's general rule. */
    const fallbackMessage = (field: string): string => {
      if (field === 'followUpQuestionLimit') return messages.questionLimit;
      if (field === 'followUpWindowDays') return messages.window;
      if (field === 'holidays') return messages.holidays;
      const [, stage, urgency] = field.split('.');
      if (!isTimedStage(stage)) return messages.days;
      const rule = current.serviceLevels[stage][urgency === 'urgent' ? 'urgent' : 'routine'];
      if (urgency === 'urgent' && toRule(rule) !== null) return messages.urgentLonger;
      return rule.unit === 'hours' ? messages.hours : messages.days;
    };
    let placed = 0;
    for (const issue of issues) {
      const field = fieldOfIssue(issue.path);
      if (field === null) continue;
      form.setFieldError(field, known[field] ?? fallbackMessage(field));
      placed += 1;
    }
    return placed === issues.length;
  };

  const save = useMutation({
    mutationFn: (change: CaseSettingsChange) =>
      withReauthentication(() =>
        unwrap(client.PATCH('/api/v1/org/case-settings', { body: change })),
      ),
    onMutate: () => setError(null),
    onSuccess: (saved) => {
      queryClient.setQueryData(caseSettingsQueryKey, saved);
      form.setValues(toValues(saved));
      form.resetDirty(toValues(saved));
      notifications.show({ color: 'green', message: t('caseSettings.saved') });
    },
    onError: (failure) => {
      if (!placeIssues(failure)) setError(unlessCancelled(failure));
    },
  });

  const submit = form.onSubmit((submitted) => {
    const change = changes(submitted, settings);
    if (Object.keys(change).length === 0) {
      notifications.show({ color: 'blue', message: t('caseSettings.noChanges') });
      return;
    }
    save.mutate(change);
  });

  const stageName = (stage: TimedStage) => t(`caseSettings.stages.${stage}`);
  const urgencyName = (urgency: Urgency) => t(`caseSettings.${urgency}`);
  const unitOptions = [
    { value: 'hours', label: t('caseSettings.units.hours') },
    {
      value: 'days',
      label: values.businessDays
        ? t('caseSettings.units.businessDays')
        : t('caseSettings.units.days'),
    },
  ];

  const resetStage = (stage: TimedStage) => {
    form.setFieldValue(`serviceLevels.${stage}`, {
      custom: false,
      routine: { ...defaultRule(settings, stage, 'routine') },
      urgent: { ...defaultRule(settings, stage, 'urgent') },
    });
    for (const urgency of urgencyOrder) form.clearFieldError(amountPath(stage, urgency));
  };

  const ruleInput = (stage: TimedStage, urgency: Urgency) => {
    const amountProps = form.getInputProps(amountPath(stage, urgency));
    const changeAmount = amountProps.onChange as (value: number | string) => void;
    const rule = values.serviceLevels[stage][urgency];
    const label = { stage: stageName(stage), urgency: t(`caseSettings.inLabel.${urgency}`) };
    return (
      <Stack gap={4}>
        {/* On narrow screens the column headings are hidden; each cell names its urgency. */}
        <Text size="sm" fw={500} hiddenFrom="md" aria-hidden>
          {urgencyName(urgency)}
        </Text>
        <NumberInput
          aria-label={t('caseSettings.amountLabel', label)}
          min={rule.unit === 'hours' ? 0 : 1}
          max={rule.unit === 'hours' ? maxHours : maxDays}
          allowDecimal={rule.unit === 'hours'}
          decimalScale={2}
          allowNegative={false}
          clampBehavior="none"
          readOnly={!mayUpdate}
          miw={0}
          {...amountProps}
          onChange={(value: number | string) => {
            changeAmount(value);
            form.setFieldValue(`serviceLevels.${stage}.custom`, true);
          }}
          inputContainer={(input) => (
            <Group gap={6} wrap="nowrap" align="flex-start">
              <div style={{ flex: '1 1 4.5rem', minWidth: '4.5rem' }}>{input}</div>
              <NativeSelect
                aria-label={t('caseSettings.unitLabel', label)}
                data={unitOptions}
                value={rule.unit}
                disabled={!mayUpdate}
                style={{ flex: '1 1 8rem' }}
                onChange={(event) => {
                  const unit = event.currentTarget.value;
                  if (!isUnit(unit)) return;
                  form.setFieldValue(`serviceLevels.${stage}.${urgency}.unit`, unit);
                  form.setFieldValue(`serviceLevels.${stage}.custom`, true);
                  form.clearFieldError(amountPath(stage, urgency));
                }}
              />
            </Group>
          )}
        />
      </Stack>
    );
  };

  return (
    <form noValidate onSubmit={submit}>
      <Stack gap="lg">
        <ErrorAlert error={error} />
        <Stack gap="md" maw={520}>
          <Switch
            label={t('caseSettings.peerReviewRequired')}
            description={t('caseSettings.peerReviewRequiredHint')}
            disabled={!mayUpdate}
            {...form.getInputProps('peerReviewRequired', { type: 'checkbox' })}
          />
          <Switch
            label={t('caseSettings.releaseByCoordinator')}
            description={t('caseSettings.releaseByCoordinatorHint')}
            disabled={!mayUpdate}
            {...form.getInputProps('releaseByCoordinator', { type: 'checkbox' })}
          />
          <NumberInput
            label={t('caseSettings.followUpQuestionLimit')}
            description={t('caseSettings.followUpQuestionLimitHint', questionLimits)}
            required
            min={questionLimits.min}
            max={questionLimits.max}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            readOnly={!mayUpdate}
            {...form.getInputProps('followUpQuestionLimit')}
          />
          <NumberInput
            label={t('caseSettings.followUpWindowDays')}
            description={t('caseSettings.followUpWindowDaysHint', windowLimits)}
            required
            min={windowLimits.min}
            max={windowLimits.max}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            readOnly={!mayUpdate}
            {...form.getInputProps('followUpWindowDays')}
          />
          <Switch
            label={t('caseSettings.businessDays')}
            description={t('caseSettings.businessDaysHint')}
            disabled={!mayUpdate}
            {...form.getInputProps('businessDays', { type: 'checkbox' })}
          />
          <HolidaysField
            holidays={values.holidays}
            error={form.errors.holidays}
            mayUpdate={mayUpdate}
            onChange={(holidays) => form.setFieldValue('holidays', holidays)}
          />
        </Stack>

        <Stack gap="xs">
          <Title order={3} size="h4" id="service-levels-title">
            {t('caseSettings.serviceLevels')}
          </Title>
          <Text size="sm">{t('caseSettings.serviceLevelsIntro')}</Text>
          <Table
            aria-labelledby="service-levels-title"
            verticalSpacing="sm"
            layout="fixed"
            maw={880}
          >
            <Table.Thead display={{ base: 'none', md: 'table-header-group' }}>
              <Table.Tr>
                <Table.Th scope="col" w="30%">
                  {t('caseSettings.stage')}
                </Table.Th>
                <Table.Th scope="col" w="35%">
                  {t('caseSettings.routine')}
                </Table.Th>
                <Table.Th scope="col" w="35%">
                  {t('caseSettings.urgent')}
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {timedStages.map((stage) => {
                const row = values.serviceLevels[stage];
                return (
                  <Table.Tr key={stage} display={{ base: 'block', md: 'table-row' }}>
                    <Table.Th scope="row" fw={400} display={{ base: 'block', md: 'table-cell' }}>
                      <Stack gap={4} align="flex-start">
                        <Text fw={600} size="sm">
                          {stageName(stage)}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {t('caseSettings.defaultHint', {
                            routine: durationText(
                              defaultRule(settings, stage, 'routine'),
                              values.businessDays,
                            ),
                            urgent: durationText(
                              defaultRule(settings, stage, 'urgent'),
                              values.businessDays,
                            ),
                          })}
                        </Text>
                        {row.custom && (
                          <Badge variant="light" size="sm">
                            {t('caseSettings.organizationValue')}
                          </Badge>
                        )}
                        {mayUpdate && row.custom && (
                          <Button
                            variant="subtle"
                            size="compact-sm"
                            aria-label={t('caseSettings.resetToDefaultNamed', {
                              stage: stageName(stage),
                            })}
                            onClick={() => resetStage(stage)}
                          >
                            {t('caseSettings.resetToDefault')}
                          </Button>
                        )}
                      </Stack>
                    </Table.Th>
                    {urgencyOrder.map((urgency) => (
                      <Table.Td key={urgency} display={{ base: 'block', md: 'table-cell' }}>
                        {ruleInput(stage, urgency)}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Stack>
        {mayUpdate && (
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t('caseSettings.save')}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

/** The section of the settings page; members who may only read see the values without controls. */
export function CaseSettingsSection() {
  const { t } = useTranslation();
  const session = useSignedInSession();
  const mayUpdate = canEver(session.membership.role, 'settings.update');
  const settings = useQuery({
    queryKey: caseSettingsQueryKey,
    queryFn: () => unwrap(client.GET('/api/v1/org/case-settings')),
    // The form keeps what the administrator is typing; it is not refreshed under them.
    refetchOnWindowFocus: false,
  });

  return (
    <Stack gap="sm" component="section" aria-labelledby="case-settings-title">
      <Title order={2} size="h3" id="case-settings-title">
        {t('caseSettings.title')}
      </Title>
      <Text>{t('caseSettings.intro')}</Text>
      {!mayUpdate && <Text c="dimmed">{t('caseSettings.readOnly')}</Text>}
      {settings.isPending && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('common.loading')}</Text>
        </Group>
      )}
      <ErrorAlert error={settings.error} />
      {settings.isSuccess && <CaseSettingsForm settings={settings.data} />}
    </Stack>
  );
}
