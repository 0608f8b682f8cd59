/**
 * Request and response schemas of the notification routes. A notification carries a kind and
 * structured data (ids, state names, instants); the browser words it in the reader's language.
 */
import { z } from 'zod';
import { notificationKinds } from './notify.ts';

export const listNotificationsQuery = z.strictObject({
  before: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  unreadOnly: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
});

export const notificationView = z
  .object({
    id: z.uuid(),
    kind: z.enum(notificationKinds),
    caseId: z.uuid().nullable(),
    data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .meta({ id: 'Notification' });

export type NotificationView = z.infer<typeof notificationView>;

export const notificationPage = z.object({
  notifications: z.array(notificationView),
  nextCursor: z.string().nullable(),
});

export const unreadCountView = z.object({ count: z.number().int().nonnegative() });

export const readAllView = z.object({ updated: z.number().int().nonnegative() });
