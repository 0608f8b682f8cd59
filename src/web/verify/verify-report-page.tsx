/**
 * The public check of a printed report (issue 3): the PDF prints a verification code and this
 * page's address. Anyone holding the report can confirm it is authentic and whether a later
 * addendum superseded it; nothing about the patient or the content is shown.
 */
import { Alert, Button, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState, type SyntheticEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { client, unwrap } from '../api/client.ts';
import { isApiError } from '../api/api-error.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';

const route = getRouteApi('/verify/$code');

export function VerifyReportPage() {
  const { t } = useTranslation();
  usePageTitle(t('verifyReport.title'));
  const { code } = route.useParams();
  const navigate = useNavigate();
  const [typed, setTyped] = useState(code);
  const formatDate = useDateTimeFormat();
  const check = useQuery({
    queryKey: ['verify', code],
    queryFn: () => unwrap(client.GET('/api/v1/verify/{code}', { params: { path: { code } } })),
    retry: false,
  });
  const unknown = isApiError(check.error) && check.error.code === 'not_found';
  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next = typed.trim();
    if (next.length > 0) void navigate({ to: '/verify/$code', params: { code: next } });
  };

  return (
    <Stack gap="lg" maw={640}>
      <Title order={1}>{t('verifyReport.title')}</Title>
      <Text>{t('verifyReport.intro')}</Text>
      <form onSubmit={submit}>
        <Group align="end">
          <TextInput
            label={t('verifyReport.codeLabel')}
            value={typed}
            onChange={(event) => setTyped(event.currentTarget.value)}
            autoComplete="off"
            spellCheck={false}
          />
          <Button type="submit">{t('verifyReport.check')}</Button>
        </Group>
      </form>
      {check.isPending && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('verifyReport.checking')}</Text>
        </Group>
      )}
      {unknown && (
        <Alert color="red" variant="light" role="alert" title={t('verifyReport.unknownTitle')}>
          {t('verifyReport.unknownBody')}
        </Alert>
      )}
      {!unknown && <ErrorAlert error={check.error} />}
      {check.data !== undefined && (
        <>
          {check.data.status === 'current' ? (
            <Alert
              color="green"
              variant="light"
              role="status"
              title={t('verifyReport.currentTitle')}
            >
              {t('verifyReport.currentBody')}
            </Alert>
          ) : (
            <Alert
              color="yellow"
              variant="light"
              role="status"
              title={t('verifyReport.supersededTitle')}
            >
              {t('verifyReport.supersededBody', { latest: check.data.latestSequence })}
            </Alert>
          )}
          <Table>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th scope="row">{t('verifyReport.organization')}</Table.Th>
                <Table.Td>{check.data.organization}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">{t('verifyReport.document')}</Table.Th>
                <Table.Td>
                  {check.data.kind === 'opinion'
                    ? t('verifyReport.opinion')
                    : t('verifyReport.addendum', { sequence: check.data.sequence - 1 })}
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">{t('verifyReport.signedBy')}</Table.Th>
                <Table.Td>{check.data.signerName}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">{t('verifyReport.signedAt')}</Table.Th>
                <Table.Td>{formatDate(check.data.signedAt)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">{t('verifyReport.seal')}</Table.Th>
                <Table.Td style={{ wordBreak: 'break-all', fontFamily: 'monospace' }}>
                  {check.data.sealSha256}
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </>
      )}
    </Stack>
  );
}
