/**
 * The member's notifications over the typed client: the unread count behind the bell (polled every
 * minute and on window focus), the inbox pages, and marking read. Every change invalidates both, so
 * the bell and the page never disagree for long.
 */
import {
  infiniteQueryOptions,
  queryOptions,
  useMutation,
  useQueryClient,
} from '@tanstack/react-query';
import { client, unwrap } from '../api/client.ts';
import type { components } from '../api/schema.gen.ts';

export type Notification = components['schemas']['Notification'];
export type NotificationKind = Notification['kind'];

export const notificationsQueryKey = ['notifications'] as const;

const pollIntervalMs = 60_000;
const pageSize = 30;

export function unreadCountQueryOptions() {
  return queryOptions({
    queryKey: [...notificationsQueryKey, 'unread-count'] as const,
    queryFn: () => unwrap(client.GET('/api/v1/notifications/unread-count')),
    refetchInterval: pollIntervalMs,
    refetchOnWindowFocus: true,
  });
}

export function notificationPagesQueryOptions(unreadOnly: boolean) {
  return infiniteQueryOptions({
    queryKey: [...notificationsQueryKey, 'list', { unreadOnly }] as const,
    queryFn: ({ pageParam }) =>
      unwrap(
        client.GET('/api/v1/notifications', {
          params: {
            query: {
              limit: pageSize,
              ...(unreadOnly ? { unreadOnly: 'true' as const } : {}),
              ...(pageParam === null ? {} : { before: pageParam }),
            },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    refetchInterval: pollIntervalMs,
    refetchOnWindowFocus: true,
  });
}

/** Marks one notification read, then refreshes the bell and the inbox. */
export function useMarkNotificationRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(client.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: notificationsQueryKey }),
  });
}

/** Marks every notification read, then refreshes the bell and the inbox. */
export function useMarkAllNotificationsRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(client.POST('/api/v1/notifications/read-all')),
    onSettled: () => queryClient.invalidateQueries({ queryKey: notificationsQueryKey }),
  });
}
