/**
 * The signed-in member's notifications, as a table of routes. Any active member has an inbox, so
 * the routes name no action; each use case binds every query to the caller's own user and
 * organization.
 */
import type { Services } from '../app/services.ts';
import { idParams } from '../auth/auth.types.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import {
  countUnreadNotifications,
  listNotifications,
  readAllNotifications,
  readNotification,
} from './inbox.ts';
import {
  listNotificationsQuery,
  notificationPage,
  notificationView,
  readAllView,
  unreadCountView,
} from './notifications.types.ts';

const tags = ['notifications'];

export function notificationRoutes(services: Services): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/notifications',
      summary: "The caller's notifications, newest first",
      tags,
      access: { kind: 'member' },
      query: listNotificationsQuery,
      responses: { 200: notificationPage },
      handler: async ({ query, context }) => listNotifications(services, context, query),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/notifications/unread-count',
      summary: "How many of the caller's notifications are unread",
      tags,
      access: { kind: 'member' },
      responses: { 200: unreadCountView },
      handler: async ({ context }) => countUnreadNotifications(services, context),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/notifications/:id/read',
      summary: "Mark one of the caller's notifications read (404 when not the caller's)",
      tags,
      access: { kind: 'member' },
      params: idParams,
      responses: { 200: notificationView },
      handler: async ({ params, context }) => readNotification(services, context, params.id),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/notifications/read-all',
      summary: "Mark all of the caller's notifications read",
      tags,
      access: { kind: 'member' },
      responses: { 200: readAllView },
      handler: async ({ context }) => readAllNotifications(services, context),
    }),
  ];
}
