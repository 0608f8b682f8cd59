/**
 * How a notification reads and where it leads. The server sends a kind with ids, a state name and
 * instants; the words come from the reader's language here, and the case link goes to the case
 * screen of the reader's role (the patient side's case page, the coordinator's queue, the
 * specialist's offers). Roles without a case screen get no link.
 */
import { useTranslation } from 'react-i18next';
import { canEver } from '../../core/access.ts';
import type { Role } from '../../core/roles.ts';
import { mayReceiveOffers, mayWorkCaseQueue } from '../queue/staff-screens.ts';
import { useDateTimeFormat } from '../ui/use-date-time-format.ts';
import type { Notification } from './notification-api.ts';

export type CaseScreen = '/cases/$caseId' | '/queue/$caseId' | '/offers/$caseId';

/** The route that shows a case to `role`, or null when the role has none. */
export function caseScreenFor(role: Role): CaseScreen | null {
  if (canEver(role, 'case.create')) return '/cases/$caseId';
  if (mayWorkCaseQueue(role)) return '/queue/$caseId';
  if (mayReceiveOffers(role)) return '/offers/$caseId';
  return null;
}

/** The sentence for a notification, in the current language. */
export function useNotificationText(): (notification: Notification) => string {
  const { t } = useTranslation();
  const formatDateTime = useDateTimeFormat();
  return (notification) => {
    const state = notification.data.state;
    const deadline = notification.data.deadline;
    return t(`notifications.kinds.${notification.kind}`, {
      stage:
        typeof state === 'string'
          ? t(`notifications.states.${state}`, { defaultValue: state })
          : t('notifications.unknownStage'),
      deadline: typeof deadline === 'string' ? formatDateTime(deadline) : '',
    });
  };
}
