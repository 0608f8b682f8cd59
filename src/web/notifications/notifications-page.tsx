/**
 * The inbox: the member's notifications newest first, each in the reader's language with its time
 * and a link to the case screen of the reader's role; unread ones stand out and can be marked read
 * one by one or all at once; older ones load on demand (keyset paging on the server).
 */
import { Badge, Button, Group, Loader, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSignedInSession } from '../session/session.ts';
import { ErrorAlert } from '../ui/error-alert.tsx';
import { RouterButtonLink } from '../ui/router-links.tsx';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import { usePageTitle } from '../ui/use-page-title.ts';
import {
  notificationPagesQueryOptions,
  useMarkAllNotificationsRead,
  useMarkNotificationRead,
  type Notification,
} from './notification-api.ts';
import { caseScreenFor, useNotificationText, type CaseScreen } from './notification-text.ts';

function NotificationItem({
  notification,
  caseScreen,
}: {
  notification: Notification;
  caseScreen: CaseScreen | null;
}) {
  const { t } = useTranslation();
  const describe = useNotificationText();
  const formatDateTime = useDateTimeFormat();
  const markRead = useMarkNotificationRead();
  const unread = notification.readAt === null;
  const text = describe(notification);
  return (
    <Paper
      component="li"
      withBorder
      p="md"
      radius="md"
      bg={unread ? 'var(--mantine-color-blue-light)' : undefined}
    >
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Text fw={unread ? 600 : 400}>{text}</Text>
          {unread && (
            <Badge variant="filled" size="sm" style={{ flexShrink: 0 }}>
              {t('notifications.unread')}
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          <time dateTime={notification.createdAt}>{formatDateTime(notification.createdAt)}</time>
        </Text>
        <ErrorAlert error={markRead.error} />
        <Group gap="sm">
          {notification.caseId !== null && caseScreen !== null && (
            <RouterButtonLink
              size="xs"
              variant="light"
              to={caseScreen}
              params={{ caseId: notification.caseId }}
              onClick={() => {
                if (unread) markRead.mutate(notification.id);
              }}
            >
              {t('notifications.openCase')}
            </RouterButtonLink>
          )}
          {unread && (
            <Button
              size="xs"
              variant="subtle"
              loading={markRead.isPending}
              aria-label={t('notifications.markReadNamed', { text })}
              onClick={() => markRead.mutate(notification.id)}
            >
              {t('notifications.markRead')}
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}

export function NotificationsPage() {
  const { t } = useTranslation();
  usePageTitle(t('notifications.title'));
  const session = useSignedInSession();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const pages = useInfiniteQuery(notificationPagesQueryOptions(unreadOnly));
  const markAll = useMarkAllNotificationsRead();
  const caseScreen = caseScreenFor(session.membership.role);
  const list = pages.data?.pages.flatMap((page) => page.notifications) ?? [];
  const anyUnread = list.some((notification) => notification.readAt === null);

  return (
    <Stack gap="lg" maw={760}>
      <Title order={1}>{t('notifications.title')}</Title>
      <Group justify="space-between" wrap="wrap">
        <Switch
          label={t('notifications.unreadOnly')}
          checked={unreadOnly}
          onChange={(event) => setUnreadOnly(event.currentTarget.checked)}
        />
        <Button
          variant="default"
          size="sm"
          disabled={!anyUnread}
          loading={markAll.isPending}
          onClick={() => markAll.mutate()}
        >
          {t('notifications.markAllRead')}
        </Button>
      </Group>
      <ErrorAlert error={markAll.error} />
      {pages.isPending && (
        <Group gap="sm" role="status">
          <Loader size="sm" aria-hidden />
          <Text>{t('common.loading')}</Text>
        </Group>
      )}
      <ErrorAlert error={pages.error} />
      {pages.isSuccess && list.length === 0 && (
        <Text c="dimmed">
          {unreadOnly ? t('notifications.emptyUnread') : t('notifications.empty')}
        </Text>
      )}
      {list.length > 0 && (
        <Stack
          component="ul"
          gap="sm"
          aria-label={t('notifications.title')}
          style={{ listStyle: 'none', margin: 0, padding: 0 }}
        >
          {list.map((notification) => (
            <NotificationItem
              key={notification.id}
              notification={notification}
              caseScreen={caseScreen}
            />
          ))}
        </Stack>
      )}
      {pages.hasNextPage && (
        <Button
          variant="default"
          onClick={() => void pages.fetchNextPage()}
          loading={pages.isFetchingNextPage}
        >
          {t('notifications.loadOlder')}
        </Button>
      )}
    </Stack>
  );
}
