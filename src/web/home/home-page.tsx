/** The first screen: a landing page when signed out, a role-aware overview when signed in. */
import { Badge, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { canEver } from '../../core/access.ts';
import type { Role } from '../../core/roles.ts';
import { MyCasesHomeCard } from '../cases/my-cases-home-card.tsx';
import { QueueHomeCard } from '../queue/queue-home-card.tsx';
import { useSession, type Session } from '../session/session.ts';
import { OffersHomeCard } from '../specialist/offers-home-card.tsx';
import { RouterAnchor, RouterButtonLink } from '../ui/router-links.tsx';
import { usePageTitle } from '../ui/use-page-title.ts';

function Landing() {
  const { t } = useTranslation();
  usePageTitle(t('landing.title'));
  return (
    <Stack gap="lg" maw={720}>
      <Title order={1}>{t('landing.title')}</Title>
      <Text size="lg">{t('landing.body')}</Text>
      <Group>
        <RouterButtonLink to="/sign-in">{t('nav.signIn')}</RouterButtonLink>
        <RouterButtonLink to="/sign-up" variant="default">
          {t('nav.createAccount')}
        </RouterButtonLink>
      </Group>
      <Text size="sm" c="dimmed">
        {t('landing.staffNote')}
      </Text>
    </Stack>
  );
}

function PlaceholderCard({ title, body }: { title: string; body: string }) {
  const { t } = useTranslation();
  return (
    <Card withBorder padding="lg" component="section" aria-label={title}>
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Title order={2} size="h4">
          {title}
        </Title>
        <Badge variant="light" color="gray">
          {t('home.comingSoon')}
        </Badge>
      </Group>
      <Text>{body}</Text>
    </Card>
  );
}

/** Cards about the person's own work, by role (PRODUCT.md, "Who uses it"). */
function RoleCards({ role }: { role: Role }) {
  const { t } = useTranslation();
  switch (role) {
    case 'patient':
    case 'proxy':
    case 'referring_physician':
      return <MyCasesHomeCard />;
    case 'coordinator':
      return <QueueHomeCard />;
    case 'specialist':
      return <OffersHomeCard />;
    case 'care_team':
      return <PlaceholderCard title={t('home.tasks.title')} body={t('home.tasks.body')} />;
    case 'org_admin':
      return null;
  }
}

function AdministrationCard({ role }: { role: Role }) {
  const { t } = useTranslation();
  const showMembers = canEver(role, 'member.read');
  const showAudit = canEver(role, 'audit.read');
  const showSettings = canEver(role, 'settings.read');
  if (!showMembers && !showAudit && !showSettings) return null;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="home-administration">
      <Title order={2} size="h4" mb="xs" id="home-administration">
        {t('home.administration.title')}
      </Title>
      <Text mb="sm">{t('home.administration.body')}</Text>
      <Stack gap="xs">
        {showMembers && <RouterAnchor to="/admin/members">{t('nav.members')}</RouterAnchor>}
        {showAudit && <RouterAnchor to="/admin/audit">{t('nav.audit')}</RouterAnchor>}
        {showSettings && <RouterAnchor to="/admin/settings">{t('nav.orgSettings')}</RouterAnchor>}
      </Stack>
    </Card>
  );
}

function SecurityCard({ session }: { session: Session }) {
  const { t } = useTranslation();
  const factors = (session.mfa.totpEnabled ? 1 : 0) + session.mfa.passkeyCount;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="home-security">
      <Title order={2} size="h4" mb="xs" id="home-security">
        {t('home.security.title')}
      </Title>
      <Text mb="sm">
        {factors > 0
          ? t('home.security.protected')
          : session.mfa.mandatory
            ? t('home.security.required')
            : t('home.security.recommended')}
      </Text>
      <RouterButtonLink to="/security" variant="light">
        {t('home.security.open')}
      </RouterButtonLink>
    </Card>
  );
}

function Dashboard({ session }: { session: Session }) {
  const { t } = useTranslation();
  usePageTitle(t('home.title'));
  const role = session.membership.role;
  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>{t('home.greeting', { name: session.user.name })}</Title>
        <Text mt="xs">
          {t('home.signedInAs', {
            role: t(`roles.${role}`),
            organization: session.organization.name,
          })}
        </Text>
      </div>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
        <RoleCards role={role} />
        <AdministrationCard role={role} />
        <SecurityCard session={session} />
      </SimpleGrid>
    </Stack>
  );
}

export function HomePage() {
  const session = useSession();
  if (session === undefined) return null;
  return session === null ? <Landing /> : <Dashboard session={session} />;
}
