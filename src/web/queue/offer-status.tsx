/**
 * Who holds the case: the pending offer and its accept-before time, the assigned specialist, and
 * the history of earlier offers (declined with their reason, expired). When the last offer was
 * declined or timed out and the case is back in matching, the coordinator is asked plainly to
 * offer it again (issue 3: "on decline or timeout the coordinator is alerted to re-offer").
 */
import { Alert, Badge, Button, Card, Group, List, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import type { CaseView, OfferHistoryEntry } from './case-api.ts';
import { Deadline, useNow } from './case-display.tsx';

const statusColour: Record<string, string> = {
  pending: 'blue',
  accepted: 'green',
  declined: 'orange',
  expired: 'red',
  withdrawn: 'gray',
  ended: 'gray',
};

function OfferStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={statusColour[status] ?? 'gray'} tt="none">
      {t(`queue.offerStatus.${status}`, { defaultValue: status })}
    </Badge>
  );
}

/** The most recent offer that ended without an acceptance, when it is the latest word. */
function lastUnansweredOffer(caseView: CaseView): OfferHistoryEntry | null {
  const latest = [...caseView.offers].sort((a, b) => b.offeredAt.localeCompare(a.offeredAt))[0];
  return latest !== undefined && (latest.status === 'declined' || latest.status === 'expired')
    ? latest
    : null;
}

export function ReofferPrompt({
  caseView,
  onReoffer,
}: {
  caseView: CaseView;
  /** Absent when the viewer may not offer (the button is then not shown). */
  onReoffer?: (() => void) | undefined;
}) {
  const { t } = useTranslation();
  if (caseView.state !== 'ready_for_matching') return null;
  const last = lastUnansweredOffer(caseView);
  if (last === null) return null;
  return (
    <Alert
      color="orange"
      variant="light"
      role="status"
      title={
        last.status === 'declined'
          ? t('queue.reoffer.declinedTitle', { name: last.specialistName })
          : t('queue.reoffer.expiredTitle', { name: last.specialistName })
      }
    >
      <Stack gap="xs">
        {last.status === 'declined' && last.declineReason !== null && (
          <Text size="sm">{t('queue.reoffer.reason', { reason: last.declineReason })}</Text>
        )}
        <Text size="sm">{t('queue.reoffer.body')}</Text>
        {onReoffer !== undefined && (
          <Group>
            <Button color="orange.9" onClick={onReoffer}>
              {t('queue.reoffer.action')}
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

export function OfferStatusPanel({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  const now = useNow();
  const { offer, assignedSpecialist } = caseView;
  const history = [...caseView.offers].sort((a, b) => b.offeredAt.localeCompare(a.offeredAt));
  if (offer === null && assignedSpecialist === null && history.length === 0) return null;
  return (
    <Card withBorder padding="md" component="section" aria-labelledby="case-offer-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="case-offer-title">
          {t('queue.offerPanel.title')}
        </Title>
        {assignedSpecialist !== null && (
          <Text>
            {t('queue.offerPanel.assigned', {
              name: assignedSpecialist.name,
              credentials: assignedSpecialist.credentials,
            })}
          </Text>
        )}
        {offer !== null && (
          <Stack gap={4}>
            <Text>
              {t('queue.offerPanel.pending', {
                name: offer.specialistName,
                offeredAt: formatDateTime(offer.offeredAt),
              })}
            </Text>
            {offer.note !== null && (
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {t('queue.offerPanel.note', { note: offer.note })}
              </Text>
            )}
            <Group gap="xs">
              <Text size="sm">{t('queue.offerPanel.acceptBefore')}</Text>
              <Deadline
                at={offer.expiresAt}
                overdue={new Date(offer.expiresAt).getTime() <= now}
                now={now}
              />
            </Group>
          </Stack>
        )}
        {history.length > 0 && (
          <Stack gap={4}>
            <Text fw={600} size="sm" id="case-offer-history">
              {t('queue.offerPanel.history')}
            </Text>
            <List spacing="xs" aria-labelledby="case-offer-history" listStyleType="none" ml={0}>
              {history.map((entry) => (
                <List.Item key={entry.id}>
                  <Group gap="xs" wrap="wrap">
                    <Text size="sm" fw={600}>
                      {entry.specialistName}
                    </Text>
                    <OfferStatusBadge status={entry.status} />
                    <Text size="xs" c="dimmed">
                      <time dateTime={entry.offeredAt}>{formatDateTime(entry.offeredAt)}</time>
                    </Text>
                  </Group>
                  {entry.declineReason !== null && (
                    <Text size="sm" mt={2}>
                      {t('queue.reoffer.reason', { reason: entry.declineReason })}
                    </Text>
                  )}
                </List.Item>
              ))}
            </List>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
