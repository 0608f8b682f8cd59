/**
 * The structured opinion, read-only and complete: every section in the editor's order, written as
 * the specialist wrote it. The peer reviewer reads the draft this way and everyone on the case
 * reads the signed versions this way; a section not written yet says so.
 */
import { Badge, Card, Group, List, Stack, Text, Title, type TitleOrder } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { readingLevel } from '../../core/readability.ts';
import type { OpinionContent } from '../../core/opinion.ts';
import { useSectionTitle } from './guard-failures.ts';
import { type EditorSection } from './opinion-form.ts';

function Block({ children }: { children: ReactNode }) {
  return (
    <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
      {children}
    </Text>
  );
}

function Labelled({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="sm" fw={600}>
        {label}
      </Text>
      <Block>{children}</Block>
    </div>
  );
}

function NoneText({ text }: { text: string }) {
  return (
    <Text size="sm" c="dimmed">
      {text}
    </Text>
  );
}

export function OpinionContentView({
  content,
  questions,
  headingOrder = 3,
  idPrefix,
}: {
  content: OpinionContent;
  questions: readonly { id: string; text: string }[];
  headingOrder?: TitleOrder;
  /** Makes heading ids unique when several versions are on one page. */
  idPrefix: string;
}) {
  const { t } = useTranslation();
  const sectionTitle = useSectionTitle();
  const notWritten = t('review.view.notWritten');

  const section = (name: EditorSection, body: ReactNode) => (
    <Stack gap={6} component="section" aria-labelledby={`${idPrefix}-${name}`} key={name}>
      <Title order={headingOrder} size="h5" id={`${idPrefix}-${name}`}>
        {sectionTitle(name)}
      </Title>
      {body}
    </Stack>
  );

  const assessment = content.diagnosisAssessment;
  const answers = new Map((content.questionAnswers ?? []).map((a) => [a.questionId, a.answer]));
  const level =
    content.plainLanguageSummary === undefined ? null : readingLevel(content.plainLanguageSummary);

  return (
    <Stack gap="md">
      {section(
        'diagnosis_assessment',
        assessment === undefined ? (
          <NoneText text={notWritten} />
        ) : (
          <Stack gap={6}>
            <Group gap="xs" wrap="wrap">
              <Badge variant="light" tt="none">
                {t(`review.outcomes.${assessment.outcome}.label`)}
              </Badge>
              <Badge variant="outline" color="gray" tt="none">
                {t('review.view.confidence', {
                  level: t(`review.confidence.${assessment.confidence}`),
                })}
              </Badge>
            </Group>
            <Text size="sm" fw={600}>
              <Text span ff="monospace" fw={600}>
                {assessment.diagnosis.code}
              </Text>{' '}
              — {assessment.diagnosis.text}
            </Text>
            <Block>{assessment.rationale}</Block>
          </Stack>
        ),
      )}
      {section(
        'alternative_diagnoses',
        content.alternativeDiagnoses === undefined ? (
          <NoneText text={notWritten} />
        ) : content.alternativeDiagnoses.length === 0 ? (
          <NoneText text={t('review.sections.alternative_diagnoses.none')} />
        ) : (
          <List spacing="xs" size="sm">
            {content.alternativeDiagnoses.map((item, index) => (
              <List.Item key={index}>
                <Text span size="sm" fw={600}>
                  {item.diagnosis}
                </Text>
                {item.code !== undefined && (
                  <Text span size="sm" ff="monospace">
                    {' '}
                    ({item.code})
                  </Text>
                )}
                <Block>{item.reasoning}</Block>
              </List.Item>
            ))}
          </List>
        ),
      )}
      {section(
        'recommended_tests',
        content.recommendedTests === undefined ? (
          <NoneText text={notWritten} />
        ) : content.recommendedTests.length === 0 ? (
          <NoneText text={t('review.sections.recommended_tests.none')} />
        ) : (
          <List spacing="xs" size="sm">
            {content.recommendedTests.map((item, index) => (
              <List.Item key={index}>
                <Text span size="sm" fw={600}>
                  {item.test}
                </Text>
                <Block>{item.reason}</Block>
              </List.Item>
            ))}
          </List>
        ),
      )}
      {section(
        'treatment_options',
        content.treatmentOptions === undefined ? (
          <NoneText text={notWritten} />
        ) : (
          <Stack gap="xs">
            {content.treatmentOptions.map((option, index) => (
              <Card withBorder padding="sm" key={index} component="article">
                <Stack gap={6}>
                  <Text fw={700} size="sm">
                    {option.name}
                  </Text>
                  <Labelled label={t('review.fields.expectedBenefit')}>
                    {option.expectedBenefit}
                  </Labelled>
                  <Labelled label={t('review.fields.sideEffectsAndRisks')}>
                    {option.sideEffectsAndRisks}
                  </Labelled>
                  <Labelled label={t('review.fields.recoveryTime')}>{option.recoveryTime}</Labelled>
                  <Labelled label={t('review.fields.relativeCost')}>
                    {t(`review.costs.${option.relativeCost}`)}
                  </Labelled>
                  <Labelled label={t('review.fields.fitWithGoals')}>{option.fitWithGoals}</Labelled>
                </Stack>
              </Card>
            ))}
          </Stack>
        ),
      )}
      {section(
        'recommendation',
        content.recommendation === undefined ? (
          <NoneText text={notWritten} />
        ) : (
          <Stack gap={6}>
            <Block>{content.recommendation.text}</Block>
            <Text size="sm" fw={600}>
              {content.recommendation.changesProposedTreatment
                ? t('review.view.changesTreatment')
                : t('review.view.keepsTreatment')}
            </Text>
          </Stack>
        ),
      )}
      {section(
        'risk_of_waiting',
        content.riskOfWaiting === undefined ? (
          <NoneText text={notWritten} />
        ) : (
          <Stack gap={6}>
            <Labelled label={t('review.fields.riskOfWaiting')}>
              {content.riskOfWaiting.riskOfWaiting}
            </Labelled>
            <Labelled label={t('review.fields.riskOfActingNow')}>
              {content.riskOfWaiting.riskOfActingNow}
            </Labelled>
            <Labelled label={t('review.fields.advisedTiming')}>
              {content.riskOfWaiting.advisedTiming}
            </Labelled>
          </Stack>
        ),
      )}
      {section(
        'follow_up_windows',
        content.followUpWindows === undefined ? (
          <NoneText text={notWritten} />
        ) : content.followUpWindows.length === 0 ? (
          <NoneText text={t('review.sections.follow_up_windows.none')} />
        ) : (
          <List spacing={4} size="sm">
            {content.followUpWindows.map((item, index) => (
              <List.Item key={index}>
                <Text span size="sm" fw={600}>
                  {item.when}
                </Text>
                {': '}
                {item.what}
              </List.Item>
            ))}
          </List>
        ),
      )}
      {section(
        'warning_signs',
        content.warningSigns === undefined ? (
          <NoneText text={notWritten} />
        ) : content.warningSigns.length === 0 ? (
          <NoneText text={t('review.sections.warning_signs.none')} />
        ) : (
          <List spacing={4} size="sm">
            {content.warningSigns.map((item, index) => (
              <List.Item key={index}>
                <Text span size="sm" fw={600}>
                  {item.sign}
                </Text>
                {': '}
                {item.action}
              </List.Item>
            ))}
          </List>
        ),
      )}
      {section(
        'question_answers',
        <Stack gap="xs">
          {questions.map((question) => (
            <div key={question.id}>
              <Text size="sm" fw={600}>
                {question.text}
              </Text>
              {answers.has(question.id) ? (
                <Block>{answers.get(question.id)}</Block>
              ) : (
                <NoneText text={t('review.view.notAnswered')} />
              )}
            </div>
          ))}
        </Stack>,
      )}
      {section(
        'plain_language_summary',
        content.plainLanguageSummary === undefined ? (
          <NoneText text={notWritten} />
        ) : (
          <Stack gap={6}>
            <Block>{content.plainLanguageSummary}</Block>
            {level !== null && (
              <Text size="xs" c="dimmed">
                {t('review.readability.grade', { grade: level.grade.toFixed(1) })}
              </Text>
            )}
          </Stack>
        ),
      )}
      {content.references !== undefined &&
        content.references.length > 0 &&
        section(
          'references',
          <List spacing={4} size="sm" type="ordered">
            {content.references.map((reference, index) => (
              <List.Item key={index}>
                {reference.citation}
                {reference.url !== undefined && (
                  <Text span size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {' '}
                    <a href={reference.url} target="_blank" rel="noreferrer noopener">
                      {reference.url}
                    </a>
                  </Text>
                )}
              </List.Item>
            ))}
          </List>,
        )}
    </Stack>
  );
}
