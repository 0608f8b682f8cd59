/**
 * The case as the patient side told it, read-only: the summary, the working diagnosis, the
 * patient's own questions, medications, allergies and implanted devices, and the timeline of the
 * case. Shared by the coordinator's case page, the specialist's offer page and (later) the review
 * workspace, so every member of staff reads the same facts laid out the same way.
 */
import {
  Badge,
  Card,
  Group,
  List,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseView } from '../queue/case-api.ts';

type TimelineEntry = CaseView['timeline'][number];
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

/** A labelled fact; "not given" when the patient side left it empty. */
function Fact({ label, value }: { label: string; value: ReactNode }) {
  const { t } = useTranslation();
  const empty = value === null || value === undefined || value === '';
  return (
    <div>
      <Text fw={600} size="sm">
        {label}
      </Text>
      {empty ? (
        <Text size="sm" c="dimmed">
          {t('specialist.summary.notGiven')}
        </Text>
      ) : typeof value === 'string' ? (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {value}
        </Text>
      ) : (
        value
      )}
    </div>
  );
}

interface Goals {
  whatMatters?: string;
  opinionScope?: string;
  preferredLanguage?: string;
  writtenOnly?: boolean;
}

/** The intake goals, narrowed from the API's open shape. */
function goalsOf(value: unknown): Goals {
  if (typeof value !== 'object' || value === null) return {};
  const goals: Goals = {};
  if ('whatMatters' in value && typeof value.whatMatters === 'string')
    goals.whatMatters = value.whatMatters;
  if ('opinionScope' in value && typeof value.opinionScope === 'string')
    goals.opinionScope = value.opinionScope;
  if ('preferredLanguage' in value && typeof value.preferredLanguage === 'string')
    goals.preferredLanguage = value.preferredLanguage;
  if ('writtenOnly' in value && typeof value.writtenOnly === 'boolean')
    goals.writtenOnly = value.writtenOnly;
  return goals;
}

