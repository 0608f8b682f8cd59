/**
 * Notifications: one in-app row per recipient plus an email, written in the transaction of the
 * change that caused them (so a rolled-back change notifies no one). The in-app text is rendered by
 * the web app from `kind` + `data`, so `data` holds ids, state names and instants only, never free
 * text from a case. Emails say what happened in general words and link to the app: no patient
 * data leaves by email (docs/notifications.md).
 */
import { canEver } from '../../core/access.ts';
import { roles, type Role } from '../../core/roles.ts';
import type { UnitOfWork } from '../app/unit-of-work.ts';
import type { DatabaseTransaction } from '../db/database.ts';
import {
  notificationMessage,
  toMailLocale,
  type NotificationEmailTone,
} from '../mail/templates.ts';
import {
  findActiveCoordinatorIds,
  findPatientSideIds,
  findReachableUsers,
  insertNotifications,
} from './notification-repository.ts';

export const notificationKinds = [
  'case_submitted',
  'records_requested',
  'records_provided',
  'offer_made',
  'offer_declined',
  'offer_expired',
  'offer_accepted',
  'patient_question_asked',
  'patient_question_answered',
  'peer_review_requested',
  'peer_review_decided',
  'opinion_delivered',
  'report_receipt_requested',
  'report_receipt_reminder',
  'follow_up_asked',
  'follow_up_answered',
  'addendum_signed',
  'deadline_approaching',
  'stage_overdue',
  'case_withdrawn',
  'case_cancelled',
  'case_reassigned',
  'opinion_ready_for_release',
  'finding_responded',
] as const;

export type NotificationKind = (typeof notificationKinds)[number];

/** The values a notification may carry: ids, state names, instants (ISO strings), counts. */
export type NotificationData = Record<string, string | number | boolean | null>;

export interface NotificationInput {
  organizationId: string;
  recipientUserIds: readonly string[];
  kind: NotificationKind;
  caseId: string | null;
  data?: NotificationData;
}

/** Which general sentence the email uses: whether the recipient must act, or is only told. */
const emailToneOf: Readonly<Record<NotificationKind, NotificationEmailTone>> = {
  case_submitted: 'action',
  records_requested: 'action',
  records_provided: 'action',
  offer_made: 'action',
  offer_declined: 'action',
  offer_expired: 'action',
  offer_accepted: 'news',
  patient_question_asked: 'action',
  patient_question_answered: 'news',
  peer_review_requested: 'action',
  peer_review_decided: 'news',
  opinion_delivered: 'news',
  report_receipt_requested: 'action',
  report_receipt_reminder: 'action',
  follow_up_asked: 'action',
  follow_up_answered: 'news',
  addendum_signed: 'news',
  deadline_approaching: 'deadline',
  stage_overdue: 'overdue',
  case_withdrawn: 'news',
  opinion_ready_for_release: 'action',
  case_cancelled: 'news',
  case_reassigned: 'news',
  finding_responded: 'action',
};

function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/**
 * Where the email leads. The patient side (whoever may start a case) opens the case page; staff
 * open their inbox, whose entries lead to the case screen of their role (queue, offers).
 */
function linkFor(appUrl: string, role: string, caseId: string | null): string {
  const patientSide = isRole(role) && canEver(role, 'case.create');
  return caseId !== null && patientSide ? `${appUrl}/cases/${caseId}` : `${appUrl}/notifications`;
}

/**
 * Records one in-app notification per distinct recipient and queues an email to each, in the same
 * transaction (via unit.email). The acting user is never notified of their own action: pass
 * actorUserId. Recipients without an active account and an active membership of the organization
 * are skipped, so someone removed from the organization hears nothing more of its cases.
 */
export async function notify(
  unit: UnitOfWork,
  input: NotificationInput & { actorUserId: string | null; appUrl: string },
): Promise<void> {
  const candidates = [...new Set(input.recipientUserIds)].filter(
    (userId) => userId !== input.actorUserId,
  );
  if (candidates.length === 0) return;
  const recipients = await findReachableUsers(unit.trx, input.organizationId, candidates);
  if (recipients.length === 0) return;

  const data = input.data ?? {};
  await insertNotifications(
    unit.trx,
    recipients.map((recipient) => ({
      organizationId: input.organizationId,
      userId: recipient.id,
      caseId: input.caseId,
      kind: input.kind,
      data,
      createdAt: unit.now,
    })),
  );

  for (const recipient of recipients) {
    const message = notificationMessage(
      toMailLocale(recipient.locale),
      emailToneOf[input.kind],
      linkFor(input.appUrl, recipient.role, input.caseId),
    );
    await unit.email({ to: recipient.email, organizationId: input.organizationId, ...message });
  }
}

/** The user ids of the organization's active coordinators. */
export function coordinatorsOf(
  trx: DatabaseTransaction,
  organizationId: string,
): Promise<string[]> {
  return findActiveCoordinatorIds(trx, organizationId);
}

/** The patient's own account (if the patient has one) and every unrevoked proxy, of any scope. */
export function patientSideOf(trx: DatabaseTransaction, caseId: string): Promise<string[]> {
  return findPatientSideIds(trx, caseId);
}
