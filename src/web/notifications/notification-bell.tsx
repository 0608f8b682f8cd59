/**
 * The bell in the header: a link to the inbox with the number of unread notifications, polled every
 * minute and refreshed when the window regains focus. The count is part of the link's accessible
 * name, so a screen reader hears "Notifications, 3 unread".
 */
import { ActionIcon, Indicator, type ActionIconProps } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { createLink, type LinkComponent } from '@tanstack/react-router';
import { forwardRef, type AnchorHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { unreadCountQueryOptions } from './notification-api.ts';

type AnchorElementProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'color' | 'style'>;

const MantineActionIconLink = forwardRef<HTMLAnchorElement, ActionIconProps & AnchorElementProps>(
  (props, ref) => <ActionIcon component="a" ref={ref} {...props} />,
);
MantineActionIconLink.displayName = 'MantineActionIconLink';

const CreatedActionIconLink = createLink(MantineActionIconLink);

const RouterActionIcon: LinkComponent<typeof MantineActionIconLink> = (props) => (
  <CreatedActionIconLink {...props} />
);

function BellIcon() {
  return (
    <svg
      width="20"
      height="20"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

/** Shown cap: past it the badge reads "99+". */
const maxShown = 99;

export function NotificationBell() {
  const { t } = useTranslation();
  const unread = useQuery(unreadCountQueryOptions());
  const count = unread.data?.count ?? 0;
  return (
    <RouterActionIcon
      to="/notifications"
      variant="default"
      size="lg"
      aria-label={
        count === 0 ? t('notifications.bellNone') : t('notifications.bellUnread', { count })
      }
    >
      <Indicator
        label={count > maxShown ? `${maxShown}+` : String(count)}
        disabled={count === 0}
        size={16}
        offset={-2}
        color="red"
      >
        <BellIcon />
      </Indicator>
    </RouterActionIcon>
  );
}
