/**
 * The parts of the patient's case page that belong to review and after: who is on the case,
 * questions from the specialist (answered here by the patient or their proxy), the signed report
 * once delivered (its plain-language parts, each addendum, the PDF, confirming receipt) and
 * follow-up questions within the organization's allowance.
 */
import { Badge, Button, Group, List, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  addendumContentSchema,
  opinionContentSchema,
  type OpinionContent,
} from '../../core/opinion.ts';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import {
  answerPatientQuestion,
  askFollowUp,
  confirmReceipt,
  opinionPdfPath,
  rememberCase,
  signedOpinionQueryOptions,
  type CaseView,
  type SignedOpinion,
} from './case-api.ts';
import { CaseLoading } from './case-loading.tsx';

/** The longest answer or follow-up question accepted. */
const maxTextLength = 4000;

/** States in which the report has reached the patient side. */
const deliveredStates: readonly CaseView['state'][] = ['delivered', 'follow_up', 'closed'];

/** Whether the signed-in person is the patient or acts for them (not their referring doctor). */
function usePatientOrProxy(): boolean {
  const role = useSignedInSession().membership.role;
  return role === 'patient' || role === 'proxy';
}

export function PeopleSection({
  view,
  organizationName,
}: {
  view: CaseView;
  organizationName: string;
}) {
  const { t } = useTranslation();
  const specialist = view.assignedSpecialist;
  const referrer = view.referringPhysician;
  return (
    <Stack gap="xs" component="section" aria-labelledby="case-people-title">
      <Title order={2} size="h3" id="case-people-title">
        {t('cases.people.title')}
      </Title>
      <Text>{t('cases.people.organization', { organization: organizationName })}</Text>
      {(specialist !== null || referrer !== null) && (
        <List spacing="xs">
          {specialist !== null && (
            <List.Item>
              <Text span fw={600}>
                {specialist.name}
              </Text>
              {specialist.credentials !== '' && <Text span>, {specialist.credentials}</Text>}
              <Text span c="dimmed">
                {' '}
                · {t('cases.people.roles.specialist')}
              </Text>
            </List.Item>
          )}
          {referrer !== null && (
            <List.Item>
              <Text span fw={600}>
                {referrer.name}
              </Text>
              <Text span c="dimmed">
                {' '}
                · {t('cases.people.roles.referrer')}
              </Text>
            </List.Item>
          )}
        </List>
      )}
    </Stack>
  );
}

function SendTextForm({
  label,
  submitLabel,
  onSend,
}: {
  label: string;
  submitLabel: string;
  onSend: (text: string) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const send = useMutation({ mutationFn: onSend, onSuccess: () => setText('') });
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim() === '') {
          setProblem(t('cases.problems.required'));
          return;
        }
        setProblem(null);
        send.mutate(text.trim());
      }}
    >
      <Stack gap="xs">
        <Textarea
          label={label}
          value={text}
          error={problem}
          maxLength={maxTextLength}
          autosize
          minRows={3}
          onChange={(event) => setText(event.currentTarget.value)}
        />
        <ErrorAlert error={send.error} />
        <Group>
          <Button type="submit" loading={send.isPending}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function SpecialistQuestionsSection({ view }: { view: CaseView }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const mayAnswer = usePatientOrProxy() && view.state === 'awaiting_patient';
  const formatDate = useDateTimeFormat({ dateStyle: 'medium', timeStyle: 'short' });
  // A question the specialist took back is no longer asked.
  const questions = view.patientQuestions.filter((question) => question.retractedAt === null);
  if (questions.length === 0) return null;
  return (
    <Stack gap="sm" component="section" aria-labelledby="specialist-questions-title">
      <Title order={2} size="h3" id="specialist-questions-title">
        {t('cases.specialistQuestions.title')}
      </Title>
      {questions.map((question, index) => (
        <Paper key={question.id} withBorder p="md">
          <Stack gap="xs">
            <Text size="sm" c="dimmed">
              {t('cases.specialistQuestions.asked', { date: formatDate(question.askedAt) })}
            </Text>
            <Text fw={600} style={{ whiteSpace: 'pre-wrap' }}>
              {question.text}
            </Text>
            {question.answer !== null ? (
              <>
                <Text style={{ whiteSpace: 'pre-wrap' }}>{question.answer}</Text>
                {question.answeredAt !== null && (
                  <Text size="sm" c="dimmed">
                    {t('cases.specialistQuestions.answered', {
                      date: formatDate(question.answeredAt),
                    })}
                  </Text>
                )}
              </>
            ) : mayAnswer ? (
              <SendTextForm
                label={t('cases.specialistQuestions.answerLabel', { number: index + 1 })}
                submitLabel={t('cases.specialistQuestions.send')}
                onSend={async (answer) => {
                  const updated = await answerPatientQuestion(view.id, question.id, answer);
                  notifications.show({
                    color: 'green',
                    message: t('cases.specialistQuestions.sent'),
                  });
                  await rememberCase(queryClient, updated);
                }}
              />
            ) : (
              <Text>{t('cases.specialistQuestions.patientAnswers')}</Text>
            )}
          </Stack>
        </Paper>
      ))}
    </Stack>
  );
}