function SummarySection({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const goals = goalsOf(caseView.goals);
  return (
    <Section id="case-summary-title" title={t('specialist.summary.title')}>
      <Fact label={t('specialist.summary.condition')} value={caseView.conditionDescription} />
      {caseView.urgency === 'urgent' && (
        <Fact label={t('specialist.summary.urgencyReason')} value={caseView.urgencyReason} />
      )}
      <Fact label={t('specialist.summary.proposedTreatment')} value={caseView.proposedTreatment} />
      <Fact label={t('specialist.summary.history')} value={caseView.history} />
      <Fact label={t('specialist.summary.whatMatters')} value={goals.whatMatters} />
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <Fact
          label={t('specialist.summary.opinionScope')}
          value={
            goals.opinionScope === undefined
              ? undefined
              : t(`specialist.summary.scopes.${goals.opinionScope}`, {
                  defaultValue: goals.opinionScope,
                })
          }
        />
        <Fact label={t('specialist.summary.preferredLanguage')} value={goals.preferredLanguage} />
        <Fact
          label={t('specialist.summary.format')}
          value={
            goals.writtenOnly === undefined
              ? undefined
              : goals.writtenOnly
                ? t('specialist.summary.writtenOnly')
                : t('specialist.summary.withConsultation')
          }
        />
      </SimpleGrid>
    </Section>
  );
}

function DiagnosisSection({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const { code, text } = caseView.diagnosis;
  return (
    <Section id="case-diagnosis-title" title={t('specialist.summary.diagnosis')}>
      {code === null && text === null ? (
        <Text size="sm" c="dimmed">
          {t('specialist.summary.noDiagnosis')}
        </Text>
      ) : (
        <Group gap="xs" wrap="wrap">
          {code !== null && (
            <Badge variant="outline" color="gray" tt="none" ff="monospace">
              {t('specialist.summary.icd10cm', { code })}
            </Badge>
          )}
          {text !== null && <Text size="sm">{text}</Text>}
        </Group>
      )}
    </Section>
  );
}

function QuestionsSection({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  return (
    <Section id="case-questions-title" title={t('specialist.summary.questions')}>
      {caseView.questions.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('specialist.summary.noQuestions')}
        </Text>
      ) : (
        <List type="ordered" spacing="xs" size="sm">
          {caseView.questions.map((question) => (
            <List.Item key={question.id}>{question.text}</List.Item>
          ))}
        </List>
      )}
    </Section>
  );
}

function MedicationsSection({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  return (
    <Section id="case-medications-title" title={t('specialist.summary.medicationsTitle')}>
      <Text fw={600} size="sm">
        {t('specialist.summary.medications')}
      </Text>
      {caseView.medications.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('specialist.summary.noneListed')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={360}>
          <Table verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('specialist.summary.medication')}</Table.Th>
                <Table.Th scope="col">{t('specialist.summary.dose')}</Table.Th>
                <Table.Th scope="col">{t('specialist.summary.frequency')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {caseView.medications.map((medication, index) => (
                <Table.Tr key={`${medication.name}-${index}`}>
                  <Table.Td>{medication.name}</Table.Td>
                  <Table.Td>{medication.dose ?? '—'}</Table.Td>
                  <Table.Td>{medication.frequency ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Text fw={600} size="sm">
        {t('specialist.summary.allergies')}
      </Text>
      {caseView.allergies.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('specialist.summary.noneListed')}
        </Text>
      ) : (
        <List spacing={4} size="sm">
          {caseView.allergies.map((allergy, index) => (
            <List.Item key={`${allergy.substance}-${index}`}>
              <Text span size="sm" fw={600}>
                {allergy.substance}
              </Text>
              {allergy.reaction !== null && (
                <Text span size="sm">
                  {' — '}
                  {allergy.reaction}
                </Text>
              )}
              {allergy.severity !== null && (
                <Text span size="sm" c="dimmed">
                  {' '}
                  ({t(`specialist.summary.severities.${allergy.severity}`)})
                </Text>
              )}
            </List.Item>
          ))}
        </List>
      )}
      <Text fw={600} size="sm">
        {t('specialist.summary.devices')}
      </Text>
      {caseView.devices.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('specialist.summary.noneListed')}
        </Text>
      ) : (
        <List spacing={4} size="sm">
          {caseView.devices.map((device, index) => (
            <List.Item key={`${device}-${index}`}>{device}</List.Item>
          ))}
        </List>
      )}
    </Section>
  );
}

export function CaseTimeline({ caseView }: { caseView: CaseView }) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  const entries = [...caseView.timeline].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  const timelineTitle = (entry: TimelineEntry): string => {
    switch (entry.kind) {
      case 'created':
        return t('specialist.summary.created');
      case 'transition':
        return t(`queue.transitions.${entry.transition ?? 'unknown'}`);
      case 'event':
        return t(`specialist.summary.events.${entry.event ?? 'unknown'}`, {
          defaultValue: t('specialist.summary.events.unknown'),
        });
    }
  };
  return (
    <Section id="case-timeline-title" title={t('specialist.summary.timeline')}>
      <Timeline active={entries.length - 1} bulletSize={14} lineWidth={2}>
        {entries.map((entry) => (
          <Timeline.Item key={entry.id} title={timelineTitle(entry)}>
            {entry.toState !== null && entry.kind === 'transition' && (
              <Text size="sm">
                {t('specialist.summary.movedTo', { state: t(`queue.states.${entry.toState}`) })}
              </Text>
            )}
            {entry.note !== null && (
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {entry.note}
              </Text>
            )}
            <Text size="xs" c="dimmed">
              <time dateTime={entry.occurredAt}>{formatDateTime(entry.occurredAt)}</time>
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
    </Section>
  );
}

/** The read-only case summary: every section, in reading order. */
export function CaseSummary({
  caseView,
  withTimeline = true,
}: {
  caseView: CaseView;
  withTimeline?: boolean;
}) {
  return (
    <Stack gap="md">
      <SummarySection caseView={caseView} />
      <DiagnosisSection caseView={caseView} />
      <QuestionsSection caseView={caseView} />
      <MedicationsSection caseView={caseView} />
      {withTimeline && <CaseTimeline caseView={caseView} />}
    </Stack>
  );
}
