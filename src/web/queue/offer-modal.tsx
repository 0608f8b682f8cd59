/**
 * Offering a case to one of the organization's specialists (issue 3, "Assign"): pick from the
 * specialist list, narrowed by specialty and language, with an accept-within deadline (by default
 * the organization's offer clock: 12 hours routine, 4 urgent) and an optional note.
 */
import {
  Alert,
  Button,
  Group,
  Loader,
  Modal,
  NumberInput,
  Radio,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useState, type SyntheticEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { defaultStageServiceLevels } from '../../core/service-levels.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import {
  caseConflictOf,
  fetchSpecialists,
  type CaseView,
  type Specialist,
  type SpecialistFilter,
} from './case-api.ts';
import { useModalFullScreen } from './reason-modal.tsx';
import type { CaseTransitionControl } from './use-case-transition.ts';

export const acceptWithinLimits = { min: 1, max: 168 } as const;

/** The default accept-within time: the offer stage's clock for the case's urgency, in hours. */
export function defaultAcceptWithinHours(urgency: CaseView['urgency']): number {
  const rule = defaultStageServiceLevels.offered[urgency];
  return rule.unit === 'hours' ? rule.amount : rule.amount * 24;
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort((a, b) => a.localeCompare(b));
}

/** The filter with one criterion set to `value`, or left out when cleared. */
function withFilter(
  filter: SpecialistFilter,
  key: keyof SpecialistFilter,
  value: string | null,
): SpecialistFilter {
  const specialty = key === 'specialty' ? value : (filter.specialty ?? null);
  const language = key === 'language' ? value : (filter.language ?? null);
  return {
    ...(specialty === null ? {} : { specialty }),
    ...(language === null ? {} : { language }),
  };
}

/** The patient's preferred language from the intake goals, when given. */
function preferredLanguageOf(caseView: CaseView): string | null {
  const goals = caseView.goals;
  if (typeof goals !== 'object' || goals === null || !('preferredLanguage' in goals)) return null;
  return typeof goals.preferredLanguage === 'string' ? goals.preferredLanguage : null;
}

function SpecialistOption({
  specialist,
  declinedBefore,
}: {
  specialist: Specialist;
  declinedBefore: boolean;
}) {
  const { t } = useTranslation();
  const details = [
    specialist.credentials,
    specialist.specialties.join(', '),
    specialist.languages.length === 0
      ? ''
      : t('queue.offer.languages', { languages: specialist.languages.join(', ') }),
    t('queue.offer.activeCases', { count: specialist.activeCases }),
  ].filter((part) => part !== '');
  return (
    <Radio
      value={specialist.userId}
      label={
        <Text span fw={600}>
          {specialist.name}
          {declinedBefore && (
            <Text span size="sm" fw={400} c="orange.9">
              {' '}
              ({t('queue.offer.declinedBefore')})
            </Text>
          )}
        </Text>
      }
      description={details.join(' · ')}
    />
  );
}

