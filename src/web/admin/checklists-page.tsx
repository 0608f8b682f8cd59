/**
 * "Records checklists": the organization's completeness checklists per case category
 * (docs/safety-net.md, "Editing the checklists"). Per category the administrator reads, adds,
 * removes and changes requirements (document kinds, how recent, the severities; intake facts),
 * saves the whole set (the server validates it as a whole and audits the change) or resets it to
 * the shipped defaults. Form values and their checks live in checklist-form.ts.
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Fieldset,
  Group,
  Loader,
  Modal,
  NativeSelect,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Tabs,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { canEver } from '../../core/access.ts';
import { documentKinds } from '../../core/records/record-types.ts';
import {
  checklistFacts,
  checklistNames,
  type ChecklistName,
  type ChecklistSet,
} from '../../core/safety/checklists.ts';
import { findingSeverities } from '../../core/safety/finding.ts';
import { isApiError } from '../api/api-error.ts';
import { client, unwrap } from '../api/client.ts';
import { useModalFullScreen } from '../queue/reason-modal.tsx';
import { unlessCancelled, useWithReauthentication } from '../session/reauthentication.tsx';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';
import {
  blankDocumentItem,
  blankFactItem,
  checklistLimits,
  checklistProblems,
  effectiveItemIds,
  isShippedDefaults,
  mayAddItem,
  placeServerIssues,
  problemCounts,
  readChecklistValues,
  sameChecklistSet,
  serverIssues,
  toChecklistValues,
  withItemAdded,
  withItemRemoved,
  type ChecklistItemValues,
  type ChecklistProblem,
  type ChecklistSetValues,
  type ServerIssue,
} from './checklist-form.ts';

interface ChecklistsView {
  checklists: ChecklistSet;
  custom: boolean;
  updatedAt: string | null;
}

const checklistsQueryKey = ['org', 'checklists'] as const;

/** The sentence shown on a field for each kind of problem, in the viewer's language. */
function problemMessage(t: TFunction, problem: ChecklistProblem): string {
  switch (problem.rule) {
    case 'title':
      return t('admin.checklists.errors.title', { max: checklistLimits.title });
    case 'historyGapDays':
      return t('admin.checklists.errors.historyGapDays', checklistLimits.historyGapDays);
    case 'tooManyItems':
      return t('admin.checklists.errors.tooManyItems', { max: checklistLimits.items });
    case 'id':
      return t('admin.checklists.errors.id', { max: checklistLimits.idLength });
    case 'duplicateId':
      return t('admin.checklists.errors.duplicateId');
    case 'label':
      return t('admin.checklists.errors.label', { max: checklistLimits.label });
    case 'why':
      return t('admin.checklists.errors.why', { max: checklistLimits.why });
    case 'kinds':
      return t('admin.checklists.errors.kinds');
    case 'modalities':
      return t('admin.checklists.errors.modalities');
    case 'keywords':
      return t('admin.checklists.errors.keywords', checklistLimits.keyword);
    case 'maxAgeDays':
      return t('admin.checklists.errors.maxAgeDays', checklistLimits.maxAgeDays);
    case 'fact':
      return t('admin.checklists.errors.fact');
    case 'severity':
      return t('admin.checklists.errors.severity');
  }
}

function errorsOf(t: TFunction, problems: ChecklistProblem[]): Record<string, string> {
  return Object.fromEntries(problems.map((problem) => [problem.path, problemMessage(t, problem)]));
}

function useChecklistForm(set: ChecklistSet, t: TFunction) {
  return useForm<ChecklistSetValues>({
    mode: 'controlled',
    initialValues: toChecklistValues(set),
    validate: (values) => errorsOf(t, checklistProblems(values)),
  });
}

type ChecklistForm = ReturnType<typeof useChecklistForm>;

function firstChecklistWithError(paths: Iterable<string>): ChecklistName | null {
  const counts = problemCounts(paths);
  return checklistNames.find((name) => (counts[name] ?? 0) > 0) ?? null;
}

