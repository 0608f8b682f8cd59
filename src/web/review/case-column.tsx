/**
 * The case side of the review workspace: everything the patient side told and sent, read-only —
 * the shared staff case summary (summary, working diagnosis, proposed treatment, goals, the
 * patient's questions, medications, allergies and devices), the record requests, the questions the
 * specialist asked and their answers, the documents and the timeline.
 */
import { Badge, Card, Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { CaseRecordsSection } from '../records/case-records-section.tsx';
import type { CaseView } from '../queue/case-api.ts';
import { CaseSummary, CaseTimeline } from '../specialist/case-summary.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card withBorder padding="md" component="section" aria-labelledby={id}>
      <Stack gap="xs">
        <Title order={2} size="h4" id={id}>
          {title}
        </Title>
        {children}
      </Stack>
    </Card>
  );
}

function RecordRequests({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const formatDate = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  if (caseView.recordRequests.length === 0) return null;
  return (
    <Section id="review-record-requests-title" title={t('review.case.recordRequests')}>
      <Stack gap="xs" component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
        {caseView.recordRequests.map((request) => (
          <Stack gap={2} component="li" key={request.id}>
            <Group gap="xs" wrap="wrap">
              <Text size="sm" fw={600}>
                {request.what}
              </Text>
              <Badge
                variant="light"
                color={request.status === 'open' ? 'yellow' : 'green'}
                tt="none"
              >
                {t(`review.case.requestStatus.${request.status}`)}
              </Badge>
            </Group>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {request.why}
            </Text>
            <Text size="xs" c="dimmed">
              {request.fulfilledAt === null
                ? t('review.case.requestDue', { date: formatDate(request.dueAt) })
                : t('review.case.requestMet', { date: formatDate(request.fulfilledAt) })}
            </Text>
          </Stack>
        ))}
      </Stack>
    </Section>
  );
}

function PatientQuestions({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const formatDate = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  const questions = [...caseView.patientQuestions].sort((a, b) =>
    a.askedAt.localeCompare(b.askedAt),
  );
  return (
    <Section id="review-patient-questions-title" title={t('review.case.askedTitle')}>
      {questions.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('review.case.askedNone')}
        </Text>
      ) : (
        <Stack gap="sm" component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
          {questions.map((question) => {
            const state =
              question.answeredAt !== null
                ? 'answered'
                : question.retractedAt !== null
                  ? 'withdrawn'
                  : 'waiting';
            return (
              <Stack gap={4} component="li" key={question.id}>
                <Group gap="xs" wrap="wrap">
                  <Text size="sm" fw={600} style={{ whiteSpace: 'pre-wrap' }}>
                    {question.text}
                  </Text>
                  <Badge
                    variant="light"
                    tt="none"
                    color={state === 'answered' ? 'green' : state === 'waiting' ? 'yellow' : 'gray'}
                  >
                    {t(`review.case.askedState.${state}`)}
                  </Badge>
                </Group>
                <Text size="xs" c="dimmed">
                  {t('review.case.askedOn', { date: formatDate(question.askedAt) })}
                </Text>
                {question.answer !== null && (
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    {t('review.case.answer', { answer: question.answer })}
                  </Text>
                )}
              </Stack>
            );
          })}
        </Stack>
      )}
    </Section>
  );
}

export function CaseColumn({ caseView }: { caseView: CaseView }) {
  return (
    <Stack gap="md">
      <CaseSummary caseView={caseView} withTimeline={false} />
      <RecordRequests caseView={caseView} />
      <PatientQuestions caseView={caseView} />
      <CaseRecordsSection caseId={caseView.id} audience="staff" />
      <CaseTimeline caseView={caseView} />
    </Stack>
  );
}