export function OfferModal({
  opened,
  onClose,
  caseView,
  transition,
}: {
  opened: boolean;
  onClose: () => void;
  caseView: CaseView;
  transition: CaseTransitionControl;
}) {
  const { t } = useTranslation();
  const fullScreen = useModalFullScreen();
  const [filter, setFilter] = useState<SpecialistFilter>({});
  const [specialistUserId, setSpecialistUserId] = useState<string | null>(null);
  const [hours, setHours] = useState<number | string>(() =>
    defaultAcceptWithinHours(caseView.urgency),
  );
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [choiceError, setChoiceError] = useState<string | null>(null);
  const [hoursError, setHoursError] = useState<string | null>(null);

  // The whole list gives the filter choices; the filtered list is what can be picked.
  const everyone = useQuery({
    queryKey: ['specialists', {}],
    queryFn: () => fetchSpecialists({}),
    enabled: opened,
    staleTime: 5 * 60_000,
  });
  const filtered = useQuery({
    queryKey: ['specialists', filter],
    queryFn: () => fetchSpecialists(filter),
    enabled: opened,
  });
  const specialties = uniqueSorted(
    (everyone.data?.specialists ?? []).flatMap((specialist) => specialist.specialties),
  );
  const languages = uniqueSorted(
    (everyone.data?.specialists ?? []).flatMap((specialist) => specialist.languages),
  );
  const declinedBy = new Set(
    caseView.offers
      .filter((offer) => offer.status === 'declined' || offer.status === 'expired')
      .map((offer) => offer.specialistUserId),
  );
  const preferredLanguage = preferredLanguageOf(caseView);
  const list = filtered.data?.specialists ?? [];

  const close = () => {
    setError(null);
    setChoiceError(null);
    setHoursError(null);
    onClose();
  };

  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    const chosen = specialistUserId !== null && list.some((s) => s.userId === specialistUserId);
    setChoiceError(chosen ? null : t('queue.offer.chooseSpecialist'));
    const within = typeof hours === 'number' ? hours : Number.NaN;
    const hoursValid =
      Number.isInteger(within) &&
      within >= acceptWithinLimits.min &&
      within <= acceptWithinLimits.max;
    setHoursError(hoursValid ? null : t('queue.offer.hoursRange', acceptWithinLimits));
    if (!chosen || !hoursValid || specialistUserId === null) return;
    try {
      await transition.take({
        transition: 'offer',
        offer: {
          specialistUserId,
          acceptWithinHours: within,
          ...(note.trim() === '' ? {} : { note: note.trim() }),
        },
      });
      const name = list.find((s) => s.userId === specialistUserId)?.name ?? '';
      notifications.show({ color: 'green', message: t('queue.offer.sent', { name }) });
      setSpecialistUserId(null);
      setNote('');
      close();
    } catch (failure) {
      if (caseConflictOf(failure) !== null) close();
      else setError(failure);
    }
  };

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('queue.offer.title')}
      fullScreen={fullScreen}
      size="xl"
    >
      <form noValidate onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <Text size="sm">{t('queue.offer.intro')}</Text>
          {preferredLanguage !== null && (
            <Text size="sm" c="dimmed">
              {t('queue.offer.patientLanguage', { language: preferredLanguage })}
            </Text>
          )}
          <ErrorAlert error={error ?? everyone.error ?? filtered.error} />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <Select
              label={t('queue.offer.specialty')}
              placeholder={t('queue.offer.anySpecialty')}
              data={specialties}
              value={filter.specialty ?? null}
              onChange={(value) => setFilter((current) => withFilter(current, 'specialty', value))}
              searchable
              clearable
            />
            <Select
              label={t('queue.offer.language')}
              placeholder={t('queue.offer.anyLanguage')}
              data={languages}
              value={filter.language ?? null}
              onChange={(value) => setFilter((current) => withFilter(current, 'language', value))}
              searchable
              clearable
            />
          </SimpleGrid>
          {filtered.isPending ? (
            <Group gap="sm" role="status">
              <Loader size="sm" aria-hidden />
              <Text>{t('common.loading')}</Text>
            </Group>
          ) : list.length === 0 ? (
            <Alert color="gray" variant="light">
              {t('queue.offer.noSpecialists')}
            </Alert>
          ) : (
            <Radio.Group
              label={t('queue.offer.specialist')}
              required
              value={specialistUserId}
              onChange={setSpecialistUserId}
              error={choiceError}
            >
              <ScrollArea.Autosize mah={320} type="auto" mt="xs">
                <Stack gap="sm" py={4}>
                  {list.map((specialist) => (
                    <SpecialistOption
                      key={specialist.userId}
                      specialist={specialist}
                      declinedBefore={declinedBy.has(specialist.userId)}
                    />
                  ))}
                </Stack>
              </ScrollArea.Autosize>
            </Radio.Group>
          )}
          <NumberInput
            label={t('queue.offer.acceptWithin')}
            description={t('queue.offer.acceptWithinHint', {
              hours: defaultAcceptWithinHours(caseView.urgency),
            })}
            required
            min={acceptWithinLimits.min}
            max={acceptWithinLimits.max}
            allowDecimal={false}
            value={hours}
            onChange={setHours}
            error={hoursError}
            maw={240}
          />
          <Textarea
            label={t('queue.offer.note')}
            description={t('queue.offer.noteHint')}
            autosize
            minRows={2}
            maxLength={2000}
            value={note}
            onChange={(event) => setNote(event.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={transition.pending}>
              {t('queue.offer.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