/** Which set the organization uses, and since when. */
function ChecklistsStatus({ view }: { view: ChecklistsView }) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat();
  const date = formatDateTime(view.updatedAt);
  const own = view.custom && !isShippedDefaults(view.checklists);
  // A saved copy of the defaults says the same as the defaults, but later releases will not
  // change it.
  const message = !view.custom
    ? t('admin.checklists.status.defaults')
    : own
      ? t('admin.checklists.status.custom', { date })
      : t('admin.checklists.status.savedDefaults', { date });
  return (
    <Group gap="sm" wrap="wrap" role="status">
      <Badge variant="light" color={own ? 'blue' : 'gray'}>
        {own
          ? t('admin.checklists.status.customBadge')
          : t('admin.checklists.status.defaultsBadge')}
      </Badge>
      <Text size="sm">{message}</Text>
    </Group>
  );
}

function ItemSummary({ item }: { item: ChecklistItemValues }) {
  const { t } = useTranslation();
  const severity = (value: string) => t(`records.findings.severity.${value}`);
  const parts =
    item.type === 'fact'
      ? [
          item.fact === '' ? null : t(`admin.checklists.facts.${item.fact}`),
          t('admin.checklists.summary.missing', { severity: severity(item.missingSeverity) }),
        ]
      : [
          item.kinds.map((kind) => t(`records.documentKinds.${kind}`)).join(', ') || null,
          item.anyAge
            ? t('admin.checklists.summary.anyAge')
            : typeof item.maxAgeDays === 'number'
              ? t('admin.checklists.summary.within', { count: item.maxAgeDays })
              : null,
          t('admin.checklists.summary.missing', { severity: severity(item.missingSeverity) }),
          item.anyAge
            ? null
            : t('admin.checklists.summary.stale', { severity: severity(item.staleSeverity) }),
        ];
  return (
    <Text size="sm" c="dimmed">
      {parts.filter((part) => part !== null).join(' · ')}
    </Text>
  );
}

/** The fields behind "Edit details": the wording and, for a document, what counts as one. */
const detailFields = new Set(['id', 'label', 'why', 'kinds', 'modalities', 'keywords']);