type SignedVersion = SignedOpinion['versions'][number];

/** The parts of the opinion a patient reads first, in plain words where the specialist gave them. */
function OpinionContentView({ content, view }: { content: OpinionContent; view: CaseView }) {
  const { t } = useTranslation();
  const questionText = new Map(view.questions.map((question) => [question.id, question.text]));
  return (
    <Stack gap="sm">
      {content.plainLanguageSummary !== undefined && (
        <div>
          <Title order={4} size="h5">
            {t('cases.report.summary')}
          </Title>
          <Text style={{ whiteSpace: 'pre-wrap' }}>{content.plainLanguageSummary}</Text>
        </div>
      )}
      {content.diagnosisAssessment !== undefined && (
        <div>
          <Title order={4} size="h5">
            {t('cases.report.diagnosis')}
          </Title>
          <Text>{t(`cases.report.outcomes.${content.diagnosisAssessment.outcome}`)}</Text>
          <Text fw={500}>
            {content.diagnosisAssessment.diagnosis.code} —{' '}
            {content.diagnosisAssessment.diagnosis.text}
          </Text>
        </div>
      )}
      {content.recommendation !== undefined && (
        <div>
          <Title order={4} size="h5">
            {t('cases.report.recommendation')}
          </Title>
          <Text style={{ whiteSpace: 'pre-wrap' }}>{content.recommendation.text}</Text>
        </div>
      )}
      {content.questionAnswers !== undefined && content.questionAnswers.length > 0 && (
        <div>
          <Title order={4} size="h5">
            {t('cases.report.answers')}
          </Title>
          <Stack gap="xs" mt={4}>
            {content.questionAnswers.map((answer) => (
              <div key={answer.questionId}>
                <Text fw={600}>{questionText.get(answer.questionId) ?? ''}</Text>
                <Text style={{ whiteSpace: 'pre-wrap' }}>{answer.answer}</Text>
              </div>
            ))}
          </Stack>
        </div>
      )}
      {content.warningSigns !== undefined && content.warningSigns.length > 0 && (
        <div>
          <Title order={4} size="h5">
            {t('cases.report.warningSigns')}
          </Title>
          <List spacing={4}>
            {content.warningSigns.map((sign, index) => (
              <List.Item key={index}>
                <Text span fw={600}>
                  {sign.sign}
                </Text>
                : {sign.action}
              </List.Item>
            ))}
          </List>
        </div>
      )}
      {content.followUpWindows !== undefined && content.followUpWindows.length > 0 && (
        <div>
          <Title order={4} size="h5">
            {t('cases.report.followUpWindows')}
          </Title>
          <List spacing={4}>
            {content.followUpWindows.map((window, index) => (
              <List.Item key={index}>
                {window.what} — {window.when}
              </List.Item>
            ))}
          </List>
        </div>
      )}
      <Text size="sm" c="dimmed">
        {t('cases.report.fullReportInPdf')}
      </Text>
    </Stack>
  );
}

