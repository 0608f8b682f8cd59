/**
 * Intake step 2: medications (name, dose, frequency), allergies (substance, reaction, severity;
 * FHIR AllergyIntolerance) and implants or devices. Each is a list of rows the person adds and
 * removes; an empty list is a valid answer ("none"). A newly added row gets the focus. Without
 * the devices, the same lists correct a submitted intake (intake-correction-section.tsx).
 */
import {
  Button,
  Fieldset,
  Group,
  NativeSelect,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { allergySeverities } from '../../core/case-intake.ts';
import { emptyAllergy, emptyMedication, emptyTextRow, type IntakeForm } from './intake-form.ts';

/** The most rows each list accepts (src/core/case-intake.ts). */
const rowLimits = { medications: 50, allergies: 50, devices: 20 } as const;

function RowList({
  id,
  title,
  hint,
  emptyText,
  addLabel,
  canAdd,
  onAdd,
  children,
  count,
}: {
  id: string;
  title: string;
  hint?: string;
  emptyText: string;
  addLabel: string;
  canAdd: boolean;
  onAdd: () => void;
  children: ReactNode;
  count: number;
}) {
  return (
    <Stack gap="sm" component="section" aria-labelledby={id}>
      <Title order={3} size="h4" id={id} tabIndex={-1}>
        {title}
      </Title>
      {hint !== undefined && <Text size="sm">{hint}</Text>}
      {count === 0 ? <Text c="dimmed">{emptyText}</Text> : children}
      <Group>
        <Button variant="light" onClick={onAdd} disabled={!canAdd}>
          {addLabel}
        </Button>
      </Group>
    </Stack>
  );
}

/** Removes a row, then puts the focus on its list's heading (the button itself is gone). */
function RemoveButton({
  label,
  listId,
  onClick,
}: {
  label: string;
  listId: string;
  onClick: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end">
      <Button
        variant="subtle"
        color="red"
        size="compact-sm"
        aria-label={label}
        onClick={() => {
          onClick();
          requestAnimationFrame(() => document.getElementById(listId)?.focus());
        }}
      >
        {t('cases.fields.remove')}
      </Button>
    </Group>
  );
}

export function IntakeHealthStep({
  form,
  withDevices = true,
}: {
  form: IntakeForm;
  /** Whether implants and devices are asked (not correctable once submitted). */
  withDevices?: boolean;
}) {
  const { t } = useTranslation();
  const values = form.getValues();
  const [addedKey, setAddedKey] = useState<string | null>(null);

  return (
    <Stack gap="xl">
      <RowList
        id="medications-title"
        title={t('cases.fields.medications')}
        emptyText={t('cases.fields.noMedications')}
        addLabel={t('cases.fields.addMedication')}
        canAdd={values.medications.length < rowLimits.medications}
        count={values.medications.length}
        onAdd={() => {
          const row = emptyMedication();
          setAddedKey(row.key);
          form.insertListItem('medications', row);
        }}
      >
        {values.medications.map((row, index) => (
          <Fieldset key={row.key} legend={t('cases.fields.medication', { number: index + 1 })}>
            <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
              <TextInput
                label={t('cases.fields.medicationName')}
                withAsterisk
                autoFocus={row.key === addedKey}
                {...form.getInputProps(`medications.${index}.name`)}
              />
              <TextInput
                label={t('cases.fields.medicationDose')}
                description={t('cases.fields.medicationDoseHint')}
                {...form.getInputProps(`medications.${index}.dose`)}
              />
              <TextInput
                label={t('cases.fields.medicationFrequency')}
                description={t('cases.fields.medicationFrequencyHint')}
                {...form.getInputProps(`medications.${index}.frequency`)}
              />
            </SimpleGrid>
            <RemoveButton
              label={t('cases.fields.removeMedication', { number: index + 1 })}
              listId="medications-title"
              onClick={() => form.removeListItem('medications', index)}
            />
          </Fieldset>
        ))}
      </RowList>

      <RowList
        id="allergies-title"
        title={t('cases.fields.allergies')}
        emptyText={t('cases.fields.noAllergies')}
        addLabel={t('cases.fields.addAllergy')}
        canAdd={values.allergies.length < rowLimits.allergies}
        count={values.allergies.length}
        onAdd={() => {
          const row = emptyAllergy();
          setAddedKey(row.key);
          form.insertListItem('allergies', row);
        }}
      >
        {values.allergies.map((row, index) => (
          <Fieldset key={row.key} legend={t('cases.fields.allergy', { number: index + 1 })}>
            <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
              <TextInput
                label={t('cases.fields.allergySubstance')}
                withAsterisk
                autoFocus={row.key === addedKey}
                {...form.getInputProps(`allergies.${index}.substance`)}
              />
              <TextInput
                label={t('cases.fields.allergyReaction')}
                description={t('cases.fields.allergyReactionHint')}
                {...form.getInputProps(`allergies.${index}.reaction`)}
              />
              <NativeSelect
                label={t('cases.fields.allergySeverity')}
                data={[
                  { value: '', label: t('cases.fields.chooseSeverity') },
                  ...allergySeverities.map((severity) => ({
                    value: severity,
                    label: t(`cases.severities.${severity}`),
                  })),
                ]}
                {...form.getInputProps(`allergies.${index}.severity`)}
              />
            </SimpleGrid>
            <RemoveButton
              label={t('cases.fields.removeAllergy', { number: index + 1 })}
              listId="allergies-title"
              onClick={() => form.removeListItem('allergies', index)}
            />
          </Fieldset>
        ))}
      </RowList>

      {withDevices && (
        <RowList
          id="devices-title"
          title={t('cases.fields.devices')}
          hint={t('cases.fields.devicesHint')}
          emptyText={t('cases.fields.noDevices')}
          addLabel={t('cases.fields.addDevice')}
          canAdd={values.devices.length < rowLimits.devices}
          count={values.devices.length}
          onAdd={() => {
            const row = emptyTextRow();
            setAddedKey(row.key);
            form.insertListItem('devices', row);
          }}
        >
          {values.devices.map((row, index) => (
            <Fieldset key={row.key} legend={t('cases.fields.device', { number: index + 1 })}>
              <TextInput
                label={t('cases.fields.deviceDescription')}
                withAsterisk
                autoFocus={row.key === addedKey}
                {...form.getInputProps(`devices.${index}.text`)}
              />
              <RemoveButton
                label={t('cases.fields.removeDevice', { number: index + 1 })}
                listId="devices-title"
                onClick={() => form.removeListItem('devices', index)}
              />
            </Fieldset>
          ))}
        </RowList>
      )}
    </Stack>
  );
}
