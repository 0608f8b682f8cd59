/**
 * Intake step 7: consent and review. The organization's consent text (its exact version is what
 * the server stores when the patient agrees), the answers as saved, the checklist of what is
 * still missing, and the button that sends the request. Consent is saved the moment it is given
 * or taken back, so the checklist always reflects it. Only the patient or their proxy can consent;
 * a referring physician is told that the patient has to.
 */
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Paper,
  ScrollArea,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import type { CaseView } from './case-api.ts';
import { submissionFailures, type IntakeStep } from './intake-form.ts';
import { IntakeSummary } from './intake-summary.tsx';
import { MissingItemsChecklist } from './missing-items-checklist.tsx';

export function IntakeConsentStep({
  view,
  mayConsent,
  consentChecked,
  consentSaving,
  onConsent,
  onGoToStep,
  onSubmit,
  submitting,
}: {
  view: CaseView;
  mayConsent: boolean;
  /** What the box shows: the saved answer, or the one being saved. */
  consentChecked: boolean;
  consentSaving: boolean;
  onConsent: (accepted: boolean) => void;
  onGoToStep: (step: IntakeStep) => void;
  onSubmit: () => void;
  submitting: boolean;
}) {
  const { t } = useTranslation();
  const formatDate = useDateTimeFormat({ dateStyle: 'long', timeStyle: 'short' });
  const version = view.consent.currentVersion;
  const consentText = view.consent.currentText;
  const ready = submissionFailures(view).length === 0;

  return (
    <Stack gap="xl">
      <Stack gap="sm" component="section" aria-labelledby="consent-title">
        <Title order={3} size="h4" id="consent-title">
          {t('cases.consent.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('cases.consent.version', { version })}
        </Text>
        {consentText !== null && (
          <Paper withBorder p={0}>
            <ScrollArea.Autosize mah={320} type="auto">
              <Text
                p="md"
                style={{ whiteSpace: 'pre-wrap' }}
                tabIndex={0}
                aria-label={t('cases.consent.textLabel', { version })}
              >
                {consentText}
              </Text>
            </ScrollArea.Autosize>
          </Paper>
        )}
        {mayConsent ? (
          <>
            <Checkbox
              label={t('cases.consent.accept', { version })}
              checked={consentChecked}
              // Not disabled while saving, so the keyboard focus stays on the box.
              onChange={(event) => {
                if (!consentSaving) onConsent(event.currentTarget.checked);
              }}
            />
            {view.consent.accepted && view.consent.acceptedAt !== null && (
              <Text size="sm" c="dimmed">
                {t('cases.consent.acceptedOn', { date: formatDate(view.consent.acceptedAt) })}
              </Text>
            )}
          </>
        ) : (
          <Alert variant="light" color="blue">
            {view.consent.accepted
              ? t('cases.consent.patientAgreed')
              : t('cases.consent.patientMustAgree')}
          </Alert>
        )}
      </Stack>

      <Stack gap="sm" component="section" aria-labelledby="review-title">
        <Title order={3} size="h4" id="review-title">
          {t('cases.review.title')}
        </Title>
        <IntakeSummary view={view} onChangeStep={onGoToStep} headingOrder={4} />
      </Stack>

      <MissingItemsChecklist view={view} onGoToStep={onGoToStep} />

      <Stack gap="xs">
        {!ready && <Text id="submit-blocked">{t('cases.intake.submitBlocked')}</Text>}
        <Group>
          <Button
            size="md"
            onClick={onSubmit}
            loading={submitting}
            disabled={!ready}
            aria-describedby={ready ? undefined : 'submit-blocked'}
          >
            {t('cases.intake.submit')}
          </Button>
        </Group>
      </Stack>
    </Stack>
  );
}
