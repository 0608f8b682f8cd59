/**
 * Session lifetime rules: an idle timeout (per organization) and an absolute lifetime.
 * OWASP Session Management Cheat Sheet: both timeouts are enforced on the server.
 */

export interface SessionTimes {
  createdAt: Date;
  lastSeenAt: Date;
}

export interface SessionLimits {
  idleTimeoutMinutes: number;
  absoluteLifetimeMinutes: number;
}

export type SessionState = 'active' | 'idle_expired' | 'absolute_expired';

export const defaultSessionLimits: SessionLimits = {
  idleTimeoutMinutes: 30,
  absoluteLifetimeMinutes: 12 * 60,
};

/** Whether a session is still usable at `now`. The absolute lifetime wins over idleness. */
export function evaluateSession(
  times: SessionTimes,
  limits: SessionLimits,
  now: Date,
): SessionState {
  const minute = 60_000;
  if (now.getTime() - times.createdAt.getTime() >= limits.absoluteLifetimeMinutes * minute) {
    return 'absolute_expired';
  }
  if (now.getTime() - times.lastSeenAt.getTime() >= limits.idleTimeoutMinutes * minute) {
    return 'idle_expired';
  }
  return 'active';
}

/** How long a re-authentication keeps sensitive actions open. */
export const reauthenticationWindowMinutes = 5;

/** Whether a re-authentication at `reauthenticatedAt` still covers a sensitive action at `now`. */
export function isRecentlyReauthenticated(reauthenticatedAt: Date | null, now: Date): boolean {
  if (reauthenticatedAt === null) return false;
  const age = now.getTime() - reauthenticatedAt.getTime();
  return age >= 0 && age < reauthenticationWindowMinutes * 60_000;
}
