/**
 * A member's own notifications: the page newest first, the unread count for the bell, and marking
 * read. Only the caller's notifications in the organization of the current session are ever
 * touched; anyone else's answers 404. Reading the inbox writes no audit event: a notification holds
 * ids, state names and instants only, no patient data (docs/notifications.md).
 */
import { AppError } from '../../core/errors.ts';
import type { Services } from '../app/services.ts';
import { requireActor, type RequestContext } from '../http/request-context.ts';
import {
  countUnread,
  findInboxPage,
  markAllNotificationsRead,
  markNotificationRead,
  type InboxCursor,
  type InboxRow,
} from './notification-repository.ts';
import { notificationKinds, type NotificationKind } from './notify.ts';
import type { NotificationView } from './notifications.types.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The opaque cursor: the (created_at, id) of the last row of a page, base64url JSON. */
function encodeCursor(row: InboxRow): string {
  return Buffer.from(JSON.stringify({ t: row.created_at.toISOString(), i: row.id })).toString(
    'base64url',
  );
}

function decodeCursor(text: string): InboxCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 't' in parsed && 'i' in parsed) {
      const { t, i } = parsed;
      const createdAt = typeof t === 'string' ? new Date(t) : null;
      if (
        typeof i === 'string' &&
        uuidPattern.test(i) &&
        createdAt !== null &&
        !Number.isNaN(createdAt.getTime())
      )
        return { createdAt, id: i };
    }
  } catch {
    // Falls through to the validation error below.
  }
  throw new AppError('validation_failed', {
    message: 'The page cursor is not valid.',
    details: { issues: [{ path: 'query.before', message: 'invalid cursor' }] },
  });
}

function isNotificationKind(kind: string): kind is NotificationKind {
  return (notificationKinds as readonly string[]).includes(kind);
}

/** Only scalar values are ever written (see `notify`); anything else is dropped, not trusted. */
function scalarData(data: unknown): NotificationView['data'] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return {};
  const result: NotificationView['data'] = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    )
      result[key] = value;
  }
  return result;
}

function toView(row: InboxRow): NotificationView | null {
  if (!isNotificationKind(row.kind)) return null;
  return {
    id: row.id,
    kind: row.kind,
    caseId: row.case_id,
    data: scalarData(row.data),
    createdAt: row.created_at.toISOString(),
    readAt: row.read_at?.toISOString() ?? null,
  };
}

function ownerOf(context: RequestContext) {
  const actor = requireActor(context);
  return { userId: actor.userId, organizationId: actor.organizationId };
}

/** One page of the caller's notifications, newest first. */
export async function listNotifications(
  services: Services,
  context: RequestContext,
  query: { before?: string | undefined; limit: number; unreadOnly?: boolean | undefined },
) {
  const owner = ownerOf(context);
  const cursor = query.before === undefined ? null : decodeCursor(query.before);
  const rows = await findInboxPage(
    services.db,
    owner,
    { unreadOnly: query.unreadOnly === true },
    cursor,
    query.limit + 1,
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    notifications: page.flatMap((row) => toView(row) ?? []),
    nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor(last) : null,
  };
}

/** How many of the caller's notifications are unread (the bell). */
export async function countUnreadNotifications(services: Services, context: RequestContext) {
  return { count: await countUnread(services.db, ownerOf(context)) };
}

/** Marks one of the caller's notifications read; 404 when it is not the caller's. */
export async function readNotification(
  services: Services,
  context: RequestContext,
  id: string,
): Promise<NotificationView> {
  const row = await markNotificationRead(services.db, ownerOf(context), id, services.clock.now());
  const view = row === undefined ? null : toView(row);
  if (view === null) throw new AppError('not_found');
  return view;
}

/** Marks every unread notification of the caller read. */
export async function readAllNotifications(services: Services, context: RequestContext) {
  return {
    updated: await markAllNotificationsRead(services.db, ownerOf(context), services.clock.now()),
  };
}
