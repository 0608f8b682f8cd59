/**
 * The frame of every screen: header (burger, name, notification bell, language, sign-out), the
 * navigation (a drawer on phones), the skip link and the main landmark. Focus moves to the main
 * landmark after each navigation so screen-reader and keyboard users start at the new content.
 */
import { AppShell, Burger, Button, Group, ScrollArea, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { canEver } from '../../core/access.ts';
import { client, unwrap } from '../api/client.ts';
import { chooseLanguage, isSupportedLanguage, storedLanguage } from '../i18n/i18n.ts';
import { NotificationBell } from '../notifications/notification-bell.tsx';
import { mayReceiveOffers, mayWorkCaseQueue } from '../queue/staff-screens.ts';
import { ReauthenticationProvider } from '../session/reauthentication.tsx';
import { sessionQueryKey, useSession, type Session } from '../session/session.ts';
import { RouterAnchor, RouterNavLink } from '../ui/router-links.tsx';
import { LanguageSelect } from './language-select.tsx';

function Navigation({
  session,
  onNavigate,
}: {
  session: Session | null | undefined;
  onNavigate: () => void;
}) {
  const { t } = useTranslation();
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  if (!session) {
    return (
      <Stack gap={4}>
        <RouterNavLink
          to="/"
          label={t('nav.home')}
          active={pathname === '/'}
          onClick={onNavigate}
        />
        <RouterNavLink
          to="/sign-in"
          label={t('nav.signIn')}
          active={pathname === '/sign-in'}
          onClick={onNavigate}
        />
        <RouterNavLink
          to="/sign-up"
          label={t('nav.createAccount')}
          active={pathname === '/sign-up'}
          onClick={onNavigate}
        />
      </Stack>
    );
  }
  const role = session.membership.role;
  const enrolling = session.mfa.enrolmentRequired;
  return (
    <Stack gap={4}>
      {!enrolling && (
        <RouterNavLink
          to="/"
          label={t('nav.home')}
          active={pathname === '/'}
          onClick={onNavigate}
        />
      )}
      {!enrolling && canEver(role, 'case.create') && (
        <RouterNavLink
          to="/cases"
          label={t('cases.nav')}
          active={pathname === '/cases' || pathname.startsWith('/cases/')}
          onClick={onNavigate}
        />
      )}
      {!enrolling && mayWorkCaseQueue(role) && (
        <RouterNavLink
          to="/queue"
          label={t('queue.nav')}
          active={pathname === '/queue' || pathname.startsWith('/queue/')}
          onClick={onNavigate}
        />
      )}
      {!enrolling && mayReceiveOffers(role) && (
        <RouterNavLink
          to="/offers"
          label={t('specialist.nav')}
          active={pathname === '/offers' || pathname.startsWith('/offers/')}
          onClick={onNavigate}
        />
      )}
      {!enrolling && canEver(role, 'patient.proxy.manage') && (
        <RouterNavLink
          to="/people/helpers"
          label={t('people.nav.helpers')}
          active={pathname === '/people/helpers'}
          onClick={onNavigate}
        />
      )}
      {!enrolling && canEver(role, 'patient.create') && (
        <RouterNavLink
          to="/people/patients"
          label={t('people.nav.patients')}
          active={pathname === '/people/patients'}
          onClick={onNavigate}
        />
      )}
      <RouterNavLink
        to="/security"
        label={t('nav.security')}
        active={pathname === '/security'}
        onClick={onNavigate}
      />
      {!enrolling && canEver(role, 'member.read') && (
        <RouterNavLink
          to="/admin/members"
          label={t('nav.members')}
          active={pathname === '/admin/members'}
          onClick={onNavigate}
        />
      )}
      {!enrolling && canEver(role, 'audit.read') && (
        <RouterNavLink
          to="/admin/audit"
          label={t('nav.audit')}
          active={pathname === '/admin/audit'}
          onClick={onNavigate}
        />
      )}
      {!enrolling && canEver(role, 'settings.read') && (
        <RouterNavLink
          to="/admin/settings"
          label={t('nav.orgSettings')}
          active={pathname === '/admin/settings'}
          onClick={onNavigate}
        />
      )}
      {!enrolling && canEver(role, 'settings.read') && (
        <RouterNavLink
          to="/admin/checklists"
          label={t('admin.checklists.nav')}
          active={pathname === '/admin/checklists'}
          onClick={onNavigate}
        />
      )}
    </Stack>
  );
}

function SignOutButton() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = useMutation({
    mutationFn: () => unwrap(client.POST('/api/v1/auth/sign-out', { body: {} })),
    onSettled: async () => {
      // Leave the signed-in screen first, so it never renders without its session; then,
      // whatever the server answered, this browser forgets the session.
      await navigate({ to: '/' });
      queryClient.setQueryData(sessionQueryKey, null);
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionQueryKey[0] });
    },
  });
  return (
    <Button
      variant="default"
      size="xs"
      loading={signOut.isPending}
      onClick={() => signOut.mutate()}
    >
      {t('nav.signOut')}
    </Button>
  );
}

