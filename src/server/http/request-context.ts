/**
 * What a request carries once the session is resolved: who is acting, through which session,
 * from where. Use cases receive it instead of the raw request.
 */
import type { Actor } from '../../core/access.ts';
import type { Role } from '../../core/roles.ts';

export interface SessionView {
  id: string;
  stage: 'awaiting_second_factor' | 'active';
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  reauthenticatedAt: Date | null;
}

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  locale: string;
  hasTotp: boolean;
  passkeyCount: number;
}

export interface RequestContext {
  requestId: string;
  ipAddress: string;
  userAgent: string | null;
  session: SessionView | null;
  user: SignedInUser | null;
  /** Set only for an active session with an active membership. */
  actor: Actor | null;
  /** Staff who must still enrol a second factor. */
  enrolmentRequired: boolean;
}

/** The acting member; the access gate guarantees it for `member` routes. */
export function requireActor(context: RequestContext): Actor & { role: Role } {
  if (context.actor === null) throw new Error('requireActor called on a route without a member');
  return context.actor;
}

/** Who is acting, for audit rows. */
export function auditOrigin(context: RequestContext) {
  return {
    organizationId: context.actor?.organizationId ?? null,
    actorUserId: context.user?.id ?? context.session?.userId ?? null,
    ipAddress: context.ipAddress,
    userAgent: context.userAgent,
  };
}