function VersionCard({ version, view }: { version: SignedVersion; view: CaseView }) {
  const { t, i18n } = useTranslation();
  const formatDate = useDateTimeFormat({ dateStyle: 'long', timeStyle: 'short' });
  const isAddendum = version.kind === 'addendum';
  const opinion = isAddendum ? null : opinionContentSchema.safeParse(version.content);
  const addendum = isAddendum ? addendumContentSchema.safeParse(version.content) : null;
  const signer =
    version.signerCredentials === ''
      ? version.signerName
      : `${version.signerName}, ${version.signerCredentials}`;
  return (
    <Paper withBorder p="md" component="article" aria-labelledby={`version-${version.id}`}>
      <Stack gap="sm">
        <Group gap="xs" justify="space-between" wrap="wrap">
          <Title order={3} size="h4" id={`version-${version.id}`}>
            {isAddendum ? t('cases.report.addendum') : t('cases.report.opinion')}
          </Title>
          {isAddendum && <Badge variant="light">{t('cases.report.addendumBadge')}</Badge>}
        </Group>
        <Text size="sm">
          {t('cases.report.signedBy', { name: signer, date: formatDate(version.signedAt) })}
        </Text>
        {opinion?.success === true && <OpinionContentView content={opinion.data} view={view} />}
        {addendum?.success === true && (
          <Stack gap={4}>
            {version.followUpQuestion !== null && (
              <Text fw={600} style={{ whiteSpace: 'pre-wrap' }}>
                {t('cases.report.yourQuestion', { question: version.followUpQuestion })}
              </Text>
            )}
            <Text style={{ whiteSpace: 'pre-wrap' }}>{addendum.data.text}</Text>
          </Stack>
        )}
        <Text size="sm" c="dimmed">
          {t('cases.report.verification', { code: version.verificationCode })}
        </Text>
        <Group>
          <Button
            component="a"
            variant="light"
            href={opinionPdfPath(view.id, version.id, i18n.resolvedLanguage ?? 'en')}
            download
          >
            {isAddendum ? t('cases.report.downloadAddendum') : t('cases.report.download')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/** Receipts addressed to the signed-in person that they have not confirmed yet. */
function ReceiptConfirmation({ view }: { view: CaseView }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const session = useSignedInSession();
  const open = view.receipts.filter(
    (receipt) => receipt.recipientUserId === session.user.id && receipt.confirmedAt === null,
  );
  const confirm = useMutation({
    mutationFn: async () => {
      let updated: CaseView | null = null;
      for (const receipt of open) updated = await confirmReceipt(view.id, receipt.id);
      return updated;
    },
    onSuccess: async (updated) => {
      notifications.show({ color: 'green', message: t('cases.report.receiptConfirmed') });
      if (updated !== null) await rememberCase(queryClient, updated);
    },
  });
  if (open.length === 0) return null;
  return (
    <Stack gap="xs">
      <Text>{t('cases.report.confirmReceiptIntro')}</Text>
      <ErrorAlert error={confirm.error} />
      <Group>
        <Button loading={confirm.isPending} onClick={() => confirm.mutate()}>
          {t('cases.report.confirmReceipt')}
        </Button>
      </Group>
    </Stack>
  );
}

export function ReportSection({ view }: { view: CaseView }) {
  const { t } = useTranslation();
  const delivered = deliveredStates.includes(view.state) && view.opinion.versions.length > 0;
  const report = useQuery({ ...signedOpinionQueryOptions(view.id), enabled: delivered });
  if (!delivered) return null;
  const versions = report.data?.versions ?? [];
  return (
    <Stack gap="sm" component="section" aria-labelledby="case-report-title">
      <Title order={2} size="h3" id="case-report-title">
        {t('cases.report.title')}
      </Title>
      {report.isPending && <CaseLoading />}
      <ErrorAlert error={report.error} />
      <ReceiptConfirmation view={view} />
      {versions.map((version) => (
        <VersionCard key={version.id} version={version} view={view} />
      ))}
    </Stack>
  );
}

export function FollowUpsSection({ view }: { view: CaseView }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const formatDate = useDateTimeFormat({ dateStyle: 'long' });
  const patientOrProxy = usePatientOrProxy();
  // The moment the page was shown, to judge whether the window is still open.
  const [shownAt] = useState(() => Date.now());
  const { followUps, followUpAllowance: allowance } = view;
  const delivered = deliveredStates.includes(view.state);
  if (!delivered && followUps.length === 0) return null;
  const windowOpen =
    allowance.windowEndsAt !== null && new Date(allowance.windowEndsAt).getTime() > shownAt;
  const left = windowOpen ? Math.max(0, allowance.limit - allowance.asked) : 0;
  const mayAsk =
    patientOrProxy && left > 0 && (view.state === 'delivered' || view.state === 'follow_up');
  return (
    <Stack gap="sm" component="section" aria-labelledby="follow-ups-title">
      <Title order={2} size="h3" id="follow-ups-title">
        {t('cases.followUps.title')}
      </Title>
      <Text>
        {left === 0
          ? t('cases.followUps.noneLeft')
          : allowance.windowEndsAt === null
            ? t('cases.followUps.allowance', { count: left, limit: allowance.limit })
            : t('cases.followUps.allowanceUntil', {
                count: left,
                limit: allowance.limit,
                date: formatDate(allowance.windowEndsAt),
              })}
      </Text>
      {followUps.length > 0 && (
        <List spacing="xs">
          {followUps.map((question) => (
            <List.Item key={question.id}>
              <Text style={{ whiteSpace: 'pre-wrap' }}>{question.text}</Text>
              <Text size="sm" c="dimmed">
                {question.answeredAt !== null
                  ? t('cases.followUps.answered', { date: formatDate(question.answeredAt) })
                  : t('cases.followUps.waiting', { date: formatDate(question.askedAt) })}
              </Text>
            </List.Item>
          ))}
        </List>
      )}
      {mayAsk && (
        <SendTextForm
          label={t('cases.followUps.askLabel')}
          submitLabel={t('cases.followUps.send')}
          onSend={async (text) => {
            const updated = await askFollowUp(view.id, text);
            notifications.show({ color: 'green', message: t('cases.followUps.sent') });
            await rememberCase(queryClient, updated);
          }}
        />
      )}
    </Stack>
  );
}