/** Adopts the account's language when this browser has no explicit choice yet. */
function useAccountLanguage(session: Session | null | undefined): void {
  const { i18n } = useTranslation();
  const locale = session?.user.locale;
  useEffect(() => {
    if (locale === undefined || storedLanguage() !== undefined) return;
    const base = locale.toLowerCase().split('-')[0] ?? '';
    if (isSupportedLanguage(base) && base !== i18n.resolvedLanguage) void chooseLanguage(base);
  }, [locale, i18n]);
}

export function AppLayout() {
  const { t } = useTranslation();
  const session = useSession();
  const [navigationOpened, navigation] = useDisclosure(false);
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  const mainRef = useRef<HTMLElement>(null);
  const previousPathname = useRef(pathname);
  useAccountLanguage(session);

  useEffect(() => {
    if (previousPathname.current === pathname) return;
    previousPathname.current = pathname;
    navigation.close();
    mainRef.current?.focus();
  }, [pathname, navigation]);

  return (
    <ReauthenticationProvider>
      <a className="skip-link" href="#main-content">
        {t('nav.skipToContent')}
      </a>
      <AppShell
        header={{ height: 60 }}
        navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !navigationOpened } }}
        padding="md"
      >
        <AppShell.Header>
          <Group h="100%" px="sm" justify="space-between" wrap="nowrap">
            <Group gap="xs" wrap="nowrap">
              <Burger
                opened={navigationOpened}
                onClick={navigation.toggle}
                hiddenFrom="sm"
                size="sm"
                aria-label={navigationOpened ? t('nav.closeNavigation') : t('nav.openNavigation')}
                aria-expanded={navigationOpened}
                aria-controls="primary-navigation"
              />
              <RouterAnchor to="/" fw={700} fz="lg" underline="never" c="inherit">
                {t('app.name')}
              </RouterAnchor>
            </Group>
            {/* Tight on phones: bell, language and sign-out fit beside the name at 375 px. */}
            <Group gap={6} wrap="nowrap">
              {session && !session.mfa.enrolmentRequired && <NotificationBell />}
              <LanguageSelect />
              {session && <SignOutButton />}
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="sm" id="primary-navigation" aria-label={t('nav.primary')}>
          <AppShell.Section grow component={ScrollArea}>
            <Navigation session={session} onNavigate={navigation.close} />
          </AppShell.Section>
          {session && (
            <AppShell.Section>
              <Text size="sm" c="dimmed" truncate>
                {session.user.email}
              </Text>
            </AppShell.Section>
          )}
        </AppShell.Navbar>
        <AppShell.Main id="main-content" ref={mainRef} tabIndex={-1} className="main-content">
          <Outlet />
        </AppShell.Main>
      </AppShell>
    </ReauthenticationProvider>
  );
}
