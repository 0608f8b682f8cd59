/**
 * An ICD-10-CM code field for the opinion: the specialist types a code or words of its title and
 * picks from the shipped code set (`/api/v1/terminology/icd10cm`), or types a code they know.
 * A WAI-ARIA combobox (Mantine Combobox): arrow keys move, Enter picks, Escape closes; the number
 * of results and the pick are announced politely. Picking hands the title back so the caller can
 * fill the diagnosis text.
 */
import { Combobox, InputBase, Loader, Text, VisuallyHidden, useCombobox } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';

/** Shorter queries match too much of the classification to be useful. */
const minimumQueryLength = 2;

export function Icd10CodeField({
  label,
  description,
  value,
  onChange,
  onPick,
  onFocus,
  onBlur,
  error,
  required = false,
  disabled = false,
  inputId,
}: {
  /** The input's id, so a problem on this field can be focused. */
  inputId?: string;
  label: string;
  description?: ReactNode;
  value: string;
  onChange: (code: string) => void;
  /** A code chosen from the list, with its title. */
  onPick?: (code: string, title: string) => void;
  onFocus?: () => void;
  onBlur?: () => void;
  error?: ReactNode;
  required?: boolean;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  const combobox = useCombobox({ onDropdownClose: () => combobox.resetSelectedOption() });
  const [announcement, setAnnouncement] = useState('');
  const [query] = useDebouncedValue(value.trim(), 250);
  const searching = query.length >= minimumQueryLength;
  const results = useQuery({
    queryKey: ['icd10cm', 'search', query],
    queryFn: () =>
      unwrap(client.GET('/api/v1/terminology/icd10cm', { params: { query: { q: query } } })),
    enabled: searching && !disabled,
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
  const found = searching ? (results.data?.results ?? []) : [];
  const waiting = searching && (results.isFetching || value.trim() !== query);
  /** The code last chosen from the list; the list stays closed while it is unchanged. */
  const [picked, setPicked] = useState<string | null>(null);
  const settled = picked !== null && picked === value;

  const liveMessage =
    searching && !waiting && !settled
      ? found.length === 0
        ? t('review.code.none')
        : t('review.code.results', { count: found.length })
      : announcement;

  const pick = (display: string) => {
    const entry = found.find((result) => result.display === display);
    if (entry === undefined) return;
    setPicked(entry.display);
    onChange(entry.display);
    onPick?.(entry.display, entry.title);
    combobox.closeDropdown();
    setAnnouncement(t('review.code.picked', { code: entry.display, title: entry.title }));
  };

  return (
    <div>
      <Combobox store={combobox} onOptionSubmit={pick}>
        <Combobox.Target withExpandedAttribute>
          <InputBase
            id={inputId}
            label={label}
            description={description ?? t('review.code.hint')}
            error={error}
            required={required}
            disabled={disabled}
            value={value}
            autoComplete="off"
            spellCheck={false}
            rightSection={waiting ? <Loader size="xs" aria-hidden /> : null}
            rightSectionPointerEvents="none"
            onChange={(event) => {
              onChange(event.currentTarget.value);
              combobox.openDropdown();
              combobox.resetSelectedOption();
            }}
            onFocus={() => {
              onFocus?.();
              if (!settled) combobox.openDropdown();
            }}
            onBlur={() => {
              onBlur?.();
              combobox.closeDropdown();
            }}
          />
        </Combobox.Target>
        <Combobox.Dropdown hidden={!searching || settled}>
          <Combobox.Options mah={280} style={{ overflowY: 'auto' }}>
            {found.map((result) => (
              <Combobox.Option value={result.display} key={result.code}>
                <Text span fw={600} ff="monospace">
                  {result.display}
                </Text>{' '}
                <Text span>{result.title}</Text>
              </Combobox.Option>
            ))}
            {found.length === 0 && (
              <Combobox.Empty>
                {waiting ? t('review.code.searching') : t('review.code.none')}
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