function ItemEditor({
  form,
  name,
  index,
  item,
  savedId,
  mayUpdate,
  autoFocus,
  onRemove,
}: {
  form: ChecklistForm;
  name: ChecklistName;
  index: number;
  item: ChecklistItemValues;
  /** The id the item will be saved under (typed or suggested). */
  savedId: string;
  mayUpdate: boolean;
  autoFocus: boolean;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  // A new requirement opens with its details: it has no wording yet.
  const [detailsOpen, setDetailsOpen] = useState(!item.saved);
  const path = `checklists.${name}.items.${index}` as const;
  const field = (key: string) => `${path}.${key}`;
  const detailsId = `checklist-${name}-${item.key}-details`;
  // A problem in the details keeps them open, so every error is on screen.
  const detailsHaveErrors = Object.keys(form.errors).some(
    (errorPath) =>
      errorPath.startsWith(`${path}.`) && detailFields.has(errorPath.slice(path.length + 1)),
  );
  const showDetails = detailsOpen || detailsHaveErrors;
  const severityOptions = findingSeverities.map((severity) => ({
    value: severity,
    label: t(`records.findings.severity.${severity}`),
  }));
  const legend =
    item.label.trim() !== ''
      ? item.label.trim()
      : item.type === 'document'
        ? t('admin.checklists.newDocument')
        : t('admin.checklists.newFact');

  const quickFields =
    item.type === 'fact' ? (
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <NativeSelect
          label={t('admin.checklists.fact')}
          required
          disabled={!mayUpdate}
          data={[
            { value: '', label: t('admin.checklists.factPlaceholder'), disabled: true },
            ...checklistFacts.map((fact) => ({
              value: fact,
              label: t(`admin.checklists.facts.${fact}`),
            })),
          ]}
          {...form.getInputProps(field('fact'))}
        />
        <NativeSelect
          label={t('admin.checklists.missingSeverity')}
          disabled={!mayUpdate}
          data={severityOptions}
          {...form.getInputProps(field('missingSeverity'))}
        />
      </SimpleGrid>
    ) : (
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <Stack gap={6}>
          <NumberInput
            label={t('admin.checklists.maxAgeDays')}
            description={t('admin.checklists.maxAgeDaysHint', checklistLimits.maxAgeDays)}
            required={!item.anyAge}
            disabled={item.anyAge}
            min={checklistLimits.maxAgeDays.min}
            max={checklistLimits.maxAgeDays.max}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            readOnly={!mayUpdate}
            {...form.getInputProps(field('maxAgeDays'))}
          />
          <Checkbox
            label={t('admin.checklists.anyAge')}
            disabled={!mayUpdate}
            {...form.getInputProps(field('anyAge'), { type: 'checkbox' })}
          />
        </Stack>
        <NativeSelect
          label={t('admin.checklists.missingSeverity')}
          disabled={!mayUpdate}
          data={severityOptions}
          {...form.getInputProps(field('missingSeverity'))}
        />
        {!item.anyAge && (
          <NativeSelect
            label={t('admin.checklists.staleSeverity')}
            disabled={!mayUpdate}
            data={severityOptions}
            {...form.getInputProps(field('staleSeverity'))}
          />
        )}
      </SimpleGrid>
    );

  return (
    <Paper withBorder p="md" component="li" style={{ listStyle: 'none' }}>
      <Fieldset
        variant="unstyled"
        legend={
          <Text span fw={600}>
            {legend}
          </Text>
        }
      >
        <Stack gap="sm">
          <Group gap="xs" justify="space-between" wrap="wrap">
            <Group gap="xs" wrap="wrap">
              <Badge variant="outline" size="sm">
                {t(`admin.checklists.types.${item.type}`)}
              </Badge>
              {item.saved && (
                <Text size="xs" c="dimmed">
                  {t('admin.checklists.idFixed', { id: item.id })}
                </Text>
              )}
            </Group>
            <Group gap="xs" wrap="wrap">
              {!detailsHaveErrors && (
                <Button
                  variant="subtle"
                  size="compact-sm"
                  aria-expanded={showDetails}
                  aria-controls={detailsId}
                  onClick={() => setDetailsOpen(!showDetails)}
                >
                  {showDetails
                    ? t('admin.checklists.hideDetails')
                    : t('admin.checklists.showDetails')}
                </Button>
              )}
              {mayUpdate && (
                <Button
                  variant="subtle"
                  color="red"
                  size="compact-sm"
                  aria-label={t('admin.checklists.removeNamed', { label: legend })}
                  onClick={onRemove}
                >
                  {t('admin.checklists.remove')}
                </Button>
              )}
            </Group>
          </Group>
          <ItemSummary item={item} />
          {quickFields}
          <Stack gap="sm" id={detailsId} hidden={!showDetails}>
            {showDetails && (
              <>
                <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
                  <TextInput
                    label={t('admin.checklists.label')}
                    description={t('admin.checklists.labelHint')}
                    required
                    maxLength={checklistLimits.label}
                    readOnly={!mayUpdate}
                    autoFocus={autoFocus}
                    {...form.getInputProps(field('label'))}
                  />
                  {!item.saved && (
                    <TextInput
                      label={t('admin.checklists.id')}
                      description={t('admin.checklists.idHint', { id: savedId })}
                      placeholder={savedId}
                      maxLength={checklistLimits.idLength}
                      autoComplete="off"
                      readOnly={!mayUpdate}
                      {...form.getInputProps(field('id'))}
                    />
                  )}
                </SimpleGrid>
                <Textarea
                  label={t('admin.checklists.why')}
                  description={t('admin.checklists.whyHint')}
                  required
                  autosize
                  minRows={2}
                  maxRows={6}
                  maxLength={checklistLimits.why}
                  readOnly={!mayUpdate}
                  {...form.getInputProps(field('why'))}
                />
                {item.type === 'document' && (
                  <>
                    <Checkbox.Group
                      label={t('admin.checklists.kinds')}
                      description={t('admin.checklists.kindsHint')}
                      withAsterisk
                      readOnly={!mayUpdate}
                      {...form.getInputProps(field('kinds'))}
                    >
                      <Group gap="md" mt={6} wrap="wrap">
                        {documentKinds.map((kind) => (
                          <Checkbox
                            key={kind}
                            value={kind}
                            label={t(`records.documentKinds.${kind}`)}
                            disabled={!mayUpdate}
                          />
                        ))}
                      </Group>
                    </Checkbox.Group>
                    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
                      <TagsInput
                        label={t('admin.checklists.modalities')}
                        description={t('admin.checklists.modalitiesHint')}
                        acceptValueOnBlur
                        clearable={mayUpdate}
                        readOnly={!mayUpdate}
                        {...form.getInputProps(field('modalities'))}
                      />
                      <TagsInput
                        label={t('admin.checklists.keywords')}
                        description={t('admin.checklists.keywordsHint')}
                        acceptValueOnBlur
                        clearable={mayUpdate}
                        readOnly={!mayUpdate}
                        {...form.getInputProps(field('keywords'))}
                      />
                    </SimpleGrid>
                  </>
                )}
              </>
            )}
          </Stack>
        </Stack>
      </Fieldset>
    </Paper>
  );
}

function ChecklistEditor({
  form,
  name,
  mayUpdate,
  focusKey,
  onAdd,
  onRemove,
}: {
  form: ChecklistForm;
  name: ChecklistName;
  mayUpdate: boolean;
  focusKey: string | null;
  onAdd: (type: 'document' | 'fact') => void;
  onRemove: (key: string) => void;
}) {
  const { t } = useTranslation();
  const checklist = form.getValues().checklists[name];
  const ids = effectiveItemIds(checklist.items);
  const listError = form.errors[`checklists.${name}.items`];

  return (
    <Stack gap="md">
      {name === 'fallback' && <Text size="sm">{t('admin.checklists.fallbackHint')}</Text>}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm" maw={880}>
        <TextInput
          label={t('admin.checklists.checklistTitle')}
          description={t('admin.checklists.checklistTitleHint')}
          required
          maxLength={checklistLimits.title}
          readOnly={!mayUpdate}
          {...form.getInputProps(`checklists.${name}.title`)}
        />
        <NumberInput
          label={t('admin.checklists.historyGapDays')}
          description={t('admin.checklists.historyGapDaysHint', checklistLimits.historyGapDays)}
          required
          min={checklistLimits.historyGapDays.min}
          max={checklistLimits.historyGapDays.max}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="none"
          readOnly={!mayUpdate}
          {...form.getInputProps(`checklists.${name}.historyGapDays`)}
        />
      </SimpleGrid>
      <Title order={3} size="h4" id={`checklist-${name}-requirements`}>
        {t('admin.checklists.requirements')}
      </Title>
      {checklist.items.length === 0 ? (
        <Text size="sm">{t('admin.checklists.noRequirements')}</Text>
      ) : (
        <Stack
          component="ul"
          gap="sm"
          p={0}
          m={0}
          maw={880}
          aria-labelledby={`checklist-${name}-requirements`}
        >
          {checklist.items.map((item, index) => (
            <ItemEditor
              key={item.key}
              form={form}
              name={name}
              index={index}
              item={item}
              savedId={ids[index] ?? ''}
              mayUpdate={mayUpdate}
              autoFocus={item.key === focusKey}
              onRemove={() => onRemove(item.key)}
            />
          ))}
        </Stack>
      )}
      {typeof listError === 'string' && (
        <Text size="sm" c="red" role="alert">
          {listError}
        </Text>
      )}
      {mayUpdate && (
        <Stack gap={4}>
          <Group gap="sm" wrap="wrap">
            <Button
              variant="default"
              disabled={!mayAddItem(checklist)}
              onClick={() => onAdd('document')}
            >
              {t('admin.checklists.addDocument')}
            </Button>
            <Button
              variant="default"
              disabled={!mayAddItem(checklist)}
              onClick={() => onAdd('fact')}
            >
              {t('admin.checklists.addFact')}
            </Button>
          </Group>
          {!mayAddItem(checklist) && (
            <Text size="sm" c="dimmed">
              {t('admin.checklists.full', { max: checklistLimits.items })}
            </Text>
          )}
        </Stack>
      )}
    </Stack>
  );
}

function ChecklistsForm({ view }: { view: ChecklistsView }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const session = useSignedInSession();
  const withReauthentication = useWithReauthentication();
  const fullScreen = useModalFullScreen();
  const mayUpdate = canEver(session.membership.role, 'settings.update');
  const [tab, setTab] = useState<ChecklistName>('oncology');
  const [error, setError] = useState<unknown>(null);
  const [unplaced, setUnplaced] = useState<ServerIssue[]>([]);
  const [confirmingReset, setConfirmingReset] = useState(false);
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const nextKey = useRef(0);
  const formRef = useRef<HTMLFormElement>(null);
  /** Bumped when errors appear, to take the person to the first one once its tab is shown. */
  const [errorsShown, setErrorsShown] = useState(0);

  useEffect(() => {
    if (errorsShown === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errorsShown]);

  const form = useChecklistForm(view.checklists, t);
  const counts = problemCounts(Object.keys(form.errors));
  const categoriesWithErrors = checklistNames.filter((name) => (counts[name] ?? 0) > 0);
  const dirty = form.isDirty();

  const categoryName = (name: ChecklistName) => t(`admin.checklists.categories.${name}`);

  const showSaved = (saved: ChecklistsView) => {
    queryClient.setQueryData(checklistsQueryKey, saved);
    const values = toChecklistValues(saved.checklists);
    form.setValues(values);
    form.resetDirty(values);
    form.clearErrors();
  };

  /** Puts the server's complaints on the fields, in the person's language. */
  const placeIssues = (failure: unknown): boolean => {
    if (!isApiError(failure) || failure.code !== 'validation_failed') return false;
    const { placed, unplaced: left } = placeServerIssues(
      serverIssues(failure.details),
      form.getValues(),
    );
    for (const problem of placed) form.setFieldError(problem.path, problemMessage(t, problem));
    const first = firstChecklistWithError(placed.map((problem) => problem.path));
    if (first !== null) {
      setTab(first);
      setErrorsShown((count) => count + 1);
    }
    setUnplaced(left);
    return placed.length > 0 || left.length > 0;
  };

  const put = (set: ChecklistSet) =>
    withReauthentication(() => unwrap(client.PUT('/api/v1/org/checklists', { body: set })));

  const save = useMutation({
    mutationFn: put,
    onMutate: () => {
      setError(null);
      setUnplaced([]);
    },
    onSuccess: (saved) => {
      showSaved(saved);
      notifications.show({ color: 'green', message: t('admin.checklists.saved') });
    },
    onError: (failure) => {
      if (!placeIssues(failure)) setError(unlessCancelled(failure));
    },
  });

  const reset = useMutation({
    // Forgets the organization's set, so that it follows the shipped defaults of later releases too.
    mutationFn: () => withReauthentication(() => unwrap(client.DELETE('/api/v1/org/checklists'))),
    onMutate: () => {
      setError(null);
      setUnplaced([]);
    },
    onSuccess: (saved) => {
      setConfirmingReset(false);
      showSaved(saved);
      notifications.show({ color: 'green', message: t('admin.checklists.resetDone') });
    },
    onError: (failure) => {
      setConfirmingReset(false);
      setError(unlessCancelled(failure));
    },
  });

  const submit = form.onSubmit(
    (values) => {
      const reading = readChecklistValues(values);
      if (reading.set === null) return;
      if (sameChecklistSet(reading.set, view.checklists)) {
        notifications.show({ color: 'blue', message: t('admin.checklists.noChanges') });
        return;
      }
      save.mutate(reading.set);
    },
    (errors) => {
      const first = firstChecklistWithError(Object.keys(errors));
      if (first !== null) setTab(first);
      setErrorsShown((count) => count + 1);
    },
  );

  const add = (type: 'document' | 'fact') => {
    nextKey.current += 1;
    const key = `new:${nextKey.current}`;
    const item = type === 'document' ? blankDocumentItem(key) : blankFactItem(key);
    form.setValues(withItemAdded(form.getValues(), tab, item));
    setFocusKey(key);
  };

  const remove = (key: string) => {
    // Errors are keyed by position; after a removal they would sit on the wrong requirement.
    form.clearErrors();
    form.setValues(withItemRemoved(form.getValues(), tab, key));
  };

  return (
    <>
      <form noValidate onSubmit={submit} ref={formRef}>
        <Stack gap="md">
          <ErrorAlert error={error} />
          {unplaced.length > 0 && (
            <Alert color="red" variant="light" title={t('common.errorTitle')} role="alert">
              <Text size="sm">{t('admin.checklists.unplacedIssues')}</Text>
              <Text size="sm" component="ul" mt={4}>
                {unplaced.map((issue) => (
                  <li key={`${issue.path}:${issue.message}`}>
                    <code>{issue.path}</code>: {issue.message}
                  </li>
                ))}
              </Text>
            </Alert>
          )}
          {categoriesWithErrors.length > 0 && (
            <Alert color="red" variant="light" role="alert">
              {t('admin.checklists.fixErrors', {
                categories: categoriesWithErrors.map(categoryName).join(', '),
              })}
            </Alert>
          )}
          <Tabs
            value={tab}
            onChange={(value) => {
              const name = checklistNames.find((candidate) => candidate === value);
              if (name !== undefined) setTab(name);
            }}
            keepMounted={false}
          >
            <Tabs.List aria-label={t('admin.checklists.categoriesLabel')}>
              {checklistNames.map((name) => (
                <Tabs.Tab
                  key={name}
                  value={name}
                  rightSection={
                    (counts[name] ?? 0) > 0 ? (
                      <Badge color="red" size="sm" circle>
                        <span aria-hidden>{counts[name]}</span>
                        <VisuallyHidden>
                          {t('admin.checklists.toCorrect', { count: counts[name] })}
                        </VisuallyHidden>
                      </Badge>
                    ) : undefined
                  }
                >
                  {categoryName(name)}
                </Tabs.Tab>
              ))}
            </Tabs.List>
            {checklistNames.map((name) => (
              <Tabs.Panel key={name} value={name} pt="md">
                <ChecklistEditor
                  form={form}
                  name={name}
                  mayUpdate={mayUpdate}
                  focusKey={focusKey}
                  onAdd={add}
                  onRemove={remove}
                />
              </Tabs.Panel>
            ))}
          </Tabs>
          {mayUpdate && (
            <Group gap="sm" wrap="wrap">
              <Button type="submit" loading={save.isPending}>
                {t('admin.checklists.save')}
              </Button>
              {(dirty || !isShippedDefaults(view.checklists)) && (
                <Button variant="default" color="red" onClick={() => setConfirmingReset(true)}>
                  {t('admin.checklists.reset')}
                </Button>
              )}
              {dirty && (
                <Text size="sm" c="dimmed">
                  {t('admin.checklists.unsaved')}
                </Text>
              )}
            </Group>
          )}
        </Stack>
      </form>
      <Modal
        opened={confirmingReset}
        onClose={() => setConfirmingReset(false)}
        title={t('admin.checklists.resetTitle')}
        centered
        fullScreen={fullScreen}
      >
        <Stack gap="sm">
          <Text size="sm">{t('admin.checklists.resetBody')}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmingReset(false)}>
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              loading={reset.isPending}
              data-autofocus
              onClick={() => reset.mutate()}
            >
              {t('admin.checklists.resetConfirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

export function ChecklistsPage() {
  const { t } = useTranslation();
  usePageTitle(t('admin.checklists.title'));
  const session = useSignedInSession();
  const mayUpdate = canEver(session.membership.role, 'settings.update');
  const checklists = useQuery({
    queryKey: checklistsQueryKey,
    queryFn: () => unwrap(client.GET('/api/v1/org/checklists')),
    // The form keeps what the administrator is typing; it is not refreshed under them.
    refetchOnWindowFocus: false,
  });

  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>{t('admin.checklists.title')}</Title>
        <Text mt="xs">{t('admin.checklists.intro')}</Text>
        {!mayUpdate && (
          <Text mt="xs" c="dimmed">
            {t('admin.checklists.readOnly')}
          </Text>
        )}
      </div>
      {checklists.isPending && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('common.loading')}</Text>
        </Group>
      )}
      <ErrorAlert error={checklists.error} />
      {checklists.isSuccess && (
        <>
          <ChecklistsStatus view={checklists.data} />
          <ChecklistsForm view={checklists.data} />
        </>
      )}
    </Stack>
  );
}
