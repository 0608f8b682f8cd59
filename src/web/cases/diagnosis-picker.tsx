/**
 * Picks the current diagnosis's ICD-10-CM code by searching the shipped code set (by words of the
 * title or by code prefix) and shows the picked code with its description. A WAI-ARIA combobox
 * with a listbox popup (Mantine Combobox): arrow keys move through the results, Enter picks, Escape
 * closes; the number of results and the pick are announced in a polite live region.
 */
import {
  Button,
  Combobox,
  Group,
  InputBase,
  Loader,
  Paper,
  Text,
  VisuallyHidden,
  useCombobox,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';

/** Shorter queries match too much of the classification to be useful. */
const minimumQueryLength = 2;

export interface PickedDiagnosis {
  /** The code in display form, e.g. `E11.9`. */
  code: string;
  title: string;
}

function useCodeTitle(code: string, known: PickedDiagnosis | null) {
  const lookup = useQuery({
    queryKey: ['icd10cm', 'code', code],
    queryFn: () =>
      unwrap(client.GET('/api/v1/terminology/icd10cm/{code}', { params: { path: { code } } })),
    enabled: code !== '' && known?.code !== code,
    staleTime: Infinity,
    retry: false,
  });
  if (known?.code === code) return known.title;
  return lookup.data?.title ?? null;
}

export function DiagnosisPicker({
  code,
  onPick,
  error,
}: {
  code: string;
  onPick: (picked: PickedDiagnosis | null) => void;
  error?: ReactNode;
}) {
  const { t } = useTranslation();
  const combobox = useCombobox({ onDropdownClose: () => combobox.resetSelectedOption() });
  const [search, setSearch] = useState('');
  const [picked, setPicked] = useState<PickedDiagnosis | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [query] = useDebouncedValue(search.trim(), 250);
  const title = useCodeTitle(code, picked);

  const searching = query.length >= minimumQueryLength;
  const results = useQuery({
    queryKey: ['icd10cm', 'search', query],
    queryFn: () =>
      unwrap(client.GET('/api/v1/terminology/icd10cm', { params: { query: { q: query } } })),
    enabled: searching,
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
  const found = searching ? (results.data?.results ?? []) : [];
  const waiting = searching && (results.isFetching || search.trim() !== query);

  // Said once a search settles (not on every keystroke); otherwise the last pick or removal.
  const liveMessage = searching
    ? waiting
      ? ''
      : found.length === 0
        ? t('cases.fields.diagnosisNone')
        : t('cases.fields.diagnosisResults', { count: found.length })
    : announcement;

  const pick = (display: string) => {
    const entry = found.find((result) => result.display === display);
    if (entry === undefined) return;
    const choice = { code: entry.display, title: entry.title };
    setPicked(choice);
    onPick(choice);
    setSearch('');
    combobox.closeDropdown();
    setAnnouncement(t('cases.fields.diagnosisPicked', { code: entry.display, title: entry.title }));
  };

  return (
    <div>
      {code !== '' && (
        <Paper withBorder p="sm" mb="sm" aria-labelledby="diagnosis-code-label">
          <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
            <div style={{ minWidth: 0, flex: '1 1 200px' }}>
              <Text size="sm" c="dimmed" id="diagnosis-code-label">
                {t('cases.fields.diagnosisSelected')}
              </Text>
              <Text fw={600}>
                {code}
                {title !== null && (
                  <Text span fw={400}>
                    {' '}
                    — {title}
                  </Text>
                )}
              </Text>
            </div>
            <Button
              variant="subtle"
              size="compact-sm"
              onClick={() => {
                setPicked(null);
                onPick(null);
                setAnnouncement(t('cases.fields.diagnosisRemoved'));
              }}
            >
              {t('cases.fields.diagnosisRemove')}
            </Button>
          </Group>
        </Paper>
      )}
      <Combobox store={combobox} onOptionSubmit={pick}>
        <Combobox.Target withExpandedAttribute>
          <InputBase
            label={
              code === ''
                ? t('cases.fields.diagnosisSearch')
                : t('cases.fields.diagnosisSearchOther')
            }
            description={t('cases.fields.diagnosisSearchHint')}
            error={error}
            value={search}
            autoComplete="off"
            rightSection={waiting ? <Loader size="xs" aria-hidden /> : null}
            rightSectionPointerEvents="none"
            onChange={(event) => {
              setSearch(event.currentTarget.value);
              combobox.openDropdown();
              combobox.resetSelectedOption();
            }}
            onFocus={() => combobox.openDropdown()}
            onBlur={() => combobox.closeDropdown()}
          />
        </Combobox.Target>
        <Combobox.Dropdown hidden={!searching}>
          <Combobox.Options mah={320} style={{ overflowY: 'auto' }}>
            {found.map((result) => (
              <Combobox.Option value={result.display} key={result.code}>
                <Text span fw={600}>
                  {result.display}
                </Text>{' '}
                <Text span>{result.title}</Text>
              </Combobox.Option>
            ))}
            {found.length === 0 && (
              <Combobox.Empty>
                {waiting ? t('cases.fields.diagnosisSearching') : t('cases.fields.diagnosisNone')}
              </Combobox.Empty>
            )}
          </Combobox.Options>
        </Combobox.Dropdown>
      </Combobox>
      <VisuallyHidden aria-live="polite" aria-atomic>
        {liveMessage}
      </VisuallyHidden>
    </div>
  );
}
