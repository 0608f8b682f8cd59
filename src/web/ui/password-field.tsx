/**
 * A password input whose show/hide toggle is named without the word "password", so the field
 * itself is the only control a person (or a test) finds by the label "Password". The toggle is
 * reachable by keyboard and reports its state with aria-pressed.
 */
import { PasswordInput, type PasswordInputProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function PasswordField(props: PasswordInputProps) {
  const { t } = useTranslation();
  return (
    <PasswordInput
      visibilityToggleButtonProps={{ 'aria-label': t('fields.revealCharacters') }}
      visibilityToggleFocusable
      // Mantine's PasswordInput does not mark its inner input invalid itself (WCAG 3.3.1).
      aria-invalid={props.error ? true : undefined}
      {...props}
    />
  );
}
