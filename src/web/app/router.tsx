/**
 * The route tree (a table, STYLE.md "route files that are only tables of routes"), the guards
 * that decide who may open which screen, and the app-wide reactions to API failures.
 */
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  redirect,
  type ParsedLocation,
} from '@tanstack/react-router';
import { canEver, type Action } from '../../core/access.ts';
import { isApiError } from '../api/api-error.ts';
import { AuditPage } from '../admin/audit-page.tsx';
import { ChecklistsPage } from '../admin/checklists-page.tsx';
import { MembersPage } from '../admin/members-page.tsx';
import { SettingsPage } from '../admin/settings-page.tsx';
import { ConfirmEmailPage } from '../auth/confirm-email-page.tsx';
import { ForgotPasswordPage } from '../auth/forgot-password-page.tsx';
import { InvitationPage } from '../auth/invitation-page.tsx';
import { MfaChallengePage } from '../auth/mfa-challenge-page.tsx';
import { ResetPasswordPage } from '../auth/reset-password-page.tsx';
import { SignInPage } from '../auth/sign-in-page.tsx';
import { SignUpPage } from '../auth/sign-up-page.tsx';
import { VerifyEmailPage } from '../auth/verify-email-page.tsx';
import { VerifyReportPage } from '../verify/verify-report-page.tsx';
import { CasePage } from '../cases/case-page.tsx';
import { IntakeWizardPage } from '../cases/intake-wizard-page.tsx';
import { MyCasesPage } from '../cases/my-cases-page.tsx';
import { NewCasePage } from '../cases/new-case-page.tsx';
import { HomePage } from '../home/home-page.tsx';
import { NotificationsPage } from '../notifications/notifications-page.tsx';
import { HelpersPage } from '../people/helpers-page.tsx';
import { MyPatientsPage } from '../people/my-patients-page.tsx';
import { CoordinatorCasePage } from '../queue/coordinator-case-page.tsx';
import { QueuePage } from '../queue/queue-page.tsx';
import { validateQueueSearch } from '../queue/queue-search.ts';
import { mayReceiveOffers, mayWorkCaseQueue } from '../queue/staff-screens.ts';
import { ReviewWorkspacePage } from '../review/review-workspace-page.tsx';
import { SecurityPage } from '../security/security-page.tsx';
import { OffersPage } from '../specialist/offers-page.tsx';
import { SpecialistCasePage } from '../specialist/specialist-case-page.tsx';
import {
  ensureSession,
  sessionQueryKey,
  setSessionLostHandler,
  type Session,
} from '../session/session.ts';
import { AppLayout } from './app-layout.tsx';
import { NotFoundPage } from './not-found-page.tsx';
import {
  validateAuditSearch,
  validateMfaSearch,
  validateSignInSearch,
  validateTokenSearch,
} from './search-params.ts';

export interface RouterContext {
  queryClient: QueryClient;
}

/** The one screen a member who must still enrol a second factor may use. */
const enrolmentPath = '/security';
/** Screens opened from emailed links that also work while enrolment is pending (public endpoints). */
const openDuringEnrolment = new Set([enrolmentPath, '/confirm-email']);

function sendToSignInAsExpired(): void {
  queryClient.setQueryData(sessionQueryKey, null);
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionQueryKey[0] });
  if (router.state.location.pathname === '/sign-in') return;
  void router.navigate({ to: '/sign-in', search: { expired: 1 } });
}

/**
 * App-wide reactions to API errors, wherever they come from: an ended session sends the person
 * to sign in again; a staff member without a second factor is sent to enrol one.
 */
function reactToApiFailure(error: unknown): void {
  if (!isApiError(error)) return;
  const hadSession = queryClient.getQueryData<Session | null>(sessionQueryKey);
  if (
    error.status === 401 &&
    (error.code === 'session_expired' || error.code === 'unauthenticated')
  ) {
    if (hadSession) sendToSignInAsExpired();
    return;
  }
  if (error.status === 403 && error.code === 'mfa_enrolment_required') {
    void queryClient.invalidateQueries({ queryKey: sessionQueryKey });
    if (router.state.location.pathname !== enrolmentPath)
      void router.navigate({ to: enrolmentPath });
  }
}

export const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: reactToApiFailure }),
  mutationCache: new MutationCache({ onError: reactToApiFailure }),
  defaultOptions: {
    queries: {
      retry: (failureCount, error) =>
        !isApiError(error) || (error.status >= 500 && failureCount < 2),
      refetchOnWindowFocus: true,
    },
  },
});

setSessionLostHandler(sendToSignInAsExpired);

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: AppLayout,
  notFoundComponent: NotFoundPage,
  beforeLoad: async ({ context, location }) => {
    const session = await ensureSession(context.queryClient);
    if (session?.mfa.enrolmentRequired && !openDuringEnrolment.has(location.pathname)) {
      throw redirect({ to: enrolmentPath });
    }
    return { session };
  },
});

function requireSignedIn(session: Session | null, location: ParsedLocation): Session {
  if (!session) throw redirect({ to: '/sign-in', search: { redirect: location.href } });
  return session;
}

function requireAction(session: Session, action: Action): void {
  if (!canEver(session.membership.role, action)) throw redirect({ to: '/' });
}

function redirectIfSignedIn(session: Session | null): void {
  if (session) throw redirect({ to: '/' });
}

const homeRoute = createRoute({ getParentRoute: () => rootRoute, path: '/', component: HomePage });

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: validateSignInSearch,
  beforeLoad: ({ context }) => redirectIfSignedIn(context.session),
  component: SignInPage,
});

const mfaChallengeRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in/mfa',
  validateSearch: validateMfaSearch,
  beforeLoad: ({ context }) => redirectIfSignedIn(context.session),
  component: MfaChallengePage,
});

const signUpRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-up',
  beforeLoad: ({ context }) => redirectIfSignedIn(context.session),
  component: SignUpPage,
});

const verifyEmailRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/verify-email',
  validateSearch: validateTokenSearch,
  component: VerifyEmailPage,
});

/** Public: the verification address printed on every report. */
const verifyReportRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/verify/$code',
  component: VerifyReportPage,
});

const confirmEmailRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/confirm-email',
  validateSearch: validateTokenSearch,
  component: ConfirmEmailPage,
});

const forgotPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/forgot-password',
  component: ForgotPasswordPage,
});

const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset-password',
  validateSearch: validateTokenSearch,
  component: ResetPasswordPage,
});

const invitationRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/invitation',
  validateSearch: validateTokenSearch,
  component: InvitationPage,
});

const securityRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/security',
  beforeLoad: ({ context, location }) => {
    requireSignedIn(context.session, location);
  },
  component: SecurityPage,
});

const membersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/admin/members',
  beforeLoad: ({ context, location }) => {
    requireAction(requireSignedIn(context.session, location), 'member.read');
  },
  component: MembersPage,
});

const auditRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/admin/audit',
  validateSearch: validateAuditSearch,
  beforeLoad: ({ context, location }) => {
    requireAction(requireSignedIn(context.session, location), 'audit.read');
  },
  component: AuditPage,
});

const settingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/admin/settings',
  beforeLoad: ({ context, location }) => {
    requireAction(requireSignedIn(context.session, location), 'settings.read');
  },
  component: SettingsPage,
});

/** The organization's records checklists (docs/safety-net.md, "Editing the checklists"). */
const checklistsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/admin/checklists',
  beforeLoad: ({ context, location }) => {
    requireAction(requireSignedIn(context.session, location), 'settings.read');
  },
  component: ChecklistsPage,
});

/** Every member's own notifications. */
const notificationsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/notifications',
  beforeLoad: ({ context, location }) => {
    requireSignedIn(context.session, location);
  },
  component: NotificationsPage,
});

/** The coordinator's work queue and case pages (issue 3, "Coordinator"). */
function requireCaseQueue(session: Session): void {
  if (!mayWorkCaseQueue(session.membership.role)) throw redirect({ to: '/' });
}

const queueRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/queue',
  validateSearch: validateQueueSearch,
  beforeLoad: ({ context, location }) => {
    requireCaseQueue(requireSignedIn(context.session, location));
  },
  component: QueuePage,
});

const queueCaseRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/queue/$caseId',
  beforeLoad: ({ context, location }) => {
    requireCaseQueue(requireSignedIn(context.session, location));
  },
  component: CoordinatorCasePage,
});

/** The specialist's offers and assigned cases (issue 3, "Specialist"). */
function requireOffers(session: Session): void {
  if (!mayReceiveOffers(session.membership.role)) throw redirect({ to: '/' });
}

const offersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/offers',
  beforeLoad: ({ context, location }) => {
    requireOffers(requireSignedIn(context.session, location));
  },
  component: OffersPage,
});

const offerCaseRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/offers/$caseId',
  beforeLoad: ({ context, location }) => {
    requireOffers(requireSignedIn(context.session, location));
  },
  component: SpecialistCasePage,
});

/** The specialist's review workspace: the case beside the opinion (issue 3, "Review"). */
const reviewRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/review/$caseId',
  beforeLoad: ({ context, location }) => {
    requireOffers(requireSignedIn(context.session, location));
  },
  component: ReviewWorkspacePage,
});

/** The patient side's cases: the list, starting one, the intake wizard and the case page. */
const myCasesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/cases',
  beforeLoad: ({ context, location }) => {
    requireAction(requireSignedIn(context.session, location), 'case.create');
  },
  component: MyCasesPage,
});

const newCaseRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/cases/new',
  beforeLoad: ({ context, location }) => {
    requireAction(requireSignedIn(context.session, location), 'case.create');
  },
  component: NewCasePage,
});

const caseRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/cases/$caseId',
  beforeLoad: ({ context, location }) => {
    requireAction(requireSignedIn(context.session, location), 'case.create');
  },
  component: CasePage,
});

const caseIntakeRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/cases/$caseId/intake',
  beforeLoad: ({ context, location }) => {
    requireAction(requireSignedIn(context.session, location), 'case.update');
  },
  component: IntakeWizardPage,
});

/** The people around a patient: the patient's helpers (proxies), a physician's referred patients. */
const helpersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/people/helpers',
  beforeLoad: ({ context, location }) => {
    requireAction(requireSignedIn(context.session, location), 'patient.proxy.manage');
  },
  component: HelpersPage,
});

const myPatientsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/people/patients',
  beforeLoad: ({ context, location }) => {
    requireAction(requireSignedIn(context.session, location), 'patient.create');
  },
  component: MyPatientsPage,
});

const routeTree = rootRoute.addChildren([
  helpersRoute,
  myPatientsRoute,
  myCasesRoute,
  newCaseRoute,
  caseRoute,
  caseIntakeRoute,
  queueRoute,
  queueCaseRoute,
  offersRoute,
  offerCaseRoute,
  reviewRoute,
  homeRoute,
  signInRoute,
  mfaChallengeRoute,
  signUpRoute,
  verifyEmailRoute,
  verifyReportRoute,
  confirmEmailRoute,
  forgotPasswordRoute,
  resetPasswordRoute,
  invitationRoute,
  securityRoute,
  membersRoute,
  auditRoute,
  settingsRoute,
  checklistsRoute,
  notificationsRoute,
]);

export const router = createRouter({
  routeTree,
  context: { queryClient },
  defaultPreload: 'intent',
  scrollRestoration: true,
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
