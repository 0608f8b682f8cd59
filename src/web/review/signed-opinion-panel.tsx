/**
 * The opinion once signed (issue 3): every signed version read-only, oldest first — the opinion,
 * then its addenda — each with its SHA-256 seal, its verification code and its PDF. The signed
 * text is frozen: the specialist adds a correction, or answers a patient's follow-up question, as
 * a new signed addendum, and each needs the password and second factor again.
 */
import {
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { addendumContentSchema, opinionContentSchema } from '../../core/opinion.ts';
import { caseQueryKey, refreshCases, type CaseView } from '../queue/case-api.ts';
import { unlessCancelled, useWithReauthentication } from '../session/reauthentication.tsx';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { OpinionContentView } from './opinion-content-view.tsx';
import {
  answerFollowUp,
  displayVerificationCode,
  fetchSignedOpinion,
  opinionPdfPath,
  signCorrection,
  signedOpinionQueryKey,
  type SignedVersion,
} from './review-api.ts';

function VersionCard({ version, caseView }: { version: SignedVersion; caseView: CaseView }) {
  const { t, i18n } = useTranslation();
  const formatDateTime = useDateTimeFormat({ dateStyle: 'long', timeStyle: 'short' });
  const isAddendum = version.kind === 'addendum';
  const opinion = isAddendum ? null : opinionContentSchema.safeParse(version.content);
  const addendum = isAddendum ? addendumContentSchema.safeParse(version.content) : null;
  const titleId = `signed-version-${version.id}`;
  const signer =
    version.signerCredentials === ''
      ? version.signerName
      : `${version.signerName}, ${version.signerCredentials}`;
  const title = !isAddendum
    ? t('review.signed.opinionTitle')
    : addendum?.success === true && addendum.data.reason === 'follow_up_answer'
      ? t('review.signed.followUpTitle', { number: version.sequence - 1 })
      : t('review.signed.correctionTitle', { number: version.sequence - 1 });
  return (
    <Card withBorder padding="md" component="article" aria-labelledby={titleId}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Title order={3} size="h4" id={titleId}>
            {title}
          </Title>
          <Group gap="xs">
            <Badge variant="light" color="green" tt="none">
              <span aria-hidden="true">✓ </span>
              {t('review.signed.sealed')}
            </Badge>
            {version.current && (
              <Badge variant="outline" tt="none">
                {t('review.signed.current')}
              </Badge>
            )}
          </Group>
        </Group>
        <Text size="sm">
          {t('review.signed.signedBy', {
            name: signer,
            date: formatDateTime(version.signedAt),
          })}
        </Text>
        <Stack component="dl" gap={2} m={0}>
          <Text size="sm" fw={600} component="dt">
            {t('review.signed.verificationCode')}
          </Text>
          <Text component="dd" m={0} mb={4}>
            <Code fz="md" fw={700}>
              {displayVerificationCode(version.verificationCode)}
            </Code>
          </Text>
          <Text size="sm" fw={600} component="dt">
            {t('review.signed.seal')}
          </Text>
          <Text component="dd" m={0} size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
            {version.sealSha256}
          </Text>
        </Stack>
        <Group>
          <Anchor
            href={opinionPdfPath(caseView.id, version.id, i18n.resolvedLanguage ?? 'en')}
            download
            fw={600}
          >
            {isAddendum ? t('review.signed.downloadAddendum') : t('review.signed.download')}
          </Anchor>
        </Group>
        {opinion?.success === true && (
          <OpinionContentView
            content={opinion.data}
            questions={caseView.questions}
            headingOrder={4}
            idPrefix={titleId}
          />
        )}
        {addendum?.success === true && (
          <Stack gap={4}>
            {version.followUpQuestion !== null && (
              <Text size="sm" fw={600} style={{ whiteSpace: 'pre-wrap' }}>
                {t('review.signed.patientAsked', { question: version.followUpQuestion })}
              </Text>
            )}
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {addendum.data.text}
            </Text>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

/** A text signed as an addendum: the form, the re-authentication and the refresh afterwards. */
function SignedTextForm({
  caseView,
  label,
  description,
  submitLabel,
  doneMessage,
  sign,
}: {
  caseView: CaseView;
  label: string;
  description?: string;
  submitLabel: string;
  doneMessage: string;
  sign: (text: string) => Promise<CaseView>;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const withReauthentication = useWithReauthentication();
  const form = useForm({
    mode: 'controlled',
    initialValues: { text: '' },
    validate: { text: (value) => (value.trim() === '' ? t('validation.required') : null) },
  });
  const mutation = useMutation({
    mutationFn: (text: string) => withReauthentication(() => sign(text)),
    onSuccess: async (updated) => {
      form.reset();
      queryClient.setQueryData(caseQueryKey(caseView.id), updated);
      notifications.show({ color: 'green', message: doneMessage });
      await queryClient.invalidateQueries({ queryKey: signedOpinionQueryKey(caseView.id) });
      await refreshCases(queryClient);
    },
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit(
        (values) => mutation.mutate(values.text.trim()),
        () => undefined,
      )}
    >
      <Stack gap="xs">
        <ErrorAlert error={unlessCancelled(mutation.error)} />
        <Textarea
          label={label}
          description={description}
          required
          autosize
          minRows={3}
          maxLength={8000}
          {...form.getInputProps('text')}
        />
        <Group>
          <Button type="submit" loading={mutation.isPending}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function SignedOpinionPanel({
  caseView,
  isAuthor,
}: {
  caseView: CaseView;
  isAuthor: boolean;
}) {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat();
  const report = useQuery({
    queryKey: signedOpinionQueryKey(caseView.id),
    queryFn: () => fetchSignedOpinion(caseView.id),
  });
  const versions = report.data?.versions ?? [];
  const followUps = caseView.followUps;
  const open = followUps.filter((question) => question.answeredAt === null);
  const answered = followUps.filter((question) => question.answeredAt !== null);

  return (
    <Stack gap="md">
      <Stack gap="sm" component="section" aria-labelledby="signed-opinion-title">
        <Title order={2} size="h3" id="signed-opinion-title">
          {t('review.signed.title')}
        </Title>
        <Text size="sm">{t('review.signed.intro')}</Text>
        {report.isPending && <Text role="status">{t('common.loading')}</Text>}
        <ErrorAlert error={report.error} />
        {versions.map((version) => (
          <VersionCard key={version.id} version={version} caseView={caseView} />
        ))}
      </Stack>
      {isAuthor && (
        <Card withBorder padding="md" component="section" aria-labelledby="follow-ups-title">
          <Stack gap="sm">
            <Title order={2} size="h4" id="follow-ups-title">
              {t('review.followUps.title')}
            </Title>
            <Text size="sm">
              {t('review.followUps.allowance', {
                asked: caseView.followUpAllowance.asked,
                limit: caseView.followUpAllowance.limit,
              })}
            </Text>
            {followUps.length === 0 && (
              <Text size="sm" c="dimmed">
                {t('review.followUps.none')}
              </Text>
            )}
            {open.map((question, index) => (
              <Card withBorder padding="sm" key={question.id}>
                <Stack gap="xs">
                  <Text size="xs" c="dimmed">
                    {t('review.followUps.askedOn', { date: formatDateTime(question.askedAt) })}
                  </Text>
                  <Text size="sm" fw={600} style={{ whiteSpace: 'pre-wrap' }}>
                    {question.text}
                  </Text>
                  <SignedTextForm
                    caseView={caseView}
                    label={t('review.followUps.answer', { number: index + 1 })}
                    description={t('review.followUps.answerHint')}
                    submitLabel={t('review.followUps.submit')}
                    doneMessage={t('review.followUps.done')}
                    sign={(text) => answerFollowUp(caseView.id, question.id, text)}
                  />
                </Stack>
              </Card>
            ))}
            {answered.map((question) => (
              <Stack gap={2} key={question.id}>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                  {question.text}
                </Text>
                <Text size="xs" c="dimmed">
                  {t('review.followUps.answeredOn', {
                    date: formatDateTime(question.answeredAt),
                  })}
                </Text>
              </Stack>
            ))}
          </Stack>
        </Card>
      )}
      {isAuthor && versions.length > 0 && (
        <Card withBorder padding="md" component="section" aria-labelledby="correction-title">
          <Stack gap="sm">
            <Title order={2} size="h4" id="correction-title">
              {t('review.correction.title')}
            </Title>
            <Text size="sm">{t('review.correction.intro')}</Text>
            <SignedTextForm
              caseView={caseView}
              label={t('review.correction.text')}
              submitLabel={t('review.correction.submit')}
              doneMessage={t('review.correction.done')}
              sign={(text) => signCorrection(caseView.id, text)}
            />
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
