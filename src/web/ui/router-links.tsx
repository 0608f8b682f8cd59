/**
 * Mantine components that navigate with the router (TanStack Router's `createLink`), so links are
 * real <a href> elements (keyboard, middle-click, screen readers) with client-side navigation.
 */
import {
  Anchor,
  Button,
  NavLink,
  type AnchorProps,
  type ButtonProps,
  type NavLinkProps,
} from '@mantine/core';
import { createLink, type LinkComponent } from '@tanstack/react-router';
import { forwardRef, type AnchorHTMLAttributes } from 'react';

type AnchorElementProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'color' | 'style'>;

const MantineAnchor = forwardRef<HTMLAnchorElement, AnchorProps & AnchorElementProps>(
  (props, ref) => <Anchor ref={ref} {...props} />,
);
MantineAnchor.displayName = 'MantineAnchor';

const MantineButtonLink = forwardRef<HTMLAnchorElement, ButtonProps & AnchorElementProps>(
  (props, ref) => <Button component="a" ref={ref} {...props} />,
);
MantineButtonLink.displayName = 'MantineButtonLink';

const MantineNavLink = forwardRef<HTMLAnchorElement, NavLinkProps & AnchorElementProps>(
  (props, ref) => <NavLink component="a" ref={ref} {...props} />,
);
MantineNavLink.displayName = 'MantineNavLink';

const CreatedAnchor = createLink(MantineAnchor);
const CreatedButtonLink = createLink(MantineButtonLink);
const CreatedNavLink = createLink(MantineNavLink);

export const RouterAnchor: LinkComponent<typeof MantineAnchor> = (props) => (
  <CreatedAnchor {...props} />
);
export const RouterButtonLink: LinkComponent<typeof MantineButtonLink> = (props) => (
  <CreatedButtonLink {...props} />
);
export const RouterNavLink: LinkComponent<typeof MantineNavLink> = (props) => (
  <CreatedNavLink {...props} />
);
